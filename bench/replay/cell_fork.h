/* cell_fork.h - running cells in child processes, a few at a time: each cell's RSS
 * is its own, a crash in one cell is reported and the others go on.  A child sends
 * its rows back through a pipe; the parent keeps them in cell order. */
#ifndef KVBENCH_CELL_FORK_H
#define KVBENCH_CELL_FORK_H

#include <stddef.h>

#include "cell.h"

typedef struct cell_result {
    cell_row *rows;
    size_t nrows;
    class_row *classes;
    size_t nclasses;
    int ok;
    char err[320];
    double seconds;
} cell_result;

/* Called in the parent as each cell ends (done of total so far). */
typedef void (*cell_progress_fn)(void *ud, size_t done, size_t total, const cell_spec *c,
                                 const cell_result *r);

/* Runs cells[0..n) with at most `jobs` children at once; out[i] gets cell i's rows.
 * Returns the number of cells that failed (their out[i].err says why). */
size_t cells_run(const cell_spec *cells, size_t n, unsigned jobs, cell_result *out,
                 cell_progress_fn progress, void *ud);
void cell_result_free(cell_result *r);

#endif /* KVBENCH_CELL_FORK_H */
