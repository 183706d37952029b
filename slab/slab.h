/* slab.h - the slab backend's own API: memcached's slab-class allocator with its class
 * table, per-class statistics, page moves between classes, and typed calls that skip
 * the dispatch layer.
 *
 * Geometry.  Pages of `page_size` bytes are carved into chunks of one size class.
 * Class sizes follow memcached's slabs_init: start at min_chunk, align up to 8, multiply
 * by growth_factor with truncation, stop once size >= chunk_max / factor or at the class
 * cap, then one last class of exactly chunk_max.  Classes are numbered from 1, as
 * memcached numbers them; class 0 is the pool of free pages.  Requests above chunk_max
 * get their own mapping (the "large path"), rounded up to 4 KiB.
 *
 * Every function here takes an alloc_t created with backend "slab"; passing another
 * backend's instance is undefined (a KVALLOC_DEBUG build asserts it). */
#ifndef KVALLOC_SLAB_H
#define KVALLOC_SLAB_H

#include "alloc_api.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One size class, as memcached's `stats slabs` shows it.
 * Invariant: free_chunks + used_chunks == total_chunks == total_pages * chunks_per_page. */
typedef struct slab_class_info {
    unsigned id;                /* 1-based, as memcached numbers classes */
    size_t chunk_size;
    unsigned chunks_per_page;   /* memcached's perslab */
    size_t total_pages, total_chunks, used_chunks, free_chunks;
    /* Sum of the sizes asked for by live blocks, exact while unsized_frees == 0: a free
     * without a size (or a realloc that stays in place) cannot subtract what it does
     * not know, so requested_bytes then over-counts (memcached's mem_requested). */
    size_t requested_bytes;
    /* Chunk allocations and frees in this class, a realloc's move included (the
     * instance-wide alloc_stats does not count those). */
    unsigned long long allocs, frees, unsized_frees;
} slab_class_info;

/* Instance-wide totals beside the per-class lines. */
typedef struct slab_totals {
    unsigned active_slabs;  /* classes holding at least one page (memcached's name) */
    size_t total_malloced;  /* bytes of pages held: classes and pool (memcached's name) */
    size_t pool_pages;      /* free pages in the global pool, class 0 */
    size_t large_blocks;    /* live blocks above chunk_max */
    size_t large_bytes;     /* bytes mapped for them */
    unsigned long long pages_moved; /* pages moved by slab_reassign and friends */
} slab_totals;

unsigned slab_class_count(const alloc_t *a); /* chunk classes, large path excluded */
int slab_class_get(const alloc_t *a, unsigned id, slab_class_info *out); /* 0 on success */
void slab_totals_get(const alloc_t *a, slab_totals *out);

/* Class a request of `size` bytes is served from: 1..slab_class_count(), or 0 when it
 * takes the large path. */
unsigned slab_size_class(const alloc_t *a, size_t size);

/* Writes memcached's `stats slabs` lines (`STAT <id>:chunk_size N` ... for every class
 * holding a page, then `STAT active_slabs N`, `STAT total_malloced N`), followed by
 * this library's extra lines (mem_requested per class, pool and large path), and END. */
void slab_print_stats(const alloc_t *a, FILE *out);

/* The class table a configuration gives, without creating an instance (chunk_max 0
 * means page_size / 2).  Writes at most `max` entries into sizes and perslab (either
 * may be NULL) and returns the number of classes, or -1 when cfg's slab section is
 * invalid. */
int slab_table_compute(const alloc_config *cfg, size_t *sizes, unsigned *perslab,
                       unsigned max);

/* Typed calls: the same functions the dispatch layer reaches, without the indirection.
 * Same contracts as alloc_malloc and friends; slab_free accepts NULL. */
void *slab_malloc(alloc_t *a, size_t size) ALLOC_ATTR_MALLOC ALLOC_ATTR_ALLOC_SIZE(2);
void *slab_calloc(alloc_t *a, size_t n, size_t size) ALLOC_ATTR_MALLOC
    ALLOC_ATTR_ALLOC_SIZE2(2, 3);
