/* slab_backend.c - the slab backend's vtable, instance creation, and the block calls:
 * malloc pops a class's LIFO free list, free validates the pointer against the page
 * directory and the page's chunk states before pushing it back. */
#include "slab_internal.h"

#include <stdlib.h>
#include <string.h>

#ifdef KVALLOC_DEBUG
/* Fresh blocks read as 0xAA and freed ones as 0x55 (past the free-list link), so
 * reads of uninitialised or freed memory show up in tests. */
#define SLAB_FILL_ALLOC 0xAA
#define SLAB_FILL_FREE 0x55
#endif

static void slab_destroy(alloc_t *a);

static alloc_status slab_create(const alloc_config *cfg, alloc_t **out)
{
    unsigned n = slab_do_table(cfg, NULL, NULL, 0);
    size_t sizes[SLAB_MAX_CLASSES + 1];
    unsigned perslab[SLAB_MAX_CLASSES + 1];
    slab_do_table(cfg, sizes, perslab, n);

    slab_t *s = aligned_alloc(SLAB_CACHE_LINE, alloc_align_up(sizeof *s, SLAB_CACHE_LINE));
    if (s == NULL)
        return ALLOC_ENOMEM;
    memset(s, 0, sizeof *s);
    alloc_init_head(&s->base, &alloc_backend_slab, &alloc_backend_slab.ops);
    s->base.cfg = *cfg;
    s->base.cfg.slab.chunk_max = slab_effective_chunk_max(cfg);
    s->ts = cfg->thread_safe;
    s->nclasses = n;
    s->page_size = cfg->slab.page_size;
    s->page_shift = (unsigned)__builtin_ctzll(cfg->slab.page_size);
    s->chunk_max = s->base.cfg.slab.chunk_max;
    s->mem_limit = cfg->mem_limit;

    if (cfg->slab.sizes != NULL) {
        s->sizes_copy = malloc(cfg->slab.nsizes * sizeof *s->sizes_copy);
        if (s->sizes_copy == NULL)
            goto fail;
        memcpy(s->sizes_copy, cfg->slab.sizes, cfg->slab.nsizes * sizeof *s->sizes_copy);
        s->base.cfg.slab.sizes = s->sizes_copy;
    }
    s->classes = aligned_alloc(SLAB_CACHE_LINE, (n + 1) * sizeof *s->classes);
    if (s->classes == NULL)
        goto fail;
    memset(s->classes, 0, (n + 1) * sizeof *s->classes);
    unsigned most = 0;
    for (unsigned id = 1; id <= n; id++) {
        slab_class *c = &s->classes[id];
        c->id = id;
        c->size = sizes[id - 1];
        c->perslab = perslab[id - 1];
        c->div_magic = UINT64_MAX / c->size + 1;
        c->hint_base = SLAB_NO_HINT;
        if (c->perslab > most)
            most = c->perslab;
    }
    s->state_bytes = most;
    if (!slab_lookup_build(s) || !slab_dir_init(s) || !slab_large_init(s))
        goto fail;
    if (cfg->slab.prealloc && !slab_prealloc(s))
        goto fail;
    if (!slab_tc_init(s))
        goto fail;
    *out = &s->base;
    return ALLOC_OK;
fail:
    slab_destroy(&s->base);
    return ALLOC_ENOMEM;
}

static void slab_destroy(alloc_t *a)
{
    slab_t *s = slab_of(a);
    slab_tc_destroy(s);
    slab_pages_destroy(s);
    slab_large_destroy(s);
    free(s->lookup);
    free(s->classes);
    free(s->sizes_copy);
    free(s);
}

static void count_failure(slab_t *s)
{
    atomic_fetch_add_explicit(&s->failed_allocs, 1, memory_order_relaxed);
}

/* Pops a chunk for a request of `size`; c->lock held.  Each popped entry is checked
 * against its page's chunk states (and, outside the hint page, the directory) before it is
 * trusted: a write after free that changed a link is caught here, reported by the
 * caller (*corrupt), and the list is rebuilt from the chunk states, which such a write
 * cannot reach.  The check costs a few compares of values the state update needs
 * anyway, so it stays on in every build.  With thread caches (rebuild false), cached
 * chunks are free in their states but on no list: the list can only be rebuilt once
 * they are dropped (slab_tc_repair, by the caller). */
