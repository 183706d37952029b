/* slab_backend.c - the slab backend's vtable, instance creation, and the block calls:
 * malloc pops a class's stack of free chunks (or the thread's bin), free validates the
 * pointer against the page directory and the page's chunk states before pushing it
 * back. */
#include "slab_internal.h"

#include <stdlib.h>
#include <string.h>

#ifdef KVALLOC_DEBUG
/* Fresh blocks read as 0xAA and freed ones as 0x55, so reads of uninitialised or
 * freed memory show up in tests. */
#define SLAB_FILL_ALLOC 0xAA
#define SLAB_FILL_FREE 0x55
#endif

static void slab_destroy(alloc_t *a);
static const alloc_ops slab_ops_plain, slab_ops_cached, slab_ops_cached_fenced;

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
    s->page_mask = cfg->slab.page_size - 1;
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
    s->classes[0].req_lo = SIZE_MAX;
    unsigned most = 0;
    for (unsigned id = 1; id <= n; id++) {
        slab_class *c = &s->classes[id];
        c->id = id;
        c->size = sizes[id - 1];
        c->perslab = perslab[id - 1];
        c->div_magic = UINT64_MAX / c->size + 1;
        size_t lo = id == 1 ? 0 : s->classes[id - 1].size + 1;
        c->req_lo = lo <= c->size ? lo : SIZE_MAX;
        c->req_span = lo <= c->size ? c->size - lo : 0;
        if (c->perslab > most)
            most = c->perslab;
    }
    s->state_bytes = (size_t)most + 1;
    if (!slab_lookup_build(s) || !slab_dir_init(s) || !slab_large_init(s))
        goto fail;
#ifdef KVALLOC_DEBUG
    /* The ranges the sized free tests are exactly the sizes slab_class_for maps. */
    for (unsigned id = 1; id <= n; id++) {
        const slab_class *c = &s->classes[id];
        if (c->req_lo == SIZE_MAX) {
            assert(slab_class_for(s, c->size) != id);
            continue;
        }
        assert(slab_class_for(s, c->req_lo) == id);
        assert(slab_class_for(s, c->req_lo + c->req_span) == id);
        assert(c->req_lo == 0 || slab_class_for(s, c->req_lo - 1) != id);
        assert(c->req_lo + c->req_span + 1 > s->chunk_max ||
               slab_class_for(s, c->req_lo + c->req_span + 1) != id);
    }
#endif
    if (cfg->slab.prealloc && !slab_prealloc(s))
        goto fail;
    if (!slab_tc_init(s))
        goto fail;
    if (!s->ts)
        s->base.head.ops = &slab_ops_plain;
    else if (s->tc_on)
        s->base.head.ops = s->tc_asym ? &slab_ops_cached : &slab_ops_cached_fenced;
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
    slab_stacks_destroy(s);
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

/* Marks the chunk of entry e (of class c) live and returns it: e came off a stack or a
 * bin, the instance's own lists, so it needs no check (a KVALLOC_DEBUG build makes
 * them: page, chunk boundary, state). */
static inline char *chunk_take(const slab_t *s, const slab_class *c, slab_entry e)
{
#ifdef KVALLOC_DEBUG
    slab_page *pg = slab_dir_page_of(s, e.p);
    size_t i = slab_chunk_index(c, (size_t)(e.p - pg->base));
    assert(atomic_load_explicit(&pg->class_id, memory_order_relaxed) == c->id);
    assert(i < c->perslab && i * c->size == (size_t)(e.p - pg->base));
    assert(e.state == &pg->state[i] && *e.state == 1);
#else
    (void)s, (void)c;
#endif
    *e.state = 0;
    return e.p;
}

/* Pops a chunk of class c for a request of `size`: the stack's top, else the fresh
 * page's next chunk, else one of a new page.  c->lock held. */
