/* sim_run.h - the simulator's engine: one cell replays a request stream (a trace file
 * or a built-in stream) on one server preset at one memory budget, driving the
 * preset's clocks from trace time and counting hits; sim_cells runs many cells in
 * child processes, a few at a time. */
#ifndef KVBENCH_SIM_RUN_H
#define KVBENCH_SIM_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "reqgen.h"
#include "sim.h"

typedef struct sim_cell {
    const char *workload;        /* the `workload` column */
    const reqgen_spec *gen;      /* a built-in stream, or NULL for a trace */
    const char *trace;           /* trace path when gen is NULL */
    const char *config;          /* preset and options, as given: the `config` column */
    uint64_t memory;             /* bytes */
    sim_budget budget;
    double time_scale;           /* server seconds per trace second (> 0) */
    int no_fill;                 /* 1: a missed get stores nothing */
    unsigned long long requests; /* stream: how many; trace: at most this many, 0 = all */
    uint64_t seed;
    uint64_t clock_origin_us;    /* unix time of the first request (0: unknown) */
    uint64_t server_uptime_us;   /* how long the server ran before the first request:
                                    the preset's clocks start that much earlier, as a
                                    live server's maintainer and automove window do */
} sim_cell;

#define SIM_TIMELINE_POINTS 60

/* Hit ratio over trace time: the replay cut into at most SIM_TIMELINE_POINTS equal
 * spans of trace seconds. */
typedef struct sim_point {
    uint64_t t_end;      /* trace seconds since the first request, end of the span */
    uint64_t gets, hits; /* within the span */
    uint64_t pages_moved, evictions; /* cumulative at its end */
} sim_point;

/* One row of sim.csv.  Hit ratios count gets (get and gets) only; byte figures count
 * key + value bytes of those gets. */
typedef struct sim_row {
    uint64_t requests;     /* requests read (malformed lines excluded) */
    uint64_t gets, hits, get_bytes, hit_bytes;
    uint64_t sets;         /* stores sent to the preset: the trace's writes and the fills */
    uint64_t deletes;
    uint64_t skipped;      /* append, prepend, incr, decr: not modelled */
    uint64_t malformed;    /* trace lines that did not parse */
    double hit_ratio, byte_hit_ratio;
    double efficiency;     /* requested_bytes / held_bytes */
    double seconds, requests_per_sec;
    sim_stats st;
    unsigned npoints;
    sim_point point[SIM_TIMELINE_POINTS];
} sim_row;

/* Runs the cell in the calling process.  0 ok; -1 with err. */
int sim_run(const sim_cell *c, sim_row *out, char *err, size_t errlen);
/* The same with the preset given (c->config is then only the row's label): how tests
 * run the engine on a preset of their own. */
int sim_run_preset(const sim_preset *p, const char *opts, const sim_cell *c, sim_row *out,
                   char *err, size_t errlen);

typedef struct sim_result {
    int ok;
    char err[320];
    sim_row row;
} sim_result;

/* Runs cells[0..n) in children, `jobs` at once (0: one per online CPU), printing a
 * progress line per cell on stderr unless quiet.  Returns the number that failed. */
size_t sim_cells(const sim_cell *cells, size_t n, unsigned jobs, int quiet, sim_result *out);

/* sim.csv: the header, and one row per cell. */
void sim_csv_header(FILE *f);
void sim_csv_row(FILE *f, const sim_cell *c, const sim_row *r);
/* The timeline CSV: one row per point of every cell. */
void sim_timeline_header(FILE *f);
void sim_timeline_rows(FILE *f, const sim_cell *c, const sim_row *r);

/* SVG plots through gnuplot (the TSV they are drawn from is written beside them as
 * SVG.tsv).  Miss ratio against memory, one line per (input, config): the cells must
 * come grouped that way, memories ascending.  Hit ratio over trace time, one line per
 * cell.  0 ok, -1 with a line on stderr. */
int sim_plot_mrc(const char *svg, const sim_cell *cells, const sim_result *res, size_t n);
int sim_plot_timeline(const char *svg, const sim_cell *cells, const sim_result *res, size_t n);

/* Appends to the Markdown file `path` (under a "### title" heading when title is not
 * NULL), per input: the best memcached-style and Redis-style hit ratio at each budget
 * and their difference in points, then the bytes per object of every configuration at
 * the budget where the styles differ most.  Cells grouped by input.  0 ok, -1. */
int sim_readme_append(const char *path, const char *title, const sim_cell *cells,
                      const sim_result *res, size_t n);

#endif /* KVBENCH_SIM_RUN_H */
