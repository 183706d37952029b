/* zm_api.h - the zmalloc backend's own typed API: the same calls as alloc_api.h without
 * the vtable hop, Redis's extra queries (counted size, strdup, used_memory), and the
 * INFO-memory report of Redis 7.0.  Every alloc_t here must come from alloc_create with
 * backend "zmalloc" (zm_is_instance tells). */
#ifndef KVALLOC_ZM_API_H
#define KVALLOC_ZM_API_H

#include "alloc_api.h"

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when a was created by the zmalloc backend. */
int zm_is_instance(const alloc_t *a);

/* As alloc_malloc & co.  zm_malloc(a, 0) allocates sizeof(long) bytes, as Redis does:
 * a unique block that must be freed.  Requests >= SIZE_MAX/2 fail at once. */
void *zm_malloc(alloc_t *a, size_t size) ALLOC_ATTR_MALLOC ALLOC_ATTR_ALLOC_SIZE(2);
void *zm_calloc(alloc_t *a, size_t n, size_t size)
    ALLOC_ATTR_MALLOC ALLOC_ATTR_ALLOC_SIZE2(2, 3);
void *zm_realloc(alloc_t *a, void *p, size_t size) ALLOC_ATTR_ALLOC_SIZE(3);
void zm_free(alloc_t *a, void *p); /* NULL is a no-op */
void zm_free_sized(alloc_t *a, void *p, size_t size);
char *zm_strdup(alloc_t *a, const char *s) ALLOC_ATTR_MALLOC;

/* Bytes the caller may use in p: the base's usable size, or with the prefix the
 * requested size (what the prefix accounting covers). */
size_t zm_usable_size(const alloc_t *a, const void *p);
/* Bytes used_memory counts for p (Redis's zmalloc_size): the usable size, or with the
 * prefix size + 8, rounded up to sizeof(long) under round_to_long. */
size_t zm_counted_size(const alloc_t *a, const void *p);
size_t zm_good_size(const alloc_t *a, size_t size);
/* The instance's used_memory: one sum over its counter shards. */
size_t zm_used_memory(const alloc_t *a);

/* Process-wide figures, whatever instance asks. */
size_t zm_process_rss(void); /* /proc/self/stat field 24 x page size; 0 if unreadable */
/* jemalloc's stats.allocated / active / resident after refreshing its epoch; 0 when
 * jemalloc was built without statistics (all three are then 0). */
int zm_jemalloc_stats(size_t *allocated, size_t *active, size_t *resident);

/* Redis 7.0's INFO memory section for one instance.
 * Per instance: used_memory, used_memory_peak.
 * Per process: used_memory_rss and, with the jemalloc base, allocator_allocated /
 *   active / resident (jemalloc serves every instance of that base and, when linked,
 *   the process's malloc too).  With the libc base there are no allocator statistics
 *   and, as Redis says, allocated = used_memory (per instance), active = resident = rss.
 * Ratios mix the two levels exactly as Redis does; a ratio whose denominator is 0
 * is reported as 0. */
typedef struct zm_info_memory {
    size_t used_memory;
    size_t used_memory_peak;
    size_t used_memory_rss;
    size_t allocator_allocated;
    size_t allocator_active;
    size_t allocator_resident;
    double allocator_frag_ratio;    /* active / allocated */
    long long allocator_frag_bytes; /* active - allocated */
    double allocator_rss_ratio;     /* resident / active */
    long long allocator_rss_bytes;  /* resident - active */
    double rss_overhead_ratio;      /* rss / resident */
    long long rss_overhead_bytes;   /* rss - resident */
    double mem_fragmentation_ratio; /* rss / used_memory */
    long long mem_fragmentation_bytes; /* rss - used_memory */
    int allocator_stats;            /* 1: allocator_* figures come from jemalloc */
    char mem_allocator[32];         /* "jemalloc-5.3.0" or "libc" */
} zm_info_memory;

/* ALLOC_EINVAL when a is not a zmalloc instance. */
alloc_status zm_info_memory_fill(const alloc_t *a, zm_info_memory *out);

/* Writes "# Memory" then one `name:value` line per field in Redis's order and format
 * (human-readable sizes as Redis's bytesToHuman, ratios with two decimals). */
void zm_info_memory_print(FILE *out, const zm_info_memory *m);

#ifdef __cplusplus
}
#endif

#endif /* KVALLOC_ZM_API_H */
