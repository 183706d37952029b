/* redis_dict.c - see redis_dict.h.  The rules follow dict.c of Redis 7.0.15 with
 * resizing enabled (no fork child: `save ""` and no AOF rewrite). */
#include "redis_dict.h"

#include "bench_error.h"
#include "zm_api.h"

#include <string.h>

void rdict_init(rdict *d, alloc_t *a, rdict_allowed_fn allowed, void *ud)
{
    memset(d, 0, sizeof *d);
    d->a = a;
    d->rehashidx = -1;
    d->allowed = allowed;
    d->allowed_ud = ud;
}

static void free_table(rdict *d, int t)
{
    if (d->table[t] != NULL)
        zm_free_sized(d->a, d->table[t], d->size[t] * RDICT_BUCKET_BYTES);
    d->table[t] = NULL;
    d->size[t] = 0;
    d->used[t] = 0;
}

void rdict_release(rdict *d)
{
    free_table(d, 0);
    free_table(d, 1);
    d->rehashidx = -1;
}

/* _dictNextExp: the power of two >= size, at least the initial size. */
static uint64_t next_size(uint64_t size)
{
    if (size <= RDICT_INITIAL_SIZE)
        return RDICT_INITIAL_SIZE;
    return (uint64_t)1 << (64 - __builtin_clzll(size - 1));
}

int rdict_expand(rdict *d, uint64_t size)
{
    if (rdict_rehashing(d) || d->used[0] > size)
        return -1;
    uint64_t n = next_size(size);
    if (n == d->size[0])
        return -1; /* rehashing to the same size is useless */
    uint32_t *t = zm_calloc(d->a, n, RDICT_BUCKET_BYTES);
    if (t == NULL) {
        d->alloc_failed = 1;
        return -1;
    }
    if (d->table[0] == NULL) {
        d->table[0] = t;
        d->size[0] = n;
        d->used[0] = 0;
        return 0;
    }
    d->table[1] = t;
    d->size[1] = n;
    d->used[1] = 0;
    d->rehashidx = 0;
    return 0;
}

int rdict_rehash(rdict *d, int n)
{
    if (!rdict_rehashing(d))
        return 0;
    int empty_visits = n * 10;
    uint64_t mask1 = d->size[1] - 1;
    while (n-- && d->used[0] != 0) {
        uint64_t i = (uint64_t)d->rehashidx;
        while (d->table[0][i] == 0) {
            d->skipped++;
            d->rehashidx = (int64_t)++i;
            if (--empty_visits == 0)
                return 1;
        }
        /* move the whole chain; each entry goes to the head of its new bucket */
        uint32_t e = d->table[0][i];
        while (e != 0) {
            uint32_t slot = e - 1, nxt = d->next[slot];
            uint64_t b = d->hash[slot] & mask1;
            d->next[slot] = d->table[1][b];
            d->table[1][b] = e;
            d->used[0]--;
            d->used[1]++;
            e = nxt;
        }
        d->table[0][i] = 0;
        d->moved++;
        d->rehashidx = (int64_t)(i + 1);
    }
    if (d->used[0] == 0) {
        zm_free_sized(d->a, d->table[0], d->size[0] * RDICT_BUCKET_BYTES);
        d->table[0] = d->table[1];
        d->size[0] = d->size[1];
        d->used[0] = d->used[1];
        d->table[1] = NULL;
        d->size[1] = 0;
        d->used[1] = 0;
        d->rehashidx = -1;
        return 0;
    }
    return 1;
}

uint32_t rdict_find(rdict *d, uint64_t h)
{
    if (rdict_count(d) == 0)
        return 0;
    rdict_step(d);
    for (int t = 0; t <= 1; t++) {
        uint32_t e = d->table[t][h & (d->size[t] - 1)];
        while (e != 0) {
            if (d->hash[e - 1] == h)
                return e;
            e = d->next[e - 1];
        }
        if (!rdict_rehashing(d))
            break;
    }
    return 0;
}

size_t rdict_some_keys(rdict *d, rng *r, uint32_t *out, size_t count)
{
    uint64_t n = rdict_count(d);
    if (n < count)
        count = (size_t)n;
    if (count == 0)
        return 0;
    uint64_t maxsteps = (uint64_t)count * 10;
    for (size_t j = 0; j < count && rdict_rehashing(d); j++)
        rdict_rehash(d, 1);
    int tables = rdict_rehashing(d) ? 2 : 1;
    uint64_t mask = d->size[0] - 1;
    if (tables > 1 && mask < d->size[1] - 1)
        mask = d->size[1] - 1;
    uint64_t i = rng_next(r) & mask, emptylen = 0;
    size_t stored = 0;
    while (stored < count && maxsteps-- > 0) {
        for (int t = 0; t < tables; t++) {
            /* below rehashidx table 0 is empty; past the end of table 1 (a shrink)
             * nothing is left below rehashidx either, so jump there */
            if (tables == 2 && t == 0 && i < (uint64_t)d->rehashidx) {
                if (i >= d->size[1])
                    i = (uint64_t)d->rehashidx;
                else
                    continue;
            }
            if (i >= d->size[t])
                continue;
            uint32_t e = d->table[t][i];
            if (e == 0) {
                emptylen++;
                if (emptylen >= 5 && emptylen > count) {
                    i = rng_next(r) & mask;
                    emptylen = 0;
                }
                continue;
            }
            emptylen = 0;
            while (e != 0) {
                out[stored++] = e - 1;
                e = d->next[e - 1];
                if (stored == count)
                    return stored;
            }
        }
        i = (i + 1) & mask;
    }
    return stored;
}

