/* redis_sim.h - what the redis preset (sim_preset_redis) shows beyond sim.h: its
 * measured constants, a look inside a running server for tests, and the check of its
 * invariants. */
#ifndef KVBENCH_REDIS_SIM_H
#define KVBENCH_REDIS_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"

/* used_memory of an empty redis-server 7.0.15 (Debian 12, jemalloc 5.3.0) as a cache
 * replay sees it: started with `--save '' --appendonly no --maxmemory 8mb
 * --maxmemory-policy allkeys-lru` on 127.0.0.1, one client connected that sent INFO,
 * GET (a miss), SET and DEL of a short key, then INFO memory read back 1,013,568;
 * less the 32 bytes of the 4-bucket table the SET left (the preset counts its own
 * tables), 1,013,536.  Of it, used_memory_startup is 876,248; the client's buffers and
 * 7.0's per-command latency histograms (latency-tracking yes, about 24.7 KB for each
 * command name used) make the rest.  tests/test_sim_redis.c re-measures it. */
#define REDIS_SIM_BASELINE 1013536u
/* allocator_active of that server at the same moment: the bytes jemalloc held in
 * active pages, the baseline of held_bytes. */
#define REDIS_SIM_BASELINE_ACTIVE 1826816u

/* Buckets of a table that serverCron's incrementallyRehash moves in its 1 ms
 * (dictRehashMilliseconds(d, 1)).  Measured on 7.0.15 by letting a table of 65,536 /
 * 262,144 / 1,048,576 buckets finish rehashing on an idle server (hz 10): 7.5 / 35 /
 * 184 ticks, about 5.5k / 4.7k / 3.6k non-empty buckets per tick.  Machine-dependent;
 * it only decides how long both bucket arrays coexist. */
#define REDIS_SIM_REHASH_PER_MS 4500u

typedef enum redis_policy {
    REDIS_NOEVICTION,
    REDIS_ALLKEYS_LRU,
    REDIS_ALLKEYS_LFU,
    REDIS_ALLKEYS_RANDOM,
    REDIS_VOLATILE_LRU,
    REDIS_VOLATILE_LFU,
    REDIS_VOLATILE_RANDOM,
    REDIS_VOLATILE_TTL,
} redis_policy;

/* A snapshot of one simulated server, for tests. */
typedef struct redis_sim_info {
    redis_policy policy;
    uint64_t used_memory;   /* zmalloc's counter, baseline included */
    uint64_t dict_size[2];  /* main dict: buckets of table 0 and 1 (1 while rehashing) */
    uint64_t dict_used;
    uint64_t expires_size[2];
    uint64_t expires_used;
    uint64_t bucket_bytes;  /* both dicts' bucket arrays, as zmalloc counts them */
    uint32_t lru_clock;     /* server.lruclock */
    uint64_t now_ms;
    double stale_perc;      /* stat_expired_stale_perc, a fraction */
    uint64_t fast_cycles;   /* fast expire cycles run */
} redis_sim_info;

void redis_sim_info_get(sim_server *s, redis_sim_info *out);
/* The key's robj->lru field (LRU clock, or LFU minutes << 8 | counter); -1 absent. */
long redis_sim_key_lru(sim_server *s, uint64_t key);
/* The LFU counter decayed to now without storing it (LFUDecrAndReturn); -1 absent. */
int redis_sim_key_lfu(sim_server *s, uint64_t key);
/* Checks every invariant: used_memory == baseline + the counted size of every block of
 * every live key + both dicts' bucket arrays; every live slot in the main dict once,
 * in the expires dict once exactly when it has a TTL; the sums
 * agree; the dicts' and the pool's own invariants.  0 ok, -1 with a sentence in err. */
int redis_sim_check(sim_server *s, char *err, size_t errlen);

#endif /* KVBENCH_REDIS_SIM_H */