static inline void *do_class_alloc(slab_t *s, slab_class *c, size_t size, bool *corrupt,
                                   bool rebuild)
{
    for (;;) {
        char *p = c->free_head;
        if (p == NULL) {
            if (!slab_do_newslab(s, c))
                return NULL;
            continue;
        }
        slab_page *pg;
        size_t off = (uintptr_t)p - c->hint_base;
        if (off < s->page_size) {
            pg = c->hint_pg;
        } else {
            pg = slab_dir_find(s, p);
            if (pg == NULL ||
                atomic_load_explicit(&pg->class_id, memory_order_relaxed) != c->id) {
                *corrupt = true;
                if (!rebuild)
                    return NULL;
                slab_do_rebuild_free_list(c);
                continue;
            }
            off = (size_t)(p - pg->base);
            c->hint_base = (uintptr_t)pg->base;
            c->hint_pg = pg;
        }
        size_t i = slab_chunk_index(c, off);
        if (i * c->size != off || i >= c->perslab || !slab_chunk_is_free(pg, i)) {
            *corrupt = true;
            if (!rebuild)
                return NULL;
            slab_do_rebuild_free_list(c);
            continue;
        }
        c->free_head = *(void **)p;
        slab_chunk_set_live(pg, i);
        c->req_in += size;
        c->allocs++;
        return p;
    }
}

static void report_corrupt(alloc_t *a, const slab_class *c)
{
    alloc_report(a, ALLOC_ECORRUPT, NULL,
                 "the free list of class %u (%zu-byte chunks) held an entry that is no "
                 "free chunk (a write after free?); it was rebuilt from the page's chunk states",
                 c->id, c->size);
}

/* The class's free list under its lock: thread_safe = 0, no cache, or a blocked one. */
static inline __attribute__((always_inline)) void *locked_malloc(slab_t *s, slab_class *c,
                                                              size_t size, bool cached)
{
    for (;;) {
        bool corrupt = false;
        slab_lock(s, &c->lock);
        void *p = do_class_alloc(s, c, size, &corrupt, !cached);
        slab_unlock(s, &c->lock);
        if (corrupt)
            report_corrupt(&s->base, c);
        if (corrupt && p == NULL && cached) {
            slab_tc_repair(s, c);
            continue;
        }
        if (p != NULL && !cached)
            slab_used_add(s, c->size);
        return p;
    }
}

/* Moves up to half a bin of c's free chunks (top first, order kept) into the empty bin
 * b, taking a page when the class has none; inside the active window, takes c->lock.
 * false: no memory, or a damaged list entry (*corrupt, nothing taken). */
static bool do_tc_refill(slab_t *s, slab_class *c, slab_bin *b, bool *corrupt,
                         bool *took_page)
{
    unsigned want = c->tc_cap / 2;
    slab_lock_raw(&c->lock);
    if (c->free_head == NULL) {
        if (!slab_do_newslab(s, c)) {
            slab_unlock_raw(&c->lock);
            return false;
        }
        *took_page = true;
    }
    char *first = c->free_head, *p = first, *last = NULL;
    unsigned n = 0;
    while (p != NULL && n < want) {
        size_t i;
        if (slab_tc_check_free(s, c, b, p, &i) == NULL) {
            slab_unlock_raw(&c->lock);
            *corrupt = true;
            return false;
        }
        last = p;
        p = *(void **)p;
        n++;
    }
    c->free_head = p;
    slab_unlock_raw(&c->lock);
    *(void **)last = NULL;
    b->head = first;
    b->n = n;
    return true;
}

/* Pops the calling thread's bin of class c, refilling it when empty.  No lock and no
 * atomic read-modify-write unless the bin must be refilled. */
