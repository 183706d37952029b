/* zmalloc.h - Redis's zmalloc names (zmalloc, zfree, zmalloc_used_memory, ...) over
 * one process-default zmalloc instance, so code written against Redis's zmalloc.h
 * builds unchanged.  The instance is created on first use: base jemalloc, as Redis on
 * Debian, thread-safe, no prefix; zmalloc_configure may choose otherwise before that.
 * The only process-wide state of kvalloc lives behind this header (library
 * kvalloc_redis); the core libraries stay instance-only. */
#ifndef KVALLOC_ZMALLOC_H
#define KVALLOC_ZMALLOC_H

#include "alloc_api.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* As in Redis: on failure zmalloc & co call the OOM handler (default: print
 * "zmalloc: Out of memory trying to allocate N bytes" on stderr and abort) and return
 * NULL if it returns; the ztry* forms return NULL.  A size of 0 gets sizeof(long)
 * bytes; requests >= SIZE_MAX/2 fail at once; zrealloc(NULL, n) is zmalloc(n) and
 * zrealloc(p, 0) frees p and returns NULL.  A failed zrealloc leaves p allocated. */
void *zmalloc(size_t size) ALLOC_ATTR_MALLOC ALLOC_ATTR_ALLOC_SIZE(1);
void *zcalloc(size_t size) ALLOC_ATTR_MALLOC ALLOC_ATTR_ALLOC_SIZE(1); /* zeroed */
void *zcalloc_num(size_t num, size_t size) ALLOC_ATTR_MALLOC ALLOC_ATTR_ALLOC_SIZE2(1, 2);
void *zrealloc(void *ptr, size_t size) ALLOC_ATTR_ALLOC_SIZE(2);
void *ztrymalloc(size_t size) ALLOC_ATTR_MALLOC ALLOC_ATTR_ALLOC_SIZE(1);
void *ztrycalloc(size_t size) ALLOC_ATTR_MALLOC ALLOC_ATTR_ALLOC_SIZE(1);
void *ztryrealloc(void *ptr, size_t size) ALLOC_ATTR_ALLOC_SIZE(2);
void zfree(void *ptr);
char *zstrdup(const char *s) ALLOC_ATTR_MALLOC;

/* Redis 6.2+: the usable size comes back with the block (or before the free). */
void *zmalloc_usable(size_t size, size_t *usable) ALLOC_ATTR_MALLOC;
void *zcalloc_usable(size_t size, size_t *usable) ALLOC_ATTR_MALLOC;
void *zrealloc_usable(void *ptr, size_t size, size_t *usable);
void *ztrymalloc_usable(size_t size, size_t *usable) ALLOC_ATTR_MALLOC;
void zfree_usable(void *ptr, size_t *usable);

size_t zmalloc_size(void *ptr);        /* bytes used_memory counts for ptr */
size_t zmalloc_usable_size(void *ptr); /* bytes the caller may use in ptr */
size_t zmalloc_used_memory(void);
void zmalloc_set_oom_handler(void (*oom_handler)(size_t));
size_t zmalloc_get_rss(void);
/* jemalloc's stats.allocated / active / resident: 1 with the jemalloc base; 0 and all
 * three 0 with libc (Redis's server then uses used_memory and the RSS instead). */
int zmalloc_get_allocator_info(size_t *allocated, size_t *active, size_t *resident);
float zmalloc_get_fragmentation_ratio(size_t rss); /* rss / used_memory */
void zlibc_free(void *ptr); /* frees what libc functions returned (plain free) */

/* kvalloc additions.  zmalloc_configure sets the default instance's configuration
 * (backend must be "zmalloc"): 0 when accepted, -1 when the instance already exists or
 * cfg is invalid.  zmalloc_instance gives the instance, creating it if needed, for the
 * typed API of zm_api.h (INFO memory, alloc_check, stats). */
int zmalloc_configure(const alloc_config *cfg);
alloc_t *zmalloc_instance(void);

#ifdef __cplusplus
}
#endif

#endif /* KVALLOC_ZMALLOC_H */
