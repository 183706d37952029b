/* zm_base.h - the two base allocators under zmalloc: glibc's own malloc (reached through
 * __libc_* so that a linked jemalloc cannot intercept it) and jemalloc's *allocx API.
 * Private to the backend; the hot paths are inline so a call costs one branch on kind. */
#ifndef KVALLOC_ZM_BASE_H
#define KVALLOC_ZM_BASE_H

#include "alloc_impl.h"

#include <jemalloc/jemalloc.h>
#include <stddef.h>
#include <stdint.h>

/* glibc exports these under GLIBC_2.2.5; unlike malloc/free they are never overridden
 * by another allocator linked into the process, so a block from __libc_malloc always
 * goes back through __libc_free. */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);

typedef enum zm_base_kind { ZM_BASE_LIBC, ZM_BASE_JEMALLOC } zm_base_kind;

/* Requests up to ZM_JE_TABLE_MAX bytes find jemalloc's usable size in a table built
 * from nallocx at create time, so the free_sized and malloc paths need no size lookup:
 * all of jemalloc's class boundaries are multiples of 8, so one entry per 8 bytes. */
#define ZM_JE_TABLE_MAX 4096
#define ZM_JE_TABLE_LEN (ZM_JE_TABLE_MAX / 8 + 1)

/* glibc's heap chunks: usable = max(32, align16(n + 8)) - 8. */
#define ZM_GLIBC_CHUNK_HDR 8
#define ZM_GLIBC_MIN_CHUNK 32
#define ZM_GLIBC_CHUNK_ALIGN 16

typedef struct zm_base {
    zm_base_kind kind;
    /* glibc's own malloc_usable_size, looked up in libc.so.6: the global symbol is
     * weak and jemalloc's definition wins once jemalloc is linked. */
    size_t (*libc_usable)(void *p);
    void *libc_handle; /* dlopen reference held while the instance lives */
    uint16_t je_usable[ZM_JE_TABLE_LEN];
} zm_base;

/* Fills b for `kind`.  ALLOC_EINVAL with a sentence in msg when the base cannot be
 * used in this process (no glibc). */
alloc_status zm_base_init(zm_base *b, zm_base_kind kind, char *msg, size_t msglen);
void zm_base_fini(zm_base *b);
const char *zm_base_name(zm_base_kind kind);

/* The usable size a request of n bytes (1 <= n < SIZE_MAX/2) gets.  Exact for jemalloc;
 * for glibc the heap-chunk formula, which an mmapped chunk or a reused free chunk can
 * exceed (by less than a page, resp. 16 bytes): callers that need the truth ask
 * zm_base_usable on the block. */
static inline size_t zm_base_good(const zm_base *b, size_t n)
{
    if (b->kind == ZM_BASE_JEMALLOC)
        return n <= ZM_JE_TABLE_MAX ? b->je_usable[(n + 7) >> 3] : nallocx(n, 0);
    size_t chunk = alloc_align_up(n + ZM_GLIBC_CHUNK_HDR, ZM_GLIBC_CHUNK_ALIGN);
    if (chunk < ZM_GLIBC_MIN_CHUNK)
        chunk = ZM_GLIBC_MIN_CHUNK;
    return chunk - ZM_GLIBC_CHUNK_HDR;
}

/* Usable size of a live base block. */
static inline size_t zm_base_usable(const zm_base *b, const void *p)
{
    return b->kind == ZM_BASE_JEMALLOC ? sallocx(p, 0) : b->libc_usable((void *)p);
}

/* Usable size of a block the base has just returned for a request of n bytes: jemalloc
 * serves every request from exactly the class nallocx names, so no lookup is needed. */
static inline size_t zm_base_usable_fresh(const zm_base *b, const void *p, size_t n)
{
    return b->kind == ZM_BASE_JEMALLOC ? zm_base_good(b, n) : b->libc_usable((void *)p);
}

static inline void *zm_base_malloc(const zm_base *b, size_t n, int zero)
{
    if (b->kind == ZM_BASE_JEMALLOC)
        return mallocx(n, zero ? MALLOCX_ZERO : 0);
    return zero ? __libc_calloc(1, n) : __libc_malloc(n);
}

static inline void *zm_base_realloc(const zm_base *b, void *p, size_t n)
{
    return b->kind == ZM_BASE_JEMALLOC ? rallocx(p, n, 0) : __libc_realloc(p, n);
}

/* `usable` is the block's usable size: jemalloc's sized free skips its own lookup. */
static inline void zm_base_free(const zm_base *b, void *p, size_t usable)
{
    if (b->kind == ZM_BASE_JEMALLOC)
        sdallocx(p, usable, 0);
    else
        __libc_free(p);
}

#endif /* KVALLOC_ZM_BASE_H */
