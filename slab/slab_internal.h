/* slab_internal.h - the slab backend's private structures, shared by its files: the
 * instance, the size classes, page metadata kept outside the pages, the page
 * directory that maps an address to its page in O(1), and the locks.
 *
 * Nothing here is kept inside a chunk: free chunks are listed in arrays of pointers
 * (the class's stack, the thread caches' bins) and judged by their page's state bytes,
 * so malloc and free never touch the block's own memory, a cache line the program has
 * usually not touched lately (jemalloc's tcache keeps its free pointers in arrays for
 * the same reason), and a write after free cannot damage the allocator. */
#ifndef KVALLOC_SLAB_INTERNAL_H
#define KVALLOC_SLAB_INTERNAL_H

#include "alloc_impl.h"
#include "slab.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define SLAB_ALIGN 8u              /* memcached's CHUNK_ALIGN_BYTES */
#define SLAB_CACHE_LINE 64
#define SLAB_ADDR_BITS 48          /* user-space addresses on x86-64 and arm64 */
#define SLAB_LARGE_GRAIN 4096u     /* large blocks are mapped in 4 KiB units */
#define SLAB_LOOKUP_MAX 32768u     /* sizes up to this find their class in a table */
#define SLAB_MIN_PAGE ((size_t)4096)
#define SLAB_MAX_PAGE ((size_t)1 << 30)
#define SLAB_MAX_CLASSES 255u
#define SLAB_DEFAULT_CLASSES 63u   /* memcached: MAX_NUMBER_OF_SLAB_CLASSES - 1 */
#define SLAB_TC_MAX 64u            /* most chunks a thread cache's bin holds */
#define SLAB_TC_BYTES ((size_t)256 << 10) /* and at most about this many bytes */
#define SLAB_NEAR_BITS 20u         /* the directory's near window: 2^20 slots for 2^20
                                      pages (an 8 MiB table, backed only where pages are) */

__extension__ typedef unsigned __int128 slab_u128;

/* A test-and-test-and-set lock.  Held for a handful of instructions on the hot path,
 * so spinning beats a syscall; after a while it yields so a preempted holder can run. */
typedef struct slab_spinlock {
    atomic_int held;
} slab_spinlock;

void slab_lock_slow(slab_spinlock *l);

static inline void slab_lock_raw(slab_spinlock *l)
{
    if (atomic_exchange_explicit(&l->held, 1, memory_order_acquire) != 0)
        slab_lock_slow(l);
}

static inline void slab_unlock_raw(slab_spinlock *l)
{
    atomic_store_explicit(&l->held, 0, memory_order_release);
}

/* Metadata of one page, outside the page so a stray write into a block cannot damage
 * it.  Invariants: state[i] is 1 for a free chunk i < perslab of class_id and 0 for a
 * live one; state[perslab] is SLAB_STATE_END (the page's tail, where no chunk starts:
 * the only index past the chunks that an offset inside the page divides to, so a test
 * for "live" rejects it without comparing i with perslab); every other byte is 0, and
 * all are 0 in a pool page.  The page lies in exactly one list (its class's, or
 * the pool's when class_id == 0), ordered oldest first.  A byte per chunk rather than
 * a bit: malloc stores a byte without reading it, so a malloc and the free after it do
 * not wait for each other's read-modify-write of a shared word.  Free chunks are
 * counted from the states when needed (slab_page_nfree): a per-page counter would be
 * one more read-modify-write on every malloc and free. */
typedef struct slab_page {
    char *base;                     /* page_size-aligned start */
    _Atomic unsigned class_id;      /* 0: free page in the pool; changes under both the
                                       old and the new owner's lock, and with every
                                       thread cache blocked */
    struct slab_page *older, *newer;
    uint8_t state[];                /* 1: chunk i is free; 0: live; see above */
} slab_page;