static inline __attribute__((always_inline)) void *tc_malloc(slab_t *s, slab_class *c,
                                                          size_t size)
{
    slab_tcache *tc = slab_tc_get(s);
    if (tc == NULL)
        return locked_malloc(s, c, size, true);
    for (;;) {
        if (!slab_tc_enter(s, tc))
            return locked_malloc(s, c, size, true);
        slab_bin *b = &tc->bins[c->id];
        bool corrupt = false, took_page = false;
        if (b->head == NULL) {
            if (b->n != 0 || !do_tc_refill(s, c, b, &corrupt, &took_page)) {
                slab_tc_exit(tc);
                if (!corrupt && b->n == 0)
                    return NULL;
                slab_tc_repair(s, c);
                report_corrupt(&s->base, c);
                continue;
            }
        }
        char *p = b->head;
        size_t i;
        slab_page *pg = slab_tc_check_free(s, c, b, p, &i);
        if (pg == NULL) {
            slab_tc_exit(tc);
            slab_tc_repair(s, c);
            report_corrupt(&s->base, c);
            continue;
        }
        b->head = *(void **)p;
        b->n--;
        slab_chunk_set_live(pg, i);
        slab_tc_add(&b->allocs, 1);
        slab_tc_add(&b->req_in, size);
        slab_tc_exit(tc);
        if (took_page)
            slab_tc_peak_sample(s);
        return p;
    }
}

/* What both fast paths need first: the thread's memo names its cache for this
 * instance, the size has a class in the lookup table, and the cache's active window
 * opened (not blocked by another thread).  On true the window is open: close it with
 * slab_tc_exit. */
static inline __attribute__((always_inline)) bool tc_fast_enter(slab_t *s, size_t size,
                                                            slab_tcache **tc, unsigned *id)
{
    if (!s->tc_on || size > s->lookup_max || slab_tc_last.s != s ||
        slab_tc_last.nonce != s->tc_nonce)
        return false;
    *tc = slab_tc_last.tc;
    *id = slab_class_for(s, size);
    return slab_tc_enter(s, *tc);
}

/* The common case of tc_malloc, with no call, so it needs no stack frame: the thread's
 * memo names its cache, and the bin's top chunk lies in the bin's hint page.  NULL
 * sends the caller to the full path, which handles everything else. */
static inline void *tc_fast_malloc(slab_t *s, size_t size)
{
    slab_tcache *tc;
    unsigned id;
    if (!tc_fast_enter(s, size, &tc, &id))
        return NULL;
    slab_bin *b = &tc->bins[id];
    const slab_class *c = &s->classes[id];
    char *p = b->head;
    size_t off = (uintptr_t)p - b->hint_base;
    if (p != NULL && off < s->page_size) {
        slab_page *pg = b->hint_pg;
        size_t i = slab_chunk_index(c, off);
        if (i * c->size == off && i < c->perslab && slab_chunk_is_free(pg, i)) {
            b->head = *(void **)p;
            b->n--;
            slab_chunk_set_live(pg, i);
            slab_tc_add(&b->allocs, 1);
            slab_tc_add(&b->req_in, size);
            slab_tc_exit(tc);
#ifdef KVALLOC_DEBUG
            memset(p, SLAB_FILL_ALLOC, c->size);
#endif
            return p;
        }
    }
    slab_tc_exit(tc);
    return NULL;
}

static inline __attribute__((always_inline)) void *malloc_body(alloc_t *a, size_t size,
                                                             bool cached);

/* The cached instance's path after tc_fast_malloc, out of line so the fast path needs
 * no stack frame. */
static __attribute__((noinline)) void *malloc_full(alloc_t *a, size_t size)
{
    return malloc_body(a, size, true);
}

void *slab_malloc(alloc_t *a, size_t size)
{
#ifdef KVALLOC_DEBUG
    assert(alloc_vt(a) == &alloc_backend_slab);
#endif
    slab_t *s = slab_of(a);
    if (!s->tc_on)
        return malloc_body(a, size, false);
    void *p = tc_fast_malloc(s, size);
    if (p != NULL)
        return p;
    return malloc_full(a, size);
}

