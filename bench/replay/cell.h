/* cell.h - one measured cell: a workload (or trace) replayed on one allocator
 * configuration, sampled into rows of the accounting identity.  cell_run works in the
 * calling process; cell_fork.h runs cells in children so RSS figures do not mix. */
#ifndef KVBENCH_CELL_H
#define KVBENCH_CELL_H

#include <stddef.h>
#include <stdint.h>

#include "config_spec.h"
#include "layout.h"
#include "workloads.h"

#define CELL_PHASE_LEN 16
#define CELL_DEFAULT_SAMPLES 10
#define CELL_SHIFT_SAMPLES 40 /* phase-shift draws held bytes over time */

/* One row of fragmentation.csv (the strings workload/config/seed come from the spec).
 * Identity: held == requested + header + alignment + rounding + external. */
typedef struct cell_row {
    char phase[CELL_PHASE_LEN];
    int final;
    uint64_t ops, live_objects, live_blocks;
    uint64_t requested, header, alignment, rounding;
    int64_t external;
    uint64_t held, peak_held, rss;
    double ops_per_sec;
    uint64_t evictions, failed_sets, expired, malformed;
    uint64_t used; /* the allocator's own count (slab used_bytes, used_memory, ...) */
    int has_info;  /* zmalloc: Redis's INFO memory figures below */
    uint64_t info_allocated, info_active, info_resident;
    double mem_fragmentation_ratio, allocator_frag_ratio, allocator_rss_ratio,
        rss_overhead_ratio;
} cell_row;

/* One slab class at a sample point (slab_pages.csv). */
typedef struct class_row {
    char phase[CELL_PHASE_LEN];
    uint64_t ops;
    unsigned id;
    uint64_t page_size, chunk_size, chunks_per_page, total_pages, total_chunks,
        used_chunks, free_chunks, requested;
} class_row;

typedef struct cell_sink {
    void *ud;
    void (*row)(void *ud, const cell_row *r);
    void (*class_row)(void *ud, const class_row *r);
} cell_sink;

typedef struct cell_spec {
    const workload_spec *wl; /* NULL for a trace */
    const char *trace;       /* path */
    layout_kind trace_layout;
    const bench_config *cfg;
    unsigned long long ops;  /* trace: at most this many lines, 0 = all */
    uint64_t seed;
    size_t mem_limit;        /* 0: the configuration's own */
    unsigned samples;        /* periodic samples; 0: the workload's default */
} cell_spec;

/* The `workload` column of a cell: the spec as given, or trace:<file name>. */
void cell_workload_name(const cell_spec *c, char *buf, size_t len);

/* Runs the cell, sending rows to sink as they are taken (periodic samples, phase
 * boundaries, then a final row).  0 ok; -1 with err. */
int cell_run(const cell_spec *c, const cell_sink *sink, char *err, size_t errlen);

#endif /* KVBENCH_CELL_H */
