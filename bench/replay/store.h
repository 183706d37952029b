/* store.h - the cache a cell runs: keys mapped to objects, each object one or more
 * blocks of the measured heap (layout.h), with the policies of a real cache around
 * them:
 *  - a set that cannot allocate evicts and retries.  On the slab backend the victim
 *    is the least recently used object holding a block of the same class, as
 *    memcached's per-class LRU does; elsewhere Redis's allkeys-lru: 5 keys sampled
 *    at random feed the 16-entry eviction pool (the simulator's own module,
 *    sim/policy/evict_pool.h), whose most idle live entry goes.  A set that still cannot
 *    allocate fails and drops the key's old object (memcached's behaviour).
 *  - expiry in trace time: a get of an expired key frees it (lazy), and every
 *    advance of the clock frees the keys whose TTL has passed (active sweep).
 * It keeps the running sums of the accounting identity, so a sample costs nothing
 * but reading the allocator's held bytes.  All of its memory is mmap'ed (mmap_vec.h). */
#ifndef KVBENCH_STORE_H
#define KVBENCH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "evict_pool.h"
#include "heap.h"
#include "layout.h"
#include "rng.h"

#define STORE_EVICT_SAMPLES 5 /* Redis's maxmemory-samples default */

typedef struct store_obj store_obj; /* private to store.c */
typedef struct store_slot store_slot;
typedef struct store_expiry store_expiry;

typedef struct store_totals {
    uint64_t requested, header, alignment, rounding; /* sums over live blocks */
    uint64_t live_blocks, live_objects;
    uint64_t evictions, failed_sets, expired;
} store_totals;

typedef struct store {
    heap *h;
    layout_kind layout;
    int class_lru; /* slab: per-class LRU lists; otherwise sampled LRU */
    rng evict_rng;
    evpool pool;    /* sampled LRU: Redis's eviction pool, kept across evictions */
    uint64_t clock; /* operations so far: the LRU's notion of time */
    uint64_t now;   /* trace time, seconds */

    store_obj *obj;
    uint32_t obj_cap, obj_used, free_head;
    store_slot *slot; /* key -> object, open addressing, linear probing */
    uint32_t slot_cap, slot_used;
    uint32_t *live; /* dense list of live objects, for sampling */
    uint32_t live_cap;
    store_expiry *exp; /* min-heap on expiry time */
    uint32_t exp_cap, exp_used;

    uint32_t lru_head[HEAP_MAX_CLASSES], lru_tail[HEAP_MAX_CLASSES];
    uint64_t class_requested[HEAP_MAX_CLASSES]; /* slab: requested bytes per class */
    store_totals t;
    int oom; /* the harness itself ran out of memory: the cell is void */
} store;

/* `expect` sizes the tables up front (they still grow).  0 ok, -1 with err. */
int store_init(store *s, heap *h, layout_kind layout, uint64_t seed, uint64_t expect,
               char *err, size_t errlen);
void store_set(store *s, uint64_t key, uint32_t ksize, uint32_t vsize, uint32_t ttl);
void store_del(store *s, uint64_t key);
void store_get(store *s, uint64_t key);
void store_append(store *s, uint64_t key, uint32_t add);
/* Moves trace time to `now` and sweeps expired keys. */
void store_advance(store *s, uint64_t now);
/* Frees every object (the heap is then empty of the store's blocks). */
void store_clear(store *s);
void store_fini(store *s);

#endif /* KVBENCH_STORE_H */