/* A free chunk as the stacks and bins list it: the chunk and its state byte.  malloc
 * needs the state byte to mark the chunk live, and free has just found it (directory,
 * chunk index): keeping it spares malloc the lookup, most of its work.  16 bytes per
 * listed chunk, outside the pages. */
typedef struct slab_entry {
    char *p;
    uint8_t *state;                 /* &page->state[chunk index] */
} slab_entry;

/* One size class.  The first cache line is its geometry, written at create only, so
 * the thread caches' fast paths read it without sharing a line with the lock.
 * Invariants, under `lock` (with thread caches: quiesced, and their bins counted):
 *   used_chunks == allocs - frees
 *   free_chunks == total_pages * perslab - used_chunks
 *               == top + fresh_n + chunks in thread caches' bins
 *               == free states in the pages
 *   requested   == req_in - req_out
 *   cap >= total_pages * perslab, so a free always finds room on the stack
 * and every stack entry is a distinct chunk start in a page of this class whose state
 * is free; chunks fresh_n .. perslab - 1 of fresh_pg are on the stack, in a bin or
 * live, chunks 0 .. fresh_n - 1 free and on no stack.
 * The counters the hot path touches only grow (allocs, frees, req_in, req_out): a
 * counter raised by malloc and lowered by free makes each call wait for the other's
 * store, which costs more than the whole pop or push.  used_chunks, free_chunks and
 * requested are derived from them (slab_class_used and friends). */
typedef struct slab_class {
    _Alignas(SLAB_CACHE_LINE) size_t size; /* chunk size, a multiple of 8 */
    uint64_t div_magic;             /* floor(2^64 / size) + 1: offset / size by multiply */
    unsigned id;
    unsigned perslab;
    unsigned tc_cap;                /* chunks a thread cache's bin of this class holds */
    /* The requests this class serves are req_lo .. req_lo + req_span (slab_class_for
     * maps exactly them here), so a sized free tests a size against the page's class
     * with one subtraction and one compare.  A class no request maps to (memcached's
     * repeated last class) has req_lo = SIZE_MAX, req_span = 0: only SIZE_MAX, which
     * no chunk was ever allocated for.  classes[0], the pool, has the same and
     * div_magic 0, so no offset is a chunk start of it either. */
    size_t req_lo, req_span;

    _Alignas(SLAB_CACHE_LINE) slab_spinlock lock;
    /* The free chunks, LIFO: stack[top - 1] is handed out next.  An array outside the
     * pages (mapped, so only the part ever used is backed by memory). */
    slab_entry *stack;
    size_t top, cap;
    /* A page given to the class is carved lazily: its chunks fresh_n - 1 down to 0 are
     * handed out, in that order, once the stack is empty, which is the order
     * memcached's split_slab_page_into_freelist leaves them in (the last chunk first),
     * without writing a stack entry per chunk up front. */
    slab_page *fresh_pg;
    unsigned fresh_n;
    unsigned long long allocs, frees;
    size_t req_in, req_out;         /* requested sizes allocated, and freed with a size */
    unsigned long long unsized_frees;
    size_t total_pages;
    slab_page *oldest, *newest;
} slab_class;

static inline size_t slab_class_used(const slab_class *c)
{
    return (size_t)(c->allocs - c->frees);
}

static inline size_t slab_class_free(const slab_class *c)
{
    return c->total_pages * c->perslab - slab_class_used(c);
}

/* Open-addressing table of large blocks, address -> mapped length.  Invariants:
 * count == live entries, bytes == sum of their lengths, count * 2 <= cap. */
typedef struct slab_large_table {
    uintptr_t *keys;                /* 0: empty slot */
    size_t *lens;
    size_t cap, count, bytes;
    unsigned long long allocs, frees;
} slab_large_table;

/* One leaf of the page directory: 1 << dir_leaf_bits slots.  A slot holds the address
 * of the page's metadata, which is SLAB_META_ALIGN-aligned, with the page's class id in
 * the low byte (0: no page, or a pool page), so a free checks the class without
 * reading the metadata's header.  Invariant: a slot's class is its page's class_id;
 * both change together (slab_page_set_class). */
