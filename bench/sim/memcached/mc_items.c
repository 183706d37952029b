/* mc_items.c - items as memcached 1.6.18 allocates, links and frees them: a chunk of the
 * class fitting ntotal, taken with do_item_alloc_pull's evicting loop; above
 * slab_chunk_max a header chunk plus body chunks, each from its own class. */
#include "mc_server.h"

#include "slab.h"

unsigned mc_item_class(const sim_server *s, size_t ntotal)
{
    /* slabs_clsid: sizes between slab_chunk_max and -I belong to the largest class */
    if (ntotal > s->chunk_max)
        return s->nclasses;
    return slab_size_class(s->a, ntotal);
}

/* The header of a chunked item: key, item header, its embedded item_chunk, CAS. */
static uint32_t chunked_header_size(const sim_server *s, uint32_t nkey)
{
    return nkey + 1 + MC_ITEM_HEADER + MC_CHUNK_HEADER + (s->o.cas ? MC_CAS_BYTES : 0);
}

uint32_t mc_item_header_size(const sim_server *s, const mc_item *it)
{
    return (it->flags & MC_CHUNKED) ? chunked_header_size(s, it->nkey) : it->ntotal;
}

/* do_item_alloc_pull: a chunk of class id, evicting from that class's COLD tail (and
 * pushing its HOT tail down) when none is free; up to 10 attempts. */
static void *alloc_pull(sim_server *s, size_t size, unsigned id)
{
    for (int i = 0; i < MC_ALLOC_TRIES; i++) {
        /* flat mode: reclaim expired COLD tail items first */
        if (!s->o.segmented)
            mc_lru_pull_tail(s, id, MC_COLD, 0, 0, 0);
        void *p = slab_malloc(s->a, size);
        if (p != NULL)
            return p;
        if (mc_lru_pull_tail(s, id, MC_COLD, 0, MC_PULL_EVICT, 0) <= 0) {
            if (!s->o.segmented)
                break;
            mc_lru_pull_tail(s, id, MC_HOT, 0, 0, 0);
        }
    }
    return NULL;
}

/* do_item_alloc_chunk: the next body chunk for `remain` bytes of value, from the class
 * fitting remain + its header (capped at slab_chunk_max), or a slab_chunk_max chunk
 * when that class has none.  Returns the chunk's requested size, 0 on failure. */
static uint32_t alloc_chunk(sim_server *s, size_t remain, mc_item **out)
{
    size_t size = remain + MC_CHUNK_HEADER;
    if (size > s->chunk_max)
        size = s->chunk_max;
    unsigned id = mc_item_class(s, size);
    mc_item *ch = alloc_pull(s, size, id);
    if (ch == NULL && size != s->chunk_max) {
        size = s->chunk_max;
        id = mc_item_class(s, size);
        ch = alloc_pull(s, size, id);
    }
    if (ch == NULL)
        return 0;
    ch->kind = MC_KIND_CHUNK;
    ch->clsid = (uint8_t)id;
    ch->ntotal = (uint32_t)size;
    ch->next = NULL;
    *out = ch;
    return (uint32_t)size;
}

mc_item *mc_item_alloc(sim_server *s, uint64_t key, uint32_t ksize, uint32_t vsize,
                       uint32_t exptime, bool *header_failed)
{
    uint32_t ntotal = s->overhead + ksize + vsize;
    unsigned id = mc_item_class(s, ntotal);
    bool chunked = ntotal > s->chunk_max;
    uint32_t hsize = chunked ? chunked_header_size(s, ksize) : ntotal;
    unsigned hid = chunked ? mc_item_class(s, hsize) : id;
    mc_item *it = alloc_pull(s, hsize, hid);
    *header_failed = it == NULL;
    if (it == NULL) {
        s->cls[id].outofmemory++;
        return NULL;
    }
    *it = (mc_item){.key = key, .exptime = exptime, .ntotal = ntotal,
                    .kind = MC_KIND_PENDING, .flags = chunked ? MC_CHUNKED : 0,
                    .lru = s->o.segmented ? MC_HOT : MC_COLD, .clsid = (uint8_t)id,
                    .hdr_clsid = (uint8_t)hid, .nkey = (uint8_t)ksize};
    if (!chunked)
        return it;
    /* The upload fills chunks as it reads (read_into_chunked_item): value + "\r\n". */
    mc_item **link = mc_item_chunks(it);
    *link = NULL;
    for (size_t remain = (size_t)vsize + 2; remain > 0;) {
        mc_item *ch = NULL;
        uint32_t size = alloc_chunk(s, remain, &ch);
        if (size == 0) {
            mc_item_free(s, it);
            return NULL;
        }
        ch->prev = it;
        *link = ch;
        link = &ch->next;
        size_t cap = size - MC_CHUNK_HEADER;
        remain -= cap < remain ? cap : remain;
    }
    return it;
}

void mc_item_free(sim_server *s, mc_item *it)
{
    if (it->flags & MC_CHUNKED) {
        for (mc_item *ch = *mc_item_chunks(it), *next; ch != NULL; ch = next) {
            next = ch->next;
            slab_free_sized(s->a, ch, ch->ntotal);
        }
    }
    slab_free_sized(s->a, it, mc_item_header_size(s, it));
}

int mc_item_link(sim_server *s, mc_item *it)
{
    if (mc_index_insert(&s->index, it->key, it) != 0)
        return -1;
    it->kind = MC_KIND_ITEM;
    it->time = s->current_time;
    mc_lru_link(s, it);
    s->n.curr_items++;
    s->n.requested += it->ntotal - s->overhead;
    return 0;
}

void mc_item_forget(sim_server *s, mc_item *it)
{
    mc_index_remove(&s->index, mc_index_find(&s->index, it->key));
    mc_lru_unlink(s, it);
    s->n.curr_items--;
    s->n.requested -= it->ntotal - s->overhead;
}

void mc_item_unlink(sim_server *s, mc_item *it)
{
    mc_item_forget(s, it);
    mc_item_free(s, it);
}

mc_item *mc_item_get(sim_server *s, uint64_t key)
{
    mc_slot *sl = mc_index_find(&s->index, key);
    if (sl == NULL)
        return NULL;
    mc_item *it = sl->it;
    if (it->exptime != 0 && it->exptime <= s->current_time) {
        mc_item_unlink(s, it);
        s->n.get_expired++;
        return NULL;
    }
    return it;
}