static inline __attribute__((always_inline)) void *malloc_body(alloc_t *a, size_t size,
                                                             bool cached)
{
    slab_t *s = slab_of(a);
    unsigned id = slab_class_for(s, size);
    if (id == 0) {
        void *p = slab_large_alloc(s, size);
        if (p == NULL)
            count_failure(s);
        return p;
    }
    slab_class *c = &s->classes[id];
    void *p = cached ? tc_malloc(s, c, size) : locked_malloc(s, c, size, false);
    if (p == NULL) {
        count_failure(s);
        return NULL;
    }
#ifdef KVALLOC_DEBUG
    memset(p, SLAB_FILL_ALLOC, c->size);
#endif
    return p;
}

void *slab_calloc(alloc_t *a, size_t n, size_t size)
{
    size_t total;
    if (!alloc_mul_ok(n, size, &total)) {
        count_failure(slab_of(a));
        return NULL;
    }
    void *p = slab_malloc(a, total);
    /* A large block is a fresh anonymous mapping: already zero. */
    if (p != NULL && total <= slab_of(a)->chunk_max)
        memset(p, 0, total);
    return p;
}

/* What a pointer into a page turned out to be. */
typedef enum chunk_verdict { CHUNK_LIVE, CHUNK_FREE, CHUNK_INTERIOR, CHUNK_POOL } chunk_verdict;

/* Locks the class that owns pg (retrying if a page move changes it meanwhile) and says
 * whether p is a live chunk start.  Returns the class locked, or NULL for a pool page. */
static slab_class *lock_owner(slab_t *s, slab_page *pg, const void *p, size_t *index,
                              chunk_verdict *v)
{
    for (;;) {
        unsigned id = atomic_load_explicit(&pg->class_id, memory_order_acquire);
        if (id == 0) {
            *v = CHUNK_POOL;
            return NULL;
        }
        slab_class *c = &s->classes[id];
        slab_lock(s, &c->lock);
        if (atomic_load_explicit(&pg->class_id, memory_order_relaxed) != id) {
            slab_unlock(s, &c->lock);
            continue;
        }
        size_t off = (size_t)((const char *)p - pg->base);
        size_t i = slab_chunk_index(c, off);
        *index = i;
        if (i * c->size != off || i >= c->perslab)
            *v = CHUNK_INTERIOR;
        else
            *v = slab_chunk_is_free(pg, i) ? CHUNK_FREE : CHUNK_LIVE;
        return c;
    }
}

static void report_bad(alloc_t *a, const char *call, const void *p, chunk_verdict v,
                       const slab_class *c)
{
    switch (v) {
    case CHUNK_FREE:
        alloc_report(a, ALLOC_EDOUBLEFREE, p,
                     "%s(%p): this %zu-byte block of class %u is already free", call, p,
                     c->size, c->id);
        break;
    case CHUNK_INTERIOR:
        alloc_report(a, ALLOC_EFOREIGN, p,
                     "%s(%p): not the start of a block: it points into a page of class %u "
                     "(%zu-byte chunks) but not at a chunk; pass the pointer malloc returned",
                     call, p, c->id, c->size);
        break;
    case CHUNK_POOL:
        alloc_report(a, ALLOC_EFOREIGN, p,
                     "%s(%p): it lies in a free page of the pool, which holds no block", call, p);
        break;
    case CHUNK_LIVE:
        break;
    }
}

static void report_foreign(alloc_t *a, const char *call, const void *p)
{
    alloc_report(a, ALLOC_EFOREIGN, p,
                 "%s(%p): not a block of this instance (in none of its pages and not one of "
                 "its large blocks); free it with the allocator that returned it", call, p);
}

/* Pushes live chunk i of page pg (class c) back; c->lock held. */
static inline void do_class_free(slab_class *c, slab_page *pg, void *p, size_t i)
{
#ifdef KVALLOC_DEBUG
    memset(p, SLAB_FILL_FREE, c->size);
#endif
    *(void **)p = c->free_head;
    c->free_head = p;
    slab_chunk_set_free(pg, i);
    c->frees++;
}

/* Frees p found through the directory; `size` is the caller's requested size when
 * `sized`. */
