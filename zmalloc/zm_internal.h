/* zm_internal.h - the zmalloc instance, shared by the backend's files only. */
#ifndef KVALLOC_ZM_INTERNAL_H
#define KVALLOC_ZM_INTERNAL_H

#include "alloc_impl.h"
#include "zm_api.h"
#include "zm_base.h"
#include "zm_track.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#define ZM_CACHE_LINE 64
#define ZM_NSHARDS 16
#define ZM_SHARD_BITS 4
#define ZM_PREFIX_SIZE sizeof(size_t)
#define ZM_MIN_REQUEST sizeof(long)   /* what a request for 0 bytes becomes, as Redis */
#define ZM_MAX_REQUEST (SIZE_MAX / 2) /* this and above fail at once, as Redis */
/* Both bases align every block of 16 bytes or more to 16, and with the prefix every
 * base block is at least 16 bytes; so a pointer we returned is 8 mod 16, and p - 8
 * never crosses into another page than p. */
#define ZM_BASE_BLOCK_ALIGN 16

/* Counters of one shard.  A thread hashes to a shard and claims it (owner = the
 * address of its thread-local anchor) the first time it finds it free; from then on it
 * is the shard's only writer and adds with plain relaxed load + store, no locked
 * instruction.  A thread whose shard another thread owns adds atomically into the
 * shared last shard.  A dead thread's shard stays claimed; a new thread that lands on
 * it uses the shared shard (the same anchor address is only ever reused by a thread
 * created after the owner ended, which then rightly continues as sole writer).
 * Allocations (and resizes) add to `used`, frees add to `freed`: two counters rather
 * than one that goes up and down, so that a malloc and the free after it do not wait
 * on each other's store (a load-add-store on one address costs ~5 cycles of latency,
 * as much as a whole jemalloc malloc+free).  A free may land in another shard than its
 * malloc; only the sums over shards mean anything (unsigned arithmetic makes them
 * exact).  Derived rather than counted, to keep the hot path at two additions:
 *   used_memory = sum(used) - sum(freed)
 *   live        = sum(allocs) - sum(frees)
 *   header      = ZM_PREFIX_SIZE * live       (prefix on; 0 off)
 *   held        = used_memory                 (prefix off: a block counts its usable size)
 * so `held` is only maintained with the prefix.  freed and frees are stored with
 * release and read (first) with acquire: a reader that sees a free also sees the
 * allocation it undoes, so a sum never dips below what the live blocks count. */
typedef struct zm_shard {
    _Alignas(ZM_CACHE_LINE) _Atomic uint64_t used;
    _Atomic uint64_t freed;
    _Atomic uint64_t held;
    _Atomic uint64_t allocs, frees, failed;
    _Atomic(const void *) owner;
} zm_shard;

#define ZM_SHARED_SHARD ZM_NSHARDS /* index of the shard every unlucky thread shares */

/* Invariant (alloc_check): used_memory == sum over live blocks of counted(block), where
 * counted = round(usable(base block)) without the prefix and round(size + 8) with it,
 * round being align_up(., sizeof(long)) under round_to_long and identity otherwise. */
typedef struct zm_instance {
    struct alloc head;
    zm_base base;
    int ts;     /* thread_safe: per-thread shards as above; else plain adds to shard 0 */
    int prefix; /* resolved: 1 = 8-byte header before every block */
    int round;  /* round_to_long */
    int track;
    /* No prefix, no table, no limit: the case Redis runs in, served by a path that only
     * asks the base and adds to the counters. */
    int lean;
    /* Lean over jemalloc: ZM_JE_TABLE_MAX, else 0.  Requests of 1..je_lean_max bytes
     * take the shortest path (one unsigned comparison decides it): jemalloc's malloc,
     * the usable size from the table, two additions. */
    size_t je_lean_max;
    size_t limit;   /* mem_limit, 0 = none */
    uint64_t key;   /* seeds the header tags of this instance */
    zm_shard shard[ZM_NSHARDS + 1];
    /* With thread_safe and a limit, the limit needs one exact total: this counter is
     * that total (== used_memory), taken by compare-and-swap before the base is asked. */
    _Alignas(ZM_CACHE_LINE) _Atomic uint64_t limit_used;
    /* Exact when thread_safe = 0.  With thread_safe = 1 the total is never formed on
     * the hot path, so the peaks are the highest totals seen by a stats read, check or
     * INFO fill (a lower bound, as Redis's own used_memory_peak is sampled by its
     * cron); with a limit as well, peak_used also follows the limit counter after each
     * growth, which may include another thread's reservation still in flight. */
    _Alignas(ZM_CACHE_LINE) _Atomic uint64_t peak_used;
    _Atomic uint64_t peak_held;
    pthread_mutex_t lock; /* track && ts: guards the table and orders the counters */
    zm_track table;
} zm_instance;

typedef struct zm_totals {
    uint64_t used, held, allocs, frees, failed;
} zm_totals;

/* The block calls of the lean configurations (zm_backend.c): create gives a lean
 * instance the table of its base, the others the backend's general one. */
extern const alloc_ops zm_ops_lean_jemalloc, zm_ops_lean_libc;

/* Sums the shards (and, with thread_safe, raises the sampled peaks). */
void zm_totals_read(const zm_instance *z, zm_totals *t);

typedef enum zm_hdr_state { ZM_HDR_LIVE, ZM_HDR_FREED, ZM_HDR_BAD } zm_hdr_state;

/* What the 8-byte header before p says (zm_backend.c); *req gets the size. */
zm_hdr_state zm_hdr_read(const zm_instance *z, const void *p, size_t *req);

static inline zm_instance *zm_of(alloc_t *a) { return (zm_instance *)a; }
/* Counters, peaks and the lock live in the instance and change under a const view
 * (a stats read raises the sampled peak, a query takes the lock); the instance itself
 * is never a const object. */
static inline zm_instance *zm_of_const(const alloc_t *a) { return (zm_instance *)a; }

static inline size_t zm_req(size_t size) { return size != 0 ? size : ZM_MIN_REQUEST; }

static inline size_t zm_hdr(const zm_instance *z) { return z->prefix ? ZM_PREFIX_SIZE : 0; }

static inline uint64_t zm_round(const zm_instance *z, uint64_t n)
{
    return z->round ? alloc_align_up(n, sizeof(long)) : n;
}

static inline uint64_t zm_load(const _Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

static inline uint64_t zm_load_acquire(const _Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_acquire);
}

/* ---- locking (track with thread_safe only) ------------------------------------ */

static inline void zm_lock(zm_instance *z)
{
    if (z->track && z->ts)
        pthread_mutex_lock(&z->lock);
}

static inline void zm_unlock(zm_instance *z)
{
    if (z->track && z->ts)
        pthread_mutex_unlock(&z->lock);
}

/* Usable size of the base block under p (header included).  jemalloc serves a request
 * of n bytes from exactly the class nallocx(n) names, so a known size avoids the
 * lookup; req is 0 when unknown. */
static inline size_t zm_block_usable(const zm_instance *z, const void *p, size_t req)
{
    size_t hdr = zm_hdr(z);
    if (z->base.kind == ZM_BASE_JEMALLOC && req != 0)
        return zm_base_good(&z->base, req + hdr);
    return zm_base_usable(&z->base, (const char *)p - hdr);
}

static inline uint64_t zm_counted(const zm_instance *z, size_t req, size_t usable)
{
    return z->prefix ? zm_round(z, req + ZM_PREFIX_SIZE) : zm_round(z, usable);
}

#endif /* KVALLOC_ZM_INTERNAL_H */
