/* zm_backend.c - the zmalloc backend's allocation paths: counting, the memory limit,
 * the prefix header and bad-call detection.  The instance's life cycle, statistics
 * and invariant check are in zm_instance.c. */
#include "zm_internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#if defined(__GNUC__) || defined(__clang__)
#define ZM_TLS_MODEL __attribute__((tls_model("initial-exec")))
#define ZM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define ZM_LIKELY(x) __builtin_expect(!!(x), 1)
#define ZM_NOINLINE __attribute__((noinline))
#else
#define ZM_TLS_MODEL
#define ZM_UNLIKELY(x) (x)
#define ZM_LIKELY(x) (x)
#define ZM_NOINLINE
#endif

#define ZM_GOLDEN UINT64_C(0x9E3779B97F4A7C15)

/* The prefix header: low 48 bits the requested size, high 16 bits a tag that depends
 * on the instance's key and the block's address, so a pointer this instance did not
 * hand out (another instance's, an interior one) is caught with probability
 * 1 - 2^-16.  Free flips the tag's bits: a header still there after the free says
 * "freed" (jemalloc leaves freed small regions untouched), while glibc's tcache
 * writes its list link over exactly these 8 bytes, so a second free on the libc base
 * finds a header matching nothing and is reported as "not a live block" (EFOREIGN)
 * rather than EDOUBLEFREE.  Blocks whose memory went back to the OS (large ones) can
 * no longer be read at all: track = 1 is the reliable detector. */
#define ZM_HDR_SIZE_BITS 48
#define ZM_HDR_SIZE_MASK ((UINT64_C(1) << ZM_HDR_SIZE_BITS) - 1)
#define ZM_HDR_TAG_FREED_FLIP UINT64_C(0xFFFF)

/* The calling thread as the counter shards see it (Redis 8.0's per-thread used_memory
 * slots, without a global thread registry): `self` is the address of this variable,
 * which tells live threads apart, and `shard` the shard that address hashes to, kept
 * so the hot path only loads the two.  `self` starts as ZM_THREAD_UNSET, which no
 * shard owner ever equals, so a thread's first count takes zm_shard_of, which fills
 * both. */
typedef struct zm_thread {
    const void *self;
    size_t shard;
} zm_thread;
#define ZM_THREAD_UNSET ((const void *)1)
static _Thread_local zm_thread zm_me ZM_TLS_MODEL = {ZM_THREAD_UNSET, 0};

/* ---- counters ---------------------------------------------------------------- */

/* Shared counters (the limit's, and all of them without thread_safe). */
static inline void zm_add(const zm_instance *z, _Atomic uint64_t *c, uint64_t d)
{
    if (z->ts)
        atomic_fetch_add_explicit(c, d, memory_order_relaxed);
    else
        atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + d,
                              memory_order_relaxed);
}

/* The caller's shard; *rmw says whether other threads write it too, so that adds must
 * be atomic read-modify-writes (see zm_shard). */
static inline zm_shard *zm_shard_of(zm_instance *z, int *rmw)
{
    *rmw = 0;
    if (!z->ts)
        return &z->shard[0];
    if (ZM_UNLIKELY(zm_me.self == ZM_THREAD_UNSET)) {
        zm_me.self = &zm_me;
        zm_me.shard = ((uint64_t)(uintptr_t)&zm_me * ZM_GOLDEN) >> (64 - ZM_SHARD_BITS);
    }
    const void *me = zm_me.self;
    zm_shard *s = &z->shard[zm_me.shard];
    const void *owner = atomic_load_explicit(&s->owner, memory_order_relaxed);
    if (owner == me)
        return s;
    if (owner == NULL &&
        atomic_compare_exchange_strong_explicit(&s->owner, &owner, me, memory_order_relaxed,
                                                memory_order_relaxed))
        return s;
    *rmw = 1;
    return &z->shard[ZM_SHARED_SHARD];
}

/* A sole writer needs no locked instruction: readers only ever load. */
static inline void zm_shard_add(_Atomic uint64_t *c, uint64_t d, int rmw)
{
    if (rmw)
        atomic_fetch_add_explicit(c, d, memory_order_relaxed);
    else
        alloc_owned_add(c, d);
}

