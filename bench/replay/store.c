/* store.c - the cache model over a measured heap (see store.h). */
#include "store.h"

#include "bench_error.h"
#include "mmap_vec.h"

#include <string.h>

#define NIL UINT32_MAX
#define STORE_FILL 0x5a
#define MAX_EVICTIONS_PER_SET 100000 /* a bound, never reached unless the limit is absurd */

/* Invariant: an object is live iff its slot maps its key to it; then live[live_pos]
 * is its index, each block b is on the LRU list of cls[b] (slab only), and its
 * blocks' sizes are in the store's totals. */
struct store_obj {
    uint64_t key;
    uint64_t atime;
    uint64_t expire; /* 0 = never */
    void *blk[LAYOUT_MAX_BLOCKS];
    uint32_t req[LAYOUT_MAX_BLOCKS];
    block_cost cost[LAYOUT_MAX_BLOCKS];
    uint32_t prev[LAYOUT_MAX_BLOCKS], next[LAYOUT_MAX_BLOCKS]; /* LRU node = idx*4 + b */
    uint16_t cls[LAYOUT_MAX_BLOCKS];
    uint32_t live_pos; /* when free: next free object */
    uint32_t gen;      /* bumped on every free, so stale expiry entries are ignored */
    uint32_t ksize, vsize;
    uint8_t nblk, key_blocks, live, detached;
};

struct store_slot {
    uint64_t key;
    uint32_t idx; /* NIL = empty */
};

struct store_expiry {
    uint64_t when;
    uint32_t idx, gen;
};

static uint64_t mix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

/* ---- growing tables -------------------------------------------------------- */

