/* evict_pool.h - Redis's eviction pool (evict.c, EVPOOL_SIZE): the 16 best eviction
 * candidates seen so far, kept across eviction passes.  Each candidate is a key id and
 * the score it had when it was sampled (higher = evicted sooner); the score is never
 * recomputed.  Independent of any key table: the owner samples and scores keys, and
 * says through a callback whether a key still exists when its turn comes. */
#ifndef KVBENCH_EVICT_POOL_H
#define KVBENCH_EVICT_POOL_H

#include <stdint.h>

#define EVPOOL_SIZE 16

/* Invariant: the n filled entries are key[0..n) (Redis's pool fills from the left and
 * empties from the right, so its filled entries are always a prefix), and
 * score[0] <= score[1] <= ... <= score[n-1]. */
typedef struct evpool {
    uint64_t key[EVPOOL_SIZE];
    uint64_t score[EVPOOL_SIZE];
    unsigned n;
} evpool;

/* 1 when `key` still exists (is still a candidate), 0 when it is a ghost. */
typedef int (*evpool_alive_fn)(void *ud, uint64_t key);

void evpool_init(evpool *p);
/* evictionPoolPopulate's insertion of one sampled key: it takes a free entry, or
 * pushes out the lowest score of a full pool if it scores higher, else it is dropped.
 * Among equal scores the newcomer goes to the left, so older entries leave first.  The
 * same key may be offered twice and then sits in the pool twice. */
void evpool_offer(evpool *p, uint64_t key, uint64_t score);
/* performEvictions' choice: takes entries from the highest score down, removing each;
 * the first that `alive` accepts is the victim (1, *key set).  0 when the pool emptied
 * without one: the caller samples again. */
int evpool_pop(evpool *p, evpool_alive_fn alive, void *ud, uint64_t *key);
static inline unsigned evpool_count(const evpool *p)
{
    return p->n;
}
/* 0 when the invariant holds, -1 otherwise. */
int evpool_check(const evpool *p);

#endif /* KVBENCH_EVICT_POOL_H */
