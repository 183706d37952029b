/* zm_base.h - the two base allocators under zmalloc: glibc's own malloc (reached through
 * __libc_* so that a linked jemalloc cannot intercept it) and jemalloc (its own malloc
 * and realloc, found in the library that defines mallocx, plus its *allocx API).
 * Private to the backend; the hot paths are inline so a call costs one branch on kind. */
#ifndef KVALLOC_ZM_BASE_H
#define KVALLOC_ZM_BASE_H

#include "alloc_impl.h"

#include <jemalloc/jemalloc.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
/* Above the table, jemalloc's classes come four per doubling: a request n in
 * (2^k, 2^(k+1)] gets n rounded up to a multiple of 2^(k-2).  zm_base_init checks that
 * rule against nallocx at every class boundary up to ZM_JE_RULE_MAX and falls back to
 * nallocx if this jemalloc differs. */
#define ZM_JE_RULE_MAX ((size_t)1 << 40)

/* glibc's heap chunks: usable = max(32, align16(n + 8)) - 8. */
#define ZM_GLIBC_CHUNK_HDR 8
#define ZM_GLIBC_MIN_CHUNK 32
#define ZM_GLIBC_CHUNK_ALIGN 16

typedef struct zm_base {
    zm_base_kind kind;
    /* glibc's own malloc_usable_size, looked up in libc.so.6: the global symbol is
     * weak and jemalloc's definition wins once jemalloc is linked. */
    size_t (*libc_usable)(void *p);
    /* 1 when the usable size can be read from glibc's chunk header in place
     * (zm_glibc_hdr_usable): __libc_malloc is glibc's own (not a checker's
     * replacement, as under Valgrind) and the formula matched malloc_usable_size on
     * heap and mapped chunks at create.  A call through libc_usable costs more than
     * glibc's whole malloc fast path. */
    int libc_hdr;
    /* __libc_malloc and __libc_free: a call through the pointer is one jump where the
     * PLT's is two. */
    void *(*libc_malloc)(size_t n);
    void (*libc_free)(void *p);
    void *libc_handle; /* dlopen reference held while the instance lives */
    /* jemalloc's own malloc and realloc: only malloc has jemalloc 5.3's allocation
     * fast path (mallocx(n, 0) costs ~2 ns more per malloc+free pair here).  Looked up
     * in the library that defines mallocx, so they are jemalloc's whoever else
     * interposes `malloc` (a sanitizer); when they cannot be found, thin wrappers over
     * mallocx / rallocx. */
    void *(*je_malloc)(size_t n);
    void *(*je_realloc)(void *p, size_t n);
    /* jemalloc's sdallocx, by the same lookup: a call through the pointer is one jump
     * where the PLT's is two. */
    void (*je_sdallocx)(void *p, size_t n, int flags);
    void *je_handle;
    size_t je_rule_max; /* ZM_JE_RULE_MAX when the four-per-doubling rule held, else 0 */
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
static inline size_t zm_je_rule(size_t n)
{
    unsigned lg = 63u - (unsigned)__builtin_clzll((unsigned long long)(n - 1));
    size_t delta = (size_t)1 << (lg - 2);
    return (n + delta - 1) & ~(delta - 1);
}

static inline size_t zm_base_good(const zm_base *b, size_t n)
{
    if (b->kind == ZM_BASE_JEMALLOC) {
        if (n <= ZM_JE_TABLE_MAX)
            return b->je_usable[(n + 7) >> 3];
        return n <= b->je_rule_max ? zm_je_rule(n) : nallocx(n, 0);
    }
    size_t chunk = alloc_align_up(n + ZM_GLIBC_CHUNK_HDR, ZM_GLIBC_CHUNK_ALIGN);
    if (chunk < ZM_GLIBC_MIN_CHUNK)
        chunk = ZM_GLIBC_MIN_CHUNK;
    return chunk - ZM_GLIBC_CHUNK_HDR;
}

/* glibc's malloc_usable_size, computed as it does (malloc.c's musable): the size
 * word before the block holds the chunk size with three flag bits; a heap chunk's
 * usable size is the chunk size less its 8-byte size word (the next chunk's prev_size
 * word is ours), a mapped chunk's (IS_MMAPPED) less both header words.  Only when
 * libc_hdr says this glibc was checked. */
#define ZM_GLIBC_FLAG_BITS 7u
#define ZM_GLIBC_IS_MMAPPED 2u

static inline size_t zm_glibc_hdr_usable(const void *p)
{
    size_t word;
    memcpy(&word, (const char *)p - sizeof word, sizeof word);
    size_t chunk = word & ~(size_t)ZM_GLIBC_FLAG_BITS;
    /* IS_MMAPPED is 2: times 4, the second header word's 8 bytes, without a branch. */
    return chunk - sizeof word - (word & ZM_GLIBC_IS_MMAPPED) * (sizeof word / 2);
}

static inline size_t zm_libc_usable(const zm_base *b, const void *p)
{
    return b->libc_hdr ? zm_glibc_hdr_usable(p) : b->libc_usable((void *)p);
}

/* Usable size of a live base block. */
static inline size_t zm_base_usable(const zm_base *b, const void *p)
{
    return b->kind == ZM_BASE_JEMALLOC ? sallocx(p, 0) : zm_libc_usable(b, p);
}

/* Usable size of a live block whose request (at allocation or at its last resize) was
 * n bytes: jemalloc serves every request from exactly the class nallocx names, in place
 * or not, so no lookup is needed (checked in debug builds); glibc's header says. */
static inline size_t zm_base_usable_known(const zm_base *b, const void *p, size_t n)
{
    return b->kind == ZM_BASE_JEMALLOC ? zm_base_good(b, n) : zm_libc_usable(b, p);
}

/* ThreadSanitizer sees neither base allocator (glibc reached through __libc_*,
 * jemalloc through its own entry points: no interceptor on either), so a block one
 * thread frees and the base then hands to another thread looks like a race on its
 * bytes.  The block is released when it goes back to the base and acquired when it
 * comes out, which is the ordering the base's own locks give. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ZM_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) && !defined(ZM_TSAN)
#define ZM_TSAN 1
#endif
#ifdef ZM_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
extern char zm_tsan_base_sync; /* zm_base.c */
#endif

/* One sync object per process stands for the base's locks: a base may hand out
 * memory another thread freed under another address (coalesced, or grown into by
 * realloc), so per-block annotations would not cover it. */
static inline void *zm_tsan_acquire(void *p)
{
#ifdef ZM_TSAN
    __tsan_acquire(&zm_tsan_base_sync);
#endif
    return p;
}

static inline void zm_tsan_release(void *p)
{
#ifdef ZM_TSAN
    __tsan_release(&zm_tsan_base_sync);
#endif
    (void)p;
}

static inline void *zm_base_malloc(const zm_base *b, size_t n, int zero)
{
    if (b->kind == ZM_BASE_JEMALLOC)
        return zm_tsan_acquire(zero ? mallocx(n, MALLOCX_ZERO) : b->je_malloc(n));
    return zm_tsan_acquire(zero ? __libc_calloc(1, n) : __libc_malloc(n));
}

/* n >= 1. */
static inline void *zm_base_realloc(const zm_base *b, void *p, size_t n)
{
    zm_tsan_release(p);
    return zm_tsan_acquire(b->kind == ZM_BASE_JEMALLOC ? b->je_realloc(p, n)
                                                       : __libc_realloc(p, n));
}

/* `usable` is the block's usable size: jemalloc's sized free skips its page-map
 * lookup, a cache miss when the live blocks are many (plain free measured ~1.5 ns
 * slower per operation over 100k random live blocks). */
static inline void zm_base_free(const zm_base *b, void *p, size_t usable)
{
    zm_tsan_release(p);
    if (b->kind == ZM_BASE_JEMALLOC)
        b->je_sdallocx(p, usable, 0);
    else
        __libc_free(p);
}

#endif /* KVALLOC_ZM_BASE_H */