static void free_block(alloc_t *a, void *p, size_t size, bool sized, const char *call)
{
    slab_t *s = slab_of(a);
    slab_page *pg = slab_dir_find(s, p);
    if (pg == NULL) {
        size_t len = sized ? slab_large_size(s, p) : 0;
        if (len != 0 && (size <= s->chunk_max || slab_large_round(size) != len)) {
            alloc_report(a, ALLOC_EINVAL, p,
                         "%s(%p, %zu): the block is a %zu-byte large mapping, which a "
                         "%zu-byte request never gets; pass the size it was allocated with",
                         call, p, size, len, size);
            return;
        }
        if (slab_large_free(s, p) != ALLOC_OK)
            report_foreign(a, call, p);
        return;
    }
    size_t i = 0;
    chunk_verdict v;
    slab_class *c = lock_owner(s, pg, p, &i, &v);
    if (v != CHUNK_LIVE) {
        if (c != NULL)
            slab_unlock(s, &c->lock);
        report_bad(a, call, p, v, c);
        return;
    }
    if (sized && slab_class_for(s, size) != c->id) {
        /* Every size maps to exactly one class, so a size from another class cannot
         * be the one this block was allocated with. */
        size_t chunk = c->size;
        unsigned id = c->id;
        slab_unlock(s, &c->lock);
        alloc_report(a, ALLOC_EINVAL, p,
                     "%s(%p, %zu): the block is a %zu-byte chunk of class %u, which a "
                     "%zu-byte request never gets; pass the size it was allocated with",
                     call, p, size, chunk, id, size);
        return;
    }
    do_class_free(c, pg, p, i);
    if (sized)
        c->req_out += size;
    else
        c->unsized_frees++;
    size_t chunk = c->size;
    slab_unlock(s, &c->lock);
    if (!s->tc_on)
        slab_used_sub(s, chunk);
}

/* Returns the bottom half of the full bin b to c's free list (the top stays hot);
 * inside the active window, takes c->lock.  false: a damaged entry, nothing moved. */
static bool do_tc_flush_some(slab_t *s, slab_class *c, slab_bin *b)
{
    unsigned keep = c->tc_cap / 2;
    char *p = b->head, *cut = NULL, *tail = NULL;
    for (unsigned k = 0; k < b->n; k++) {
        size_t i;
        if (p == NULL || slab_tc_check_free(s, c, b, p, &i) == NULL)
            return false;
        if (k + 1 == keep)
            cut = p;
        tail = p;
        p = *(void **)p;
    }
    if (p != NULL || cut == NULL || cut == tail)
        return false;
    char *first = *(void **)cut;
    slab_lock_raw(&c->lock);
    *(void **)tail = c->free_head;
    c->free_head = first;
    slab_unlock_raw(&c->lock);
    *(void **)cut = NULL;
    b->n = keep;
    return true;
}

/* Pushes live chunk i of page pg (class c) onto this thread's bin b, inside the
 * owner's active window, and counts the free in the bin. */
static inline __attribute__((always_inline)) void bin_push(const slab_class *c, slab_bin *b,
                                                          slab_page *pg, void *p, size_t i,
                                                          bool sized, size_t size)
{
#ifdef KVALLOC_DEBUG
    memset(p, SLAB_FILL_FREE, c->size);
#else
    (void)c;
#endif
    *(void **)p = b->head;
    b->head = p;
    b->n++;
    slab_chunk_set_free(pg, i);
    slab_tc_add(&b->frees, 1);
    if (sized)
        slab_tc_add(&b->req_out, size);
    else
        slab_tc_add(&b->unsized_frees, 1);
}

/* Pushes p onto the calling thread's bin when it is a live chunk (of class `id` when
 * sized, id 0: any); true when done.  false sends the caller to the locked path, which
 * judges and reports whatever was wrong. */
