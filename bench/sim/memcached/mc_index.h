/* mc_index.h - the memcached preset's key index: key -> item header, open addressing
 * with linear probing in an mmap'd table, so a lookup reads one slot before the item. */
#ifndef KVBENCH_MC_INDEX_H
#define KVBENCH_MC_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct mc_item;

typedef struct mc_slot {
    uint64_t key;
    struct mc_item *it; /* NULL: an empty slot */
} mc_slot;

/* Invariants: cap is a power of two; count == slots with it != NULL <= cap * 3 / 4;
 * every key is found by probing from its home slot without meeting an empty slot. */
typedef struct mc_index {
    mc_slot *slots;
    size_t cap, count;
    unsigned shift; /* home slot = (key * golden) >> shift */
} mc_index;

int mc_index_init(mc_index *ix, uint64_t expect_keys); /* 0, or -1 without memory */
void mc_index_destroy(mc_index *ix);
mc_slot *mc_index_find(const mc_index *ix, uint64_t key); /* NULL when absent */
/* Adds key, which must be absent: 0, or -1 when the table cannot grow. */
int mc_index_insert(mc_index *ix, uint64_t key, struct mc_item *it);
void mc_index_remove(mc_index *ix, mc_slot *slot); /* slot from mc_index_find */

#endif /* KVBENCH_MC_INDEX_H */
