/* mc_index.c - see mc_index.h.  Removal shifts the following entries back instead of
 * leaving tombstones, so probe lengths stay those of the live keys. */
#include "mc_index.h"

#include "mmap_vec.h"

#include <stdbool.h>

#define MC_INDEX_GOLDEN 0x9e3779b97f4a7c15ULL

static size_t home(const mc_index *ix, uint64_t key)
{
    return (size_t)((key * MC_INDEX_GOLDEN) >> ix->shift);
}

static int alloc_table(mc_index *ix, size_t cap)
{
    mc_slot *t = mvec_alloc(cap * sizeof *t);
    if (t == NULL)
        return -1;
    unsigned bits = 0;
    while (((size_t)1 << bits) < cap)
        bits++;
    ix->slots = t;
    ix->cap = cap;
    ix->count = 0;
    ix->shift = 64 - bits;
    return 0;
}

int mc_index_init(mc_index *ix, uint64_t expect_keys)
{
    size_t cap = 1024;
    while (cap / 4 * 3 < expect_keys && cap < ((size_t)1 << 40))
        cap *= 2;
    return alloc_table(ix, cap);
}

void mc_index_destroy(mc_index *ix)
{
    mvec_free(ix->slots, ix->cap * sizeof *ix->slots);
    ix->slots = NULL;
}

mc_slot *mc_index_find(const mc_index *ix, uint64_t key)
{
    size_t mask = ix->cap - 1;
    for (size_t i = home(ix, key);; i = (i + 1) & mask) {
        mc_slot *sl = &ix->slots[i];
        if (sl->it == NULL)
            return NULL;
        if (sl->key == key)
            return sl;
    }
}

static void place(mc_index *ix, uint64_t key, struct mc_item *it)
{
    size_t mask = ix->cap - 1, i = home(ix, key);
    while (ix->slots[i].it != NULL)
        i = (i + 1) & mask;
    ix->slots[i].key = key;
    ix->slots[i].it = it;
    ix->count++;
}

static int grow(mc_index *ix)
{
    mc_index old = *ix;
    if (alloc_table(ix, old.cap * 2) != 0) {
        *ix = old;
        return -1;
    }
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].it != NULL)
            place(ix, old.slots[i].key, old.slots[i].it);
    mc_index_destroy(&old);
    return 0;
}

int mc_index_insert(mc_index *ix, uint64_t key, struct mc_item *it)
{
    if ((ix->count + 1) > ix->cap / 4 * 3 && grow(ix) != 0)
        return -1;
    place(ix, key, it);
    return 0;
}

void mc_index_remove(mc_index *ix, mc_slot *slot)
{
    size_t mask = ix->cap - 1;
    size_t hole = (size_t)(slot - ix->slots);
    for (size_t j = (hole + 1) & mask; ix->slots[j].it != NULL; j = (j + 1) & mask) {
        size_t h = home(ix, ix->slots[j].key);
        /* The entry at j may fill the hole unless its home lies cyclically in
         * (hole, j]: then probing from home reaches j without passing the hole. */
        bool stays = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
        if (!stays) {
            ix->slots[hole] = ix->slots[j];
            hole = j;
        }
    }
    ix->slots[hole].it = NULL;
    ix->slots[hole].key = 0;
    ix->count--;
}