typedef _Atomic uintptr_t slab_dir_slot;
#define SLAB_META_ALIGN 256u        /* > SLAB_MAX_CLASSES */
#define SLAB_SLOT_PAGE(v) ((slab_page *)((v) & ~(uintptr_t)(SLAB_META_ALIGN - 1)))
#define SLAB_SLOT_CLASS(v) ((unsigned)((v) & (SLAB_META_ALIGN - 1)))

/* One class's part of a thread cache: slots[0 .. n - 1], the top at slots[n - 1], each
 * a chunk of the class whose state is free, n <= the class's tc_cap.  The slots live
 * in the cache's own allocation, outside the pages.  The counters are the thread's
 * share of the class's (slab_class_counts adds them up): only the owner writes them,
 * with plain stores, so they are atomics read relaxed. */
typedef struct slab_bin {
    _Alignas(SLAB_CACHE_LINE) slab_entry *slots;
    unsigned n;
    _Atomic size_t allocs, frees, req_in, req_out;
    _Atomic size_t unsized_frees;
} slab_bin;

/* A thread's cache for one instance (the value of the instance's pthread key).
 * `active` is 1 while the owner works on its bins without a lock (the hot path);
 * `blocked` is raised by another thread that needs the bins (slab_tc_quiesce): the
 * owner then takes the locked path, and the other thread waits for active == 0.  The
 * owner's side is a plain store and a plain load: the store-load ordering it needs is
 * supplied by membarrier(2) on the blocking side (an asymmetric Dekker handshake, as in
 * userspace RCU); without membarrier (or under ThreadSanitizer) the store is seq_cst. */
typedef struct slab_tcache {
    _Atomic int active;
    _Atomic unsigned blocked;
    struct slab *s;
    struct slab_tcache *prev, *next; /* the instance's list, under tc_lock */
    slab_bin bins[];                 /* [1 .. nclasses], a cache line each; their slot
                                        arrays follow the last bin */
} slab_tcache;

/* The instance.  Locks: each class's own lock guards that class; `page_lock` guards the
 * pool (classes[0]'s page list and total_pages), the directory's writers, the list of
 * all pages and the prealloc region; `large_lock` guards the large table.  Order: class
 * locks by ascending id, then page_lock; large_lock is never held with another lock.
 * Thread caches (thread_safe = 1): tc_lock (a mutex: the list of caches) comes first,
 * then blocking the caches (slab_tc_quiesce), then class locks and page_lock.  A thread
 * inside its cache's active window may take one class lock and page_lock, never tc_lock,
 * and a quiescer waits for active windows holding tc_lock alone, so neither waits for
 * the other.
 * held == (pages in classes + pool pages) * page_size + large.bytes, kept in one atomic
 * so both the page and the large path can test mem_limit against it exactly. */
