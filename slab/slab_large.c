/* slab_large.c - requests above chunk_max: one anonymous mapping each, rounded up to
 * 4 KiB, recorded in an address -> length table so they can be freed without a size
 * and foreign pointers are told apart.  Counted against mem_limit like pages. */
#include "slab_internal.h"

#include <stdlib.h>
#include <sys/mman.h>

static size_t hash_slot(uintptr_t key, size_t cap)
{
    /* Mappings are 4 KiB aligned: drop the zero bits, then Fibonacci hashing. */
    return (size_t)(((uint64_t)(key >> 12) * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
}

bool slab_large_init(slab_t *s)
{
    s->large.cap = 16;
    s->large.keys = calloc(s->large.cap, sizeof *s->large.keys);
    s->large.lens = calloc(s->large.cap, sizeof *s->large.lens);
    return s->large.keys != NULL && s->large.lens != NULL;
}

void slab_large_destroy(slab_t *s)
{
    slab_large_table *t = &s->large;
    for (size_t i = 0; t->keys != NULL && i < t->cap; i++)
        if (t->keys[i] != 0)
            munmap((void *)t->keys[i], t->lens[i]);
    free(t->keys);
    free(t->lens);
}

size_t slab_large_round(size_t size)
{
    /* Nothing above the address space can be mapped: refuse it here, so good_size
     * says 0 and a failed request leaves no trace. */
    if (size > ((size_t)1 << SLAB_ADDR_BITS) - SLAB_LARGE_GRAIN)
        return 0;
    return alloc_align_up(size, SLAB_LARGE_GRAIN);
}

static size_t do_find(const slab_large_table *t, uintptr_t key)
{
    size_t i = hash_slot(key, t->cap);
    while (t->keys[i] != 0 && t->keys[i] != key)
        i = (i + 1) & (t->cap - 1);
    return i;
}

static bool do_grow(slab_large_table *t)
{
    size_t cap = t->cap * 2;
    uintptr_t *keys = calloc(cap, sizeof *keys);
    size_t *lens = calloc(cap, sizeof *lens);
    if (keys == NULL || lens == NULL) {
        free(keys);
        free(lens);
        return false;
    }
    slab_large_table n = {keys, lens, cap, t->count, t->bytes, t->allocs, t->frees};
    for (size_t i = 0; i < t->cap; i++) {
        if (t->keys[i] != 0) {
            size_t j = do_find(&n, t->keys[i]);
            n.keys[j] = t->keys[i];
            n.lens[j] = t->lens[i];
        }
    }
    free(t->keys);
    free(t->lens);
    *t = n;
    return true;
}

/* Linear probing with backward-shift deletion: no tombstones, so lookups stay short. */
static void do_remove(slab_large_table *t, size_t i)
{
    size_t j = i;
    for (;;) {
        j = (j + 1) & (t->cap - 1);
        if (t->keys[j] == 0)
            break;
        size_t home = hash_slot(t->keys[j], t->cap);
        /* Move j back into the hole at i unless its home lies cyclically in (i, j]. */
        bool stays = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            t->keys[i] = t->keys[j];
            t->lens[i] = t->lens[j];
            i = j;
        }
    }
    t->keys[i] = 0;
    t->lens[i] = 0;
}

void *slab_large_alloc(slab_t *s, size_t size)
{
    size_t len = slab_large_round(size);
    if (len == 0 || !slab_reserve(s, len, false))
        return NULL;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        slab_unreserve(s, len);
        return NULL;
    }
    slab_lock(s, &s->large_lock);
    slab_large_table *t = &s->large;
    if ((t->count + 1) * 2 > t->cap && !do_grow(t)) {
        slab_unlock(s, &s->large_lock);
        munmap(p, len);
        slab_unreserve(s, len);
        return NULL;
    }
    size_t i = do_find(t, (uintptr_t)p);
    t->keys[i] = (uintptr_t)p;
    t->lens[i] = len;
    t->count++;
    t->bytes += len;
    t->allocs++;
    slab_unlock(s, &s->large_lock);
    slab_peak_note(s);
    slab_used_add(s, len);
    return p;
}

alloc_status slab_large_free(slab_t *s, void *p)
{
    slab_lock(s, &s->large_lock);
    slab_large_table *t = &s->large;
    size_t i = do_find(t, (uintptr_t)p);
    if (t->keys[i] == 0) {
        slab_unlock(s, &s->large_lock);
        return ALLOC_EFOREIGN;
    }
    size_t len = t->lens[i];
    do_remove(t, i);
    t->count--;
    t->bytes -= len;
    t->frees++;
    slab_unlock(s, &s->large_lock);
    munmap(p, len);
    slab_used_sub(s, len);
    slab_unreserve(s, len);
    return ALLOC_OK;
}

size_t slab_large_size(const slab_t *s, const void *p)
{
    slab_t *m = (slab_t *)s; /* the lock is the only thing touched */
    slab_lock(s, &m->large_lock);
    size_t i = do_find(&s->large, (uintptr_t)p);
    size_t len = s->large.keys[i] == (uintptr_t)p ? s->large.lens[i] : 0;
    slab_unlock(s, &m->large_lock);
    return len;
}

/* Table invariants; *bytes receives the mapped total.  large_lock held. */
alloc_status slab_do_large_check(const slab_t *s, size_t *bytes)
{
    const slab_large_table *t = &s->large;
    size_t count = 0, sum = 0;
    alloc_status st = ALLOC_OK;
    for (size_t i = 0; i < t->cap; i++) {
        if (t->keys[i] == 0)
            continue;
        count++;
        sum += t->lens[i];
        if (do_find(t, t->keys[i]) != i || t->lens[i] % SLAB_LARGE_GRAIN != 0)
            st = ALLOC_ECORRUPT;
    }
    if (count != t->count || sum != t->bytes)
        st = ALLOC_ECORRUPT;
    *bytes = t->bytes;
    return st;
}
