/* alloc_api.h - one interface over two ways of managing a key-value store's memory:
 * Redis's zmalloc (a counting wrapper over a general allocator) and memcached's slab
 * allocator (pages carved into fixed-size chunks, one size class per growth step).
 *
 * Every call takes an instance handle; the library keeps no mutable process-wide
 * state, so any number of instances of either backend live side by side.
 *
 * The handle is opaque except for its first word (alloc_head below), a pointer to the
 * backend's table of block calls: alloc_malloc, alloc_free and the other block calls
 * are inline functions that make one indirect call through it, as stdio's getc reads
 * FILE's buffer in place, instead of a call into the library that then makes the
 * indirect call. */
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

/* ALLOC_INLINE makes the block calls inline definitions that emit no symbol (the
 * library's lib/alloc.c holds the one external definition): C99's `inline`, C++'s
 * `inline`, or GNU C89's `extern inline` with gnu_inline, which means the same.
 * Without any of them the block calls are plain declarations. */
#if defined(ALLOC_NO_INLINE)
/* asked for plain calls */
#elif defined(__cplusplus)
#define ALLOC_INLINE inline
#elif defined(__GNUC__) && defined(__GNUC_GNU_INLINE__)
#define ALLOC_INLINE extern __inline__ __attribute__((__gnu_inline__))
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L
#define ALLOC_INLINE inline
#endif
#ifdef ALLOC_INLINE
#define ALLOC_BLOCK_CALL ALLOC_INLINE
#else
#define ALLOC_BLOCK_CALL
#endif

/* The version of this header; the library's own is alloc_version().
 *
 * The binary interface.  A program compiled against this header reads two things of
 * the library's inside: the instance's first word (alloc_head.ops) and the members of
 * alloc_ops, in their order.  So:
 *   - PATCH releases change neither.
 *   - From 1.0 on, a MINOR release may only append members to alloc_ops (a program
 *     built against minor N then needs a library of minor N or later); removing,
 *     reordering or retyping a member, or moving alloc_head from the start of the
 *     instance, takes a MAJOR release.  While MAJOR is 0, every MINOR release may
 *     change them (0.2 introduced them), so a program needs a library of its own
 *     MAJOR.MINOR, as the CMake package and pkg-config versions say.
 *   - Everything else about an instance (its size, what follows alloc_head, the rest
 *     of the backend's table) is the library's and changes in any release.
 * The block calls also exist as ordinary exported functions of the same names, so a
 * program built without inlining, or taking their address, calls those. */
#define KVALLOC_VERSION_MAJOR 0
#define KVALLOC_VERSION_MINOR 2
#define KVALLOC_VERSION_PATCH 0
/* One number for #if: MAJOR * 10000 + MINOR * 100 + PATCH (0.2.0 is 200). */
#define KVALLOC_VERSION \
    (KVALLOC_VERSION_MAJOR * 10000 + KVALLOC_VERSION_MINOR * 100 + KVALLOC_VERSION_PATCH)

typedef struct alloc alloc_t; /* one allocator instance, opaque but for alloc_head */

/* The block calls of one backend, the public part of its table.  Each instance's
 * backend fills it; programs call it only through the inline functions below, which
 * keep the NULL cases (free and free_sized of NULL, usable_size of NULL) out of it. */
typedef struct alloc_ops {
    void *(*malloc)(alloc_t *a, size_t size);
    void *(*calloc)(alloc_t *a, size_t n, size_t size);
    void *(*realloc)(alloc_t *a, void *p, size_t size);
    void (*free)(alloc_t *a, void *p);                      /* p != NULL */
    void (*free_sized)(alloc_t *a, void *p, size_t size);   /* p != NULL */
    size_t (*usable_size)(const alloc_t *a, const void *p); /* p != NULL */
} alloc_ops;

/* The first member of every instance.  Read-only for programs; set by alloc_create
 * and never changed while the instance lives. */
typedef struct alloc_head {
    const alloc_ops *ops;
} alloc_head;

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

/* The block calls: inline (one indirect call) where the compiler supports C99 inline
 * functions or GNU's, else ordinary calls into the library. */
ALLOC_BLOCK_CALL void *alloc_malloc(alloc_t *a, size_t size)
    ALLOC_ATTR_MALLOC ALLOC_ATTR_ALLOC_SIZE(2);
ALLOC_BLOCK_CALL void *alloc_calloc(alloc_t *a, size_t n, size_t size) /* overflow -> NULL */
    ALLOC_ATTR_MALLOC ALLOC_ATTR_ALLOC_SIZE2(2, 3);
ALLOC_BLOCK_CALL void *alloc_realloc(alloc_t *a, void *p, size_t size)
    ALLOC_ATTR_ALLOC_SIZE(3);
ALLOC_BLOCK_CALL void alloc_free(alloc_t *a, void *p);  /* NULL is a no-op */
ALLOC_BLOCK_CALL void alloc_free_sized(alloc_t *a, void *p,
                                       size_t size);   /* size as last requested */
ALLOC_BLOCK_CALL size_t alloc_usable_size(const alloc_t *a, const void *p);
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

/* The library's version, as KVALLOC_VERSION: a program can refuse a library whose
 * MAJOR.MINOR differs from the header it was built with. */
int alloc_version(void);

#ifdef ALLOC_INLINE
/* The instance's table: alloc_head is its first member (C11 6.7.2.1). */
#define ALLOC_OPS_OF(a) (((const alloc_head *)(const void *)(a))->ops)

ALLOC_INLINE void *alloc_malloc(alloc_t *a, size_t size)
{
    return ALLOC_OPS_OF(a)->malloc(a, size);
}

ALLOC_INLINE void *alloc_calloc(alloc_t *a, size_t n, size_t size)
{
    return ALLOC_OPS_OF(a)->calloc(a, n, size);
}

ALLOC_INLINE void *alloc_realloc(alloc_t *a, void *p, size_t size)
{
    return ALLOC_OPS_OF(a)->realloc(a, p, size);
}

ALLOC_INLINE void alloc_free(alloc_t *a, void *p)
{
    if (p != NULL)
        ALLOC_OPS_OF(a)->free(a, p);
}

ALLOC_INLINE void alloc_free_sized(alloc_t *a, void *p, size_t size)
{
    if (p != NULL)
        ALLOC_OPS_OF(a)->free_sized(a, p, size);
}

ALLOC_INLINE size_t alloc_usable_size(const alloc_t *a, const void *p)
{
    return p == NULL ? 0 : ALLOC_OPS_OF(a)->usable_size(a, p);
}
#endif /* ALLOC_INLINE */

#ifdef __cplusplus
}
#endif

#endif /* KVALLOC_ALLOC_API_H */