static inline void *do_class_alloc(slab_t *s, slab_class *c, size_t size)
{
    char *p;
    if (c->top != 0) {
        p = chunk_take(s, c, c->stack[--c->top]);
    } else {
        if (c->fresh_n == 0 && !slab_do_newslab(s, c))
            return NULL;
        size_t i = --c->fresh_n;
        p = c->fresh_pg->base + i * c->size;
        slab_chunk_set_live(c->fresh_pg, i);
    }
    c->req_in += size;
    c->allocs++;
    return p;
}

/* The class's stack under its lock: thread_safe = 0, no cache, or a blocked one. */
static inline __attribute__((always_inline)) void *locked_malloc(slab_t *s, slab_class *c,
                                                              size_t size, bool cached)
{
    slab_lock(s, &c->lock);
    void *p = do_class_alloc(s, c, size);
    slab_unlock(s, &c->lock);
    if (p != NULL && !cached)
        slab_used_add(s, c->size);
    return p;
}

/* Fills the empty bin b with up to half a bin of c's free chunks: the stack's top
 * entries (their order kept, so the stack's top is the bin's), else the fresh page's
 * next chunks, taking a page when the class has neither; inside the active window,
 * takes c->lock.  false: no memory. */
static bool do_tc_refill(slab_t *s, slab_class *c, slab_bin *b, bool *took_page)
{
    unsigned want = c->tc_cap / 2, n;
    slab_lock_raw(&c->lock);
    if (c->top == 0 && c->fresh_n == 0) {
        if (!slab_do_newslab(s, c)) {
            slab_unlock_raw(&c->lock);
            return false;
        }
        *took_page = true;
    }
    if (c->top != 0) {
        n = c->top < want ? (unsigned)c->top : want;
        c->top -= n;
        memcpy(b->slots, c->stack + c->top, n * sizeof *b->slots);
    } else {
        n = c->fresh_n < want ? c->fresh_n : want;
        c->fresh_n -= n;
        slab_page *pg = c->fresh_pg;
        for (unsigned k = 0; k < n; k++) {
            size_t i = c->fresh_n + k;
            b->slots[k] = (slab_entry){pg->base + i * c->size, &pg->state[i]};
        }
    }
    slab_unlock_raw(&c->lock);
    b->n = n;
    return true;
}

/* Pops bin b (not empty) of class c for a request of `size`, inside the owner's active
 * window, and counts the allocation in the bin. */
static inline __attribute__((always_inline)) void *bin_pop(const slab_t *s,
                                                          const slab_class *c, slab_bin *b,
                                                          size_t size)
{
    char *p = chunk_take(s, c, b->slots[--b->n]);
    slab_tc_add(&b->allocs, 1);
    slab_tc_add(&b->req_in, size);
    return p;
}

/* Pops the calling thread's bin of class c, refilling it when empty.  No lock and no
 * atomic read-modify-write unless the bin must be refilled. */
static inline __attribute__((always_inline)) void *tc_malloc(slab_t *s, slab_class *c,
                                                          size_t size)
{
    slab_tcache *tc = slab_tc_get(s);
    if (tc == NULL || !slab_tc_enter(s, tc))
        return locked_malloc(s, c, size, true);
    slab_bin *b = &tc->bins[c->id];
    bool took_page = false;
    if (b->n == 0 && !do_tc_refill(s, c, b, &took_page)) {
        slab_tc_exit(tc);
        return NULL;
    }
    void *p = bin_pop(s, c, b, size);
    slab_tc_exit(tc);
    if (took_page)
        slab_tc_peak_sample(s);
    return p;
}

/* What both fast paths need first, with thread caches on (the instance's block calls
 * say so) and membarrier available or not (asym, likewise): the thread's memo names
 * its cache for this instance, the size has a class in the lookup table, and the
 * cache's active window opened (not blocked by another thread).  On true the window is
 * open: close it with slab_tc_exit. */
static inline __attribute__((always_inline)) bool tc_fast_enter(slab_t *s, size_t size,
                                                            slab_tcache **tc, unsigned *id,
                                                            bool asym)
{
    if (size > s->lookup_max || slab_tc_last.s != s || slab_tc_last.nonce != s->tc_nonce)
        return false;
    *tc = slab_tc_last.tc;
    *id = slab_class_for(s, size);
    return slab_tc_enter_as(*tc, asym);
}

