/* memcached_sim.c - memcached_sim.h: the preset's counters and structures seen from outside,
 * and the walk that checks its invariants against the lists, the index and the slab
 * allocator's own class counts. */
#include "memcached_sim.h"

#include "bench_error.h"
#include "mc_server.h"
#include "slab.h"

void memcached_sim_counters_get(const sim_server *s, memcached_sim_counters *out)
{
    uint64_t oom = 0;
    for (unsigned id = 1; id <= s->nclasses; id++)
        oom += s->cls[id].outofmemory;
    *out = (memcached_sim_counters){
        .curr_items = s->n.curr_items,
        .get_expired = s->n.get_expired,
        .reclaimed = s->n.reclaimed,
        .crawler_reclaimed = s->n.crawler_reclaimed,
        .evictions = s->n.evicted,
        .outofmemory = oom,
        .moves_to_cold = s->n.moves_to_cold,
        .moves_to_warm = s->n.moves_to_warm,
        .moves_within_lru = s->n.moves_within_lru,
        .slabs_moved = s->n.slabs_moved,
        .slab_reassign_rescues = s->n.rescues,
        .slab_reassign_chunk_rescues = s->n.chunk_rescues,
        .slab_reassign_evictions_nomem = s->n.evictions_nomem,
        .mover_expired = s->n.mover_expired,
        .crawls = s->n.crawls,
    };
}

unsigned memcached_sim_nclasses(const sim_server *s)
{
    return s->nclasses;
}

int memcached_sim_class_get(const sim_server *s, unsigned id, memcached_sim_class *out)
{
    slab_class_info ci;
    if (id == 0 || id > s->nclasses || slab_class_get(s->a, id, &ci) != 0)
        return -1;
    const mc_class *c = &s->cls[id];
    *out = (memcached_sim_class){.chunk_size = ci.chunk_size,
                                 .chunks_per_page = ci.chunks_per_page,
                                 .total_pages = ci.total_pages,
                                 .used_chunks = ci.used_chunks,
                                 .free_chunks = ci.free_chunks,
                                 .evicted = c->evicted,
                                 .outofmemory = c->outofmemory};
    for (int seg = 0; seg < MC_SEGS; seg++) {
        out->items[seg] = c->lru[seg].count;
        out->bytes[seg] = c->lru[seg].bytes;
    }
    if (c->lru[MC_COLD].tail != NULL)
        out->cold_age = s->current_time - c->lru[MC_COLD].tail->time;
    return 0;
}

unsigned memcached_sim_class_of(const sim_server *s, uint32_t ksize, uint32_t vsize)
{
    uint64_t ntotal = (uint64_t)s->overhead + ksize + vsize;
    if (ksize > MC_KEY_MAX || ntotal > MC_ITEM_SIZE_MAX)
        return 0;
    return mc_item_class(s, (size_t)ntotal);
}

int memcached_sim_item_get(const sim_server *s, uint64_t key, memcached_sim_item *out)
{
    const mc_slot *sl = mc_index_find(&s->index, key);
    if (sl == NULL)
        return -1;
    const mc_item *it = sl->it;
    *out = (memcached_sim_item){.clsid = it->clsid,
                                .seg = it->lru,
                                .fetched = (it->flags & MC_FETCHED) != 0,
                                .active = (it->flags & MC_ACTIVE) != 0,
                                .chunked = (it->flags & MC_CHUNKED) != 0,
                                .time = it->time,
                                .exptime = it->exptime,
                                .ntotal = it->ntotal};
    return 0;
}

uint32_t memcached_sim_current_time(const sim_server *s)
{
    return s->current_time;
}

const alloc_t *memcached_sim_allocator(const sim_server *s)
{
    return s->a;
}

/* One item on list (id, seg): its fields, its index entry, its chunks (counted into
 * used[] by class). */
