/* run_cells.h - what frag and report share: running a list of cells in children
 * with a progress line, and writing their rows as CSV. */
#ifndef KVBENCH_RUN_CELLS_H
#define KVBENCH_RUN_CELLS_H

#include <stdio.h>

#include "cell_fork.h"

/* Runs the cells (jobs at once; 0 = one per online CPU), printing a progress line
 * per cell on stderr unless quiet.  Returns the number of failed cells, each also
 * reported on stderr. */
size_t run_cells(const cell_spec *cells, size_t n, unsigned jobs, int quiet, cell_result *out);

/* Writes the header and every row of the cells that succeeded.  pages may be NULL. */
void write_cells_csv(FILE *frag, FILE *pages, const cell_spec *cells, const cell_result *res,
                     size_t n);

#endif /* KVBENCH_RUN_CELLS_H */
