/* mc_move.c - memcached 1.6.18's page moves: the slab mover (rescue a live item into a
 * free chunk of its class outside the page, drop it when expired or when none is left),
 * slab_automove=1's 30-run window (slab_automove.c) and automove=2's page request on
 * every eviction.  A move is instantaneous here; memcached's mover thread takes a few
 * milliseconds, during which further requests are turned away. */
#include "mc_server.h"

#include "mmap_vec.h"
#include "slab.h"

#include <string.h>

/* Queues block b (size bytes) to be freed once the move returns, and marks it dead so a
 * later visit of the same move recognises it; drop_item made room. */
static void defer_free(sim_server *s, mc_item *b, uint32_t size)
{
    s->deferred[s->ndeferred] = (mc_deferred){.p = b, .size = size};
    b->kind = MC_KIND_DEAD;
    b->ntotal = (uint32_t)s->ndeferred++;
}

/* The mover gives up item `it` (unlinked, not counted as an eviction or a reclaim, as in
 * memcached); every block of it but `except` (which the move frees) is freed later. */
static int drop_item(sim_server *s, mc_item *it, mc_item *except, bool expired)
{
    uint32_t hsize = mc_item_header_size(s, it);
    /* Reserve room first: a drop that cannot be completed must decline untouched. */
    size_t need = 1;
    if (it->flags & MC_CHUNKED)
        for (mc_item *ch = *mc_item_chunks(it); ch != NULL; ch = ch->next)
            need++;
    while (s->deferred_cap - s->ndeferred < need) {
        size_t cap = s->deferred_cap ? s->deferred_cap * 2 : 4096;
        mc_deferred *d = mvec_grow(s->deferred, s->deferred_cap * sizeof *d, cap * sizeof *d);
        if (d == NULL)
            return 1;
        s->deferred = d;
        s->deferred_cap = cap;
    }
    mc_item_forget(s, it);
    if (expired)
        s->n.mover_expired++;
    else
        s->n.evictions_nomem++;
    if (it->flags & MC_CHUNKED) {
        for (mc_item *ch = *mc_item_chunks(it), *next; ch != NULL; ch = next) {
            next = ch->next;
            if (ch != except)
                defer_free(s, ch, ch->ntotal);
        }
    }
    if (it != except)
        defer_free(s, it, hsize);
    return SLAB_RELOCATE_DROPPED;
}

static bool mover_expired(const sim_server *s, const mc_item *it)
{
    return it->exptime != 0 && it->exptime < s->current_time;
}

/* slab_rebalance_move for one live chunk of the page (a slab_relocate_fn). */
static int relocate(void *ud, void *old_block, void *new_block, size_t chunk_size)
{
    sim_server *s = ud;
    mc_item *old = old_block, *fresh = new_block;
    (void)chunk_size;
    switch (old->kind) {
    case MC_KIND_DEAD:
        /* dropped earlier in this move with another block of its item */
        s->deferred[old->ntotal].p = NULL;
        return SLAB_RELOCATE_DROPPED;
    case MC_KIND_CHUNK: {
        mc_item *head = old->prev;
        if (head->kind != MC_KIND_ITEM)
            return 1; /* an upload in progress: memcached's mover waits (busy) */
        bool expired = mover_expired(s, head);
        if (expired || fresh == NULL)
            return drop_item(s, head, old, expired);
        *fresh = *old;
        mc_item **link = mc_item_chunks(head);
        while (*link != old)
            link = &(*link)->next;
        *link = fresh;
        s->n.chunk_rescues++;
        return 0;
    }
    case MC_KIND_ITEM: {
        bool expired = mover_expired(s, old);
        if (expired || fresh == NULL)
            return drop_item(s, old, old, expired);
        /* do_item_replace: the copy is linked at the head of the same segment with
         * time = now, flags kept. */
        memcpy(fresh, old, sizeof *old + ((old->flags & MC_CHUNKED) ? sizeof(mc_item *) : 0));
        mc_lru_unlink(s, old);
        fresh->time = s->current_time;
        mc_lru_link(s, fresh);
        mc_index_find(&s->index, fresh->key)->it = fresh;
        if (fresh->flags & MC_CHUNKED)
            for (mc_item *ch = *mc_item_chunks(fresh); ch != NULL; ch = ch->next)
                ch->prev = fresh;
        s->n.rescues++;
        return 0;
    }
    default:
        return 1; /* pending: being uploaded */
    }
}

void mc_move_page(sim_server *s, unsigned src, unsigned dst)
{
    slab_status st = slab_reassign_evict(s->a, src, dst, relocate, s);
    for (size_t i = 0; i < s->ndeferred; i++)
        if (s->deferred[i].p != NULL)
            slab_free_sized(s->a, s->deferred[i].p, s->deferred[i].size);
    s->ndeferred = 0;
    if (st != SLAB_OK)
        return;
    s->n.slabs_moved++;
    /* slab_rebalance_finish: a page reclaimed to the pool while first pages keep
     * total_malloced above -m goes back to the system (memory_release) */
    if (dst == 0)
        slab_pool_trim(s->a);
}

