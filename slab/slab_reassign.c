/* slab_reassign.c - moving pages between classes and the pool: memcached's `slabs
 * reassign` with caller-assisted relocation (or eviction) of live chunks, and the return
 * of fully free pages to the pool. */
#include "slab_internal.h"

#include <string.h>
#include <sys/mman.h>

const char *slab_status_str(slab_status st)
{
    switch (st) {
    case SLAB_OK: return "OK";
    case SLAB_BUSY: return "BUSY page has live chunks that could not be moved";
    case SLAB_NOSPARE: return "NOSPARE source class has no spare pages";
    case SLAB_BADCLASS: return "BADCLASS invalid src or dst class id";
    case SLAB_SAME: return "SAME src and dst class are identical";
    case SLAB_NOROOM: return "NOROOM too few free chunks elsewhere in the source class";
    case SLAB_NOMEM: return "NOMEM no memory to list the destination's new free chunks";
    }
    return "unknown slab status";
}

/* Hands pg, already out of every list and off every stack, to dst (NULL: the pool),
 * whose stack has room for it.  The owner's class lock(s) are held; takes page_lock
 * for the pool and the counter. */
static void do_give_page(slab_t *s, slab_class *dst, slab_page *pg)
{
    if (dst != NULL) {
        slab_do_split(s, dst, pg);
        slab_do_page_link(dst, pg);
    }
    slab_lock(s, &s->page_lock);
    if (dst == NULL) {
        memset(pg->state, 0, s->state_bytes);
        slab_page_set_class(s, pg, 0);
        slab_do_page_link(&s->classes[0], pg);
    }
    s->pages_moved++;
    slab_unlock(s, &s->page_lock);
}

/* Puts pg's free chunks back on c's stack after an abandoned move. */
static void do_relink(slab_class *c, slab_page *pg)
{
    for (unsigned i = 0; i < c->perslab; i++)
        if (slab_chunk_is_free(pg, i))
            c->stack[c->top++] = (slab_entry){pg->base + (size_t)i * c->size, &pg->state[i]};
}

/* Takes a free chunk of c for a relocated block (the page being emptied is off the
 * stack and out of the fresh range, so it comes from another page), as malloc would.
 * NULL when c has none. */
static char *do_take_chunk(const slab_t *s, slab_class *c, slab_page **owner, size_t *index)
{
    char *p;
    slab_page *pg;
    size_t i;
    if (c->top != 0) {
        p = c->stack[--c->top].p;
        pg = slab_dir_page_of(s, p);
        i = slab_chunk_index(c, (size_t)(p - pg->base));
    } else if (c->fresh_n != 0) {
        pg = c->fresh_pg;
        i = --c->fresh_n;
        p = pg->base + i * c->size;
    } else {
        return NULL;
    }
    slab_chunk_set_live(pg, i);
    *owner = pg;
    *index = i;
    return p;
}

/* Puts a chunk taken by do_take_chunk back on c's stack (the stack has room for every
 * chunk of the class). */
static void do_untake_chunk(slab_class *c, slab_page *pg, size_t i, char *p)
{
    c->stack[c->top++] = (slab_entry){p, &pg->state[i]};
    slab_chunk_set_free(pg, i);
}

/* Both classes locked.  `evict`: when the other pages have no free chunk left, fn gets
 * new_block == NULL and must drop the block. */
static slab_status do_move(slab_t *s, slab_class *src, slab_class *dst, slab_relocate_fn fn,
                           void *ud, bool evict)
{
    if (src->total_pages < 2)
        return SLAB_NOSPARE;
    slab_page *pg = src->oldest;
    unsigned nfree = slab_page_nfree(s, pg);
    size_t live = src->perslab - nfree;
    if (live > 0 && fn == NULL)
        return SLAB_BUSY;
    if (!evict && live > slab_class_free(src) - nfree)
        return SLAB_NOROOM;
    slab_do_drop_page_chunks(src, pg);
    for (unsigned i = 0; i < src->perslab && live > 0; i++) {
        if (slab_chunk_is_free(pg, i))
            continue;
        char *old = pg->base + (size_t)i * src->size;
        slab_page *npg = NULL;
        size_t ni = 0;
        char *fresh = do_take_chunk(s, src, &npg, &ni);
        int r = fresh != NULL || evict ? fn(ud, old, fresh, src->size) : 1;
        if (r == SLAB_RELOCATE_DROPPED) {
            /* Freed as free_block frees without a size; the page is leaving, so the
             * chunk goes on no stack. */
            if (fresh != NULL)
                do_untake_chunk(src, npg, ni, fresh);
            src->frees++;
            src->unsized_frees++;
            if (!s->tc_on)
                slab_used_sub(s, src->size);
        } else if (r != 0 || fresh == NULL) {
            if (fresh != NULL)
                do_untake_chunk(src, npg, ni, fresh);
            do_relink(src, pg);
            return SLAB_BUSY;
        }
        slab_chunk_set_free(pg, i);
        live--;
    }
    slab_do_page_unlink(src, pg);
    do_give_page(s, dst, pg);
    return SLAB_OK;
}

