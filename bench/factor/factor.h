/* factor.h - choosing a memcached slab growth factor: class tables computed with
 * memcached's exact arithmetic, their efficiency over a size distribution, the
 * optimal table of K classes, and `allocbench factor` itself (factor_main).
 *
 * Everything here is a pure function of its arguments: no allocator instance is
 * needed and the same input always gives the same answer. */
#ifndef KVBENCH_FACTOR_H
#define KVBENCH_FACTOR_H

#include <stddef.h>

#include "histogram.h"

/* memcached's own limits: 63 classes (MAX_NUMBER_OF_SLAB_CLASSES - 1), chunks
 * aligned to 8 bytes (CHUNK_ALIGN_BYTES), at most 62 explicit slab_sizes because
 * slab_chunk_max is always appended, and sizeof(item) == 48 with CAS on. */
#define FACTOR_MAX_CLASSES 255
#define FACTOR_MEMCACHED_CLASSES 63
#define FACTOR_ALIGN 8
#define FACTOR_ITEM_HEADER 48

/* The geometry every table is built for; the fields mean what alloc_config.slab's
 * fields of the same names mean (min_chunk is memcached's 48 + -n). */
typedef struct factor_geom {
    size_t min_chunk;
    size_t page_size;
    size_t chunk_max;
    unsigned max_classes;
} factor_geom;

/* A class table: chunk[0] < chunk[1] < ... < chunk[n-1] == chunk_max, each a
 * multiple of FACTOR_ALIGN except possibly the last (memcached takes
 * slab_chunk_max as given).  A class's chunks per page is page_size / chunk. */
typedef struct class_table {
    unsigned n;
    size_t chunk[FACTOR_MAX_CLASSES];
} class_table;

/* memcached's defaults: min_chunk 96 (-n 48), 1 MiB pages, chunk_max 512 KiB,
 * 63 classes. */
void factor_geom_default(factor_geom *g);

/* 0 if g is usable; otherwise -1 and a sentence in msg. */
int factor_geom_check(const factor_geom *g, char *msg, size_t msglen);

/* The table memcached's slabs_init builds for growth factor f (> 1): start at
 * min_chunk; while the class id is below max_classes and size < chunk_max / f
 * (as doubles), align up to 8, record, and truncate size * f to unsigned int; then
 * one last class of exactly chunk_max. */
void class_table_from_factor(const factor_geom *g, double f, class_table *t);

/* The table memcached builds from -o slab_sizes: each size aligned up to 8, then
 * chunk_max appended.  The caller guarantees sizes are increasing and below
 * chunk_max and n < max_classes. */
void class_table_from_sizes(const factor_geom *g, const size_t *sizes, unsigned n,
                            class_table *t);

/* How a table serves a distribution.  Every size <= the largest chunk is placed
 * in the first class whose chunk is >= it; larger sizes are counted apart.
 *
 * chunk_efficiency = requested / chunk_bytes over the placed sizes.
 *
 * memory_efficiency models a cache of `memory` bytes filled with the histogram's
 * mix: t copies of the distribution are stored, class c needing
 * p_c(t) = max(1, ceil(t * count_c / perslab_c)) whole pages (every class in use
 * holds at least one; the page tail page_size - perslab * chunk is lost); t is the
 * largest scale with sum p_c(t) <= max(floor(memory / page_size), classes in use).
 * Then memory_efficiency = t * requested / (sum p_c(t) * page_size). */
typedef struct table_eval {
    unsigned classes;      /* entries in the table */
    unsigned classes_used; /* classes that receive at least one size */
    unsigned long long requested, chunk_bytes, placed;
    unsigned long long oversize_count, oversize_bytes; /* sizes above chunk_max */
    double chunk_efficiency;
    double memory_efficiency;
    double scale; /* t above */
    unsigned long long pages;
    /* the class wasting the most bytes, its chunk size, its own efficiency and its
     * share of all chunk bytes wasted */
    size_t worst_chunk;
    double worst_efficiency, worst_waste_share;
} table_eval;

/* 0 ok; -1 when a byte total would pass 2^64 (see factor_hist_fits). */
int table_eval_run(const class_table *t, const factor_geom *g, const size_hist *h,
                   unsigned long long memory, table_eval *out);

/* 1 when total * chunk_max fits in 64 bits, so every sum above is exact. */
int factor_hist_fits(const factor_geom *g, const size_hist *h);

/* The optimal tables for K = 1 .. kmax classes in all, the last of them always
 * chunk_max (memcached appends it to any slab_sizes list).  waste[K] is the least
 * chunk bytes minus requested bytes over the sizes <= chunk_max with K classes;
 * factor_optimal_table rebuilds the table that achieves it. */
typedef struct factor_optimal {
    unsigned kmax;
    unsigned long long *waste; /* kmax + 1 entries, [0] unused */
    /* private: candidate chunk sizes and the argmin of each layer, for rebuilding */
    size_t m;
    size_t *cand;
    unsigned *from; /* (kmax - 1) layers of m + 1 entries */
    size_t *best_end;    /* per K: index (1-based) of the last free class, 0 = none */
    unsigned *best_free; /* per K: free classes (before chunk_max) it uses */
} factor_optimal;

/* Dynamic programme over the distinct aligned sizes below chunk_max, divide and
 * conquer per layer (the cost satisfies the quadrangle inequality):
 * O(kmax * m log m).  0 ok, -1 out of memory or overflow. */
int factor_optimal_run(const factor_geom *g, const size_hist *h, unsigned kmax,
                       factor_optimal *out);
void factor_optimal_table(const factor_optimal *o, const factor_geom *g, unsigned k,
                          class_table *t);
void factor_optimal_free(factor_optimal *o);

/* memcached (and the slab backend) want each slab_sizes entry more than 8 above the
 * previous one.  An entry may be anything in [chunk - 7, chunk], so a table is
 * expressible unless it has 8 gaps of exactly 8 bytes in a row.  This copies `in`
 * into `out` dropping the class that would make such a run (its sizes move up one
 * class), and returns how many classes it dropped. */
unsigned factor_table_expressible(const class_table *in, class_table *out);

/* Writes the -o slab_sizes list that makes memcached build `t` (all classes but the
 * last), entries chosen in [chunk - 7, chunk] and equal to chunk where the rule
 * allows.  Returns -1 (buf holds the nearest list) when t is not expressible. */
int factor_slab_sizes_arg(const class_table *t, char *buf, size_t buflen,
                          size_t *first_raw);

/* `allocbench factor ...`; argv[0] is "factor".  Returns 0, 1 on failure, 2 on a
 * usage error; the report goes to stdout, errors to stderr. */
int factor_main(int argc, char **argv);

#endif /* KVBENCH_FACTOR_H */
