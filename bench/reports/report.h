/* report.h - the default report's pieces shared between report_cmd.c (running it,
 * plotting) and report_readme.c (results/README.md). */
#ifndef KVBENCH_REPORT_H
#define KVBENCH_REPORT_H

#include <stddef.h>

#include "cell_fork.h"

typedef struct report_run {
    const cell_spec *cells;
    const cell_result *res;
    size_t n;
    const char *const *workloads; /* row order */
    size_t nworkloads;
    const char *const *configs;   /* column order */
    size_t nconfigs;
    const char *command;          /* as typed */
    double seconds;               /* wall time of the run */
    unsigned jobs;
    int plotted;                  /* SVGs were written */
} report_run;

/* The cell of (workload w, config k), or NULL; and its final row, or NULL. */
const cell_result *report_cell(const report_run *r, size_t w, size_t k);
const cell_row *report_final(const cell_result *res);

/* Writes dir/README.md: machine, command, and what the figures show.  0 ok. */
int report_write_readme(const report_run *r, const char *dir);

#endif /* KVBENCH_REPORT_H */