static inline __attribute__((always_inline)) bool tc_free(slab_t *s, void *p, unsigned id,
                                                         size_t size, bool sized)
{
    slab_tcache *tc = slab_tc_get(s);
    if (tc == NULL || !slab_tc_enter(s, tc))
        return false;
    slab_page *pg;
    slab_bin *b;
    size_t off;
    if (id != 0) {
        b = &tc->bins[id];
        off = (uintptr_t)p - b->hint_base;
        if (off < s->page_size) {
            pg = b->hint_pg;
        } else {
            pg = slab_dir_find(s, p);
            if (pg == NULL || atomic_load_explicit(&pg->class_id, memory_order_relaxed) != id)
                goto slow;
            off = (size_t)((char *)p - pg->base);
            b->hint_base = (uintptr_t)pg->base;
            b->hint_pg = pg;
        }
    } else {
        pg = slab_dir_find(s, p);
        if (pg == NULL)
            goto slow;
        id = atomic_load_explicit(&pg->class_id, memory_order_relaxed);
        if (id == 0)
            goto slow;
        b = &tc->bins[id];
        off = (size_t)((char *)p - pg->base);
    }
    slab_class *c = &s->classes[id];
    size_t i = slab_chunk_index(c, off);
    if (i * c->size != off || i >= c->perslab || slab_chunk_is_free(pg, i))
        goto slow;
    if (b->n >= c->tc_cap && !do_tc_flush_some(s, c, b)) {
        slab_tc_exit(tc);
        slab_tc_repair(s, c);
        report_corrupt(&s->base, c);
        return false;
    }
    bin_push(c, b, pg, p, i, sized, size);
    slab_tc_exit(tc);
    return true;
slow:
    slab_tc_exit(tc);
    return false;
}

void slab_free(alloc_t *a, void *p)
{
    if (p == NULL)
        return;
    slab_t *s = slab_of(a);
    if (s->tc_on && tc_free(s, p, 0, 0, false))
        return;
    free_block(a, p, 0, false, "free");
}

/* The common case of tc_free for a sized free, with no call (see tc_fast_malloc):
 * false sends the caller to the full path. */
static inline bool tc_fast_free(slab_t *s, void *p, size_t size)
{
    slab_tcache *tc;
    unsigned id;
    if (!tc_fast_enter(s, size, &tc, &id))
        return false;
    slab_bin *b = &tc->bins[id];
    const slab_class *c = &s->classes[id];
    size_t off = (uintptr_t)p - b->hint_base;
    if (off < s->page_size && b->n < c->tc_cap) {
        slab_page *pg = b->hint_pg;
        size_t i = slab_chunk_index(c, off);
        if (i * c->size == off && i < c->perslab && !slab_chunk_is_free(pg, i)) {
            bin_push(c, b, pg, p, i, true, size);
            slab_tc_exit(tc);
            return true;
        }
    }
    slab_tc_exit(tc);
    return false;
}

static inline __attribute__((always_inline)) void free_sized_body(alloc_t *a, void *p,
                                                                  size_t size, bool cached);

static __attribute__((noinline)) void free_sized_full(alloc_t *a, void *p, size_t size)
{
    free_sized_body(a, p, size, true);
}

/* The size names the class, and p usually lies in that class's hint page: then the
 * directory is not needed (the hint is what it would answer).  Anything else, a bad
 * pointer included, takes free_block's full path. */
void slab_free_sized(alloc_t *a, void *p, size_t size)
{
    slab_t *s = slab_of(a);
    if (p == NULL)
        return;
    if (!s->tc_on) {
        free_sized_body(a, p, size, false);
        return;
    }
    if (!tc_fast_free(s, p, size))
        free_sized_full(a, p, size);
}

static inline __attribute__((always_inline)) void free_sized_body(alloc_t *a, void *p,
                                                                  size_t size, bool cached)
{
    slab_t *s = slab_of(a);
    unsigned id = size <= s->lookup_max ? slab_class_for(s, size) : 0;
    if (cached) {
        if (id != 0 && tc_free(s, p, id, size, true))
            return;
    } else if (id != 0) {
        slab_class *c = &s->classes[id];
        slab_lock(s, &c->lock);
        size_t off = (uintptr_t)p - c->hint_base;
        if (off < s->page_size) {
            slab_page *pg = c->hint_pg;
            size_t i = slab_chunk_index(c, off);
            if (i * c->size == off && i < c->perslab && !slab_chunk_is_free(pg, i)) {
                do_class_free(c, pg, p, i);
                c->req_out += size;
                slab_unlock(s, &c->lock);
                slab_used_sub(s, c->size);
                return;
            }
        }
        slab_unlock(s, &c->lock);
    }
    free_block(a, p, size, true, "free_sized");
}

