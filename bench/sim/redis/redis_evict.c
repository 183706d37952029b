/* redis_evict.c - evict.c of Redis 7.0.15: the LRU clock and the LFU counter, and
 * performEvictions with the eviction pool.  Candidates are drawn uniformly from the
 * live keys (or those with a TTL) instead of dictGetSomeKeys' bucket walk, which the
 * reference allows (cache-policies.md 1.10: hashing makes bucket neighbours
 * independent of recency). */
#include "redis_server.h"

#include "zm_api.h"

uint32_t redis_lru_clock_of(int64_t ms)
{
    return (uint32_t)((uint64_t)ms / 1000) & REDIS_LRU_MAX;
}

/* LFUGetTimeInMinutes: server.unixtime / 60, 16 bits. */
unsigned redis_lfu_minutes(const sim_server *s)
{
    return (unsigned)(((uint64_t)(s->now_ms + s->origin_ms) / 1000 / 60) & 65535);
}

/* LFUDecrAndReturn: one off per lfu-decay-time minutes elapsed, down to 0. */
unsigned redis_lfu_decayed(const sim_server *s, uint32_t lru)
{
    unsigned ldt = lru >> 8, counter = lru & 255, now = redis_lfu_minutes(s);
    if (s->o.lfu_decay_time == 0)
        return counter;
    unsigned elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
    unsigned periods = elapsed / s->o.lfu_decay_time;
    return periods > counter ? 0 : counter - periods;
}

/* LFULogIncr: +1 with probability 1 / ((counter - 5) * lfu-log-factor + 1). */
static unsigned lfu_log_incr(sim_server *s, unsigned counter)
{
    if (counter == 255)
        return 255;
    double base = counter > REDIS_LFU_INIT ? (double)(counter - REDIS_LFU_INIT) : 0.0;
    double p = 1.0 / (base * s->o.lfu_log_factor + 1.0);
    return rng_unit(&s->rng) < p ? counter + 1 : counter;
}

/* updateLFU: decay, increment, stamp with the current minute. */
uint32_t redis_lfu_touch(sim_server *s, uint32_t lru)
{
    unsigned counter = lfu_log_incr(s, redis_lfu_decayed(s, lru));
    return (uint32_t)(redis_lfu_minutes(s) << 8) | counter;
}

/* createObject's stamp: the cached LRU clock, or under LFU now with the initial 5. */
uint32_t redis_new_lru(const sim_server *s)
{
    if (s->o.policy == REDIS_ALLKEYS_LFU || s->o.policy == REDIS_VOLATILE_LFU)
        return (uint32_t)(redis_lfu_minutes(s) << 8) | REDIS_LFU_INIT;
    return s->lruclock;
}

/* estimateObjectIdleTime, in ms. */
static uint64_t idle_ms(const sim_server *s, uint32_t lru)
{
    uint64_t now = s->lruclock;
    if (now >= lru)
        return (now - lru) * 1000;
    return (now + (REDIS_LRU_MAX - lru)) * 1000;
}

static int allkeys(const sim_server *s)
{
    return s->o.policy == REDIS_ALLKEYS_LRU || s->o.policy == REDIS_ALLKEYS_LFU ||
           s->o.policy == REDIS_ALLKEYS_RANDOM;
}

/* evictionPoolPopulate for db 0. */
static void populate(sim_server *s)
{
    rdict *d = allkeys(s) ? &s->main : &s->expires;
    /* the bucket walk itself, not a uniform draw: on a sparse table (after a shrink of
     * the key count) it returns fewer keys, which makes Redis's LFU measurably less
     * selective (the phase-shift validation trace shows it) */
    size_t n = rdict_some_keys(d, &s->rng, s->sample, s->o.samples);
    for (size_t j = 0; j < n; j++) {
        uint32_t slot = s->sample[j];
        const redis_key *k = &s->key[slot];
        uint64_t score;
        if (s->o.policy == REDIS_VOLATILE_TTL) {
            score = UINT64_MAX - (uint64_t)k->expire_ms;
        } else {
            if (d != &s->main)
                rdict_find(&s->main, s->hash[slot]); /* the value lives in the main dict */
            if (s->o.policy == REDIS_ALLKEYS_LRU || s->o.policy == REDIS_VOLATILE_LRU)
                score = idle_ms(s, k->lru);
            else
                score = 255 - redis_lfu_decayed(s, k->lru);
        }
        evpool_offer(&s->pool, k->id, score);
    }
}

typedef struct victim_probe {
    sim_server *s;
    rdict *d;
    uint32_t slot;
} victim_probe;

/* Whether a pooled key still exists in the dict the policy samples (a ghost when not). */
static int pool_alive(void *ud, uint64_t id)
{
    victim_probe *v = ud;
    uint32_t e = rdict_find(v->d, rks_hash(v->s, id));
    v->slot = e - 1;
    return e != 0;
}

/* The next key to evict, or REDIS_SLOT_NONE when there is none. */
static uint32_t choose_victim(sim_server *s)
{
    rdict *d = allkeys(s) ? &s->main : &s->expires;
    if (s->o.policy == REDIS_ALLKEYS_RANDOM || s->o.policy == REDIS_VOLATILE_RANDOM) {
        if (rdict_count(d) == 0)
            return REDIS_SLOT_NONE;
        return rdict_random_key(d, &s->rng);
    }
    victim_probe v = {s, d, REDIS_SLOT_NONE};
    for (;;) {
        if (rdict_count(d) == 0)
            return REDIS_SLOT_NONE;
        populate(s);
        uint64_t id;
        if (evpool_pop(&s->pool, pool_alive, &v, &id))
            return v.slot;
        /* every pooled key was a ghost: sample again */
    }
}

int redis_evict(sim_server *s)
{
    uint64_t figure = redis_mem_figure(s);
    if (figure <= s->maxmemory)
        return 0;
    if (s->o.policy == REDIS_NOEVICTION)
        return -1;
    uint64_t tofree = figure - s->maxmemory, freed = 0;
    while (freed < tofree) {
        uint32_t slot = choose_victim(s);
        if (slot == REDIS_SLOT_NONE)
            return -1;
        /* what the deletion alone frees, as Redis measures it (a finished rehash
         * freeing a table counts too) */
        uint64_t before = zm_used_memory(s->a);
        rks_delete(s, s->hash[slot]);
        uint64_t after = zm_used_memory(s->a);
        freed += before > after ? before - after : 0;
        s->evicted++;
    }
    return 0;
}