typedef struct slab {
    struct alloc base;
    int ts;                         /* thread_safe: take locks and use atomic counters */
    unsigned nclasses;              /* chunk classes are classes[1 .. nclasses] */
    unsigned page_shift;
    size_t page_size, chunk_max, mem_limit;
    uintptr_t page_mask;            /* page_size - 1: an address's offset in its page */
    size_t *sizes_copy;             /* cfg.slab.sizes points here when set */
    slab_class *classes;            /* nclasses + 1 entries; [0] is the pool */
    uint8_t *lookup;                /* lookup[(size + 7) / 8] = class, size <= lookup_max */
    size_t lookup_max;
    size_t state_bytes;             /* per page: the largest perslab + 1 */

    _Alignas(SLAB_CACHE_LINE) slab_spinlock page_lock;
    slab_page **all_pages;          /* every page ever mapped, for check and destroy */
    size_t npages, cap_pages;
    char *region;                   /* prealloc: one mapping of whole pages */
    size_t region_len, region_used;
    /* The directory: a flat window of slots for the keys near_base .. near_base +
     * near_n - 1, where the pages of a process's mappings almost always fall (mmap
     * places them near each other), found with one load; every other key in a
     * two-level radix tree (root, then leaves), the same slots.  Both are anonymous
     * mappings, so their untouched parts cost no memory.  near_base and near_n are set
     * at create and never change. */
    slab_dir_slot *dir_near;
    uintptr_t near_base, near_n;
    _Atomic(slab_dir_slot *) *dir_root;
    unsigned dir_root_bits, dir_leaf_bits;
    unsigned dir_root_shift;        /* page_shift + dir_leaf_bits */
    uintptr_t dir_leaf_mask;        /* (1 << dir_leaf_bits) - 1 */
    size_t dir_root_bytes, dir_leaf_bytes;
    unsigned long long pages_moved;
    /* Pages slab_pool_trim gave back (no longer held, mapping kept), linked through
     * `newer`: the next page a class needs comes from here before a new mapping. */
    slab_page *released;
    size_t nreleased;

    _Alignas(SLAB_CACHE_LINE) slab_spinlock large_lock;
    slab_large_table large;

    _Alignas(SLAB_CACHE_LINE) _Atomic size_t held;
    _Atomic size_t peak_held;
    /* Used chunk bytes + large bytes, for the peak: with thread_safe, one atomic
     * (used_total); without, the room left below the peak (used = peak_used -
     * used_room), so malloc counts and finds a new peak with one subtraction whose
     * borrow says "new peak", and free adds. */
    _Atomic size_t used_total;
    size_t used_room;
    _Atomic size_t peak_used;
    _Atomic unsigned long long failed_allocs;
    /* A realloc that moves is one malloc and one free underneath, but the interface
     * counts it as neither: subtracted from both totals in alloc_stats. */
    _Atomic unsigned long long realloc_moves;

    /* Thread caches: on when thread_safe = 1 and the key could be had. */
    bool tc_on;
    bool tc_asym;                   /* membarrier(2) orders the owners' hot path */
    pthread_key_t tc_key;
    uint64_t tc_nonce;              /* tells this instance from an earlier one at its address */
    pthread_mutex_t tc_lock;
    slab_tcache *tc_list;
} slab_t;

static inline slab_t *slab_of(alloc_t *a) { return (slab_t *)a; }
static inline const slab_t *slab_cof(const alloc_t *a) { return (const slab_t *)a; }

/* Locks vanish when the caller serialises (thread_safe = 0). */
static inline void slab_lock(const slab_t *s, slab_spinlock *l)
{
    if (s->ts)
        slab_lock_raw(l);
}

static inline void slab_unlock(const slab_t *s, slab_spinlock *l)
{
    if (s->ts)
        slab_unlock_raw(l);
}

/* The slot of address a in the radix tree, or 0.  The key has SLAB_ADDR_BITS -
 * page_shift bits (root and leaf), so an address above SLAB_ADDR_BITS has none. */
static inline uintptr_t slab_dir_slot_far(const slab_t *s, uintptr_t a)
{
    if (a >> SLAB_ADDR_BITS != 0)
        return 0;
    slab_dir_slot *leaf =
        atomic_load_explicit(&s->dir_root[a >> s->dir_root_shift], memory_order_acquire);
    if (leaf == NULL)
        return 0;
    return atomic_load_explicit(&leaf[(a >> s->page_shift) & s->dir_leaf_mask],
                                memory_order_acquire);
}

/* Whether page key `key` has its slot in the near window, at *index.  Debug builds,
 * which every test suite uses, send half the keys to the tree (by a bit of a hash: the
 * keys of aligned mappings share their low bits), so that both paths see about half of
 * every instance's pages. */
