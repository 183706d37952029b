/* mc_lru.c - memcached 1.6.18's per-class LRUs (items.c): the HOT/WARM/COLD segments,
 * lru_pull_tail, the maintainer's juggle, and what a hit does in segmented and in flat
 * (no_lru_maintainer) mode. */
#include "mc_server.h"

void mc_lru_link(sim_server *s, mc_item *it)
{
    mc_list *l = &s->cls[it->clsid].lru[it->lru];
    it->prev = NULL;
    it->next = l->head;
    if (l->head != NULL)
        l->head->prev = it;
    else
        l->tail = it;
    l->head = it;
    l->count++;
    l->bytes += it->ntotal;
}

void mc_lru_unlink(sim_server *s, mc_item *it)
{
    mc_list *l = &s->cls[it->clsid].lru[it->lru];
    if (it->prev != NULL)
        it->prev->next = it->next;
    else
        l->head = it->next;
    if (it->next != NULL)
        it->next->prev = it->prev;
    else
        l->tail = it->prev;
    it->prev = it->next = NULL;
    l->count--;
    l->bytes -= it->ntotal;
}

static void move_to(sim_server *s, mc_item *it, int seg)
{
    mc_lru_unlink(s, it);
    it->lru = (uint8_t)seg;
    mc_lru_link(s, it);
}

/* lru_pull_tail: looks at up to 5 items from the tail of sub-LRU (id, seg), reclaiming
 * expired ones on the way; returns the number of items moved, reclaimed or evicted.
 * Without concurrency there are no locked, referenced or crawler entries to skip. */
int mc_lru_pull_tail(sim_server *s, unsigned id, int seg, uint64_t total_bytes,
                     unsigned flags, uint32_t max_age)
{
    mc_list *l = &s->cls[id].lru[seg];
    int removed = 0;
    uint64_t limit = 0;
    mc_item *search = l->tail, *next_it;
    for (int tries = MC_PULL_TRIES; tries > 0 && search != NULL; tries--, search = next_it) {
        next_it = search->prev;
        /* Tails reclaim with a strict test; a get expires at exptime itself. */
        if (search->exptime != 0 && search->exptime < s->current_time) {
            s->n.reclaimed++;
            mc_item_unlink(s, search);
            removed++;
            continue;
        }
        int to = -1;
        bool stop = true;
        switch (seg) {
        case MC_HOT:
            limit = total_bytes * MC_HOT_PCT / 100;
            /* fall through */
        case MC_WARM:
            if (limit == 0)
                limit = total_bytes * MC_WARM_PCT / 100;
            if (search->flags & MC_ACTIVE) {
                /* Active items are rescued: HOT's flow to WARM, WARM's go back to its
                 * head and the scan goes on. */
                search->flags &= (uint8_t)~MC_ACTIVE;
                removed++;
                if (seg == MC_WARM) {
                    s->n.moves_within_lru++;
                    move_to(s, search, MC_WARM);
                    stop = false;
                } else {
                    s->n.moves_to_warm++;
                    to = MC_WARM;
                }
            } else if (l->bytes > limit || s->current_time - search->time > max_age) {
                s->n.moves_to_cold++;
                to = MC_COLD;
                removed++;
            }
            break;
        default: /* MC_COLD */
            if (flags & MC_PULL_EVICT) {
                s->cls[id].evicted++;
                s->n.evicted++;
                mc_item_unlink(s, search);
                removed++;
                if (s->o.automove == 2)
                    mc_move_on_evict(s, id);
            } else if ((search->flags & MC_ACTIVE) && s->o.segmented) {
                s->n.moves_to_warm++;
                search->flags &= (uint8_t)~MC_ACTIVE;
                to = MC_WARM;
                removed++;
            }
            break;
        }
        if (to >= 0)
            move_to(s, search, to);
        if (stop)
            break;
    }
    return removed;
}

/* lru_maintainer_juggle for a segmented class: HOT and WARM drain to COLD by byte share
 * and by age (0.2 and 2 times COLD's tail age), COLD's tail is poked, until a round
 * moves nothing. */
unsigned mc_lru_juggle(sim_server *s, unsigned id)
{
    mc_class *c = &s->cls[id];
    uint32_t cold_age = 0;
    if (c->lru[MC_COLD].tail != NULL)
        cold_age = s->current_time - c->lru[MC_COLD].tail->time;
    uint32_t hot_age = (uint32_t)(cold_age * MC_HOT_MAX_FACTOR);
    uint32_t warm_age = (uint32_t)(cold_age * MC_WARM_MAX_FACTOR);
    uint64_t total = c->lru[MC_HOT].bytes + c->lru[MC_WARM].bytes + c->lru[MC_COLD].bytes;
    unsigned did = 0;
    for (int i = 0; i < MC_JUGGLE_ROUNDS; i++) {
        int more = 0;
        if (mc_lru_pull_tail(s, id, MC_HOT, total, 0, hot_age) ||
            mc_lru_pull_tail(s, id, MC_WARM, total, 0, warm_age))
            more++;
        more += mc_lru_pull_tail(s, id, MC_COLD, total, 0, 0);
        if (more == 0)
            break;
        did++;
    }
    return did;
}

void mc_lru_update(sim_server *s, mc_item *it)
{
    if (s->o.segmented) {
        /* A hit on COLD moves to WARM (the maintainer applies the queued bump; here at
         * once). */
        it->time = s->current_time;
        if (it->lru == MC_COLD && (it->flags & MC_ACTIVE)) {
            it->flags &= (uint8_t)~MC_ACTIVE;
            s->n.moves_to_warm++;
            move_to(s, it, MC_WARM);
        }
    } else if (it->time < s->current_time - MC_UPDATE_INTERVAL) {
        it->time = s->current_time;
        move_to(s, it, it->lru);
    }
}

void mc_lru_bump(sim_server *s, mc_item *it)
{
    if (!s->o.segmented) {
        it->flags |= MC_FETCHED;
        mc_lru_update(s, it);
        return;
    }
    /* Hit twice to become ACTIVE; hits on an ACTIVE item change nothing. */
    if (it->flags & MC_ACTIVE)
        return;
    if (!(it->flags & MC_FETCHED)) {
        it->flags |= MC_FETCHED;
        return;
    }
    it->flags |= MC_ACTIVE;
    if (it->lru != MC_COLD) {
        it->time = s->current_time;
        return;
    }
    mc_lru_update(s, it);
    mc_lru_juggle(s, it->clsid);
}