uint32_t rdict_random_key(rdict *d, rng *r)
{
    rdict_step(d);
    uint32_t e;
    if (rdict_rehashing(d)) {
        uint64_t s0 = d->size[0], from = (uint64_t)d->rehashidx;
        do {
            uint64_t h = from + rng_below(r, rdict_slots(d) - from);
            e = h >= s0 ? d->table[1][h - s0] : d->table[0][h];
        } while (e == 0);
    } else {
        do
            e = d->table[0][rng_next(r) & (d->size[0] - 1)];
        while (e == 0);
    }
    uint64_t len = 0;
    for (uint32_t x = e; x != 0; x = d->next[x - 1])
        len++;
    for (uint64_t k = rng_below(r, len); k > 0; k--)
        e = d->next[e - 1];
    return e - 1;
}

/* _dictExpandIfNeeded with dict_can_resize == DICT_RESIZE_ENABLE (the ratio-5 forced
 * growth only matters while a fork child avoids resizing). */
static void expand_if_needed(rdict *d)
{
    if (rdict_rehashing(d))
        return;
    if (d->size[0] == 0) {
        rdict_expand(d, RDICT_INITIAL_SIZE);
        return;
    }
    if (d->used[0] >= d->size[0]) {
        /* dictTypeExpandAllowed: the bytes the doubled table asks for, and the load */
        size_t more = (size_t)next_size(d->used[0] + 1) * RDICT_BUCKET_BYTES;
        double load = (double)d->used[0] / (double)d->size[0];
        if (d->allowed != NULL && !d->allowed(d->allowed_ud, more, load))
            return;
        rdict_expand(d, d->used[0] + 1);
    }
}

int rdict_add(rdict *d, uint32_t slot)
{
    rdict_step(d);
    expand_if_needed(d);
    if (d->table[0] == NULL)
        return -1;
    int t = rdict_rehashing(d) ? 1 : 0;
    uint64_t b = d->hash[slot] & (d->size[t] - 1);
    d->next[slot] = d->table[t][b];
    d->table[t][b] = slot + 1;
    d->used[t]++;
    return 0;
}

uint32_t rdict_delete(rdict *d, uint64_t h)
{
    if (rdict_count(d) == 0)
        return 0;
    rdict_step(d);
    for (int t = 0; t <= 1; t++) {
        uint32_t *link = &d->table[t][h & (d->size[t] - 1)];
        while (*link != 0) {
            uint32_t e = *link;
            if (d->hash[e - 1] == h) {
                *link = d->next[e - 1];
                d->next[e - 1] = 0;
                d->used[t]--;
                return e;
            }
            link = &d->next[e - 1];
        }
        if (!rdict_rehashing(d))
            break;
    }
    return 0;
}

int rdict_needs_resize(const rdict *d)
{
    uint64_t size = rdict_slots(d), used = rdict_count(d);
    return size > RDICT_INITIAL_SIZE && used * 100 / size < 10; /* HASHTABLE_MIN_FILL */
}

int rdict_resize(rdict *d)
{
    if (rdict_rehashing(d))
        return -1;
    uint64_t minimal = d->used[0];
    if (minimal < RDICT_INITIAL_SIZE)
        minimal = RDICT_INITIAL_SIZE;
    return rdict_expand(d, minimal);
}

int rdict_check(const rdict *d, uint8_t *seen, char *err, size_t errlen)
{
    if (!rdict_rehashing(d) && d->table[1] != NULL)
        return bench_error(err, errlen, "dict: a second table while not rehashing");
    for (int t = 0; t <= 1; t++) {
        if (d->table[t] == NULL) {
            if (d->size[t] != 0 || d->used[t] != 0)
                return bench_error(err, errlen, "dict: table %d absent but size %llu used %llu",
                                   t, (unsigned long long)d->size[t],
                                   (unsigned long long)d->used[t]);
            continue;
        }
        if (d->size[t] & (d->size[t] - 1))
            return bench_error(err, errlen, "dict: table %d size %llu is not a power of two",
                               t, (unsigned long long)d->size[t]);
        uint64_t n = 0;
        for (uint64_t b = 0; b < d->size[t]; b++) {
            if (t == 0 && rdict_rehashing(d) && b < (uint64_t)d->rehashidx &&
                d->table[0][b] != 0)
                return bench_error(err, errlen, "dict: bucket %llu below rehashidx %lld is "
                                   "not empty", (unsigned long long)b,
                                   (long long)d->rehashidx);
            for (uint32_t e = d->table[t][b]; e != 0; e = d->next[e - 1]) {
                if ((d->hash[e - 1] & (d->size[t] - 1)) != b)
                    return bench_error(err, errlen, "dict: slot %u in bucket %llu of table %d "
                                       "hashes elsewhere", e - 1, (unsigned long long)b, t);
                if (seen != NULL)
                    seen[e - 1]++;
                if (++n > d->used[t])
                    return bench_error(err, errlen, "dict: table %d chains hold more than its "
                                       "%llu entries (or loop)", t,
                                       (unsigned long long)d->used[t]);
            }
        }
        if (n != d->used[t])
            return bench_error(err, errlen, "dict: table %d chains hold %llu entries, used "
                               "says %llu", t, (unsigned long long)n,
                               (unsigned long long)d->used[t]);
    }
    return 0;
}
