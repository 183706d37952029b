/* redis_dict.h - Redis 7.0's dict (dict.c) as the simulator needs it: chained buckets
 * over key slots, bucket arrays allocated through the server's zmalloc instance (8
 * bytes per bucket, as Redis's dictEntry* array, so they are charged at the
 * allocator's size), doubling when used >= size, incremental rehashing one bucket per
 * operation, and shrinking on request.  The heads are stored in the charged arrays
 * themselves; the chain links live in an mmap'd array indexed by slot. */
#ifndef KVBENCH_REDIS_DICT_H
#define KVBENCH_REDIS_DICT_H

#include <stddef.h>
#include <stdint.h>

#include "alloc_api.h"
#include "rng.h"

#define RDICT_INITIAL_SIZE 4 /* DICT_HT_INITIAL_SIZE */
#define RDICT_BUCKET_BYTES 8 /* sizeof(dictEntry *) */

/* dictExpandAllowed: may the table grow by `more` bytes at load factor `load`? */
typedef int (*rdict_allowed_fn)(void *ud, size_t more, double load);

/* Invariant: used[t] == number of slots chained from table[t]; every slot chained
 * from bucket b of table t has (hash[slot] & (size[t]-1)) == b; while rehashing
 * (rehashidx >= 0) the buckets of table 0 below rehashidx are empty, otherwise
 * table[1] == NULL.  Chains hold slot + 1 (0 ends a chain). */
typedef struct rdict {
    alloc_t *a;
    uint32_t *table[2]; /* in zmalloc blocks of size * 8 bytes */
    uint64_t size[2];   /* buckets, 0 without a table */
    uint64_t used[2];
    int64_t rehashidx;  /* -1 when not rehashing */
    uint32_t *next;     /* next[slot]: the following slot + 1 in its chain */
    const uint64_t *hash;
    rdict_allowed_fn allowed;
    void *allowed_ud;
    int alloc_failed; /* a bucket array could not be had (the table stays as it was) */
    uint64_t moved, skipped; /* rehash work so far: non-empty buckets moved, empty
                                buckets passed (what a rehash costs in time) */
} rdict;

void rdict_init(rdict *d, alloc_t *a, rdict_allowed_fn allowed, void *ud);
/* Points the dict at the current slot arrays (call again whenever they move). */
static inline void rdict_bind(rdict *d, uint32_t *next, const uint64_t *hash)
{
    d->next = next;
    d->hash = hash;
}
/* Frees the bucket arrays (the slots are the caller's). */
void rdict_release(rdict *d);

static inline uint64_t rdict_count(const rdict *d)
{
    return d->used[0] + d->used[1];
}
static inline uint64_t rdict_slots(const rdict *d)
{
    return d->size[0] + d->size[1];
}
static inline int rdict_rehashing(const rdict *d)
{
    return d->rehashidx >= 0;
}

/* dictRehash(d, n): moves up to n non-empty buckets, visiting at most 10 n empty ones.
 * 1 while buckets remain to move, 0 when done (or not rehashing). */
int rdict_rehash(rdict *d, int n);
/* _dictRehashStep: the single step every lookup, insert and delete performs. */
static inline void rdict_step(rdict *d)
{
    if (d->rehashidx >= 0)
        rdict_rehash(d, 1);
}
/* dictFind: the slot + 1 whose hash is h, or 0. */
uint32_t rdict_find(rdict *d, uint64_t h);
/* dictAddRaw for a slot known to be absent (its hash already in the hash array).  0 ok,
 * -1 when the dict has no table and none can be allocated. */
int rdict_add(rdict *d, uint32_t slot);
/* dictDelete / dictUnlink: unlinks the slot whose hash is h; its slot + 1, or 0. */
uint32_t rdict_delete(rdict *d, uint64_t h);
/* dictGetSomeKeys: up to `count` slots from consecutive buckets of both tables,
 * starting at a random bucket, whole chains at a time (newest first), jumping to
 * another random bucket after more than max(count, 4) empty ones in a row, and giving
 * up after 10 x count buckets; first one rehash step per key asked for.  On a sparse
 * table it often returns fewer than count: the eviction sampler then sees fewer
 * candidates, as Redis's does.  Returns how many it wrote to out. */
size_t rdict_some_keys(rdict *d, rng *r, uint32_t *out, size_t count);
/* dictGetRandomKey: a random non-empty bucket (of both tables past rehashidx while
 * rehashing), then a random entry of its chain, after one rehash step: keys in short
 * chains are likelier than in long ones, as in Redis.  The dict must not be empty. */
uint32_t rdict_random_key(rdict *d, rng *r);
/* _dictExpand(d, size): 0 when a new table was installed. */
int rdict_expand(rdict *d, uint64_t size);
/* htNeedsResize (server.c): more than the initial size and under 10% full. */
int rdict_needs_resize(const rdict *d);
/* dictResize: starts rehashing into the smallest table that holds every entry. */
int rdict_resize(rdict *d);

/* The chain of bucket `idx & mask` of table t, for the active expire cycle's walk. */
static inline uint32_t rdict_bucket(const rdict *d, int t, uint64_t idx)
{
    return d->table[t][idx & (d->size[t] - 1)];
}
static inline uint32_t rdict_next(const rdict *d, uint32_t slot)
{
    return d->next[slot];
}

/* 0 when the invariant holds (walking every chain), -1 with a sentence in err.
 * `seen`, when not NULL, gets seen[slot]++ for every chained slot. */
int rdict_check(const rdict *d, uint8_t *seen, char *err, size_t errlen);

#endif /* KVBENCH_REDIS_DICT_H */
