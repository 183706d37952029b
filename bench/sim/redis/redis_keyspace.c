/* redis_keyspace.c - the keyspace of db 0 as db.c, object.c and t_string.c build it:
 * each key's blocks really allocated from the zmalloc instance, and the same dict
 * lookups (hence the same incremental rehash steps) as each Redis operation. */
#include "redis_server.h"

#include "layout.h"
#include "mmap_vec.h"
#include "zm_api.h"

#include <string.h>

/* A bijective mix (splitmix64's finalizer) of the key id: it plays siphash's part, so
 * bucket order is pseudo-random and fixed per seed, and equal hashes mean equal keys. */
uint64_t rks_hash(const sim_server *s, uint64_t id)
{
    uint64_t z = id ^ s->salt;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int grow_array(void **p, size_t elem, size_t old_n, size_t new_n)
{
    void *q = mvec_grow(*p, old_n * elem, new_n * elem);
    if (q == NULL)
        return -1;
    *p = q;
    return 0;
}

int rks_grow(sim_server *s)
{
    size_t n = s->cap ? s->cap * 2 : 1024;
    if (n > (size_t)UINT32_MAX - 1)
        return -1;
    if (grow_array((void **)&s->key, sizeof *s->key, s->cap, n) != 0 ||
        grow_array((void **)&s->hash, sizeof *s->hash, s->cap, n) != 0 ||
        grow_array((void **)&s->main_next, sizeof *s->main_next, s->cap, n) != 0 ||
        grow_array((void **)&s->exp_next, sizeof *s->exp_next, s->cap, n) != 0 ||
        grow_array((void **)&s->free_slot, sizeof *s->free_slot, s->cap, n) != 0)
        return -1;
    s->cap = n;
    rdict_bind(&s->main, s->main_next, s->hash);
    rdict_bind(&s->expires, s->exp_next, s->hash);
    return 0;
}

static uint32_t slot_new(sim_server *s)
{
    if (s->nfree > 0)
        return s->free_slot[--s->nfree];
    if (s->top == s->cap && rks_grow(s) != 0)
        return REDIS_SLOT_NONE;
    return (uint32_t)s->top++;
}

static void slot_release(sim_server *s, uint32_t slot)
{
    memset(&s->key[slot], 0, sizeof s->key[slot]);
    s->free_slot[s->nfree++] = slot;
}

/* ---- values: createStringObject ------------------------------------------------ */

/* A value of up to 44 bytes is one embstr block (robj + sdshdr8 + bytes + NUL), a
 * longer one a robj and an sds whose header fits its length.  (Arguments of 32 KiB or
 * more are adopted from the query buffer with 2 bytes more room; not modelled.) */
static size_t embstr_size(uint32_t v)
{
    return LAYOUT_ROBJ + 3 + (size_t)v + 1;
}

int rks_value_new(sim_server *s, uint32_t vsize)
{
    s->pend_vsds = NULL;
    if (vsize <= LAYOUT_EMBSTR_MAX) {
        s->pend_obj = zm_malloc(s->a, embstr_size(vsize));
        return s->pend_obj != NULL ? 0 : -1;
    }
    s->pend_obj = zm_malloc(s->a, LAYOUT_ROBJ);
    s->pend_vsds = s->pend_obj != NULL ? zm_malloc(s->a, layout_sds_size(vsize)) : NULL;
    if (s->pend_vsds == NULL) {
        rks_value_drop(s, vsize);
        return -1;
    }
    return 0;
}

/* What a value's blocks ask zmalloc for. */
static uint64_t value_asked(uint32_t vsize)
{
    return vsize <= LAYOUT_EMBSTR_MAX ? embstr_size(vsize)
                                      : LAYOUT_ROBJ + layout_sds_size(vsize);
}

static void value_free(sim_server *s, void *obj, void *vsds, uint32_t vsize)
{
    if (vsds != NULL) {
        zm_free_sized(s->a, vsds, layout_sds_size(vsize));
        zm_free_sized(s->a, obj, LAYOUT_ROBJ);
    } else if (obj != NULL) {
        zm_free_sized(s->a, obj, embstr_size(vsize));
    }
}

void rks_value_drop(sim_server *s, uint32_t vsize)
{
    value_free(s, s->pend_obj, s->pend_vsds, vsize);
    s->pend_obj = s->pend_vsds = NULL;
}

/* ---- lookups and touches --------------------------------------------------------- */

void rks_touch(sim_server *s, uint32_t slot)
{
    redis_key *k = &s->key[slot];
    if (s->o.policy == REDIS_ALLKEYS_LFU || s->o.policy == REDIS_VOLATILE_LFU)
        k->lru = redis_lfu_touch(s, k->lru);
    else
        k->lru = s->lruclock;
}

/* expireIfNeeded -> keyIsExpired -> getExpire: a lookup in the expires dict when it
 * is not empty, and a second one in the main dict (the safety assertion) when the key
 * has an entry.  1 (and the key deleted, counted in expired_keys) when its time has
 * passed (now > when, in ms). */
int rks_expire_if_needed(sim_server *s, uint64_t h)
{
    if (rdict_count(&s->expires) == 0)
        return 0;
    uint32_t x = rdict_find(&s->expires, h);
    if (x == 0)
        return 0;
    rdict_find(&s->main, h);
    if (!(s->now_ms > s->key[x - 1].expire_ms))
        return 0;
    rks_delete(s, h);
    s->expired++;
    return 1;
}

uint32_t rks_lookup(sim_server *s, uint64_t h)
{
    uint32_t e = rdict_find(&s->main, h);
    if (e == 0)
        return REDIS_SLOT_NONE;
    uint32_t slot = e - 1;
    if (rks_expire_if_needed(s, h))
        return REDIS_SLOT_NONE;
    rks_touch(s, slot);
    return slot;
}

/* ---- writes ---------------------------------------------------------------------- */

uint32_t rks_add(sim_server *s, uint64_t id, uint64_t h, uint32_t ksize, uint32_t vsize)
{
    uint32_t slot = slot_new(s);
    if (slot == REDIS_SLOT_NONE)
        return REDIS_SLOT_NONE;
    redis_key *k = &s->key[slot];
    /* dbAdd: sdsdup of the key, then dictAddRaw (rehash step, growth, entry) */
    k->ksds = zm_malloc(s->a, layout_sds_size(ksize));
    k->entry = k->ksds != NULL ? zm_malloc(s->a, LAYOUT_DICT_ENTRY) : NULL;
    s->hash[slot] = h;
    if (k->entry == NULL || rdict_add(&s->main, slot) != 0) {
        if (k->entry != NULL)
            zm_free_sized(s->a, k->entry, LAYOUT_DICT_ENTRY);
        if (k->ksds != NULL)
            zm_free_sized(s->a, k->ksds, layout_sds_size(ksize));
        slot_release(s, slot);
        return REDIS_SLOT_NONE;
    }
    k->id = id;
    k->ksize = ksize;
    k->vsize = vsize;
    k->obj = s->pend_obj;
    k->vsds = s->pend_vsds;
    k->xentry = NULL;
    k->lru = redis_new_lru(s);
    k->live = 1;
    s->pend_obj = s->pend_vsds = NULL;
    s->requested += (uint64_t)ksize + vsize;
    s->asked += LAYOUT_DICT_ENTRY + layout_sds_size(ksize) + value_asked(vsize);
    return slot;
}

void rks_overwrite(sim_server *s, uint32_t slot, uint32_t vsize)
{
    redis_key *k = &s->key[slot];
    rdict_find(&s->main, s->hash[slot]);
    /* the new robj was stamped when parsed; under LFU it inherits the old field */
    uint32_t lru = redis_new_lru(s);
    if (s->o.policy == REDIS_ALLKEYS_LFU || s->o.policy == REDIS_VOLATILE_LFU)
        lru = k->lru;
    value_free(s, k->obj, k->vsds, k->vsize);
    s->requested += (uint64_t)vsize - k->vsize;
    s->asked += value_asked(vsize) - value_asked(k->vsize);
    k->obj = s->pend_obj;
    k->vsds = s->pend_vsds;
    k->vsize = vsize;
    k->lru = lru;
    s->pend_obj = s->pend_vsds = NULL;
}

static void drop_ttl(sim_server *s, uint32_t slot)
{
    redis_key *k = &s->key[slot];
    if (k->xentry != NULL) {
        zm_free_sized(s->a, k->xentry, LAYOUT_DICT_ENTRY);
        k->xentry = NULL;
        s->asked -= LAYOUT_DICT_ENTRY;
    }
}

int rks_set_ttl(sim_server *s, uint32_t slot, int64_t when_ms)
{
    uint64_t h = s->hash[slot];
    /* removeExpire: the main dict assertion, then dictDelete on the expires dict */
    rdict_find(&s->main, h);
    if (rdict_delete(&s->expires, h) != 0)
        drop_ttl(s, slot);
    if (when_ms <= 0)
        return 0;
    /* setExpire: dictFind on the main dict, dictAddOrFind on the expires dict */
    rdict_find(&s->main, h);
    redis_key *k = &s->key[slot];
    k->xentry = zm_malloc(s->a, LAYOUT_DICT_ENTRY);
    if (k->xentry == NULL || rdict_add(&s->expires, slot) != 0) {
        if (k->xentry != NULL)
            zm_free_sized(s->a, k->xentry, LAYOUT_DICT_ENTRY);
        k->xentry = NULL;
        return -1;
    }
    k->expire_ms = when_ms;
    s->asked += LAYOUT_DICT_ENTRY;
    return 0;
}

int rks_delete(sim_server *s, uint64_t h)
{
    uint32_t x = rdict_count(&s->expires) > 0 ? rdict_delete(&s->expires, h) : 0;
    uint32_t e = rdict_delete(&s->main, h);
    if (e == 0)
        return 0;
    uint32_t slot = e - 1;
    redis_key *k = &s->key[slot];
    if (x != 0)
        drop_ttl(s, slot);
    s->requested -= (uint64_t)k->ksize + k->vsize;
    s->asked -= LAYOUT_DICT_ENTRY + layout_sds_size(k->ksize) + value_asked(k->vsize);
    value_free(s, k->obj, k->vsds, k->vsize);
    zm_free_sized(s->a, k->ksds, layout_sds_size(k->ksize));
    zm_free_sized(s->a, k->entry, LAYOUT_DICT_ENTRY);
    slot_release(s, slot);
    return 1;
}

uint64_t rks_asked(const sim_server *s, uint32_t slot)
{
    const redis_key *k = &s->key[slot];
    return LAYOUT_DICT_ENTRY + layout_sds_size(k->ksize) + value_asked(k->vsize) +
           (k->xentry != NULL ? LAYOUT_DICT_ENTRY : 0);
}

uint64_t rks_counted(const sim_server *s, uint32_t slot)
{
    const redis_key *k = &s->key[slot];
    uint64_t n = zm_counted_size(s->a, k->entry) + zm_counted_size(s->a, k->ksds) +
                 zm_counted_size(s->a, k->obj);
    if (k->vsds != NULL)
        n += zm_counted_size(s->a, k->vsds);
    if (k->xentry != NULL)
        n += zm_counted_size(s->a, k->xentry);
    return n;
}

/* Frees every key's blocks without touching the dicts (the server is going away). */
void rks_free_all(sim_server *s)
{
    for (size_t i = 0; i < s->top; i++) {
        redis_key *k = &s->key[i];
        if (!k->live)
            continue;
        if (k->xentry != NULL)
            zm_free_sized(s->a, k->xentry, LAYOUT_DICT_ENTRY);
        value_free(s, k->obj, k->vsds, k->vsize);
        zm_free_sized(s->a, k->ksds, layout_sds_size(k->ksize));
        zm_free_sized(s->a, k->entry, LAYOUT_DICT_ENTRY);
        k->live = 0;
    }
}
