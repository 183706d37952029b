/* report.h - the pieces of `allocbench factor` between the class-table arithmetic
 * (factor.h) and the command line: one input's sweep, recommendation and optimal
 * tables, printed as text, CSV and a gnuplot SVG. */
#ifndef KVBENCH_FACTOR_REPORT_H
#define KVBENCH_FACTOR_REPORT_H

#include <stdio.h>

#include "factor.h"

typedef struct factor_opts {
    factor_geom geom;
    double from, to, step;
    unsigned long long memory; /* bytes of cache modelled by memory_efficiency; with
                                  by_hit_ratio also memcached's -m */
    int rank_memory;           /* 1: pick the best factor by memory efficiency */
    int by_hit_ratio;          /* 1: also replay a trace on each table (hit_ratio.h) */
    unsigned optimal_k;        /* 0: only the K of the best factor */
} factor_opts;

/* One table replayed on the memcached preset (--by hit-ratio). */
typedef struct hr_cell {
    int done;                 /* 0: not simulated (the fields below are then 0) */
    double hit_ratio;         /* hits / gets */
    unsigned long long gets, evictions;
    unsigned long long counted_bytes; /* memcached's total_malloced at the end */
} hr_cell;

typedef struct sweep_row {
    char label[24]; /* the factor as printed; strtod(label) is the factor used */
    double f;
    unsigned classes;
    size_t below_max; /* largest chunk before chunk_max, 0 if none */
    int capped;       /* the class cap, not chunk_max / f, ended the table */
    table_eval e;
    hr_cell hr;
} sweep_row;

typedef struct factor_report {
    const char *name;
    const size_hist *h;
    size_t nrows;
    sweep_row *rows;
    sweep_row dflt;  /* factor 1.25 */
    size_t best;     /* index into rows */
    factor_optimal opt;
    unsigned kbest;  /* classes of the best factor */
    class_table tbest_opt, tuser_opt;
    table_eval ebest_opt, euser_opt;
    table_eval *curve; /* per K = 1 .. opt.kmax, [0] unused */
    /* --by hit-ratio (factor_hr_run): every row's hr is done */
    int hr;
    size_t best_hr;     /* index into rows: the hit-ratio recommendation */
    double hr_tie;      /* hit ratios within this of the highest count as ties */
    class_table tuser_hr; /* the --optimal K table as memcached takes it */
    hr_cell user_hr;      /* its replay (done only with --optimal K) */
} factor_report;

/* Runs the sweep, the recommendation and the optimal tables for one distribution.
 * 0 ok; -1 with a message in err. */
int factor_report_run(const factor_opts *o, const char *name, const size_hist *h,
                      factor_report *r, char *err, size_t errlen);
void factor_report_free(factor_report *r);

void factor_report_print(const factor_opts *o, const factor_report *r, FILE *out);
void factor_report_csv(const factor_report *r, FILE *out, int header);
void factor_report_curve_csv(const factor_report *r, FILE *out, int header);

/* Plots efficiency against factor for every report, with the default, the best
 * factor and the optimal tables marked, by piping a script to gnuplot.  0 ok. */
int factor_plot_svg(const factor_report *r, size_t nreports, const char *path, char *err,
                    size_t errlen);

#endif /* KVBENCH_FACTOR_REPORT_H */