static size_t class_pages(const sim_server *s, unsigned id)
{
    slab_class_info ci;
    slab_class_get(s->a, id, &ci);
    return ci.total_pages;
}

/* slabs_reassign(-1, dst): the next class in round-robin order with 2 pages or more
 * (slabs_reassign_pick_any), then the move. */
void mc_move_on_evict(sim_server *s, unsigned dst)
{
    for (unsigned tries = s->nclasses; tries > 0; tries--) {
        if (++s->am_pick_cur > s->nclasses)
            s->am_pick_cur = 1;
        if (s->am_pick_cur == dst)
            continue;
        if (class_pages(s, s->am_pick_cur) > 1) {
            mc_move_page(s, s->am_pick_cur, dst);
            return;
        }
    }
}

static void snapshot(const sim_server *s, unsigned id, mc_am_snap *out)
{
    const mc_class *c = &s->cls[id];
    slab_class_info ci;
    slab_class_get(s->a, id, &ci);
    const mc_item *tail = c->lru[MC_COLD].tail;
    *out = (mc_am_snap){.evicted = c->evicted, .outofmemory = c->outofmemory,
                        .age = tail != NULL ? s->current_time - tail->time : 0,
                        .total_pages = ci.total_pages, .free_chunks = ci.free_chunks,
                        .perslab = ci.chunks_per_page};
}

/* slab_automove_run, then the move it decides.  Every class's statistics are read
 * first and become the next run's baseline, even past a class the scan stops at. */
bool mc_move_automove(sim_server *s)
{
    uint64_t evicted_total = 0;
    for (unsigned n = 1; n <= s->nclasses; n++) {
        mc_class *c = &s->cls[n];
        snapshot(s, n, &c->am_after);
        evicted_total += c->am_after.evicted - c->am_before.evicted;
    }
    s->am_window_cur++;
    int src = -1, dst = -1, oldest = -1, youngest = -1;
    uint64_t oldest_age = 0, youngest_age = UINT64_MAX;
    bool youngest_evicting = false;
    for (unsigned n = 1; n <= s->nclasses; n++) {
        mc_class *c = &s->cls[n];
        const mc_am_snap *a = &c->am_after, *b = &c->am_before;
        mc_am_slot *wd = &c->window[s->am_window_cur % MC_AM_WINDOW];
        *wd = (mc_am_slot){0};
        uint64_t evicted_delta = a->evicted - b->evicted;
        if (evicted_delta > 0) {
            wd->evicted_ratio = (float)evicted_delta / (float)evicted_total;
            wd->evicted_seen = 1;
            wd->dirty = 1;
        }
        /* memcached subtracts unsigned page counts, so any change of them is dirt */
        if (a->outofmemory != b->outofmemory || a->total_pages != b->total_pages)
            wd->dirty = 1;
        wd->age = a->age;
        mc_am_slot sum = {0};
        for (unsigned x = 0; x < MC_AM_WINDOW; x++) {
            sum.age += c->window[x].age;
            sum.dirty += c->window[x].dirty;
            sum.evicted_ratio += c->window[x].evicted_ratio;
            sum.evicted_seen += c->window[x].evicted_seen;
        }
        uint64_t age = sum.age / MC_AM_WINDOW;
        if ((double)a->free_chunks > (double)a->perslab * MC_AM_MIN_PAGES_RECLAIM &&
            sum.dirty == 0) {
            src = (int)n;
            dst = 0;
            youngest = oldest = -1;
            break;
        }
        if (age > oldest_age && a->total_pages > MC_AM_MIN_PAGES_SOURCE) {
            oldest = (int)n;
            oldest_age = age;
        }
        if (age < youngest_age && (sum.evicted_seen > MC_AM_WINDOW / 2 ||
                                   sum.evicted_ratio / MC_AM_WINDOW > 0.25)) {
            youngest = (int)n;
            youngest_age = age;
            youngest_evicting = wd->evicted_seen != 0;
        }
    }
    for (unsigned n = 1; n <= s->nclasses; n++)
        s->cls[n].am_before = s->cls[n].am_after;
    if (youngest != -1 && oldest != -1 && s->am_window_cur > MC_AM_WINDOW &&
        (double)youngest_age < (double)oldest_age * MC_AM_RATIO && youngest_evicting) {
        src = oldest;
        dst = youngest;
    }
    if (src != -1 && dst != -1 && src != dst)
        mc_move_page(s, (unsigned)src, (unsigned)dst);
    return dst == 0;
}