void *slab_realloc(alloc_t *a, void *p, size_t size) ALLOC_ATTR_ALLOC_SIZE(3);
void slab_free(alloc_t *a, void *p);
void slab_free_sized(alloc_t *a, void *p, size_t size);
size_t slab_usable_size(const alloc_t *a, const void *p);
size_t slab_good_size(const alloc_t *a, size_t size);

/* Results of a page move, with the meaning of memcached's `slabs reassign` replies. */
typedef enum slab_status {
    SLAB_OK = 0,   /* "OK": the page was moved */
    SLAB_BUSY,     /* the page holds live chunks that could not be moved: no callback was
                      given, or the callback declined (memcached answers BUSY while a
                      move cannot proceed) */
    SLAB_NOSPARE,  /* "NOSPARE": the source has fewer than 2 pages (the pool: none) */
    SLAB_BADCLASS, /* "BADCLASS": src or dst is not 0..slab_class_count() */
    SLAB_SAME,     /* "SAME": src == dst */
    SLAB_NOROOM,   /* the other pages of the source class have fewer free chunks than the
                      page has live ones (memcached would evict: slab_reassign_evict) */
    SLAB_NOMEM     /* the destination class's list of free chunks could not grow to take
                      the page's (nothing was moved) */
} slab_status;

const char *slab_status_str(slab_status s);

/* Called once per live chunk of a page being moved.  The callback copies `chunk_size`
 * bytes from old_block to new_block (a free chunk of the same class in another page,
 * already counted as live) and updates its references, then returns 0; non-zero
 * declines, except SLAB_RELOCATE_DROPPED.  It runs with the source class locked: it
 * must not call this instance. */
typedef int (*slab_relocate_fn)(void *ud, void *old_block, void *new_block,
                                size_t chunk_size);

/* What a callback returns when it gave the block up instead of copying it (memcached's
 * mover drops expired items and evicts those it has no room for): the caller has
 * forgotten old_block, which is freed as by an unsized free, and new_block (when not
 * NULL) goes back to the free list. */
#define SLAB_RELOCATE_DROPPED 2

/* memcached's `slabs reassign src dst`: moves the oldest page of class `src` (0: a page
 * from the pool) to class `dst` (0: into the pool).  Free chunks of the page leave the
 * source's free list; live chunks are moved with `fn` (NULL: a page with live chunks is
 * refused with SLAB_BUSY).  When fn declines, the page stays in src, its free chunks
 * return to src's free list, and the chunks already moved stay at their new places. */
slab_status slab_reassign(alloc_t *a, unsigned src, unsigned dst, slab_relocate_fn fn,
                          void *ud);

/* slab_reassign as memcached's mover does it: never SLAB_NOROOM.  Once the source has no
 * free chunk outside the page, fn is called with new_block == NULL and must drop the
 * block (return SLAB_RELOCATE_DROPPED); any other answer then declines. */
slab_status slab_reassign_evict(alloc_t *a, unsigned src, unsigned dst, slab_relocate_fn fn,
                                void *ud);

/* Moves every page of class `id` whose chunks are all free into the pool (id 0: every
 * class).  Returns the number of pages moved.  Pages stay mapped until destroy. */
size_t slab_release_free_pages(alloc_t *a, unsigned id);

/* memcached's memory_release after a page went to the pool: while the instance holds
 * more than mem_limit (first pages are granted above it), the pool's newest page is
 * given back to the system (MADV_DONTNEED) and stops counting as held; its mapping is
 * kept for the next page a class needs.  Nothing without a limit or with prealloc
 * (memcached -L keeps its region).  Returns the number of pages given back. */
size_t slab_pool_trim(alloc_t *a);

/* The free-memory half of memcached's automove=1: every class holding more than 2.5
 * pages' worth of free chunks (and at least 2 pages) gives its oldest page to the pool
 * with slab_reassign(a, id, 0, fn, ud), at most one page per class per call; call it
 * periodically (memcached: once a second).  The eviction-age half needs LRU ages this
 * allocator does not have.  Returns the number of pages moved. */
size_t slab_automove_free(alloc_t *a, slab_relocate_fn fn, void *ud);

#ifdef __cplusplus
}
#endif

#endif /* KVALLOC_SLAB_H */
