/* histogram.h - a size distribution as sorted (size, count) pairs: the input every
 * allocbench report about class tables reads (`stats sizes`, a CSV, a trace). */
#ifndef KVBENCH_HISTOGRAM_H
#define KVBENCH_HISTOGRAM_H

#include <stddef.h>

/* Invariant: size[0] < size[1] < ... < size[n-1], every count[i] > 0 and
 * total == count[0] + ... + count[n-1].  An empty histogram has n == 0 and NULL
 * arrays.  The arrays are owned by the struct: free them with size_hist_free. */
typedef struct size_hist {
    size_t n;
    size_t *size;
    unsigned long long *count;
    unsigned long long total;
} size_hist;

/* Reads `path`: either `size,count` CSV (an optional header line, blank lines and
 * '#' comments allowed) or the output of memcached's `stats sizes` ("STAT <size>
 * <count>" lines, END).  Repeated sizes are summed, zero counts dropped.  Returns 0
 * on success; otherwise -1 with `err` naming file:line and what is wrong (including
 * "STAT sizes_status disabled": memcached was started without -o track_sizes). */
int size_hist_load(const char *path, size_hist *out, char *err, size_t errlen);

/* Aggregates n raw sizes (any order, repeats allowed) into *out.  0 ok, -1 out of
 * memory (out is then empty). */
int size_hist_from_sizes(const size_t *sizes, size_t n, size_hist *out);

/* Aggregates n (size, count) pairs (any order, repeats summed, zero counts dropped).
 * 0 ok, -1 out of memory or a total that overflows (out is then empty). */
int size_hist_from_pairs(const size_t *sizes, const unsigned long long *counts, size_t n,
                         size_hist *out);

/* Adds `delta` to every size (memcached item overhead, say) into a new histogram.
 * 0 ok, -1 out of memory or overflow. */
int size_hist_shift(const size_hist *in, size_t delta, size_hist *out);

void size_hist_free(size_hist *h);

#endif /* KVBENCH_HISTOGRAM_H */