static int check_item(const sim_server *s, const mc_item *it, unsigned id, int seg,
                      uint64_t *used, char *err, size_t errlen)
{
    if (it->kind != MC_KIND_ITEM || it->clsid != id || it->lru != seg)
        return bench_error(err, errlen,
                           "item %llx on list %u/%d has kind %u, class %u, segment %u",
                           (unsigned long long)it->key, id, seg, it->kind, it->clsid, it->lru);
    if (!s->o.segmented && seg != MC_COLD)
        return bench_error(err, errlen, "flat mode has an item outside COLD (class %u)", id);
    const mc_slot *sl = mc_index_find(&s->index, it->key);
    if (sl == NULL || sl->it != it)
        return bench_error(err, errlen, "item %llx of class %u is not in the index",
                           (unsigned long long)it->key, id);
    if (it->ntotal < s->overhead || mc_item_class(s, it->ntotal) != id)
        return bench_error(err, errlen, "item %llx: ntotal %u does not belong to class %u",
                           (unsigned long long)it->key, it->ntotal, id);
    used[it->hdr_clsid]++;
    if (!(it->flags & MC_CHUNKED))
        return it->hdr_clsid == id ? 0
                                   : bench_error(err, errlen, "item %llx: header class %u, "
                                                 "class %u", (unsigned long long)it->key,
                                                 it->hdr_clsid, id);
    for (const mc_item *ch = *mc_item_chunks((mc_item *)it); ch != NULL; ch = ch->next) {
        if (ch->kind != MC_KIND_CHUNK || ch->prev != it)
            return bench_error(err, errlen, "item %llx: a body chunk of kind %u names "
                               "another owner", (unsigned long long)it->key, ch->kind);
        used[ch->clsid]++;
    }
    return 0;
}

int memcached_sim_check(const sim_server *s, char *err, size_t errlen)
{
    uint64_t used[256] = {0};
    uint64_t items = 0, requested = 0;
    for (unsigned id = 1; id <= s->nclasses; id++) {
        for (int seg = 0; seg < MC_SEGS; seg++) {
            const mc_list *l = &s->cls[id].lru[seg];
            uint64_t count = 0, bytes = 0;
            const mc_item *prev = NULL;
            for (const mc_item *it = l->head; it != NULL; prev = it, it = it->next) {
                if (it->prev != prev)
                    return bench_error(err, errlen, "list %u/%d: broken back link", id, seg);
                if (check_item(s, it, id, seg, used, err, errlen) != 0)
                    return -1;
                count++;
                bytes += it->ntotal;
                requested += it->ntotal - s->overhead;
                if (count > s->index.count)
                    return bench_error(err, errlen, "list %u/%d is longer than the index "
                                       "(a cycle?)", id, seg);
            }
            if (l->tail != prev || count != l->count || bytes != l->bytes)
                return bench_error(err, errlen,
                                   "list %u/%d: %llu items of %llu bytes, counted %llu of "
                                   "%llu (or a wrong tail)", id, seg,
                                   (unsigned long long)count, (unsigned long long)bytes,
                                   (unsigned long long)l->count, (unsigned long long)l->bytes);
            items += count;
        }
    }
    if (items != s->n.curr_items || items != s->index.count)
        return bench_error(err, errlen, "%llu items on the lists, curr_items %llu, index %zu",
                           (unsigned long long)items, (unsigned long long)s->n.curr_items,
                           s->index.count);
    if (requested != s->n.requested)
        return bench_error(err, errlen, "requested bytes %llu, counted %llu",
                           (unsigned long long)requested, (unsigned long long)s->n.requested);
    for (unsigned id = 1; id <= s->nclasses; id++) {
        slab_class_info ci;
        slab_class_get(s->a, id, &ci);
        if (ci.used_chunks != used[id])
            return bench_error(err, errlen,
                               "class %u: %zu chunks in use, items and chunks hold %llu", id,
                               ci.used_chunks, (unsigned long long)used[id]);
    }
    if (s->ndeferred != 0)
        return bench_error(err, errlen, "%zu blocks of a page move were never freed",
                           s->ndeferred);
    if (alloc_check(s->a) != ALLOC_OK)
        return bench_error(err, errlen, "the slab allocator's own check failed");
    return 0;
}