/* Stays in place when the new size has the same class (or, on the large path, the
 * same mapped length); otherwise allocate, copy, free.  A failed realloc leaves p. */
void *slab_realloc(alloc_t *a, void *p, size_t size)
{
    if (p == NULL)
        return slab_malloc(a, size);
    if (size == 0) {
        slab_free(a, p);
        return NULL;
    }
    slab_t *s = slab_of(a);
    size_t old;
    slab_page *pg = slab_dir_find(s, p);
    if (pg != NULL) {
        size_t i = 0;
        chunk_verdict v;
        slab_class *c = lock_owner(s, pg, p, &i, &v);
        if (v != CHUNK_LIVE) {
            if (c != NULL)
                slab_unlock(s, &c->lock);
            report_bad(a, "realloc", p, v, c);
            return NULL;
        }
        old = c->size;
        if (slab_class_for(s, size) == c->id) {
            /* The old request's size is unknown: counted like an unsized free. */
            c->req_in += size;
            c->unsized_frees++;
            slab_unlock(s, &c->lock);
            return p;
        }
        slab_unlock(s, &c->lock);
    } else {
        old = slab_large_size(s, p);
        if (old == 0) {
            report_foreign(a, "realloc", p);
            return NULL;
        }
        if (size > s->chunk_max && slab_large_round(size) == old)
            return p;
    }
    void *q = slab_malloc(a, size);
    if (q == NULL)
        return NULL;
    memcpy(q, p, old < size ? old : size);
    slab_free(a, p);
    atomic_fetch_add_explicit(&s->realloc_moves, 1, memory_order_relaxed);
    return q;
}

size_t slab_usable_size(const alloc_t *a, const void *p)
{
    const slab_t *s = slab_cof(a);
    if (p == NULL)
        return 0;
    slab_page *pg = slab_dir_find(s, p);
    if (pg == NULL) {
        size_t len = slab_large_size(s, p);
        if (len == 0)
            report_foreign((alloc_t *)a, "usable_size", p);
        return len;
    }
    unsigned id = atomic_load_explicit(&pg->class_id, memory_order_acquire);
    if (id == 0) {
        report_bad((alloc_t *)a, "usable_size", p, CHUNK_POOL, NULL);
        return 0;
    }
    const slab_class *c = &s->classes[id];
    size_t off = (size_t)((const char *)p - pg->base);
    size_t i = slab_chunk_index(c, off);
    if (i * c->size != off || i >= c->perslab) {
        report_bad((alloc_t *)a, "usable_size", p, CHUNK_INTERIOR, c);
        return 0;
    }
    /* Read without the class lock: a racing free by another thread is the caller's
     * bug either way, and the state byte is written whole. */
    if (slab_chunk_is_free(pg, i)) {
        report_bad((alloc_t *)a, "usable_size", p, CHUNK_FREE, c);
        return 0;
    }
    return c->size;
}

size_t slab_good_size(const alloc_t *a, size_t size)
{
    const slab_t *s = slab_cof(a);
    unsigned id = slab_class_for(s, size);
    if (id != 0)
        return s->classes[id].size;
    size_t len = slab_large_round(size);
    if (s->mem_limit != 0 && len > s->mem_limit)
        return 0;
    return len;
}

unsigned slab_size_class(const alloc_t *a, size_t size)
{
    return slab_class_for(slab_cof(a), size);
}

static size_t slab_alignment(const alloc_t *a)
{
    (void)a;
    return SLAB_ALIGN;
}

const alloc_backend alloc_backend_slab = {
    .ops = {
        .malloc = slab_malloc,
        .calloc = slab_calloc,
        .realloc = slab_realloc,
        .free = slab_free,
        .free_sized = slab_free_sized,
        .usable_size = slab_usable_size,
    },
    .name = "slab",
    .defaults = slab_fill_defaults,
    .check_config = slab_check_config,
    .create = slab_create,
    .destroy = slab_destroy,
    .good_size = slab_good_size,
    .check = slab_check,
    .get_stats = slab_get_stats,
    .alignment = slab_alignment,
};
