/* redis_preset.c - sim_preset_redis: Redis 7.0.15 as a cache (`SET key value [EX
 * ttl]`, GET, DEL on db 0), its options, its life cycle and the look inside it that
 * tests use.  The policy modules are redis_keyspace.c, redis_evict.c (with
 * ../policy/evict_pool.c), redis_expire.c and redis_mem.c. */
#include "redis_server.h"

#include "bench_error.h"
#include "layout.h"
#include "mmap_vec.h"
#include "zm_api.h"

#include <errno.h>
#include <jemalloc/jemalloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SAMPLES (1u << 20) /* bounds the sample buffer; Redis allows INT_MAX */

static const char *const policy_names[] = {
    [REDIS_NOEVICTION] = "noeviction",         [REDIS_ALLKEYS_LRU] = "allkeys-lru",
    [REDIS_ALLKEYS_LFU] = "allkeys-lfu",       [REDIS_ALLKEYS_RANDOM] = "allkeys-random",
    [REDIS_VOLATILE_LRU] = "volatile-lru",     [REDIS_VOLATILE_LFU] = "volatile-lfu",
    [REDIS_VOLATILE_RANDOM] = "volatile-random", [REDIS_VOLATILE_TTL] = "volatile-ttl",
};
#define NPOLICIES (sizeof policy_names / sizeof policy_names[0])

/* ---- options ------------------------------------------------------------------- */