/* dst locked, its stack with room for one more page. */
static slab_status do_from_pool(slab_t *s, slab_class *dst)
{
    slab_lock(s, &s->page_lock);
    slab_class *pool = &s->classes[0];
    slab_page *pg = pool->oldest;
    if (pg != NULL) {
        slab_do_page_unlink(pool, pg);
        s->pages_moved++;
    }
    slab_unlock(s, &s->page_lock);
    if (pg == NULL)
        return SLAB_NOSPARE;
    slab_do_split(s, dst, pg);
    slab_do_page_link(dst, pg);
    return SLAB_OK;
}

static slab_status reassign(alloc_t *a, unsigned src, unsigned dst, slab_relocate_fn fn,
                            void *ud, bool evict)
{
    slab_t *s = slab_of(a);
    /* memcached tests SAME before BADCLASS. */
    if (src == dst)
        return SLAB_SAME;
    if (src > s->nclasses || dst > s->nclasses)
        return SLAB_BADCLASS;
    slab_class *sc = src ? &s->classes[src] : NULL, *dc = dst ? &s->classes[dst] : NULL;
    slab_class *first = src < dst ? sc : dc, *second = src < dst ? dc : sc;
    /* Chunks cached by threads are free chunks of the source: they return to its list
     * first (every cache quiesced, so none refills meanwhile). */
    slab_tc_quiesce(s);
    if (first != NULL)
        slab_lock(s, &first->lock);
    slab_lock(s, &second->lock);
    if (sc != NULL)
        slab_do_tc_flush_class(s, sc);
    slab_status st;
    if (dc != NULL && !slab_do_stack_reserve(dc, dc->total_pages + 1))
        st = SLAB_NOMEM;
    else
        st = sc == NULL ? do_from_pool(s, dc) : do_move(s, sc, dc, fn, ud, evict);
    slab_unlock(s, &second->lock);
    if (first != NULL)
        slab_unlock(s, &first->lock);
    slab_tc_resume(s);
    return st;
}

slab_status slab_reassign(alloc_t *a, unsigned src, unsigned dst, slab_relocate_fn fn,
                          void *ud)
{
    return reassign(a, src, dst, fn, ud, false);
}

slab_status slab_reassign_evict(alloc_t *a, unsigned src, unsigned dst, slab_relocate_fn fn,
                                void *ud)
{
    return reassign(a, src, dst, fn, ud, true);
}

/* Quiesced (slab_tc_quiesce). */
static size_t release_class(slab_t *s, slab_class *c)
{
    size_t moved = 0;
    slab_lock(s, &c->lock);
    slab_do_tc_flush_class(s, c);
    for (slab_page *pg = c->oldest, *next; pg != NULL; pg = next) {
        next = pg->newer;
        if (slab_page_nfree(s, pg) != c->perslab)
            continue;
        slab_do_drop_page_chunks(c, pg);
        slab_do_page_unlink(c, pg);
        do_give_page(s, NULL, pg);
        moved++;
    }
    slab_unlock(s, &c->lock);
    return moved;
}

size_t slab_release_free_pages(alloc_t *a, unsigned id)
{
    slab_t *s = slab_of(a);
    if (id > s->nclasses)
        return 0;
    size_t moved = 0;
    slab_tc_quiesce(s);
    for (unsigned i = id ? id : 1; i <= (id ? id : s->nclasses); i++)
        moved += release_class(s, &s->classes[i]);
    slab_tc_resume(s);
    return moved;
}

size_t slab_automove_free(alloc_t *a, slab_relocate_fn fn, void *ud)
{
    slab_t *s = slab_of(a);
    size_t moved = 0;
    for (unsigned id = 1; id <= s->nclasses; id++) {
        slab_class *c = &s->classes[id];
        if (s->tc_on)
            pthread_mutex_lock(&s->tc_lock);
        slab_lock(s, &c->lock);
        slab_counts k;
        slab_class_counts(s, c, &k);
        size_t nfree = c->total_pages * c->perslab - (size_t)(k.allocs - k.frees);
        /* memcached's MIN_PAGES_FOR_RECLAIM is 2.5: free * 2 > perslab * 5. */
        bool surplus = c->total_pages >= 2 && nfree * 2 > (size_t)c->perslab * 5;
        slab_unlock(s, &c->lock);
        if (s->tc_on)
            pthread_mutex_unlock(&s->tc_lock);
        if (surplus && slab_reassign(a, id, 0, fn, ud) == SLAB_OK)
            moved++;
    }
    return moved;
}

size_t slab_pool_trim(alloc_t *a)
{
    slab_t *s = slab_of(a);
    size_t n = 0;
    if (s->mem_limit == 0 || s->region != NULL)
        return 0;
    slab_lock(s, &s->page_lock);
    slab_class *pool = &s->classes[0];
    while (pool->newest != NULL &&
           atomic_load_explicit(&s->held, memory_order_relaxed) > s->mem_limit) {
        /* memcached's get_page_from_global_pool: the most recently added page */
        slab_page *pg = pool->newest;
        slab_do_page_unlink(pool, pg);
        madvise(pg->base, s->page_size, MADV_DONTNEED);
        pg->newer = s->released;
        s->released = pg;
        s->nreleased++;
        slab_unreserve(s, s->page_size);
        n++;
    }
    slab_unlock(s, &s->page_lock);
    return n;
}