static int grow(void **p, uint32_t *cap, size_t elem, uint32_t want)
{
    if (want <= *cap)
        return 0;
    uint32_t n = *cap ? *cap : 1024;
    while (n < want)
        n *= 2;
    void *q = mvec_grow(*p, (size_t)*cap * elem, (size_t)n * elem);
    if (q == NULL)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

static int slots_resize(store *s, uint32_t cap)
{
    store_slot *old = s->slot;
    uint32_t old_cap = s->slot_cap;
    store_slot *t = mvec_alloc((size_t)cap * sizeof *t);
    if (t == NULL)
        return -1;
    for (uint32_t i = 0; i < cap; i++)
        t[i].idx = NIL;
    for (uint32_t i = 0; i < old_cap; i++) {
        if (old[i].idx == NIL)
            continue;
        uint32_t j = (uint32_t)mix(old[i].key) & (cap - 1);
        while (t[j].idx != NIL)
            j = (j + 1) & (cap - 1);
        t[j] = old[i];
    }
    mvec_free(old, (size_t)old_cap * sizeof *old);
    s->slot = t;
    s->slot_cap = cap;
    return 0;
}

static uint32_t slot_find(const store *s, uint64_t key)
{
    uint32_t j = (uint32_t)mix(key) & (s->slot_cap - 1);
    while (s->slot[j].idx != NIL && s->slot[j].key != key)
        j = (j + 1) & (s->slot_cap - 1);
    return j;
}

/* Backward-shift deletion: linear probing without tombstones. */
static void slot_remove(store *s, uint32_t j)
{
    uint32_t mask = s->slot_cap - 1;
    s->slot[j].idx = NIL;
    for (uint32_t k = (j + 1) & mask; s->slot[k].idx != NIL; k = (k + 1) & mask) {
        uint32_t home = (uint32_t)mix(s->slot[k].key) & mask;
        /* move k into the hole j when its home is not in (j, k] cyclically */
        if (((k - home) & mask) >= ((k - j) & mask)) {
            s->slot[j] = s->slot[k];
            s->slot[k].idx = NIL;
            j = k;
        }
    }
    s->slot_used--;
}

/* ---- LRU lists (slab) ------------------------------------------------------ */

#define NODE(idx, b) ((idx) * LAYOUT_MAX_BLOCKS + (b))
#define NODE_OBJ(n) ((n) / LAYOUT_MAX_BLOCKS)
#define NODE_BLK(n) ((n) % LAYOUT_MAX_BLOCKS)

static uint32_t *node_prev(store *s, uint32_t n) { return &s->obj[NODE_OBJ(n)].prev[NODE_BLK(n)]; }
static uint32_t *node_next(store *s, uint32_t n) { return &s->obj[NODE_OBJ(n)].next[NODE_BLK(n)]; }

static void lru_unlink(store *s, uint32_t n, unsigned c)
{
    uint32_t p = *node_prev(s, n), x = *node_next(s, n);
    if (p != NIL)
        *node_next(s, p) = x;
    else
        s->lru_head[c] = x;
    if (x != NIL)
        *node_prev(s, x) = p;
    else
        s->lru_tail[c] = p;
}

static void lru_push_head(store *s, uint32_t n, unsigned c)
{
    *node_prev(s, n) = NIL;
    *node_next(s, n) = s->lru_head[c];
    if (s->lru_head[c] != NIL)
        *node_prev(s, s->lru_head[c]) = n;
    else
        s->lru_tail[c] = n;
    s->lru_head[c] = n;
}

/* ---- live set and accounting ----------------------------------------------- */

static void account(store *s, uint32_t req, const block_cost *c, unsigned cls, int sign)
{
    size_t align, round;
    heap_split(req, c->hdr, c->foot, s->h->granule, &align, &round);
    if (sign > 0) {
        s->t.requested += req;
        s->t.header += c->hdr;
        s->t.alignment += align;
        s->t.rounding += round;
        s->t.live_blocks++;
        s->class_requested[cls] += req;
    } else {
        s->t.requested -= req;
        s->t.header -= c->hdr;
        s->t.alignment -= align;
        s->t.rounding -= round;
        s->t.live_blocks--;
        s->class_requested[cls] -= req;
    }
}

/* Takes the object out of eviction's reach (LRU lists, live list). */
static void detach(store *s, uint32_t idx)
{
    store_obj *o = &s->obj[idx];
    if (o->detached)
        return;
    if (s->class_lru)
        for (unsigned b = 0; b < o->nblk; b++)
            lru_unlink(s, NODE(idx, b), o->cls[b]);
    uint32_t last = s->live[s->t.live_objects - 1];
    s->live[o->live_pos] = last;
    s->obj[last].live_pos = o->live_pos;
    s->t.live_objects--;
    o->detached = 1;
}

static void attach(store *s, uint32_t idx)
{
    store_obj *o = &s->obj[idx];
    if (s->class_lru)
        for (unsigned b = 0; b < o->nblk; b++)
            lru_push_head(s, NODE(idx, b), o->cls[b]);
    o->live_pos = (uint32_t)s->t.live_objects;
    s->live[s->t.live_objects++] = idx;
    o->detached = 0;
}

static void free_block(store *s, store_obj *o, unsigned b)
{
    account(s, o->req[b], &o->cost[b], o->cls[b], -1);
    heap_free(s->h, o->blk[b], o->req[b], &o->cost[b]);
}

/* Frees an object entirely: blocks, key slot, LRU and live entries. */
static void drop(store *s, uint32_t idx)
{
    store_obj *o = &s->obj[idx];
    detach(s, idx);
    for (unsigned b = 0; b < o->nblk; b++)
        free_block(s, o, b);
    slot_remove(s, slot_find(s, o->key));
    o->live = 0;
    o->nblk = 0;
    o->gen++;
    o->live_pos = s->free_head;
    s->free_head = idx;
}

static int expired(const store *s, const store_obj *o)
{
    return o->expire != 0 && o->expire <= s->now;
}

/* ---- eviction -------------------------------------------------------------- */

static int store_alive(void *ud, uint64_t key)
{
    const store *s = ud;
    uint32_t j = slot_find(s, key);
    return j != NIL && s->slot[j].idx != NIL;
}

static int evict_one(store *s, unsigned cls)
{
    uint32_t victim = NIL;
    if (s->class_lru) {
        /* memcached: only the class that needs a chunk gives one up */
        uint32_t n = s->lru_tail[cls];
        if (n != NIL)
            victim = NODE_OBJ(n);
    } else {
        /* each pass offers 5 sampled keys, scored by idle time, to the pool; the pool
         * may hold keys deleted since they were scored, so pass until a live one comes
         * out (the live set is not empty, so a pass that samples it always offers one) */
        uint64_t key;
        while (s->t.live_objects > 0) {
            for (int i = 0; i < STORE_EVICT_SAMPLES; i++) {
                uint32_t c = s->live[rng_below(&s->evict_rng, s->t.live_objects)];
                evpool_offer(&s->pool, s->obj[c].key, s->clock - s->obj[c].atime);
            }
            if (evpool_pop(&s->pool, store_alive, s, &key)) {
                victim = s->slot[slot_find(s, key)].idx;
                break;
            }
        }
    }
    if (victim == NIL)
        return 0;
    drop(s, victim);
    s->t.evictions++;
    return 1;
}

static void *alloc_evicting(store *s, uint32_t size, block_cost *cost, uint16_t *cls)
{
    *cls = (uint16_t)heap_class_of(s->h, size);
    for (int i = 0; i < MAX_EVICTIONS_PER_SET; i++) {
        void *p = heap_alloc(s->h, size, cost);
        if (p != NULL)
            return p;
        if (!evict_one(s, *cls))
            return NULL;
    }
    return NULL;
}

/* ---- expiry heap ----------------------------------------------------------- */

static void exp_push(store *s, uint64_t when, uint32_t idx, uint32_t gen)
{
    if (grow((void **)&s->exp, &s->exp_cap, sizeof *s->exp, s->exp_used + 1) != 0) {
        s->oom = 1;
        return;
    }
    uint32_t i = s->exp_used++;
    while (i > 0 && s->exp[(i - 1) / 2].when > when) {
        s->exp[i] = s->exp[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->exp[i] = (store_expiry){when, idx, gen};
}

static void exp_pop(store *s)
{
    store_expiry last = s->exp[--s->exp_used];
    uint32_t i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= s->exp_used)
            break;
        if (c + 1 < s->exp_used && s->exp[c + 1].when < s->exp[c].when)
            c++;
        if (s->exp[c].when >= last.when)
            break;
        s->exp[i] = s->exp[c];
        i = c;
    }
    if (s->exp_used > 0)
        s->exp[i] = last;
}

void store_advance(store *s, uint64_t now)
{
    if (now <= s->now)
        return;
    s->now = now;
    while (s->exp_used > 0 && s->exp[0].when <= now) {
        store_expiry e = s->exp[0];
        exp_pop(s);
        store_obj *o = &s->obj[e.idx];
        if (o->live && o->gen == e.gen && o->expire == e.when) {
            drop(s, e.idx);
            s->t.expired++;
        }
    }
}

/* ---- operations ------------------------------------------------------------ */

int store_init(store *s, heap *h, layout_kind layout, uint64_t seed, uint64_t expect,
               char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->h = h;
    s->layout = layout;
    s->class_lru = h->kind == BENCH_SLAB;
    s->free_head = NIL;
    rng_seed(&s->evict_rng, seed, 3);
    evpool_init(&s->pool);
    for (unsigned c = 0; c < HEAP_MAX_CLASSES; c++)
        s->lru_head[c] = s->lru_tail[c] = NIL;
    if (expect < 1024)
        expect = 1024;
    if (expect > (1u << 30))
        expect = 1u << 30;
    uint32_t cap = 1;
    while (cap < 2 * expect)
        cap *= 2;
    if (slots_resize(s, cap) != 0 ||
        grow((void **)&s->obj, &s->obj_cap, sizeof *s->obj, (uint32_t)expect) != 0 ||
        grow((void **)&s->live, &s->live_cap, sizeof *s->live, (uint32_t)expect) != 0) {
        store_fini(s);
        return bench_error(err, errlen, "out of memory for the tables of %llu keys",
                           (unsigned long long)expect);
    }
    return 0;
}

/* Index of the live, unexpired object of key, or NIL (an expired one is freed). */
static uint32_t lookup(store *s, uint64_t key)
{
    uint32_t j = slot_find(s, key);
    uint32_t idx = s->slot[j].idx;
    if (idx == NIL)
        return NIL;
    if (expired(s, &s->obj[idx])) {
        drop(s, idx);
        s->t.expired++;
        return NIL;
    }
    return idx;
}

static uint32_t new_object(store *s, uint64_t key)
{
    uint32_t idx;
    if (s->free_head != NIL) {
        idx = s->free_head;
        s->free_head = s->obj[idx].live_pos;
    } else {
        if (grow((void **)&s->obj, &s->obj_cap, sizeof *s->obj, s->obj_used + 1) != 0 ||
            grow((void **)&s->live, &s->live_cap, sizeof *s->live, s->obj_used + 1) != 0)
            return NIL;
        idx = s->obj_used++;
    }
    if (2 * (s->slot_used + 1) > s->slot_cap && slots_resize(s, s->slot_cap * 2) != 0)
        return NIL;
    uint32_t j = slot_find(s, key);
    s->slot[j].key = key;
    s->slot[j].idx = idx;
    s->slot_used++;
    store_obj *o = &s->obj[idx];
    o->key = key;
    o->nblk = 0;
    o->live = 1;
    o->detached = 1; /* attach() links it once its blocks exist */
    return idx;
}

/* Stores the blocks `b` for key, keeping the old object's key blocks when it has
 * the same layout (Redis's overwrite keeps the dict entry and the key sds). */
static void put(store *s, uint64_t key, uint32_t ksize, uint32_t vsize, uint32_t ttl)
{
    layout_blocks b;
    layout_make(s->layout, ksize, vsize, &b);
    uint32_t idx = lookup(s, key);
    unsigned keep = 0;
    if (idx != NIL) {
        detach(s, idx);
        keep = s->obj[idx].key_blocks == b.key_blocks ? b.key_blocks : 0;
    }
    void *blk[LAYOUT_MAX_BLOCKS];
    block_cost cost[LAYOUT_MAX_BLOCKS];
    uint16_t cls[LAYOUT_MAX_BLOCKS];
    for (unsigned i = keep; i < b.n; i++) {
        blk[i] = alloc_evicting(s, b.size[i], &cost[i], &cls[i]);
        if (blk[i] != NULL) /* a cache writes what it stores: RSS must see the pages */
            memset(blk[i], STORE_FILL, b.size[i]);
        if (blk[i] == NULL) {
            for (unsigned k = keep; k < i; k++)
                heap_free(s->h, blk[k], b.size[k], &cost[k]);
            if (idx != NIL)
                drop(s, idx);
            s->t.failed_sets++;
            return;
        }
    }
    if (idx == NIL) {
        idx = new_object(s, key);
        if (idx == NIL) {
            for (unsigned k = 0; k < b.n; k++)
                heap_free(s->h, blk[k], b.size[k], &cost[k]);
            s->oom = 1;
            return;
        }
    }
    store_obj *o = &s->obj[idx];
    for (unsigned i = keep; i < o->nblk; i++)
        free_block(s, o, i);
    for (unsigned i = keep; i < b.n; i++) {
        o->blk[i] = blk[i];
        o->req[i] = b.size[i];
        o->cost[i] = cost[i];
        o->cls[i] = cls[i];
        account(s, b.size[i], &cost[i], cls[i], +1);
    }
    o->nblk = (uint8_t)b.n;
    o->key_blocks = (uint8_t)b.key_blocks;
    o->ksize = ksize;
    o->vsize = vsize;
    o->atime = s->clock;
    o->expire = ttl ? s->now + ttl : 0;
    attach(s, idx);
    if (ttl)
        exp_push(s, o->expire, idx, o->gen);
}

void store_set(store *s, uint64_t key, uint32_t ksize, uint32_t vsize, uint32_t ttl)
{
    s->clock++;
    put(s, key, ksize, vsize, ttl);
}

void store_del(store *s, uint64_t key)
{
    s->clock++;
    uint32_t idx = lookup(s, key);
    if (idx != NIL)
        drop(s, idx);
}

void store_get(store *s, uint64_t key)
{
    s->clock++;
    uint32_t idx = lookup(s, key);
    if (idx == NIL)
        return;
    store_obj *o = &s->obj[idx];
    o->atime = s->clock;
    if (s->class_lru)
        for (unsigned b = 0; b < o->nblk; b++) {
            lru_unlink(s, NODE(idx, b), o->cls[b]);
            lru_push_head(s, NODE(idx, b), o->cls[b]);
        }
}

void store_append(store *s, uint64_t key, uint32_t add)
{
    s->clock++;
    uint32_t idx = lookup(s, key);
    if (idx == NIL) /* memcached: NOT_STORED */
        return;
    store_obj *o = &s->obj[idx];
    uint64_t v = (uint64_t)o->vsize + add;
    uint32_t ttl = o->expire > s->now ? (uint32_t)(o->expire - s->now) : 0;
    put(s, key, o->ksize, v > UINT32_MAX ? UINT32_MAX : (uint32_t)v, ttl);
}

void store_clear(store *s)
{
    while (s->t.live_objects > 0)
        drop(s, s->live[s->t.live_objects - 1]);
    s->exp_used = 0;
}

void store_fini(store *s)
{
    mvec_free(s->obj, (size_t)s->obj_cap * sizeof *s->obj);
    mvec_free(s->slot, (size_t)s->slot_cap * sizeof *s->slot);
    mvec_free(s->live, (size_t)s->live_cap * sizeof *s->live);
    mvec_free(s->exp, (size_t)s->exp_cap * sizeof *s->exp);
    s->obj = NULL;
    s->slot = NULL;
    s->live = NULL;
    s->exp = NULL;
}
