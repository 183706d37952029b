/* redis_server.h - the simulated Redis server shared by the preset's modules: its
 * options, key table, dicts, clocks and counters, and the calls between modules
 * (keyspace, evict, expire, mem). */
#ifndef KVBENCH_REDIS_SERVER_H
#define KVBENCH_REDIS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "alloc_api.h"
#include "evict_pool.h"
#include "glibc_heap.h"
#include "je_arena.h"
#include "redis_dict.h"
#include "redis_sim.h"
#include "rng.h"
#include "sim.h"

#define REDIS_LRU_MAX ((1u << 24) - 1) /* LRU_CLOCK_MAX */
#define REDIS_LFU_INIT 5               /* LFU_INIT_VAL */
#define REDIS_SLOT_NONE UINT32_MAX

typedef struct redis_opts {
    redis_policy policy;   /* maxmemory-policy, default noeviction */
    unsigned samples;      /* maxmemory-samples, default 5 */
    int je_base;           /* zmalloc over jemalloc (1, default) or glibc */
    unsigned lfu_log_factor; /* default 10 */
    unsigned lfu_decay_time; /* minutes, default 1; 0 = no decay */
    unsigned hz;           /* default 10 */
} redis_opts;

/* One key as Redis stores it for SET key value [EX ttl]: its blocks in the zmalloc
 * instance (dict entry, key sds, robj + value sds or one embstr block, an expires
 * entry when it has a TTL) and the robj's 24-bit lru field. */
typedef struct redis_key {
    uint64_t id;
    void *entry, *ksds, *obj, *vsds, *xentry; /* vsds NULL for embstr, xentry without TTL */
    int64_t expire_ms;                        /* absolute, when xentry != NULL */
    uint32_t ksize, vsize;
    uint32_t lru;
    uint32_t live;
} redis_key;

/* Invariants (redis_sim_check): zm_used_memory(a) == sum over live keys of the counted
 * sizes of their blocks + the bucket arrays of both dicts; live slots == main.used ==
 * all.n; slots with xentry == expires.used == vol.n; requested == sum of ksize + vsize
 * over live keys. */
struct sim_server {
    redis_opts o;
    sim_budget budget;
    uint64_t maxmemory;

    alloc_t *a;
    je_arena arena;
    glibc_heap glibc;
    int glibc_open;

    /* key slots: key[], hash[] and the dicts' chain links are indexed alike */
    redis_key *key;
    uint64_t *hash;
    uint32_t *main_next, *exp_next;
    uint32_t *free_slot; /* stack of slots below top that are free */
    size_t cap, top, nfree;
    uint64_t salt;

    rdict main, expires;
    evpool pool;
    uint32_t *sample; /* maxmemory-samples slots */
    rng rng;

    /* clocks: server time in µs and ms since the replay began */
    uint64_t now_us;
    int64_t now_ms;
    int64_t origin_ms; /* unix ms at server time 0 (sim_params.clock_origin_us) */
    uint64_t next_cron_us, cron_period_us;
    uint32_t lruclock;

    /* active expiry (expire.c's statics and db->expires_cursor) */
    uint64_t expires_cursor;
    double stale_perc;
    int timelimit_exit;
    uint64_t last_fast_us;
    uint64_t fast_cycles;

    /* held bytes estimate (budget HELD): last reading and used_memory then */
    uint64_t held_last, held_used_at, held_requests, held_refresh_bytes;

    /* the value of the command in flight, allocated before eviction as Redis parses
     * the arguments before performEvictions */
    void *pend_obj, *pend_vsds;

    uint64_t evicted, expired, refused, requested;
    uint64_t asked; /* sum of the sizes the live keys' blocks asked zmalloc for */
};

/* redis_keyspace.c: db.c's operations, each with the dict lookups (and so the rehash
 * steps) Redis makes. */
int rks_grow(sim_server *s);
uint64_t rks_hash(const sim_server *s, uint64_t id);
/* lookupKey: the live, unexpired slot of h (touched), or REDIS_SLOT_NONE. */
uint32_t rks_lookup(sim_server *s, uint64_t h);
/* createStringObject of the value: s->pend_obj / pend_vsds.  0 ok, -1 no memory. */
int rks_value_new(sim_server *s, uint32_t vsize);
void rks_value_drop(sim_server *s, uint32_t vsize);
/* dbAdd of the pending value: its slot, or REDIS_SLOT_NONE without memory (nothing
 * changed). */
uint32_t rks_add(sim_server *s, uint64_t id, uint64_t h, uint32_t ksize, uint32_t vsize);
/* dbOverwrite with the pending value. */
void rks_overwrite(sim_server *s, uint32_t slot, uint32_t vsize);
/* removeExpire, then setExpire when when_ms > 0 (absolute ms).  0 ok, -1 no memory for
 * the entry (the key then has no TTL). */
int rks_set_ttl(sim_server *s, uint32_t slot, int64_t when_ms);
/* dbSyncDelete of the key whose hash is h: 1 deleted, 0 absent. */
int rks_delete(sim_server *s, uint64_t h);
/* expireIfNeeded: 1 (and deleted) when the key's TTL has passed. */
int rks_expire_if_needed(sim_server *s, uint64_t h);
void rks_touch(sim_server *s, uint32_t slot);
uint64_t rks_counted(const sim_server *s, uint32_t slot); /* zmalloc bytes of its blocks */
uint64_t rks_asked(const sim_server *s, uint32_t slot);   /* what its blocks asked for */
void rks_free_all(sim_server *s);

/* redis_evict.c */
uint32_t redis_lru_clock_of(int64_t ms);
unsigned redis_lfu_minutes(const sim_server *s);
unsigned redis_lfu_decayed(const sim_server *s, uint32_t lru);
uint32_t redis_lfu_touch(sim_server *s, uint32_t lru);
uint32_t redis_new_lru(const sim_server *s);
/* performEvictions: 0 ok (under the limit), -1 EVICT_FAIL. */
int redis_evict(sim_server *s);

/* redis_expire.c */
void redis_cron(sim_server *s, uint64_t tick_us);
void redis_expire_fast(sim_server *s);

/* redis_mem.c */
uint64_t redis_used(const sim_server *s); /* used_memory, baseline included */
/* The figure maxmemory binds: used_memory (OWN) or the held estimate (HELD). */
uint64_t redis_mem_figure(sim_server *s);
uint64_t redis_held_now(sim_server *s); /* a fresh reading, baseline included */
/* dictExpandAllowed for both dicts. */
int redis_expand_allowed(void *ud, size_t more, double load);

#endif /* KVBENCH_REDIS_SERVER_H */
