/* dense_set.c - see dense_set.h. */
#include "dense_set.h"

#include "bench_error.h"
#include "mmap_vec.h"

#include <string.h>

int dset_init(dset *s, size_t id_cap)
{
    memset(s, 0, sizeof *s);
    return dset_reserve(s, id_cap ? id_cap : 1);
}

void dset_free(dset *s)
{
    mvec_free(s->item, s->id_cap * sizeof *s->item);
    mvec_free(s->pos, s->id_cap * sizeof *s->pos);
    memset(s, 0, sizeof *s);
}

int dset_reserve(dset *s, size_t id_cap)
{
    if (id_cap <= s->id_cap)
        return 0;
    uint32_t *item = mvec_grow(s->item, s->id_cap * sizeof *item, id_cap * sizeof *item);
    if (item == NULL)
        return -1;
    s->item = item;
    uint32_t *pos = mvec_grow(s->pos, s->id_cap * sizeof *pos, id_cap * sizeof *pos);
    if (pos == NULL)
        return -1;
    /* fresh pages are zero, and 0 is a valid position: mark the new ids absent */
    memset(pos + s->id_cap, 0xff, (id_cap - s->id_cap) * sizeof *pos);
    s->pos = pos;
    s->id_cap = id_cap;
    return 0;
}

void dset_add(dset *s, uint32_t id)
{
    s->pos[id] = (uint32_t)s->n;
    s->item[s->n++] = id;
}

void dset_remove(dset *s, uint32_t id)
{
    if (!dset_has(s, id))
        return;
    uint32_t i = s->pos[id];
    uint32_t last = s->item[--s->n];
    s->item[i] = last;
    s->pos[last] = i;
    s->pos[id] = DSET_NONE;
}

uint32_t dset_pick(const dset *s, rng *r)
{
    return s->item[rng_below(r, s->n)];
}

static void swap_items(dset *s, size_t i, size_t j)
{
    uint32_t a = s->item[i], b = s->item[j];
    s->item[i] = b;
    s->item[j] = a;
    s->pos[b] = (uint32_t)i;
    s->pos[a] = (uint32_t)j;
}

/* A partial Fisher-Yates shuffle of the front of the array: after step i, item[0..i]
 * is a uniform sample without replacement. */
size_t dset_sample(dset *s, rng *r, uint32_t *out, size_t count)
{
    if (count > s->n)
        count = s->n;
    for (size_t i = 0; i < count; i++) {
        size_t j = i + (size_t)rng_below(r, s->n - i);
        if (j != i)
            swap_items(s, i, j);
        out[i] = s->item[i];
    }
    return count;
}

int dset_check(const dset *s, char *err, size_t errlen)
{
    if (s->n > s->id_cap)
        return bench_error(err, errlen, "dense set: %zu members but room for %zu ids", s->n,
                           s->id_cap);
    for (size_t i = 0; i < s->n; i++) {
        uint32_t id = s->item[i];
        if (id >= s->id_cap || s->pos[id] != i)
            return bench_error(err, errlen, "dense set: member %u at %zu has position %u", id,
                               i, id < s->id_cap ? s->pos[id] : DSET_NONE);
    }
    size_t present = 0;
    for (size_t id = 0; id < s->id_cap; id++)
        present += s->pos[id] != DSET_NONE;
    if (present != s->n)
        return bench_error(err, errlen, "dense set: %zu ids marked present, %zu members",
                           present, s->n);
    return 0;
}