/* For freed and frees (see zm_shard): a plain store on x86 all the same. */
static inline void zm_shard_add_release(_Atomic uint64_t *c, uint64_t d, int rmw)
{
    if (rmw)
        atomic_fetch_add_explicit(c, d, memory_order_release);
    else
        alloc_owned_add_release(c, d);
}

static void zm_peak_raise(_Atomic uint64_t *peak, uint64_t v)
{
    uint64_t cur = zm_load(peak);
    while (v > cur &&
           !atomic_compare_exchange_weak_explicit(peak, &cur, v, memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
}

/* After a counter grew: without thread_safe shard 0 holds the exact totals, so the
 * peaks are exact; with a limit the limit counter is an exact total too. */
static inline void zm_peaks_after_growth(zm_instance *z)
{
    if (!z->ts) {
        zm_shard *s = &z->shard[0];
        uint64_t used = zm_load(&s->used) - zm_load(&s->freed);
        uint64_t held = z->prefix ? zm_load(&s->held) : used;
        if (used > zm_load(&z->peak_used))
            atomic_store_explicit(&z->peak_used, used, memory_order_relaxed);
        if (held > zm_load(&z->peak_held))
            atomic_store_explicit(&z->peak_held, held, memory_order_relaxed);
    } else if (z->limit != 0) {
        zm_peak_raise(&z->peak_used, zm_load(&z->limit_used));
    }
}

static inline void zm_count_alloc(zm_instance *z, uint64_t counted, uint64_t held)
{
    int rmw;
    zm_shard *s = zm_shard_of(z, &rmw);
    zm_shard_add(&s->used, counted, rmw);
    if (z->prefix)
        zm_shard_add(&s->held, held, rmw);
    zm_shard_add(&s->allocs, 1, rmw);
    zm_peaks_after_growth(z);
}

static inline void zm_count_free(zm_instance *z, uint64_t counted, uint64_t held)
{
    int rmw;
    zm_shard *s = zm_shard_of(z, &rmw);
    zm_shard_add_release(&s->freed, counted, rmw);
    if (z->prefix)
        zm_shard_add(&s->held, (uint64_t)0 - held, rmw);
    zm_shard_add_release(&s->frees, 1, rmw);
}

/* Whether the caller owns its shard (*out): not when it is not yet claimed, another
 * thread's, or thread_safe = 0, where no shard is ever claimed.  Then the lean paths
 * make their two plain additions; everything else is out of line. */
static inline bool zm_own_shard(zm_instance *z, zm_shard **out)
{
    zm_shard *s = &z->shard[zm_me.shard];
    *out = s;
    return atomic_load_explicit(&s->owner, memory_order_relaxed) == zm_me.self;
}

ZM_NOINLINE static void zm_count_alloc_slow(zm_instance *z, uint64_t usable)
{
    zm_count_alloc(z, usable, usable);
}

ZM_NOINLINE static void zm_count_free_slow(zm_instance *z, uint64_t usable)
{
    zm_count_free(z, usable, usable);
}

/* The lean paths' counting: no prefix (held is used) and no limit. */
static inline void zm_count_alloc_lean(zm_instance *z, uint64_t usable)
{
    zm_shard *s;
    if (ZM_LIKELY(zm_own_shard(z, &s))) {
        zm_shard_add(&s->used, usable, 0);
        zm_shard_add(&s->allocs, 1, 0);
    } else {
        zm_count_alloc_slow(z, usable);
    }
}

static inline void zm_count_free_lean(zm_instance *z, uint64_t usable)
{
    zm_shard *s;
    if (ZM_LIKELY(zm_own_shard(z, &s))) {
        zm_shard_add_release(&s->freed, usable, 0);
        zm_shard_add_release(&s->frees, 1, 0);
    } else {
        zm_count_free_slow(z, usable);
    }
}

/* Deltas are differences modulo 2^64: a shrink adds the two's complement. */
static void zm_count_resize(zm_instance *z, uint64_t dused, uint64_t dheld)
{
    int rmw;
    zm_shard *s = zm_shard_of(z, &rmw);
    zm_shard_add(&s->used, dused, rmw);
    if (z->prefix)
        zm_shard_add(&s->held, dheld, rmw);
    zm_peaks_after_growth(z);
}

static void zm_count_failed(zm_instance *z)
{
    int rmw;
    zm_shard *s = zm_shard_of(z, &rmw);
    zm_shard_add(&s->failed, 1, rmw);
}

/* Frees first (acquire), then allocations: see zm_shard. */
static uint64_t zm_used_sum(const zm_instance *z)
{
    uint64_t freed = 0, used = 0;
    for (int i = 0; i <= ZM_SHARED_SHARD; i++)
        freed += zm_load_acquire(&z->shard[i].freed);
    for (int i = 0; i <= ZM_SHARED_SHARD; i++)
        used += zm_load(&z->shard[i].used);
    return used - freed;
}

void zm_totals_read(const zm_instance *zc, zm_totals *t)
{
    zm_instance *z = (zm_instance *)zc;
    memset(t, 0, sizeof *t);
    uint64_t frees = 0;
    for (int i = 0; i <= ZM_SHARED_SHARD; i++)
        frees += zm_load_acquire(&z->shard[i].frees);
    t->frees = frees;
    t->used = zm_used_sum(z);
    for (int i = 0; i <= ZM_SHARED_SHARD; i++) {
        const zm_shard *s = &z->shard[i];
        t->held += zm_load(&s->held);
        t->allocs += zm_load(&s->allocs);
        t->failed += zm_load(&s->failed);
    }
    if (!z->prefix)
        t->held = t->used;
    if (z->ts) {
        zm_peak_raise(&z->peak_used, t->used);
        zm_peak_raise(&z->peak_held, t->held);
    }
}

/* ---- the memory limit ---------------------------------------------------------
 * limit_used == used_memory whenever no call is in flight.  An allocation first takes
 * its predicted count from the limit, then settles to the actual count: the base is
 * not asked when the prediction does not fit.  The prediction is exact except for
 * glibc blocks without the prefix (a reused free chunk or an mmapped one can be larger
 * than the chunk formula): malloc then still refuses to cross the limit, but a realloc
 * that has already moved keeps its block and may exceed the limit by that slack. */

static int zm_limit_take(zm_instance *z, uint64_t n)
{
    if (z->limit == 0 || n == 0)
        return 1;
    uint64_t cur = zm_load(&z->limit_used);
    for (;;) {
        if (cur > z->limit || n > z->limit - cur)
            return 0;
        if (!z->ts) {
            atomic_store_explicit(&z->limit_used, cur + n, memory_order_relaxed);
            return 1;
        }
        if (atomic_compare_exchange_weak_explicit(&z->limit_used, &cur, cur + n,
                                                  memory_order_relaxed,
                                                  memory_order_relaxed))
            return 1;
    }
}

static void zm_limit_adjust(zm_instance *z, uint64_t have, uint64_t want)
{
    if (z->limit == 0 || have == want)
        return;
    zm_add(z, &z->limit_used, want - have);
}

/* ---- the prefix header ------------------------------------------------------- */

static inline uint64_t zm_tag(const zm_instance *z, const void *p)
{
    uint64_t x = (z->key ^ (uint64_t)(uintptr_t)p) * ZM_GOLDEN;
    x ^= x >> 31;
    return (x * ZM_GOLDEN) >> ZM_HDR_SIZE_BITS;
}

static inline void zm_hdr_write(void *p, uint64_t tag, size_t req)
{
    uint64_t h = (uint64_t)req | (tag << ZM_HDR_SIZE_BITS);
    memcpy((char *)p - ZM_PREFIX_SIZE, &h, sizeof h);
}

static inline void zm_hdr_set_live(const zm_instance *z, void *p, size_t req)
{
    zm_hdr_write(p, zm_tag(z, p), req);
}

static inline void zm_hdr_set_freed(const zm_instance *z, void *p, size_t req)
{
    zm_hdr_write(p, zm_tag(z, p) ^ ZM_HDR_TAG_FREED_FLIP, req);
}

/* glibc serves a large request from a mapping of its own, its chunk header 16 bytes
 * in, and unmaps it on free: the prefix of such a block, freed, is no longer readable.
 * For a header in that position only, ask the kernel whether its page is still mapped
 * before reading (one syscall, on a path that already costs munmap). */
static int zm_hdr_unmapped(const zm_instance *z, const void *hdr)
{
    uintptr_t h = (uintptr_t)hdr, page = (uintptr_t)sysconf(_SC_PAGESIZE);
    if (z->base.kind != ZM_BASE_LIBC || ((h - 2 * sizeof(size_t)) & (page - 1)) != 0)
        return 0;
    unsigned char resident;
    return mincore((void *)(h & ~(page - 1)), 1, &resident) != 0 && errno == ENOMEM;
}

zm_hdr_state zm_hdr_read(const zm_instance *z, const void *p, size_t *req)
{
    /* Reject before reading: p - 8 of a pointer that is not 8 mod 16 is not ours,
     * and a page-aligned foreign pointer would make us read the previous page. */
    if (((uintptr_t)p & (ZM_BASE_BLOCK_ALIGN - 1)) != ZM_PREFIX_SIZE)
        return ZM_HDR_BAD;
    if (zm_hdr_unmapped(z, (const char *)p - ZM_PREFIX_SIZE))
        return ZM_HDR_BAD;
    uint64_t h;
    memcpy(&h, (const char *)p - ZM_PREFIX_SIZE, sizeof h);
    uint64_t tag = zm_tag(z, p), found = h >> ZM_HDR_SIZE_BITS;
    size_t size = (size_t)(h & ZM_HDR_SIZE_MASK);
    if (size == 0) /* every request is stored as at least sizeof(long) */
        return ZM_HDR_BAD;
    *req = size;
    if (found == tag)
        return ZM_HDR_LIVE;
    if (found == (tag ^ ZM_HDR_TAG_FREED_FLIP))
        return ZM_HDR_FREED;
    return ZM_HDR_BAD;
}

/* ---- blocks ------------------------------------------------------------------ */

/* Is p a live block of z?  On ALLOC_OK *req is its requested size when the instance
 * knows it (track or prefix) and 0 otherwise.  Without track and prefix nothing can be
 * checked: a bad pointer meets the base's own (undefined) behaviour, as in Redis.
 * Called with the lock held; the caller reports after unlocking, since the error
 * handler may call back into the instance. */
static alloc_status zm_validate(const zm_instance *z, const void *p, size_t *req)
{
    *req = 0;
    if (z->track) {
        switch (zm_track_find(&z->table, p, req)) {
        case ZM_TRACK_ABSENT: return ALLOC_EFOREIGN;
        case ZM_TRACK_DEAD: return ALLOC_EDOUBLEFREE;
        case ZM_TRACK_LIVE: break;
        }
        if (z->prefix) {
            size_t in_hdr = 0;
            if (zm_hdr_read(z, p, &in_hdr) != ZM_HDR_LIVE || in_hdr != *req)
                return ALLOC_ECORRUPT;
        }
        return ALLOC_OK;
    }
    if (z->prefix) {
        switch (zm_hdr_read(z, p, req)) {
        case ZM_HDR_LIVE: return ALLOC_OK;
        case ZM_HDR_FREED: return ALLOC_EDOUBLEFREE;
        case ZM_HDR_BAD: return ALLOC_EFOREIGN;
        }
    }
    return ALLOC_OK;
}

static void zm_report_bad(const zm_instance *z, alloc_status st, const char *op, const void *p)
{
    const alloc_t *a = &z->head;
    switch (st) {
    case ALLOC_EDOUBLEFREE:
        alloc_report(a, st, p, "%s(%p): the block was already freed; call ignored", op, p);
        break;
    case ALLOC_ECORRUPT:
        alloc_report(a, st, p,
                     "%s(%p): the 8-byte header before the block was overwritten "
                     "(a write before its start?); call ignored", op, p);
        break;
    default:
        if (z->track)
            alloc_report(a, st, p,
                         "%s(%p): not a block this instance handed out (foreign or "
                         "interior pointer); call ignored", op, p);
        else
            alloc_report(a, st, p,
                         "%s(%p): not a live block of this instance: foreign, interior "
                         "or already freed (set zmalloc.track = 1 to tell which); "
                         "call ignored", op, p);
        break;
    }
}

static inline int zm_too_big(const zm_instance *z, size_t size)
{
    return size >= ZM_MAX_REQUEST || (z->prefix && size > ZM_HDR_SIZE_MASK);
}

static void *zm_alloc(zm_instance *z, size_t size, int zero)
{
    if (ZM_UNLIKELY(zm_too_big(z, size))) {
        zm_count_failed(z);
        return NULL;
    }
    size_t req = zm_req(size), hdr = zm_hdr(z);
    uint64_t predicted = z->prefix ? zm_round(z, req + hdr)
                                   : zm_round(z, zm_base_good(&z->base, req));
    if (!zm_limit_take(z, predicted)) {
        zm_count_failed(z);
        return NULL;
    }
    zm_lock(z);
    char *raw = NULL;
    if (!z->track || zm_track_reserve(&z->table))
        raw = zm_base_malloc(&z->base, req + hdr, zero);
    if (ZM_UNLIKELY(raw == NULL))
        goto fail;
    size_t usable = zm_base_usable_known(&z->base, raw, req + hdr);
    uint64_t counted = zm_counted(z, req, usable);
    if (counted > predicted && !zm_limit_take(z, counted - predicted)) {
        zm_base_free(&z->base, raw, usable);
        goto fail;
    }
    if (counted < predicted)
        zm_limit_adjust(z, predicted, counted);
    void *p = raw + hdr;
    if (z->prefix)
        zm_hdr_set_live(z, p, req);
    if (z->track)
        zm_track_insert(&z->table, p, req);
    zm_count_alloc(z, counted, usable);
    zm_unlock(z);
    return p;
fail:
    zm_unlock(z);
    zm_limit_adjust(z, predicted, 0);
    zm_count_failed(z);
    return NULL;
}

/* Frees p; `sized` says whether `size` is the caller's claim of the requested size. */
static void zm_release(zm_instance *z, void *p, int sized, size_t size, const char *op)
{
    zm_lock(z);
    size_t req;
    alloc_status st = zm_validate(z, p, &req);
    if (ZM_UNLIKELY(st != ALLOC_OK)) {
        zm_unlock(z);
        zm_report_bad(z, st, op, p);
        return;
    }
    if (sized) {
        if (ZM_UNLIKELY(req != 0 && zm_req(size) != req)) {
            zm_unlock(z);
            alloc_report(&z->head, ALLOC_EINVAL, p,
                         "free_sized(%p, %zu): the block was allocated with %zu bytes; "
                         "call ignored", p, size, req);
            return;
        }
        req = zm_req(size);
    }
    size_t hdr = zm_hdr(z);
    size_t usable = zm_block_usable(z, p, req);
    uint64_t counted = zm_counted(z, req, usable);
    if (z->prefix)
        zm_hdr_set_freed(z, p, req);
    if (z->track)
        zm_track_kill(&z->table, p);
    zm_base_free(&z->base, (char *)p - hdr, usable);
    zm_count_free(z, counted, usable);
    zm_limit_adjust(z, counted, 0);
    zm_unlock(z);
}

/* jemalloc's usable size for a request of 1..ZM_JE_TABLE_MAX bytes. */
static inline size_t zm_je_table(const zm_instance *z, size_t n)
{
    return z->base.je_usable[(n + 7) >> 3];
}

/* Everything but the lean path over jemalloc for a table size (out of line, so that
 * path saves no registers it does not need). */
ZM_NOINLINE static void *zm_malloc_other(zm_instance *z, size_t size)
{
    if (z->lean && size < ZM_MAX_REQUEST) {
        size_t req = zm_req(size);
        void *p = zm_base_malloc(&z->base, req, 0);
        if (p != NULL) {
            zm_count_alloc_lean(z, zm_base_usable_known(&z->base, p, req));
            return p;
        }
    }
    return zm_alloc(z, size, 0);
}

/* The lean path: a request the base serves and the counters record, nothing else to
 * keep; over jemalloc, for table sizes, the usable size without even a branch on the
 * base.  Anything unusual (a failure, a huge size) takes the general path. */
void *zm_malloc(alloc_t *a, size_t size)
{
    zm_instance *z = zm_of(a);
    if (ZM_LIKELY(size - 1 < z->je_lean_max)) {
        void *p = zm_tsan_acquire(z->base.je_malloc(size));
        if (ZM_LIKELY(p != NULL)) {
            zm_count_alloc_lean(z, zm_je_table(z, size));
            return p;
        }
    }
    return zm_malloc_other(z, size);
}

void *zm_calloc(alloc_t *a, size_t n, size_t size)
{
    size_t total;
    if (!alloc_mul_ok(n, size, &total)) {
        zm_count_failed(zm_of(a));
        return NULL;
    }
    return zm_alloc(zm_of(a), total, 1);
}

/* Lean frees: nothing to validate (the base's own behaviour applies to bad pointers),
 * the usable size from the size when the caller gives it.  Counted before the block
 * goes back, so the base's free is the last call (a tail call). */
static inline void zm_release_lean(zm_instance *z, void *p, size_t usable)
{
    zm_count_free_lean(z, usable);
    zm_base_free(&z->base, p, usable);
}

void zm_free(alloc_t *a, void *p)
{
    zm_instance *z = zm_of(a);
    if (p == NULL)
        return;
    if (z->lean)
        zm_release_lean(z, p, zm_base_usable(&z->base, p));
    else
        zm_release(z, p, 0, 0, "free");
}

ZM_NOINLINE static void zm_free_sized_other(zm_instance *z, void *p, size_t size)
{
    if (z->lean)
        zm_release_lean(z, p, zm_base_usable_known(&z->base, p, zm_req(size)));
    else
        zm_release(z, p, 1, size, "free_sized");
}

void zm_free_sized(alloc_t *a, void *p, size_t size)
{
    zm_instance *z = zm_of(a);
    if (p == NULL)
        return;
    if (ZM_LIKELY(size - 1 < z->je_lean_max)) {
        size_t usable = zm_je_table(z, size);
        zm_count_free_lean(z, usable);
        zm_tsan_release(p);
        z->base.je_sdallocx(p, usable, 0);
    } else {
        zm_free_sized_other(z, p, size);
    }
}

/* ---- the lean configurations' block calls --------------------------------------
 * No prefix, no table, no limit (Redis's case): the base serves and the caller's shard
 * counts.  create gives such an instance these instead of the general calls above, so
 * none of them tests the configuration; anything unusual (a failure, size 0, a huge
 * size) goes to the general path. */

/* Over jemalloc: requests of 1..ZM_JE_TABLE_MAX bytes take jemalloc's own malloc and
 * sized free with the usable size from the table, and count in the caller's own
 * shard.  Each fast path ends in at most one call; the rest is out of line. */
static void *zm_je_lean_malloc(alloc_t *a, size_t size)
{
    zm_instance *z = zm_of(a);
    if (ZM_LIKELY(size - 1 < ZM_JE_TABLE_MAX)) {
        void *p = zm_tsan_acquire(z->base.je_malloc(size));
        zm_shard *s;
        if (ZM_LIKELY(p != NULL && zm_own_shard(z, &s))) {
            alloc_owned_add(&s->used, zm_je_table(z, size));
            alloc_owned_add(&s->allocs, 1);
            return p;
        }
        if (p != NULL) {
            zm_count_alloc_slow(z, zm_je_table(z, size));
            return p;
        }
    }
    return zm_malloc_other(z, size);
}

static void zm_je_lean_free_sized(alloc_t *a, void *p, size_t size)
{
    zm_instance *z = zm_of(a);
    zm_shard *s;
    if (ZM_LIKELY(size - 1 < ZM_JE_TABLE_MAX && zm_own_shard(z, &s))) {
        size_t usable = zm_je_table(z, size);
        alloc_owned_add_release(&s->freed, usable);
        alloc_owned_add_release(&s->frees, 1);
        zm_tsan_release(p);
        z->base.je_sdallocx(p, usable, 0);
        return;
    }
    zm_free_sized_other(z, p, size);
}

/* Over glibc: its malloc and free, the usable size from the block's chunk header. */
static void *zm_libc_lean_malloc(alloc_t *a, size_t size)
{
    zm_instance *z = zm_of(a);
    if (ZM_LIKELY(size - 1 < ZM_MAX_REQUEST - 1)) {
        void *p = zm_tsan_acquire(z->base.libc_malloc(size));
        zm_shard *s;
        if (ZM_LIKELY(p != NULL && z->base.libc_hdr && zm_own_shard(z, &s))) {
            alloc_owned_add(&s->used, zm_glibc_hdr_usable(p));
            alloc_owned_add(&s->allocs, 1);
            return p;
        }
        if (p != NULL) {
            zm_count_alloc_slow(z, zm_libc_usable(&z->base, p));
            return p;
        }
    }
    return zm_malloc_other(z, size);
}

ZM_NOINLINE static void zm_libc_lean_free_other(zm_instance *z, void *p)
{
    zm_release_lean(z, p, zm_libc_usable(&z->base, p));
}

static void zm_libc_lean_free(alloc_t *a, void *p)
{
    zm_instance *z = zm_of(a);
    zm_shard *s;
    if (ZM_LIKELY(z->base.libc_hdr && zm_own_shard(z, &s))) {
        alloc_owned_add_release(&s->freed, zm_glibc_hdr_usable(p));
        alloc_owned_add_release(&s->frees, 1);
        zm_tsan_release(p);
        z->base.libc_free(p);
        return;
    }
    zm_libc_lean_free_other(z, p);
}

/* No check to make, so the size is not needed: the header has the usable size. */
static void zm_libc_lean_free_sized(alloc_t *a, void *p, size_t size)
{
    (void)size;
    zm_libc_lean_free(a, p);
}

const alloc_ops zm_ops_lean_jemalloc = {
    .malloc = zm_je_lean_malloc,
    .calloc = zm_calloc,
    .realloc = zm_realloc,
    .free = zm_free,
    .free_sized = zm_je_lean_free_sized,
    .usable_size = zm_usable_size,
};

const alloc_ops zm_ops_lean_libc = {
    .malloc = zm_libc_lean_malloc,
    .calloc = zm_calloc,
    .realloc = zm_realloc,
    .free = zm_libc_lean_free,
    .free_sized = zm_libc_lean_free_sized,
    .usable_size = zm_usable_size,
};

ZM_NOINLINE static void zm_count_resize_slow(zm_instance *z, uint64_t dused)
{
    zm_count_resize(z, dused, dused);
}

static inline void zm_count_resize_lean(zm_instance *z, uint64_t dused)
{
    zm_shard *s;
    if (ZM_LIKELY(zm_own_shard(z, &s)))
        zm_shard_add(&s->used, dused, 0);
    else
        zm_count_resize_slow(z, dused);
}

/* The lean resize: the old usable size from the base, the new one from the size
 * (jemalloc) or the base (glibc).  p != NULL, 1 <= size < ZM_MAX_REQUEST. */
static void *zm_realloc_lean(zm_instance *z, void *p, size_t size)
{
    size_t old_usable = zm_base_usable(&z->base, p);
    void *q = zm_base_realloc(&z->base, p, size);
    if (ZM_UNLIKELY(q == NULL)) {
        zm_count_failed(z);
        return NULL;
    }
    size_t new_usable = zm_base_usable_known(&z->base, q, size);
#ifdef KVALLOC_DEBUG
    if (new_usable != zm_base_usable(&z->base, q))
        abort();
#endif
    zm_count_resize_lean(z, (uint64_t)new_usable - old_usable);
    return q;
}

/* Counted exactly whether the base moves the block or resizes it in place; a failure
 * leaves the old block (header included) as it was. */
void *zm_realloc(alloc_t *a, void *p, size_t size)
{
    zm_instance *z = zm_of(a);
    if (p == NULL)
        return zm_alloc(z, size, 0);
    if (size == 0) {
        zm_release(z, p, 0, 0, "realloc");
        return NULL;
    }
    if (z->lean && size < ZM_MAX_REQUEST)
        return zm_realloc_lean(z, p, size);
    zm_lock(z);
    size_t old_req;
    alloc_status st = zm_validate(z, p, &old_req);
    if (ZM_UNLIKELY(st != ALLOC_OK)) {
        zm_unlock(z);
        zm_report_bad(z, st, "realloc", p);
        return NULL;
    }
    size_t hdr = zm_hdr(z), old_usable = 0, new_usable;
    uint64_t old_counted = 0, predicted = 0, reserved = 0, new_counted;
    char *raw = NULL;
    if (zm_too_big(z, size))
        goto fail;
    old_usable = zm_block_usable(z, p, old_req);
    old_counted = zm_counted(z, old_req, old_usable);
    predicted = z->prefix ? zm_round(z, size + hdr) : zm_round(z, zm_base_good(&z->base, size));
    reserved = predicted > old_counted ? predicted - old_counted : 0;
    if (!zm_limit_take(z, reserved)) {
        reserved = 0;
        goto fail;
    }
    if (z->track && !zm_track_reserve(&z->table))
        goto fail;
    /* Marked freed first: if the block moves, its old header must not pass for live. */
    if (z->prefix)
        zm_hdr_set_freed(z, p, old_req);
    raw = zm_base_realloc(&z->base, (char *)p - hdr, size + hdr);
    if (raw == NULL) {
        if (z->prefix)
            zm_hdr_set_live(z, p, old_req);
        goto fail;
    }
    new_usable = zm_base_usable_known(&z->base, raw, size + hdr);
    new_counted = zm_counted(z, size, new_usable);
    zm_limit_adjust(z, old_counted + reserved, new_counted);
    void *q = raw + hdr;
    if (z->prefix)
        zm_hdr_set_live(z, q, size);
    if (z->track) {
        if (q != p) {
            zm_track_kill(&z->table, p);
            zm_track_insert(&z->table, q, size);
        } else {
            zm_track_set_size(&z->table, q, size);
        }
    }
    zm_count_resize(z, new_counted - old_counted, (uint64_t)new_usable - old_usable);
    zm_unlock(z);
    return q;
fail:
    zm_unlock(z);
    zm_limit_adjust(z, reserved, 0);
    zm_count_failed(z);
    return NULL;
}

char *zm_strdup(alloc_t *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = zm_malloc(a, n);
    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

/* Shared by usable_size and counted_size: 0 after reporting a bad pointer. */
static int zm_query(const alloc_t *a, const void *p, const char *op, size_t *req,
                    size_t *usable)
{
    zm_instance *z = zm_of_const(a);
    zm_lock(z);
    alloc_status st = zm_validate(z, p, req);
    if (st == ALLOC_OK)
        *usable = zm_block_usable(z, p, *req);
    zm_unlock(z);
    if (st != ALLOC_OK) {
        zm_report_bad(z, st, op, p);
        return 0;
    }
    return 1;
}

size_t zm_usable_size(const alloc_t *a, const void *p)
{
    size_t req, usable;
    if (p == NULL || !zm_query(a, p, "usable_size", &req, &usable))
        return 0;
    return zm_of_const(a)->prefix ? req : usable;
}

size_t zm_counted_size(const alloc_t *a, const void *p)
{
    size_t req, usable;
    if (p == NULL || !zm_query(a, p, "counted_size", &req, &usable))
        return 0;
    return (size_t)zm_counted(zm_of_const(a), req, usable);
}

size_t zm_good_size(const alloc_t *a, size_t size)
{
    const zm_instance *z = zm_of_const(a);
    if (zm_too_big(z, size))
        return 0;
    return z->prefix ? zm_req(size) : zm_base_good(&z->base, zm_req(size));
}

size_t zm_used_memory(const alloc_t *a)
{
    return (size_t)zm_used_sum(zm_of_const(a));
}

int zm_is_instance(const alloc_t *a)
{
    return a != NULL && alloc_vt(a) == &alloc_backend_zmalloc;
}