static inline bool slab_dir_near(const slab_t *s, uintptr_t key, uintptr_t *index)
{
    *index = key - s->near_base;
#ifdef KVALLOC_DEBUG
    if (((uint64_t)key * UINT64_C(0x9E3779B97F4A7C15)) >> 63)
        return false;
#endif
    return *index < s->near_n;
}

/* The directory slot of the page whose range holds p (page and class, see
 * slab_dir_slot), or 0.  Lock-free: pages are published with release stores and never
 * removed before destroy. */
static inline uintptr_t slab_dir_slot_of(const slab_t *s, const void *p)
{
    uintptr_t near;
    if (__builtin_expect(slab_dir_near(s, (uintptr_t)p >> s->page_shift, &near), 1))
        return atomic_load_explicit(&s->dir_near[near], memory_order_acquire);
    return slab_dir_slot_far(s, (uintptr_t)p);
}

/* Page whose range holds p, or NULL. */
static inline slab_page *slab_dir_find(const slab_t *s, const void *p)
{
    return SLAB_SLOT_PAGE(slab_dir_slot_of(s, p));
}

/* The page of a chunk the instance listed itself (a stack or bin entry): registered. */
static inline slab_page *slab_dir_page_of(const slab_t *s, const void *p)
{
    return SLAB_SLOT_PAGE(slab_dir_slot_of(s, p));
}

/* Gives pg to class id (0: the pool), in its metadata and its directory slot. */
void slab_page_set_class(slab_t *s, slab_page *pg, unsigned id);

/* Chunk index of byte offset `off` in a page of class c: exact for off, size < 2^32
 * because off * size < 2^64 (page_size <= 1 GiB). */
static inline size_t slab_chunk_index(const slab_class *c, size_t off)
{
    return (size_t)(((slab_u128)off * c->div_magic) >> 64);
}

/* The chunk index of `off` (as slab_chunk_index) and whether off is a chunk start,
 * from one multiplication: with div_magic = floor((2^64 - 1) / size) + 1 and off,
 * size < 2^32, off is a multiple of size exactly when the low 64 bits of
 * off * div_magic are below div_magic (Lemire, Kaser and Kurz, "Faster Remainder by
 * Direct Computation", 2019). */
static inline bool slab_chunk_at(const slab_class *c, size_t off, size_t *index)
{
    slab_u128 m = (slab_u128)off * c->div_magic;
    *index = (size_t)(m >> 64);
    return (uint64_t)m < c->div_magic;
}

static inline bool slab_chunk_is_free(const slab_page *pg, size_t i)
{
    return pg->state[i] != 0;
}

static inline void slab_chunk_set_free(slab_page *pg, size_t i)
{
    pg->state[i] = 1;
}

static inline void slab_chunk_set_live(slab_page *pg, size_t i)
{
    pg->state[i] = 0;
}

#define SLAB_STATE_END 2

/* Whether chunk i (i <= perslab, as for any offset inside the page) is a live chunk. */
static inline bool slab_chunk_is_live(const slab_page *pg, size_t i)
{
    return pg->state[i] == 0;
}

/* Free chunks of page pg, counted from its states. */
static inline unsigned slab_page_nfree(const slab_t *s, const slab_page *pg)
{
    unsigned n = 0;
    for (size_t i = 0; i < s->state_bytes; i++)
        n += pg->state[i] & 1; /* SLAB_STATE_END is even */
    return n;
}

