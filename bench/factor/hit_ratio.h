/* hit_ratio.h - `allocbench factor --by hit-ratio`: every factor of the sweep (and the
 * --optimal K table) replayed on the simulator's memcached preset at memcached's -m,
 * and the factor that keeps the most hits. */
#ifndef KVBENCH_FACTOR_HIT_RATIO_H
#define KVBENCH_FACTOR_HIT_RATIO_H

#include <stddef.h>

#include "report.h"

/* What the replays need besides the sweep's own options. */
typedef struct factor_hr_opts {
    const char *trace;       /* the trace every table replays, whole, cache-aside */
    unsigned jobs;           /* replays at once; 0: one per online CPU */
    unsigned long long seed; /* the preset's random choices */
} factor_hr_opts;

/* 0 when the memcached preset can build g's tables (1 MiB pages, its 63-class cap,
 * min_chunk above the 48-byte header, chunk_max a power of two from 512 to 1 MiB);
 * otherwise -1 and a sentence naming the option in err. */
int factor_hr_geom_check(const factor_geom *g, char *err, size_t errlen);

/* The preset config that builds the table of factor `label` over g:
 * "memcached:factor=LABEL" plus min_chunk= and chunk_max= where g differs from
 * memcached's defaults.  0 ok, -1 when it does not fit buf. */
int factor_hr_config_factor(const factor_geom *g, const char *label, char *buf, size_t len);

/* The preset config that builds the expressible table t (factor_table_expressible):
 * "memcached:sizes=a-b-c" (factor_slab_sizes_arg's list), with n= lowered to the
 * first entry when memcached's default -n 48 would refuse it, and chunk_max= where g
 * differs.  0 ok; -1 when t is not expressible or the text does not fit. */
int factor_hr_config_sizes(const factor_geom *g, const class_table *t, char *buf,
                           size_t len);

/* The hit-ratio recommendation among rows[0..n), all done: with H the highest hit
 * ratio, the rows with hit ratio >= H - tie are ties, and of them the one whose factor
 * is closest to 1.25 (memcached's default) wins; equal distances go to the higher hit
 * ratio, then the smaller factor.  Deterministic, and never more than `tie` below H. */
size_t factor_hr_pick(const sweep_row *rows, size_t n, double tie);

/* The tie width for a replay with `gets` gets and best hit ratio h: one standard
 * error of a hit ratio measured over that many gets, sqrt(h (1 - h) / gets) --
 * differences below it would as likely go the other way on another sample of the
 * same workload. */
double factor_hr_tie(double h, unsigned long long gets);

/* Replays the trace once per row of r, once for the default 1.25 and once for the
 * --optimal K table when o->optimal_k, at o->memory bytes of memcached -m (budget
 * own), in child processes (h->jobs at once); fills every row's hr, r->dflt.hr,
 * r->tuser_hr and r->user_hr, r->hr_tie and r->best_hr, and sets r->hr.
 * 0 ok; -1 with err (a config the preset refuses, or a replay that failed). */
int factor_hr_run(const factor_opts *o, const factor_hr_opts *h, factor_report *r,
                  char *err, size_t errlen);

#endif /* KVBENCH_FACTOR_HIT_RATIO_H */