/* The common case of tc_malloc, with no call, so it needs no stack frame: the thread's
 * memo names its cache and the bin is not empty.  NULL sends the caller to the full
 * path, which handles everything else. */
static inline __attribute__((always_inline)) void *tc_fast_malloc(slab_t *s, size_t size,
                                                               bool asym)
{
    slab_tcache *tc;
    unsigned id;
    if (!tc_fast_enter(s, size, &tc, &id, asym))
        return NULL;
    slab_bin *b = &tc->bins[id];
    void *p = NULL;
    if (b->n != 0)
        p = bin_pop(s, &s->classes[id], b, size);
    slab_tc_exit(tc);
#ifdef KVALLOC_DEBUG
    if (p != NULL)
        memset(p, SLAB_FILL_ALLOC, s->classes[id].size);
#endif
    return p;
}

static inline __attribute__((always_inline)) void *malloc_body(alloc_t *a, size_t size,
                                                             bool cached);

/* Everything after the fast paths, out of line so that they need no stack frame. */
static __attribute__((noinline)) void *malloc_full(alloc_t *a, size_t size)
{
    return malloc_body(a, size, true);
}

static __attribute__((noinline)) void *malloc_locked(alloc_t *a, size_t size)
{
    return malloc_body(a, size, false);
}

/* thread_safe = 0 (the instance's malloc when so configured): a chunk on the class's
 * stack is popped inline, with no lock and no stack frame. */
static void *plain_malloc(alloc_t *a, size_t size)
{
    slab_t *s = slab_of(a);
    if (__builtin_expect(size <= s->lookup_max, 1)) {
        slab_class *c = &s->classes[slab_class_for(s, size)];
        if (__builtin_expect(c->top != 0, 1)) {
            char *p = chunk_take(s, c, c->stack[--c->top]);
            c->req_in += size;
            c->allocs++;
            slab_used_add_plain(s, c->size);
#ifdef KVALLOC_DEBUG
            memset(p, SLAB_FILL_ALLOC, c->size);
#endif
            return p;
        }
    }
    return malloc_locked(a, size);
}

/* Thread caches on (the instance's malloc when so configured), with membarrier
 * ordering the owner's window (asym) or a seq_cst store doing it. */
static void *cached_malloc(alloc_t *a, size_t size)
{
    void *p = tc_fast_malloc(slab_of(a), size, true);
    if (__builtin_expect(p != NULL, 1))
        return p;
    return malloc_full(a, size);
}

static void *cached_malloc_fenced(alloc_t *a, size_t size)
{
    void *p = tc_fast_malloc(slab_of(a), size, false);
    if (__builtin_expect(p != NULL, 1))
        return p;
    return malloc_full(a, size);
}