static int parse_uint(const char *val, unsigned long lo, unsigned long hi, unsigned *out)
{
    if (val[0] < '0' || val[0] > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(val, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_opts(const char *opts, redis_opts *o, char *err, size_t errlen)
{
    o->policy = REDIS_NOEVICTION;
    o->samples = 5;
    o->je_base = 1;
    o->lfu_log_factor = 10;
    o->lfu_decay_time = 1;
    o->hz = 10;
    const char *cur = opts;
    char key[32], val[64];
    int r;
    while ((r = sim_opts_next(&cur, key, sizeof key, val, sizeof val, err, errlen)) == 1) {
        if (strcmp(key, "policy") == 0) {
            unsigned i = 0;
            while (i < NPOLICIES && strcmp(val, policy_names[i]) != 0)
                i++;
            if (i == NPOLICIES)
                return bench_error(err, errlen, "redis: policy '%s' is not a maxmemory-policy: "
                                   "use noeviction, allkeys-lru, allkeys-lfu, allkeys-random, "
                                   "volatile-lru, volatile-lfu, volatile-random or volatile-ttl",
                                   val);
            o->policy = (redis_policy)i;
        } else if (strcmp(key, "samples") == 0) {
            if (parse_uint(val, 1, MAX_SAMPLES, &o->samples) != 0)
                return bench_error(err, errlen, "redis: samples '%s' must be a whole number "
                                   "from 1 to %u (maxmemory-samples)", val, MAX_SAMPLES);
        } else if (strcmp(key, "base") == 0) {
            if (strcmp(val, "jemalloc") == 0)
                o->je_base = 1;
            else if (strcmp(val, "libc") == 0)
                o->je_base = 0;
            else
                return bench_error(err, errlen, "redis: base '%s' is not an allocator: use "
                                   "jemalloc or libc", val);
        } else if (strcmp(key, "lfu_log_factor") == 0) {
            if (parse_uint(val, 0, 2147483647, &o->lfu_log_factor) != 0)
                return bench_error(err, errlen, "redis: lfu_log_factor '%s' must be a whole "
                                   "number from 0 to 2147483647", val);
        } else if (strcmp(key, "lfu_decay_time") == 0) {
            if (parse_uint(val, 0, 2147483647, &o->lfu_decay_time) != 0)
                return bench_error(err, errlen, "redis: lfu_decay_time '%s' must be a whole "
                                   "number of minutes from 0 (no decay) to 2147483647", val);
        } else if (strcmp(key, "hz") == 0) {
            if (parse_uint(val, 1, 500, &o->hz) != 0)
                return bench_error(err, errlen, "redis: hz '%s' must be a whole number from 1 "
                                   "to 500", val);
        } else {
            return bench_error(err, errlen, "redis: unknown option '%s': the options are "
                               "policy, samples, base, lfu_log_factor, lfu_decay_time and hz",
                               key);
        }
    }
    return r; /* 0 at the end, -1 with sim_opts_next's sentence */
}

static void help(void *file)
{
    FILE *f = file;
    fprintf(f, "    policy=NAME          maxmemory-policy: noeviction (default), allkeys-lru,\n"
               "                         allkeys-lfu, allkeys-random, volatile-lru,\n"
               "                         volatile-lfu, volatile-random, volatile-ttl\n"
               "    samples=N            maxmemory-samples, keys sampled per pass (default 5)\n"
               "    base=jemalloc|libc   zmalloc's allocator (default jemalloc, as Redis)\n"
               "    lfu_log_factor=N     lfu-log-factor (default 10)\n"
               "    lfu_decay_time=MIN   lfu-decay-time in minutes, 0 = none (default 1)\n"
               "    hz=N                 serverCron frequency, 1..500 (default 10)\n");
}

/* ---- life cycle ------------------------------------------------------------------ */

/* Unbinds the thread from the server's arena and destroys the arena only if nothing
 * else lives in it.  The binding lasts from create to destroy, so whatever the calling
 * thread mallocs meanwhile (stdio's lazily made buffer on a first printf, say) comes
 * from this arena too; destroying it would pull that memory from under its owner
 * (je_arena_release assumes the arena holds the cell's blocks only).  Such an arena is
 * purged and left to its owners instead. */
static void arena_release(je_arena *ar)
{
    if (!ar->bound)
        return;
    mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
    mallctl("thread.arena", NULL, NULL, &ar->previous, sizeof ar->previous);
    uint64_t epoch = 1;
    size_t sz = sizeof epoch;
    mallctl("epoch", &epoch, &sz, &epoch, sz);
    size_t small = 1, large = 1;
    char name[96];
    snprintf(name, sizeof name, "stats.arenas.%u.small.allocated", ar->index);
    sz = sizeof small;
    mallctl(name, &small, &sz, NULL, 0);
    snprintf(name, sizeof name, "stats.arenas.%u.large.allocated", ar->index);
    sz = sizeof large;
    mallctl(name, &large, &sz, NULL, 0);
    snprintf(name, sizeof name, small == 0 && large == 0 ? "arena.%u.destroy" : "arena.%u.purge",
             ar->index);
    mallctl(name, NULL, NULL, NULL, 0);
    ar->bound = 0;
}

static void destroy(sim_server *s)
{
    if (s == NULL)
        return;
    if (s->a != NULL) {
        if (s->pend_obj != NULL)
            zm_free(s->a, s->pend_obj);
        if (s->pend_vsds != NULL)
            zm_free(s->a, s->pend_vsds);
        rks_free_all(s);
        rdict_release(&s->main);
        rdict_release(&s->expires);
        alloc_destroy(s->a);
    }
    arena_release(&s->arena);
    if (s->glibc_open)
        glibc_heap_close(&s->glibc);
    mvec_free(s->key, s->cap * sizeof *s->key);
    mvec_free(s->hash, s->cap * sizeof *s->hash);
    mvec_free(s->main_next, s->cap * sizeof *s->main_next);
    mvec_free(s->exp_next, s->cap * sizeof *s->exp_next);
    mvec_free(s->free_slot, s->cap * sizeof *s->free_slot);
    mvec_free(s->sample, s->o.samples * sizeof *s->sample);
    mvec_free(s, sizeof *s);
}

static int create(const char *opts, const sim_params *p, sim_server **out, char *err,
                  size_t errlen)
{
    *out = NULL;
    redis_opts o;
    if (parse_opts(opts, &o, err, errlen) != 0)
        return -1;
    sim_server *s = mvec_alloc(sizeof *s);
    if (s == NULL)
        return bench_error(err, errlen, "redis: out of memory for the server");
    s->o = o;
    s->budget = p->budget;
    s->maxmemory = p->memory_limit;

    alloc_config c;
    alloc_config_init(&c, "zmalloc");
    c.zmalloc.base = o.je_base ? "jemalloc" : "libc";
    c.thread_safe = 0;
    alloc_status st = alloc_create(&c, &s->a);
    if (st != ALLOC_OK) {
        destroy(s);
        return bench_error(err, errlen, "redis: cannot create the zmalloc instance over %s: %s",
                           c.zmalloc.base, alloc_strerror(st));
    }
    if (o.je_base) {
        if (je_arena_bind(&s->arena, err, errlen) != 0) {
            destroy(s);
            return -1;
        }
    } else {
        if (glibc_heap_open(&s->glibc, err, errlen) != 0) {
            destroy(s);
            return -1;
        }
        s->glibc_open = 1;
        glibc_heap_begin(&s->glibc);
    }

    rng_seed(&s->rng, p->seed, 0x7ed15);
    uint64_t x = p->seed ^ 0x5eedULL;
    s->salt = rng_splitmix(&x);
    rdict_init(&s->main, s->a, redis_expand_allowed, s);
    rdict_init(&s->expires, s->a, redis_expand_allowed, s);
    evpool_init(&s->pool);
    s->sample = mvec_alloc(o.samples * sizeof *s->sample);
    if (s->sample == NULL) {
        destroy(s);
        return bench_error(err, errlen, "redis: out of memory for the key tables");
    }
    do {
        if (rks_grow(s) != 0) {
            destroy(s);
            return bench_error(err, errlen, "redis: out of memory for the key tables");
        }
    } while (s->cap < p->expect_keys);

    /* serverCron first runs 1 ms after start-up, then every 1000/hz ms */
    s->cron_period_us = (uint64_t)(1000 / o.hz) * 1000;
    s->next_cron_us = 1000;
    s->origin_ms = (int64_t)(p->clock_origin_us / 1000);
    s->lruclock = redis_lru_clock_of(s->origin_ms);
    s->held_refresh_bytes = s->maxmemory / 256 > 65536 ? s->maxmemory / 256 : 65536;
    s->held_last = o.je_base ? je_arena_active(&s->arena) : glibc_heap_held(&s->glibc);
    s->held_used_at = zm_used_memory(s->a);
    *out = s;
    return 0;
}

/* ---- commands ---------------------------------------------------------------------- */

static void advance(sim_server *s, uint64_t now_us)
{
    while (s->next_cron_us <= now_us) {
        redis_cron(s, s->next_cron_us);
        s->next_cron_us += s->cron_period_us;
    }
    s->now_us = now_us;
    s->now_ms = (int64_t)(now_us / 1000);
    redis_expire_fast(s); /* beforeSleep, between this command and the previous one */
}

/* GET: performEvictions runs before every command, reads included. */
static int get(sim_server *s, uint64_t key, uint32_t ksize, uint32_t vsize)
{
    (void)ksize;
    (void)vsize;
    s->held_requests++;
    redis_evict(s);
    return rks_lookup(s, rks_hash(s, key)) != REDIS_SLOT_NONE;
}

/* SET key value [NX|XX] [EX ttl]: the value is an object before performEvictions runs
 * (processCommand parses the arguments first); a refused SET keeps the old value. */
static sim_store_result store(sim_server *s, sim_store_mode mode, uint64_t key, uint32_t ksize,
                              uint32_t vsize, uint32_t ttl_s)
{
    s->held_requests++;
    if (rks_value_new(s, vsize) != 0 || redis_evict(s) != 0) {
        rks_value_drop(s, vsize);
        s->refused++;
        return SIM_REFUSED;
    }
    uint64_t h = rks_hash(s, key);
    uint32_t slot = rks_lookup(s, h); /* lookupKeyWrite */
    if ((mode == SIM_ADD && slot != REDIS_SLOT_NONE) ||
        (mode == SIM_REPLACE && slot == REDIS_SLOT_NONE)) {
        rks_value_drop(s, vsize);
        return SIM_NOT_STORED;
    }
    if (slot == REDIS_SLOT_NONE) {
        slot = rks_add(s, key, h, ksize, vsize);
        if (slot == REDIS_SLOT_NONE) {
            rks_value_drop(s, vsize);
            s->refused++;
            return SIM_REFUSED;
        }
    } else {
        rks_overwrite(s, slot, vsize);
    }
    int64_t when = ttl_s > 0 ? s->now_ms + (int64_t)ttl_s * 1000 : 0;
    rks_set_ttl(s, slot, when);
    return SIM_STORED;
}

/* DEL: expireIfNeeded, then dbSyncDelete; an expired key counts as not deleted. */
static int del(sim_server *s, uint64_t key)
{
    s->held_requests++;
    redis_evict(s);
    uint64_t h = rks_hash(s, key);
    if (rks_expire_if_needed(s, h))
        return 0;
    return rks_delete(s, h);
}

static uint64_t table_bytes(const sim_server *s, const rdict *d);

static void stats(sim_server *s, sim_stats *out)
{
    memset(out, 0, sizeof *out);
    out->evictions = s->evicted;
    out->expired = s->expired;
    out->live_objects = rdict_count(&s->main);
    out->requested_bytes = s->requested;
    out->counted_bytes = redis_used(s);
    out->held_bytes = redis_held_now(s);
    /* blocks count at their jemalloc class: what a class adds beyond the asked size is
     * rounding; the rest beyond key + value is Redis's own (per-key structures, bucket
     * arrays, the baseline) */
    uint64_t blocks = zm_used_memory(s->a) - table_bytes(s, &s->main) - table_bytes(s, &s->expires);
    out->rounding_bytes = blocks > s->asked ? blocks - s->asked : 0;
    out->structure_bytes = out->counted_bytes - out->requested_bytes - out->rounding_bytes;
    out->refused = s->refused;
}

const sim_preset sim_preset_redis = {
    .name = "redis",
    .create = create,
    .destroy = destroy,
    .advance = advance,
    .get = get,
    .store = store,
    .del = del,
    .stats = stats,
    .help = help,
};

/* ---- the look inside (redis_sim.h) --------------------------------------------------- */

static uint64_t table_bytes(const sim_server *s, const rdict *d)
{
    uint64_t n = 0;
    for (int t = 0; t <= 1; t++)
        if (d->table[t] != NULL)
            n += zm_counted_size(s->a, d->table[t]);
    return n;
}

void redis_sim_info_get(sim_server *s, redis_sim_info *out)
{
    memset(out, 0, sizeof *out);
    out->policy = s->o.policy;
    out->used_memory = redis_used(s);
    for (int t = 0; t <= 1; t++) {
        out->dict_size[t] = s->main.size[t];
        out->expires_size[t] = s->expires.size[t];
    }
    out->dict_used = rdict_count(&s->main);
    out->expires_used = rdict_count(&s->expires);
    out->bucket_bytes = table_bytes(s, &s->main) + table_bytes(s, &s->expires);
    out->lru_clock = s->lruclock;
    out->now_ms = (uint64_t)s->now_ms;
    out->stale_perc = s->stale_perc;
    out->fast_cycles = s->fast_cycles;
}

/* Finds a key without a dict step, so looking does not change the server. */
static uint32_t peek(const sim_server *s, uint64_t key)
{
    uint64_t h = rks_hash(s, key);
    for (int t = 0; t <= 1; t++) {
        if (s->main.table[t] == NULL)
            continue;
        for (uint32_t e = rdict_bucket(&s->main, t, h); e != 0; e = s->main_next[e - 1])
            if (s->hash[e - 1] == h)
                return e - 1;
    }
    return REDIS_SLOT_NONE;
}

long redis_sim_key_lru(sim_server *s, uint64_t key)
{
    uint32_t slot = peek(s, key);
    return slot == REDIS_SLOT_NONE ? -1 : (long)s->key[slot].lru;
}

int redis_sim_key_lfu(sim_server *s, uint64_t key)
{
    uint32_t slot = peek(s, key);
    return slot == REDIS_SLOT_NONE ? -1 : (int)redis_lfu_decayed(s, s->key[slot].lru);
}

/* A block counts what the allocator gives a request of `want`: exactly its jemalloc
 * class; on glibc at least the chunk for `want` and less than one more minimum chunk
 * (32 bytes), since a free chunk too small to split is handed out whole. */
static int check_block(const sim_server *s, const void *p, size_t want, const char *what,
                       uint32_t slot, char *err, size_t errlen)
{
    size_t got = zm_counted_size(s->a, p), expect = zm_good_size(s->a, want);
    if (s->o.je_base ? got != expect : got < expect || got >= expect + 32)
        return bench_error(err, errlen, "redis: slot %u's %s counts %zu bytes, a request of "
                           "%zu gets %zu", slot, what, got, want, expect);
    return 0;
}

static int check_key(const sim_server *s, uint32_t slot, char *err, size_t errlen)
{
    const redis_key *k = &s->key[slot];
    if (s->hash[slot] != rks_hash(s, k->id))
        return bench_error(err, errlen, "redis: slot %u's hash is not its key's", slot);
    if (check_block(s, k->entry, LAYOUT_DICT_ENTRY, "dict entry", slot, err, errlen) ||
        check_block(s, k->ksds, layout_sds_size(k->ksize), "key sds", slot, err, errlen))
        return -1;
    if (k->vsds == NULL) {
        if (k->vsize > LAYOUT_EMBSTR_MAX ||
            check_block(s, k->obj, LAYOUT_ROBJ + 3 + (size_t)k->vsize + 1, "embstr", slot,
                        err, errlen))
            return bench_error(err, errlen, "redis: slot %u's %u-byte value is not a proper "
                               "embstr", slot, k->vsize);
    } else if (k->vsize <= LAYOUT_EMBSTR_MAX ||
               check_block(s, k->obj, LAYOUT_ROBJ, "robj", slot, err, errlen) ||
               check_block(s, k->vsds, layout_sds_size(k->vsize), "value sds", slot, err,
                           errlen)) {
        return bench_error(err, errlen, "redis: slot %u's %u-byte value is not a proper "
                           "robj + sds", slot, k->vsize);
    }
    if (k->xentry != NULL &&
        check_block(s, k->xentry, LAYOUT_DICT_ENTRY, "expires entry", slot, err, errlen))
        return -1;
    return 0;
}

int redis_sim_check(sim_server *s, char *err, size_t errlen)
{
    if (s->pend_obj != NULL || s->pend_vsds != NULL)
        return bench_error(err, errlen, "redis: a value is pending between commands");
    int rc = -1;
    uint8_t *seen = mvec_alloc(s->top ? s->top : 1), *seen_x = mvec_alloc(s->top ? s->top : 1);
    if (seen == NULL || seen_x == NULL) {
        bench_error(err, errlen, "redis: out of memory for the check");
        goto out;
    }
    if (rdict_check(&s->main, seen, err, errlen) != 0 ||
        rdict_check(&s->expires, seen_x, err, errlen) != 0)
        goto out;
    uint64_t counted = table_bytes(s, &s->main) + table_bytes(s, &s->expires);
    uint64_t live = 0, with_ttl = 0, requested = 0, asked = 0;
    for (uint32_t slot = 0; slot < s->top; slot++) {
        const redis_key *k = &s->key[slot];
        if (!k->live) {
            if (seen[slot] || seen_x[slot]) {
                bench_error(err, errlen, "redis: free slot %u is still in a dict", slot);
                goto out;
            }
            continue;
        }
        if (seen[slot] != 1 || seen_x[slot] != (k->xentry != NULL)) {
            bench_error(err, errlen, "redis: slot %u is in the main dict %u times and in the "
                        "expires dict %u times (TTL: %s)", slot, seen[slot], seen_x[slot],
                        k->xentry != NULL ? "yes" : "no");
            goto out;
        }
        if (check_key(s, slot, err, errlen) != 0)
            goto out;
        live++;
        with_ttl += k->xentry != NULL;
        requested += (uint64_t)k->ksize + k->vsize;
        asked += rks_asked(s, slot);
        counted += rks_counted(s, slot);
    }
    if (live != rdict_count(&s->main) || with_ttl != rdict_count(&s->expires)) {
        bench_error(err, errlen, "redis: %llu live keys (%llu with a TTL) but the dicts hold "
                    "%llu (%llu)", (unsigned long long)live, (unsigned long long)with_ttl,
                    (unsigned long long)rdict_count(&s->main),
                    (unsigned long long)rdict_count(&s->expires));
        goto out;
    }
    if (asked != s->asked) {
        bench_error(err, errlen, "redis: asked bytes %llu, the keys' blocks ask %llu",
                    (unsigned long long)s->asked, (unsigned long long)asked);
        goto out;
    }
    if (requested != s->requested) {
        bench_error(err, errlen, "redis: requested bytes %llu, the keys sum to %llu",
                    (unsigned long long)s->requested, (unsigned long long)requested);
        goto out;
    }
    if (counted != zm_used_memory(s->a)) {
        bench_error(err, errlen, "redis: used_memory %zu but the keys' blocks and bucket "
                    "arrays count %llu", zm_used_memory(s->a), (unsigned long long)counted);
        goto out;
    }
    if (evpool_check(&s->pool) != 0) {
        bench_error(err, errlen, "redis: the eviction pool is out of order");
        goto out;
    }
    rc = 0;
out:
    mvec_free(seen, s->top ? s->top : 1);
    mvec_free(seen_x, s->top ? s->top : 1);
    return rc;
}
