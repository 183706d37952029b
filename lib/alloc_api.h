/* alloc_api.h - one interface over two ways of managing a key-value store's memory:
 * Redis's zmalloc (a counting wrapper over a general allocator) and memcached's slab
 * allocator (pages carved into fixed-size chunks, one size class per growth step).
 *
 * Every call takes an instance handle; the library keeps no mutable process-wide
 * state, so any number of instances of either backend live side by side. */
#ifndef KVALLOC_ALLOC_API_H
#define KVALLOC_ALLOC_API_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ALLOC_ATTR_MALLOC __attribute__((malloc))
#define ALLOC_ATTR_ALLOC_SIZE(n) __attribute__((alloc_size(n)))
#define ALLOC_ATTR_ALLOC_SIZE2(n, m) __attribute__((alloc_size(n, m)))
#define ALLOC_ATTR_FORMAT(f, a) __attribute__((format(printf, f, a)))
#else
#define ALLOC_ATTR_MALLOC
#define ALLOC_ATTR_ALLOC_SIZE(n)
#define ALLOC_ATTR_ALLOC_SIZE2(n, m)
#define ALLOC_ATTR_FORMAT(f, a)
#endif

#define KVALLOC_VERSION_MAJOR 0
#define KVALLOC_VERSION_MINOR 1
#define KVALLOC_VERSION_PATCH 0

typedef struct alloc alloc_t; /* one allocator instance, opaque */

typedef enum alloc_status {
    ALLOC_OK = 0,
    ALLOC_ENOMEM,      /* memory limit reached or the base allocator failed */
    ALLOC_EINVAL,      /* bad configuration or argument */
    ALLOC_EDOUBLEFREE, /* block already free */
    ALLOC_EFOREIGN,    /* pointer not from this instance (or not a block start) */
    ALLOC_ECORRUPT     /* metadata found damaged */
} alloc_status;

/* Called for every bad call (bad free, invalid config, failed allocation is NOT one:
 * that is a NULL return).  `ptr` is the offending pointer or NULL; `message` names the
 * pointer, the instance and what to fix.  If the handler returns, the offending call
 * is ignored and the instance is unchanged. */
typedef void (*alloc_error_fn)(void *ud, alloc_status status, const void *ptr,
                               const char *message);

typedef struct alloc_config {
    const char *backend;     /* "zmalloc" or "slab" */
    size_t mem_limit;        /* most bytes the instance may hold; 0 = no limit */
    int thread_safe;         /* 1 (default): any thread may call; 0: caller serialises */
    alloc_error_fn on_error; /* NULL: print the message on stderr, then abort() */
    void *on_error_ud;
    struct {
        const char *base;  /* "libc" (default) or "jemalloc" */
        int prefix;        /* -1 (default): only when the base cannot report sizes;
                              0: never; 1: always, as Redis without malloc_size */
        int round_to_long; /* 1: count sizes rounded up to sizeof(long), as Redis 2.x-3.2 */
        int track;         /* 1: keep a table of live blocks to catch bad frees */
    } zmalloc;
    struct {
        double growth_factor; /* default 1.25, must be > 1 */
        size_t min_chunk;     /* first class before alignment, default 48
                                 (memcached's sizeof(item) + -n is 96) */
        size_t page_size;     /* default 1 MiB, power of two, 4 KiB .. 1 GiB */
        size_t chunk_max;     /* largest chunk class, default page_size / 2 */
        unsigned max_classes; /* default 63, as memcached; up to 255 */
        int prealloc;         /* 1: take the whole mem_limit up front, as memcached -L */
        const size_t *sizes;  /* explicit class list, as memcached -o slab_sizes;
                                 NULL (default): classes from growth_factor */
        unsigned nsizes;      /* entries in sizes */
    } slab;
} alloc_config;

typedef struct alloc_stats {
    size_t used_bytes;      /* what the backend counts for live blocks
                               (zmalloc: used_memory; slab: chunk bytes in use) */
    size_t header_bytes;    /* per-block prefix bytes included in used_bytes */
    size_t held_bytes;      /* bytes held from below (slab: pages; zmalloc: the base
                               allocator's footprint for this instance's blocks) */
    size_t peak_held_bytes;
    size_t live_blocks;
    unsigned long long allocs, frees, failed_allocs;
    size_t peak_used_bytes; /* highest used_bytes seen (Redis's used_memory_peak) */
    size_t large_bytes;     /* slab: bytes held for requests above chunk_max; 0 for zmalloc */
    size_t large_blocks;    /* slab: live blocks on that path */
} alloc_stats;

/* Fills cfg with the defaults for `backend` ("zmalloc" or "slab").  ALLOC_EINVAL for a
 * NULL cfg or an unknown backend name (cfg is still filled with backend-neutral
 * defaults so it can be inspected). */
alloc_status alloc_config_init(alloc_config *cfg, const char *backend);

/* Validates every field of cfg without creating anything.  On ALLOC_EINVAL, `msg`
 * (if not NULL) receives a sentence naming the field and why it is wrong. */
alloc_status alloc_config_check(const alloc_config *cfg, char *msg, size_t msglen);

/* Creates an instance.  ALLOC_EINVAL (nothing allocated; cfg->on_error, when set, is
 * called with the message) for an invalid configuration, ALLOC_ENOMEM when the
 * instance's own metadata or a preallocation cannot be had.  *out is NULL on failure. */
alloc_status alloc_create(const alloc_config *cfg, alloc_t **out);

/* Returns everything the instance holds to the system, live blocks included; except
 * that a zmalloc instance without track = 1 cannot enumerate its blocks and frees only
 * its own memory (live blocks stay the caller's, as in Redis). */
void alloc_destroy(alloc_t *a);

void *alloc_malloc(alloc_t *a, size_t size) ALLOC_ATTR_MALLOC ALLOC_ATTR_ALLOC_SIZE(2);
void *alloc_calloc(alloc_t *a, size_t n, size_t size) /* overflow -> NULL */
    ALLOC_ATTR_MALLOC ALLOC_ATTR_ALLOC_SIZE2(2, 3);
void *alloc_realloc(alloc_t *a, void *p, size_t size) ALLOC_ATTR_ALLOC_SIZE(3);
void alloc_free(alloc_t *a, void *p);                    /* NULL is a no-op */
void alloc_free_sized(alloc_t *a, void *p, size_t size); /* size as last requested */
size_t alloc_usable_size(const alloc_t *a, const void *p);
size_t alloc_good_size(const alloc_t *a, size_t size); /* usable size a request gets;
                                                           0 when it cannot be served */
alloc_status alloc_check(const alloc_t *a); /* walks all metadata, checks invariants */
void alloc_get_stats(const alloc_t *a, alloc_stats *out);
const char *alloc_backend_name(const alloc_t *a);
const char *alloc_strerror(alloc_status s);

/* The configuration the instance was created with (defaults filled in). */
const alloc_config *alloc_get_config(const alloc_t *a);

/* Guaranteed alignment of every block this instance returns (8 or 16). */
size_t alloc_alignment(const alloc_t *a);

#ifdef __cplusplus
}
#endif

#endif /* KVALLOC_ALLOC_API_H */