void *slab_malloc(alloc_t *a, size_t size)
{
#ifdef KVALLOC_DEBUG
    assert(alloc_vt(a) == &alloc_backend_slab);
#endif
    const slab_t *s = slab_of(a);
    if (s->tc_on)
        return s->tc_asym ? cached_malloc(a, size) : cached_malloc_fenced(a, size);
    if (!s->ts)
        return plain_malloc(a, size);
    return malloc_locked(a, size);
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

/* Whether a request of `size` bytes is served by class c (see req_lo). */
static inline bool class_serves(const slab_class *c, size_t size)
{
    return size - c->req_lo <= c->req_span;
}

/* Whether p, in the page of directory slot v whose class is c, starts a live chunk;
 * *pgp and *index are its page and chunk number.  The fast paths' whole check after the
 * class: the offset comes from the address (pages are aligned to their size), so the
 * page's metadata is only touched at the state byte. */
static inline bool is_live_chunk(const slab_t *s, const slab_class *c, uintptr_t v,
                                 const void *p, slab_page **pgp, size_t *index)
{
    slab_page *pg = SLAB_SLOT_PAGE(v);
    size_t i;
    bool at = slab_chunk_at(c, (uintptr_t)p & s->page_mask, &i);
    *pgp = pg;
    *index = i;
    return at && slab_chunk_is_live(pg, i);
}

/* The page of p when p is a live chunk start of class id (not 0), else NULL; *index is
 * its chunk number. */
static inline slab_page *live_chunk_of(const slab_t *s, const void *p, unsigned id,
                                       size_t *index)
{
    uintptr_t v = slab_dir_slot_of(s, p);
    slab_page *pg;
    if (SLAB_SLOT_CLASS(v) != id || !is_live_chunk(s, &s->classes[id], v, p, &pg, index))
        return NULL;
    return pg;
}

/* Pushes live chunk i of page pg (class c) onto c's stack; c->lock held.  The stack
 * has room: it holds at most the class's free chunks (cap invariant). */
static inline void do_class_free(slab_class *c, slab_page *pg, void *p, size_t i)
{
#ifdef KVALLOC_DEBUG
    assert(c->top < c->cap);
    memset(p, SLAB_FILL_FREE, c->size);
#endif
    c->stack[c->top++] = (slab_entry){p, &pg->state[i]};
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

/* Returns the bottom entries of the full bin b to c's stack, keeping the top half
 * (the most recently freed, likeliest to be reused hot); inside the active window,
 * takes c->lock. */
static void do_tc_flush_some(slab_class *c, slab_bin *b)
{
    unsigned keep = c->tc_cap / 2, move = b->n - keep;
    slab_lock_raw(&c->lock);
    memcpy(c->stack + c->top, b->slots, move * sizeof *b->slots);
    c->top += move;
    slab_unlock_raw(&c->lock);
    memmove(b->slots, b->slots + move, keep * sizeof *b->slots);
    b->n = keep;
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
    b->slots[b->n++] = (slab_entry){p, &pg->state[i]};
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
    /* A page changes class only while every cache is blocked: stable in the window. */
    uintptr_t v = slab_dir_slot_of(s, p);
    unsigned owner = SLAB_SLOT_CLASS(v);
    if (owner == 0 || (id != 0 && owner != id))
        goto slow;
    slab_class *c = &s->classes[owner];
    slab_bin *b = &tc->bins[owner];
    slab_page *pg;
    size_t i;
    if (!is_live_chunk(s, c, v, p, &pg, &i))
        goto slow;
    if (b->n >= c->tc_cap)
        do_tc_flush_some(c, b);
    bin_push(c, b, pg, p, i, sized, size);
    slab_tc_exit(tc);
    return true;
slow:
    slab_tc_exit(tc);
    return false;
}

/* The common case of tc_free for a sized free, with no call (see tc_fast_malloc):
 * false sends the caller to the full path. */
static inline __attribute__((always_inline)) bool tc_fast_free(slab_t *s, void *p, size_t size,
                                                              bool asym)
{
    if (slab_tc_last.s != s || slab_tc_last.nonce != s->tc_nonce)
        return false;
    slab_tcache *tc = slab_tc_last.tc;
    if (!slab_tc_enter_as(tc, asym))
        return false;
    /* A page changes class only while every cache is blocked: stable in the window. */
    uintptr_t v = slab_dir_slot_of(s, p);
    unsigned id = SLAB_SLOT_CLASS(v);
    const slab_class *c = &s->classes[id];
    slab_bin *b = &tc->bins[id];
    slab_page *pg;
    size_t i;
    if (class_serves(c, size) && is_live_chunk(s, c, v, p, &pg, &i) && b->n < c->tc_cap) {
        bin_push(c, b, pg, p, i, true, size);
        slab_tc_exit(tc);
        return true;
    }
    slab_tc_exit(tc);
    return false;
}

/* Everything after the fast paths (a full bin, another class's page, a bad pointer,
 * the large path, a blocked cache), out of line so that they need no stack frame. */
static __attribute__((noinline)) void free_sized_full(alloc_t *a, void *p, size_t size)
{
    slab_t *s = slab_of(a);
    unsigned id = size <= s->lookup_max ? slab_class_for(s, size) : 0;
    if (s->tc_on && id != 0 && tc_free(s, p, id, size, true))
        return;
    free_block(a, p, size, true, "free_sized");
}

/* thread_safe = 0 (the instance's free_sized when so configured): the directory names
 * the page and its class; a live chunk at a chunk boundary of a class that serves
 * `size` is pushed inline.  Anything else, a bad pointer included, takes free_block's
 * full path, which judges and reports it. */
static void plain_free_sized(alloc_t *a, void *p, size_t size)
{
    slab_t *s = slab_of(a);
    uintptr_t v = slab_dir_slot_of(s, p);
    slab_class *c = &s->classes[SLAB_SLOT_CLASS(v)];
    slab_page *pg;
    size_t i;
    if (__builtin_expect(class_serves(c, size) && is_live_chunk(s, c, v, p, &pg, &i), 1)) {
        do_class_free(c, pg, p, i);
        c->req_out += size;
        s->used_room += c->size;
        return;
    }
    free_sized_full(a, p, size);
}

/* thread_safe = 0, no size: the page names the class. */
static void plain_free(alloc_t *a, void *p)
{
    slab_t *s = slab_of(a);
    uintptr_t v = slab_dir_slot_of(s, p);
    unsigned id = SLAB_SLOT_CLASS(v);
    if (__builtin_expect(id != 0, 1)) {
        slab_class *c = &s->classes[id];
        slab_page *pg;
        size_t i;
        if (is_live_chunk(s, c, v, p, &pg, &i)) {
            do_class_free(c, pg, p, i);
            c->unsized_frees++;
            s->used_room += c->size;
            return;
        }
    }
    free_block(a, p, 0, false, "free");
}

static void cached_free(alloc_t *a, void *p)
{
    if (!tc_free(slab_of(a), p, 0, 0, false))
        free_block(a, p, 0, false, "free");
}

void slab_free(alloc_t *a, void *p)
{
    const slab_t *s = slab_of(a);
    if (p == NULL)
        return;
    if (s->tc_on)
        cached_free(a, p);
    else if (!s->ts)
        plain_free(a, p);
    else
        free_block(a, p, 0, false, "free");
}

/* Thread caches on (the instance's free_sized when so configured), as cached_malloc. */
static void cached_free_sized(alloc_t *a, void *p, size_t size)
{
    if (!tc_fast_free(slab_of(a), p, size, true))
        free_sized_full(a, p, size);
}

static void cached_free_sized_fenced(alloc_t *a, void *p, size_t size)
{
    if (!tc_fast_free(slab_of(a), p, size, false))
        free_sized_full(a, p, size);
}

void slab_free_sized(alloc_t *a, void *p, size_t size)
{
    const slab_t *s = slab_of(a);
    if (p == NULL)
        return;
    if (s->tc_on && s->tc_asym)
        cached_free_sized(a, p, size);
    else if (s->tc_on)
        cached_free_sized_fenced(a, p, size);
    else if (!s->ts)
        plain_free_sized(a, p, size);
    else
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

/* The block calls of the configurations that have their own: thread_safe = 0, and
 * thread_safe = 1 with thread caches, with and without membarrier (the backend's
 * table, which tests the configuration on every call, serves the rest:
 * thread_safe = 1 without caches). */
static const alloc_ops slab_ops_plain = {
    .malloc = plain_malloc,
    .calloc = slab_calloc,
    .realloc = slab_realloc,
    .free = plain_free,
    .free_sized = plain_free_sized,
    .usable_size = slab_usable_size,
};

static const alloc_ops slab_ops_cached = {
    .malloc = cached_malloc,
    .calloc = slab_calloc,
    .realloc = slab_realloc,
    .free = cached_free,
    .free_sized = cached_free_sized,
    .usable_size = slab_usable_size,
};

static const alloc_ops slab_ops_cached_fenced = {
    .malloc = cached_malloc_fenced,
    .calloc = slab_calloc,
    .realloc = slab_realloc,
    .free = cached_free,
    .free_sized = cached_free_sized_fenced,
    .usable_size = slab_usable_size,
};

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
