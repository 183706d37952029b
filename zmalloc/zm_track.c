/* zm_track.c - the live-block table (see zm_track.h).  Its memory comes from the
 * process's malloc and is the instance's metadata, not counted in used_memory. */
#include "zm_track.h"

#include <stdlib.h>

#define ZM_TRACK_MIN_CAP 64

static size_t zm_track_home(const zm_track *t, uintptr_t p)
{
    /* Blocks are at least 8-aligned, so the low bits carry nothing; Fibonacci hashing
     * spreads the rest over the whole table. */
    return (size_t)(((uint64_t)(p >> 3) * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (t->cap - 1);
}

/* The slot holding p, or the empty slot that ends p's probe sequence.  Slots never
 * become empty between rehashes, so p, if present, lies before that empty slot. */
static zm_track_slot *zm_track_probe(const zm_track *t, uintptr_t p)
{
    size_t i = zm_track_home(t, p);
    for (;;) {
        zm_track_slot *s = &t->slots[i];
        if (s->ptr == p || s->ptr == 0)
            return s;
        i = (i + 1) & (t->cap - 1);
    }
}

int zm_track_init(zm_track *t)
{
    t->slots = calloc(ZM_TRACK_MIN_CAP, sizeof *t->slots);
    t->cap = ZM_TRACK_MIN_CAP;
    t->live = t->tombs = 0;
    return t->slots != NULL;
}

void zm_track_fini(zm_track *t)
{
    free(t->slots);
    t->slots = NULL;
    t->cap = t->live = t->tombs = 0;
}

static int zm_track_rehash(zm_track *t)
{
    size_t cap = ZM_TRACK_MIN_CAP;
    while (cap < 4 * (t->live + 1))
        cap *= 2;
    zm_track_slot *old = t->slots;
    size_t oldcap = t->cap;
    zm_track_slot *fresh = calloc(cap, sizeof *fresh);
    if (fresh == NULL)
        return 0;
    t->slots = fresh;
    t->cap = cap;
    size_t kept_tombs = 0;
    /* Live entries first, so tombstones only take what room is left. */
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].ptr != 0 && old[i].size != ZM_TRACK_FREED)
            *zm_track_probe(t, old[i].ptr) = old[i];
    for (size_t i = 0; i < oldcap && 2 * (t->live + kept_tombs + 1) <= cap; i++)
        if (old[i].ptr != 0 && old[i].size == ZM_TRACK_FREED) {
            *zm_track_probe(t, old[i].ptr) = old[i];
            kept_tombs++;
        }
    t->tombs = kept_tombs;
    free(old);
    return 1;
}

int zm_track_reserve(zm_track *t)
{
    if ((t->live + t->tombs + 1) * 4 <= t->cap * 3)
        return 1;
    return zm_track_rehash(t);
}

void zm_track_insert(zm_track *t, const void *p, size_t size)
{
    zm_track_slot *s = zm_track_probe(t, (uintptr_t)p);
    if (s->ptr != 0)
        t->tombs--;
    s->ptr = (uintptr_t)p;
    s->size = size;
    t->live++;
}

zm_track_state zm_track_find(const zm_track *t, const void *p, size_t *size)
{
    if (p == NULL)
        return ZM_TRACK_ABSENT;
    const zm_track_slot *s = zm_track_probe(t, (uintptr_t)p);
    if (s->ptr == 0)
        return ZM_TRACK_ABSENT;
    if (s->size == ZM_TRACK_FREED)
        return ZM_TRACK_DEAD;
    if (size != NULL)
        *size = s->size;
    return ZM_TRACK_LIVE;
}

void zm_track_set_size(zm_track *t, const void *p, size_t size)
{
    zm_track_probe(t, (uintptr_t)p)->size = size;
}

void zm_track_kill(zm_track *t, const void *p)
{
    zm_track_probe(t, (uintptr_t)p)->size = ZM_TRACK_FREED;
    t->live--;
    t->tombs++;
}

void zm_track_each_live(const zm_track *t, zm_track_visit_fn fn, void *ud)
{
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].ptr != 0 && t->slots[i].size != ZM_TRACK_FREED)
            fn(ud, (void *)t->slots[i].ptr, t->slots[i].size);
}
