/* dense_set.h - a set of small integer ids (key slots) kept in one dense array, so a
 * uniformly random member, or several distinct ones, can be drawn in O(1) each: the
 * sampling an eviction policy does over the live keys. */
#ifndef KVBENCH_DENSE_SET_H
#define KVBENCH_DENSE_SET_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

#define DSET_NONE UINT32_MAX

/* Invariant: for every i < n, pos[item[i]] == i; every id in [0, id_cap) not among
 * item[0..n) has pos[id] == DSET_NONE.  Both arrays come from mmap. */
typedef struct dset {
    uint32_t *item;  /* the members, in no particular order */
    uint32_t *pos;   /* index of each id in item, DSET_NONE when absent */
    size_t n;        /* members */
    size_t id_cap;   /* ids 0 .. id_cap-1 may be members; item holds id_cap entries */
} dset;

/* An empty set able to hold ids below id_cap (it grows with dset_reserve).  0 ok, -1
 * out of memory. */
int dset_init(dset *s, size_t id_cap);
void dset_free(dset *s);
/* Lets ids below id_cap be members (never shrinks).  0 ok, -1 out of memory. */
int dset_reserve(dset *s, size_t id_cap);

static inline int dset_has(const dset *s, uint32_t id)
{
    return id < s->id_cap && s->pos[id] != DSET_NONE;
}
static inline size_t dset_count(const dset *s)
{
    return s->n;
}
/* The caller guarantees id < id_cap and id is not a member. */
void dset_add(dset *s, uint32_t id);
/* No-op when id is not a member. */
void dset_remove(dset *s, uint32_t id);
/* A uniformly drawn member; the set must not be empty. */
uint32_t dset_pick(const dset *s, rng *r);
/* Up to `count` distinct members drawn uniformly without replacement (all of them when
 * the set has fewer) into out; returns how many.  Reorders the members. */
size_t dset_sample(dset *s, rng *r, uint32_t *out, size_t count);
/* 0 when the invariant holds, -1 with a sentence in err. */
int dset_check(const dset *s, char *err, size_t errlen);

#endif /* KVBENCH_DENSE_SET_H */