/* Raises *peak to at least v. */
static inline void slab_peak_raise(_Atomic size_t *peak, size_t v)
{
    size_t cur = atomic_load_explicit(peak, memory_order_relaxed);
    if (v <= cur)
        return;
    while (v > cur &&
           !atomic_compare_exchange_weak_explicit(peak, &cur, v, memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
}

void slab_tc_peak_sample(slab_t *s);

/* Used bytes (chunks in use + large blocks), the figure the peak follows; with thread
 * caches, large blocks only (chunks are counted per class and per cache). */
static inline size_t slab_used_bytes(const slab_t *s)
{
    if (s->ts)
        return atomic_load_explicit(&s->used_total, memory_order_relaxed);
    return atomic_load_explicit(&s->peak_used, memory_order_relaxed) - s->used_room;
}

/* Counts n more used bytes with thread_safe = 0: below the peak, the room shrinks;
 * past it, the peak rises and no room is left. */
static inline void slab_used_add_plain(slab_t *s, size_t n)
{
    size_t room;
    if (__builtin_expect(!__builtin_sub_overflow(s->used_room, n, &room), 1)) {
        s->used_room = room;
        return;
    }
    size_t peak = atomic_load_explicit(&s->peak_used, memory_order_relaxed);
    atomic_store_explicit(&s->peak_used, peak + (n - s->used_room), memory_order_relaxed);
    s->used_room = 0;
}

/* Counts n more used bytes and raises the peak to the new total. */
static inline void slab_used_add(slab_t *s, size_t n)
{
    if (s->ts) {
        if (s->tc_on) {
            atomic_fetch_add_explicit(&s->used_total, n, memory_order_relaxed);
            slab_tc_peak_sample(s);
            return;
        }
        slab_peak_raise(&s->peak_used,
                        atomic_fetch_add_explicit(&s->used_total, n, memory_order_relaxed) + n);
        return;
    }
    slab_used_add_plain(s, n);
}

static inline void slab_used_sub(slab_t *s, size_t n)
{
    if (s->ts)
        atomic_fetch_sub_explicit(&s->used_total, n, memory_order_relaxed);
    else
        s->used_room += n;
}

/* slab_classes.c */
void slab_fill_defaults(alloc_config *cfg);
alloc_status slab_check_config(const alloc_config *cfg, char *msg, size_t msglen);
size_t slab_effective_chunk_max(const alloc_config *cfg);
/* Table for an accepted configuration: returns the class count, writes up to max. */
unsigned slab_do_table(const alloc_config *cfg, size_t *sizes, unsigned *perslab,
                       unsigned max);
bool slab_lookup_build(slab_t *s);
unsigned slab_class_search(const slab_t *s, size_t size);

static inline unsigned slab_class_for(const slab_t *s, size_t size)
{
    if (size <= s->lookup_max) {
        unsigned id = s->lookup[(size + SLAB_ALIGN - 1) / SLAB_ALIGN];
#ifdef KVALLOC_DEBUG
        assert(id == slab_class_search(s, size));
#endif
        return id;
    }
    return slab_class_search(s, size);
}

/* slab_pages.c */
bool slab_dir_init(slab_t *s);
void slab_pages_destroy(slab_t *s);
bool slab_prealloc(slab_t *s);
/* Gives class c one more page of free chunks, by memcached's rule; c->lock held. */
bool slab_do_newslab(slab_t *s, slab_class *c);
/* Makes room on c's stack for every chunk of `pages` pages; c->lock held.  false when
 * the memory for it cannot be had (nothing changed). */
bool slab_do_stack_reserve(slab_class *c, size_t pages);
/* Makes pg c's: every chunk free, handed out before c's other free chunks, the last
 * chunk first (memcached's split_slab_page_into_freelist); c->lock held, pg out of
 * every list, room reserved for total_pages + 1 pages. */
void slab_do_split(slab_t *s, slab_class *c, slab_page *pg);
void slab_do_page_link(slab_class *owner, slab_page *pg);   /* appends as newest */
void slab_do_page_unlink(slab_class *owner, slab_page *pg);
/* Takes every free chunk lying in pg off c's stack and fresh range; c->lock held. */
void slab_do_drop_page_chunks(slab_class *c, slab_page *pg);
void slab_stacks_destroy(slab_t *s);

/* slab_large.c */
bool slab_large_init(slab_t *s);
void slab_large_destroy(slab_t *s);
void *slab_large_alloc(slab_t *s, size_t size);
/* Frees p if it is a large block: ALLOC_OK, or ALLOC_EFOREIGN when it is not one. */
alloc_status slab_large_free(slab_t *s, void *p);
size_t slab_large_size(const slab_t *s, const void *p); /* 0 when not a large block */
size_t slab_large_round(size_t size); /* 0 on overflow */
alloc_status slab_do_large_check(const slab_t *s, size_t *bytes);

/* slab_tcache.c */
/* Class counters including every thread cache's share; tc_lock (when tc_on) and
 * c->lock held. */
typedef struct slab_counts {
    unsigned long long allocs, frees, unsized_frees;
    size_t req_in, req_out;
} slab_counts;
void slab_class_counts(const slab_t *s, const slab_class *c, slab_counts *out);
bool slab_tc_init(slab_t *s);
void slab_tc_destroy(slab_t *s);
/* Takes tc_lock and stops every cache's hot path (no-ops without caches). */
void slab_tc_quiesce(slab_t *s);
void slab_tc_resume(slab_t *s);
/* Returns every cache's bin of class c to c's stack and folds its counters into c's;
 * quiesced, c->lock held. */
void slab_do_tc_flush_class(slab_t *s, slab_class *c);

/* The calling thread's last cache lookup, so the hot path skips pthread_getspecific.
 * Per thread, never shared; the nonce keeps a memo of a destroyed instance from
 * matching a new one created at the same address. */
typedef struct slab_tc_memo {
    const slab_t *s;
    uint64_t nonce;
    slab_tcache *tc;
} slab_tc_memo;
extern __thread slab_tc_memo slab_tc_last __attribute__((tls_model("initial-exec")));

slab_tcache *slab_tc_lookup(slab_t *s);  /* pthread_getspecific, or a new cache */

static inline slab_tcache *slab_tc_get(slab_t *s)
{
    if (__builtin_expect(slab_tc_last.s == s && slab_tc_last.nonce == s->tc_nonce, 1))
        return slab_tc_last.tc;
    return slab_tc_lookup(s);
}

/* Opens the owner's active window: false (window closed again) when another thread
 * has blocked the cache, and the caller takes the locked path. */
static inline __attribute__((always_inline)) bool slab_tc_enter_as(slab_tcache *tc, bool asym)
{
    if (asym) {
        atomic_store_explicit(&tc->active, 1, memory_order_relaxed);
        atomic_signal_fence(memory_order_seq_cst);
    } else {
        atomic_store_explicit(&tc->active, 1, memory_order_seq_cst);
    }
    if (__builtin_expect(atomic_load_explicit(&tc->blocked, memory_order_seq_cst) == 0, 1))
        return true;
    atomic_store_explicit(&tc->active, 0, memory_order_release);
    return false;
}

static inline bool slab_tc_enter(const slab_t *s, slab_tcache *tc)
{
    return slab_tc_enter_as(tc, s->tc_asym);
}

static inline void slab_tc_exit(slab_tcache *tc)
{
    atomic_store_explicit(&tc->active, 0, memory_order_release);
}

/* Raises an owner-written counter: a load and a store, no read-modify-write. */
static inline void slab_tc_add(_Atomic size_t *x, size_t n)
{
    _Static_assert(sizeof *x == sizeof(uint64_t), "bin counters are 64-bit");
    alloc_owned_add(x, n);
}

/* slab_stats.c */
alloc_status slab_check(const alloc_t *a);
void slab_get_stats(const alloc_t *a, alloc_stats *out);

/* Held-bytes accounting shared by pages and the large path. */
bool slab_reserve(slab_t *s, size_t n, bool force);
/* Raises peak_held to what is held now: after memory was really obtained. */
void slab_peak_note(slab_t *s);
void slab_unreserve(slab_t *s, size_t n);

#endif /* KVALLOC_SLAB_INTERNAL_H */
