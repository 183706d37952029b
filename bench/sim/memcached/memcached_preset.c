/* memcached_preset.c - the `memcached` server preset: memcached 1.6.18 with its defaults
 * over kvalloc's slab backend; the requests, the server clock and the maintainer's
 * once-a-second work (juggles, crawler schedule, slab_automove=1). */
#include "mc_server.h"

#include "bench_error.h"
#include "mmap_vec.h"
#include "slab.h"

#include <stdint.h>

/* The maintainer's work for a new value of current_time.  memcached's maintainer
 * juggles a busy class about every millisecond and an idle one at least once a second;
 * here every store (and every COLD hit) juggles its class at once, and this pass covers
 * the age caps of classes that saw no store. */
static void tick(sim_server *s)
{
    if (!s->o.segmented)
        return; /* no_lru_maintainer: no juggles, crawls or slab_automove=1 */
    for (unsigned id = 1; id <= s->nclasses; id++) {
        const mc_class *c = &s->cls[id];
        if (c->lru[MC_HOT].count + c->lru[MC_WARM].count + c->lru[MC_COLD].count != 0)
            mc_lru_juggle(s, id);
    }
    mc_crawler_check(s);
    if (s->o.automove == 1 && s->last_automove_check != s->current_time) {
        s->automove_again_us = UINT64_MAX;
        if (mc_move_automove(s))
            s->automove_again_us = s->now_us + MC_AM_AGAIN_US;
        else
            s->last_automove_check = s->current_time;
    }
}

static void mc_advance(sim_server *s, uint64_t now_us)
{
    for (;;) {
        uint64_t next_sec = (s->sec + 1) * 1000000u;
        uint64_t next = next_sec < s->automove_again_us ? next_sec : s->automove_again_us;
        if (next > now_us)
            break;
        s->now_us = next;
        if (next == next_sec) {
            s->sec++;
            s->current_time = MC_TIME_BASE + (uint32_t)s->sec;
            tick(s);
        } else {
            /* the maintainer's next loop after a reclaim to the pool */
            s->automove_again_us = UINT64_MAX;
            if (mc_move_automove(s))
                s->automove_again_us = s->now_us + MC_AM_AGAIN_US;
            else
                s->last_automove_check = s->current_time;
        }
    }
    s->now_us = now_us;
}

static int mc_get(sim_server *s, uint64_t key, uint32_t ksize, uint32_t vsize)
{
    (void)vsize;
    if (ksize > MC_KEY_MAX)
        return 0; /* CLIENT_ERROR: the key is too long */
    mc_item *it = mc_item_get(s, key);
    if (it == NULL)
        return 0;
    mc_lru_bump(s, it);
    return 1;
}

/* process_update_command's answer to a failed allocation: SET drops the old value. */
static sim_store_result refuse(sim_server *s, sim_store_mode mode, uint64_t key,
                               bool drop_old)
{
    s->n.refused++;
    if (drop_old && mode == SIM_SET) {
        mc_item *old = mc_item_get(s, key);
        if (old != NULL)
            mc_item_unlink(s, old);
    }
    return SIM_REFUSED;
}

static sim_store_result mc_store(sim_server *s, sim_store_mode mode, uint64_t key,
                                 uint32_t ksize, uint32_t vsize, uint32_t ttl_s)
{
    if (ksize > MC_KEY_MAX)
        return refuse(s, mode, key, false); /* rejected before anything is touched */
    if ((uint64_t)s->overhead + ksize + vsize > MC_ITEM_SIZE_MAX)
        return refuse(s, mode, key, true); /* "object too large for cache" */
    /* realtime(): a relative TTL; 0 never expires */
    uint64_t exp = ttl_s == 0 ? 0 : (uint64_t)s->current_time + ttl_s;
    uint32_t exptime = exp > UINT32_MAX ? UINT32_MAX : (uint32_t)exp;
    /* The new item is allocated before the old one is looked at, as memcached reads the
     * value into it first; so an add or replace that stores nothing may still evict. */
    bool header_failed;
    mc_item *it = mc_item_alloc(s, key, ksize, vsize, exptime, &header_failed);
    if (it == NULL)
        return refuse(s, mode, key, header_failed);
    unsigned id = it->clsid;
    mc_item *old = mc_item_get(s, key);
    sim_store_result r = SIM_STORED;
    if ((mode == SIM_ADD && old != NULL) || (mode == SIM_REPLACE && old == NULL)) {
        if (old != NULL)
            mc_lru_update(s, old); /* add promotes the existing item */
        mc_item_free(s, it);
        r = SIM_NOT_STORED;
    } else {
        if (old != NULL)
            mc_item_unlink(s, old);
        if (mc_item_link(s, it) != 0) {
            mc_item_free(s, it);
            return refuse(s, mode, key, false);
        }
    }
    if (s->o.segmented)
        mc_lru_juggle(s, id);
    return r;
}

