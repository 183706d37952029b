/* workloads.h - the built-in workloads of allocbench: seeded, reproducible streams of
 * cache operations (set, delete, get) whose objects become allocations through a
 * layout (memcached item or Redis blocks, layout.h).
 *
 * Spec syntax: NAME[:ARG][,KEY=VALUE]...
 *   fixed:SIZE            every object SIZE bytes (one raw block)
 *   uniform:MIN-MAX       sizes uniform in [MIN, MAX]
 *   etc[:item|redis|raw]  Facebook ETC keys and values; item (default) is memcached's
 *                         48 + key+1 + value+2 + 8, redis is key sds + value sds
 *   redis-strings[:V|:MIN-MAX]  Redis SET: dict entry, key sds, robj, value sds
 *                         (embstr up to 44 bytes); ETC sizes unless V is given
 *   churn[:MIN-MAX]       fill a live set, then replace random members (ETC items
 *                         unless a raw size range is given)
 *   phase-shift           fill with small objects, delete most, fill with large
 * Keys: keys=N (key space, or live set for churn), delete=F (share of deletes;
 * phase-shift: share of small objects deleted), mode=item|redis|raw,
 * small=MIN-MAX and large=MIN-MAX (phase-shift).
 *
 * The "cache" pattern of fixed, uniform, etc, redis-strings and --sizes: each
 * operation picks a key uniformly from the key space (default ops/4) and deletes it
 * with probability `delete` (default 0.1), else sets it to a fresh size. */
#ifndef KVBENCH_WORKLOADS_H
#define KVBENCH_WORKLOADS_H

#include <stddef.h>
#include <stdint.h>

#include "factor/histogram.h"
#include "layout.h"
#include "rng.h"

typedef enum wl_kind {
    WL_FIXED,
    WL_UNIFORM,
    WL_ETC,
    WL_REDIS_STRINGS,
    WL_CHURN,
    WL_PHASE_SHIFT,
    WL_SIZES,
} wl_kind;

typedef enum op_kind {
    OP_SET,    /* store ksize/vsize under key, replacing what was there */
    OP_DEL,    /* free the key's object if it has one */
    OP_GET,    /* touch (LRU) and expire lazily */
    OP_APPEND, /* grow the value by vsize bytes if the key exists */
} op_kind;

typedef struct wl_op {
    op_kind kind;
    unsigned phase; /* index into the source's phase names */
    uint64_t key;
    uint32_t ksize, vsize;
    uint32_t ttl;  /* seconds of trace time, 0 = never expires */
    uint64_t time; /* trace time in seconds; 0 for built-in workloads */
} wl_op;

typedef struct workload_spec {
    char text[160]; /* the spec as given: the `workload` column */
    wl_kind kind;
    layout_kind layout;
    int etc_sizes;               /* key and value sizes from ETC */
    unsigned long long lo, hi;   /* size (range) argument */
    unsigned long long keys;     /* 0: derived from ops */
    double del_frac;             /* < 0: the workload's default */
    unsigned long long small_lo, small_hi, large_lo, large_hi;
    const size_hist *hist;       /* WL_SIZES; borrowed */
} workload_spec;

/* 0 ok; -1 with a sentence in err saying what is wrong and what is accepted. */
int workload_parse(const char *text, workload_spec *out, char *err, size_t errlen);
/* A --sizes workload over `hist` (borrowed; must outlive every use). */
void workload_spec_sizes(workload_spec *out, const size_hist *hist, const char *path);
/* Replaces the layout of a key-value workload (etc, redis-strings, churn of ETC
 * sizes): item_mode 1 -> memcached item, 0 -> the workload's Redis layout.  Size
 * workloads keep their raw blocks. */
void workload_set_item_mode(workload_spec *s, int item_mode);

/* A running generator.  All of its memory is taken by workload_start, none while
 * operations are drawn, so it can run inside a measured heap. */
typedef struct workload {
    workload_spec spec;
    rng r;
    unsigned long long ops, done;
    unsigned phase;
    unsigned long long nkeys;     /* key space or live set */
    uint64_t *order;              /* churn: live keys; phase-shift: deletion order */
    unsigned long long n_fill, n_del, n_large; /* phase-shift / churn phase sizes */
    uint64_t next_key;
    unsigned long long *cdf;      /* WL_SIZES: cumulative counts */
    int churn_pending;            /* churn: a delete was emitted, its set comes next */
    unsigned long long churn_slot;
} workload;

int workload_start(workload *w, const workload_spec *s, unsigned long long ops, uint64_t seed,
                   char *err, size_t errlen);
/* 1 and *op filled, or 0 when the workload is over. */
int workload_next(workload *w, wl_op *op);
/* Names of the phases (`phase` column): "run" for single-phase workloads. */
const char *workload_phase_name(const workload *w, unsigned phase);
/* Upper bound on the key ids workload_next can produce (exclusive). */
uint64_t workload_key_bound(const workload *w);
void workload_end(workload *w);

/* Every size a built-in workload would allocate over `ops` operations (item_mode 1:
 * memcached items 48+key+1+value+2+8, 0: raw allocations as Redis makes them; size
 * workloads allocate their sizes either way).  An overwrite in a Redis layout
 * allocates only the value blocks, as Redis does.  0 ok, -1 with err. */
int workload_size_hist(const char *workload, unsigned long long ops, uint64_t seed,
                       int item_mode, size_hist *out, char *err, size_t errlen);

#endif /* KVBENCH_WORKLOADS_H */
