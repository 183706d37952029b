/* csv_out.h - the two CSV files of a run: fragmentation rows (one per workload,
 * configuration and sample point) and slab pages per class. */
#ifndef KVBENCH_CSV_OUT_H
#define KVBENCH_CSV_OUT_H

#include <stdint.h>
#include <stdio.h>

#include "cell.h"

/* What names a cell in every row. */
typedef struct csv_cell {
    const char *workload, *config;
    uint64_t seed;
    size_t mem_limit;
} csv_cell;

void csv_frag_header(FILE *f);
void csv_frag_row(FILE *f, const csv_cell *c, const cell_row *r);
void csv_pages_header(FILE *f);
void csv_pages_row(FILE *f, const csv_cell *c, const class_row *r);
/* A field quoted when it holds a comma or a quote (configurations do). */
void csv_field(FILE *f, const char *s);

#endif /* KVBENCH_CSV_OUT_H */