static int mc_del(sim_server *s, uint64_t key)
{
    mc_item *it = mc_item_get(s, key);
    if (it == NULL)
        return 0;
    mc_item_unlink(s, it);
    return 1;
}

/* expired counts every removal for a passed TTL that memcached counts: tail reclaims
 * (`reclaimed`), crawler reclaims (`crawler_reclaimed`) and lazy ones on a lookup by
 * get, store or delete (`get_expired`).  The mover's drops are counted by memcached in
 * none of these nor in `evictions` (slab_reassign_evictions_nomem), and not here. */
static void mc_stats(sim_server *s, sim_stats *out)
{
    slab_totals t;
    slab_totals_get(s->a, &t);
    /* items' bytes (memcached's sizes_bytes) and the chunks they take */
    uint64_t item_bytes = 0, chunk_bytes = 0;
    for (unsigned c = 1; c <= s->nclasses; c++) {
        for (int g = 0; g < MC_SEGS; g++)
            item_bytes += s->cls[c].lru[g].bytes;
        slab_class_info ci;
        if (slab_class_get(s->a, c, &ci) == 0)
            chunk_bytes += (uint64_t)ci.used_chunks * ci.chunk_size;
    }
    *out = (sim_stats){
        .evictions = s->n.evicted,
        .expired = s->n.reclaimed + s->n.crawler_reclaimed + s->n.get_expired,
        .live_objects = s->n.curr_items,
        .requested_bytes = s->n.requested,
        .counted_bytes = t.total_malloced,
        .held_bytes = t.total_malloced + t.large_bytes,
        .pages_moved = s->n.slabs_moved,
        .refused = s->n.refused,
        .structure_bytes = item_bytes - s->n.requested,
        .rounding_bytes = chunk_bytes > item_bytes ? chunk_bytes - item_bytes : 0,
    };
}

static void mc_destroy(sim_server *s)
{
    if (s == NULL)
        return;
    if (s->a != NULL)
        alloc_destroy(s->a);
    mc_index_destroy(&s->index);
    mvec_free(s->cls, s->cls_bytes);
    mvec_free(s->deferred, s->deferred_cap * sizeof *s->deferred);
    mvec_free(s, sizeof *s);
}

static int mc_create(const char *opts, const sim_params *p, sim_server **out, char *err,
                     size_t errlen)
{
    *out = NULL;
    mc_opts o;
    if (mc_options_parse(opts, &o, err, errlen) != 0)
        return -1;
    if (p->memory_limit == 0)
        return bench_error(err, errlen, "memcached: the memory limit (-m) must be above 0");
    /* Both budgets bind the same bytes: memcached counts pages, and pages (plus large
     * blocks, which chunked items never need) are what the slab backend holds. */
    alloc_config c;
    alloc_config_init(&c, "slab");
    c.mem_limit = (size_t)p->memory_limit;
    c.thread_safe = 0;
    c.slab.growth_factor = o.factor;
    c.slab.min_chunk = o.min_chunk;
    c.slab.chunk_max = o.chunk_max;
    c.slab.page_size = MC_PAGE_SIZE;
    if (o.nsizes > 0) {
        c.slab.sizes = o.sizes;
        c.slab.nsizes = o.nsizes;
    }
    char msg[256];
    if (alloc_config_check(&c, msg, sizeof msg) != ALLOC_OK)
        return bench_error(err, errlen, "memcached: %s", msg);
    sim_server *s = mvec_alloc(sizeof *s);
    if (s == NULL)
        return bench_error(err, errlen, "memcached: no memory for the server");
    s->o = o;
    if (alloc_create(&c, &s->a) != ALLOC_OK) {
        mc_destroy(s);
        return bench_error(err, errlen, "memcached: the slab allocator could not be created");
    }
    s->nclasses = slab_class_count(s->a);
    s->chunk_max = alloc_get_config(s->a)->slab.chunk_max;
    s->overhead = MC_ITEM_HEADER + 1 + 2 + (o.cas ? MC_CAS_BYTES : 0);
    s->cls_bytes = (s->nclasses + 1) * sizeof *s->cls;
    s->cls = mvec_alloc(s->cls_bytes);
    if (s->cls == NULL || mc_index_init(&s->index, p->expect_keys) != 0) {
        mc_destroy(s);
        return bench_error(err, errlen, "memcached: no memory for the server's tables");
    }
    s->current_time = MC_TIME_BASE;
    s->automove_again_us = UINT64_MAX;
    /* the maintainer's first loop: the first crawl and the first automover run */
    tick(s);
    *out = s;
    return 0;
}

static void mc_help(void *file)
{
    mc_options_help(file);
}

const sim_preset sim_preset_memcached = {
    .name = "memcached",
    .create = mc_create,
    .destroy = mc_destroy,
    .advance = mc_advance,
    .get = mc_get,
    .store = mc_store,
    .del = mc_del,
    .stats = mc_stats,
    .help = mc_help,
};
