/* zm_instance.c - the zmalloc instance: configuration, creation and destruction,
 * statistics, the invariant check, and the vtable behind alloc_api.h. */
#include "zm_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- statistics and the check ------------------------------------------------- */

static void zm_get_stats(const alloc_t *a, alloc_stats *out)
{
    const zm_instance *z = zm_of_const(a);
    zm_totals t;
    zm_totals_read(z, &t);
    uint64_t live = t.allocs - t.frees;
    out->used_bytes = (size_t)t.used;
    out->header_bytes = z->prefix ? (size_t)(live * ZM_PREFIX_SIZE) : 0;
    out->held_bytes = (size_t)t.held;
    out->peak_used_bytes = (size_t)zm_load(&z->peak_used);
    out->peak_held_bytes = (size_t)zm_load(&z->peak_held);
    out->live_blocks = (size_t)live;
    out->allocs = t.allocs;
    out->frees = t.frees;
    out->failed_allocs = t.failed;
    out->large_bytes = 0;
    out->large_blocks = 0;
}

typedef struct zm_walk {
    const zm_instance *z;
    uint64_t used, held, live, bad_headers;
    const void *first_bad;
} zm_walk;

static void zm_walk_block(void *ud, void *p, size_t req)
{
    zm_walk *w = ud;
    size_t usable = zm_block_usable(w->z, p, req);
    w->used += zm_counted(w->z, req, usable);
    w->held += usable;
    w->live++;
    size_t in_hdr = 0;
    if (w->z->prefix && (zm_hdr_read(w->z, p, &in_hdr) != ZM_HDR_LIVE || in_hdr != req)) {
        if (w->bad_headers++ == 0)
            w->first_bad = p;
    }
}

/* One failed invariant: the sentence goes to `why`, reported once the lock is off. */
#define ZM_CORRUPT(...)                                                                \
    do {                                                                               \
        snprintf(why, whylen, __VA_ARGS__);                                            \
        return ALLOC_ECORRUPT;                                                         \
    } while (0)

static alloc_status zm_check_locked(const zm_instance *z, char *why, size_t whylen)
{
    zm_totals t;
    zm_totals_read(z, &t);
    uint64_t live = t.allocs - t.frees;
    if (t.frees > t.allocs)
        ZM_CORRUPT("check: %llu frees exceed %llu allocations", (unsigned long long)t.frees,
                   (unsigned long long)t.allocs);
    if (live == 0 && (t.used != 0 || t.held != 0))
        ZM_CORRUPT("check: no live block but used_memory %llu, held %llu",
                   (unsigned long long)t.used, (unsigned long long)t.held);
    /* Every block counts at least sizeof(long) bytes (a request of 0 is one of 8). */
    if (t.used / ZM_MIN_REQUEST < live)
        ZM_CORRUPT("check: used_memory %llu is less than %zu bytes for each of %llu live "
                   "blocks", (unsigned long long)t.used, ZM_MIN_REQUEST,
                   (unsigned long long)live);
    /* With the prefix a block counts round(size + 8) <= its usable size, the base's
     * usable sizes being multiples of 8 and at least size + 8. */
    if (z->prefix && t.held < t.used)
        ZM_CORRUPT("check: held %llu below used_memory %llu with the prefix",
                   (unsigned long long)t.held, (unsigned long long)t.used);
    if (z->limit != 0 && zm_load(&z->limit_used) != t.used)
        ZM_CORRUPT("check: the limit counter %llu differs from used_memory %llu",
                   (unsigned long long)zm_load(&z->limit_used), (unsigned long long)t.used);
    if (zm_load(&z->peak_used) < t.used || zm_load(&z->peak_held) < t.held)
        ZM_CORRUPT("check: peak below the current figure (used %llu peak %llu, held %llu "
                   "peak %llu)", (unsigned long long)t.used,
                   (unsigned long long)zm_load(&z->peak_used), (unsigned long long)t.held,
                   (unsigned long long)zm_load(&z->peak_held));
    if (!z->track)
        return ALLOC_OK;
    const zm_track *tb = &z->table;
    size_t occupied = 0, tombs = 0;
    for (size_t i = 0; i < tb->cap; i++) {
        occupied += tb->slots[i].ptr != 0;
        tombs += tb->slots[i].ptr != 0 && tb->slots[i].size == ZM_TRACK_FREED;
    }
    if (occupied != tb->live + tb->tombs || tombs != tb->tombs ||
        (tb->live + tb->tombs) * 4 > tb->cap * 3)
        ZM_CORRUPT("check: live-block table holds %zu entries (%zu freed) in %zu slots, "
                   "its counts say %zu live + %zu freed", occupied, tombs, tb->cap,
                   tb->live, tb->tombs);
    zm_walk w = {.z = z};
    zm_track_each_live(tb, zm_walk_block, &w);
    if (w.bad_headers != 0)
        ZM_CORRUPT("check: %llu live blocks have a damaged header, first %p",
                   (unsigned long long)w.bad_headers, w.first_bad);
    if (w.live != live || w.used != t.used || w.held != t.held)
        ZM_CORRUPT("check: counters say %llu live blocks, used_memory %llu, held %llu; the "
                   "table's blocks give %llu, %llu, %llu", (unsigned long long)live,
                   (unsigned long long)t.used, (unsigned long long)t.held,
                   (unsigned long long)w.live, (unsigned long long)w.used,
                   (unsigned long long)w.held);
    return ALLOC_OK;
}

/* Meant for a quiescent instance: without track, counters read while another thread
 * is between its two additions can look inconsistent.  With track and thread_safe the
 * lock orders every call, so the check may run at any time. */
static alloc_status zm_check(const alloc_t *a)
{
    zm_instance *z = zm_of_const(a);
    char why[256];
    zm_lock(z);
    alloc_status st = zm_check_locked(z, why, sizeof why);
    zm_unlock(z);
    if (st != ALLOC_OK)
        alloc_report(a, st, NULL, "%s", why);
    return st;
}

/* ---- configuration and life cycle --------------------------------------------- */

static void zm_defaults(alloc_config *cfg)
{
    cfg->zmalloc.base = "libc";
    cfg->zmalloc.prefix = -1;
    cfg->zmalloc.round_to_long = 0;
    cfg->zmalloc.track = 0;
}

static alloc_status zm_check_config(const alloc_config *cfg, char *msg, size_t msglen)
{
    const char *base = cfg->zmalloc.base;
    if (base == NULL || (strcmp(base, "libc") != 0 && strcmp(base, "jemalloc") != 0))
        return alloc_config_error(msg, msglen,
                                  "zmalloc.base is %s%s%s; it must be \"libc\" or \"jemalloc\"",
                                  base ? "\"" : "", base ? base : "NULL", base ? "\"" : "");
    if (cfg->zmalloc.prefix < -1 || cfg->zmalloc.prefix > 1)
        return alloc_config_error(msg, msglen,
                                  "zmalloc.prefix is %d; it must be -1 (only when the base "
                                  "cannot report sizes), 0 (never) or 1 (always)",
                                  cfg->zmalloc.prefix);
    if (cfg->zmalloc.round_to_long != 0 && cfg->zmalloc.round_to_long != 1)
        return alloc_config_error(msg, msglen, "zmalloc.round_to_long is %d; it must be 0 or 1",
                                  cfg->zmalloc.round_to_long);
    if (cfg->zmalloc.track != 0 && cfg->zmalloc.track != 1)
        return alloc_config_error(msg, msglen, "zmalloc.track is %d; it must be 0 or 1",
                                  cfg->zmalloc.track);
    return ALLOC_OK;
}

static uint64_t zm_mix(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xBF58476D1CE4E5B9);
    x ^= x >> 27;
    x *= UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

static alloc_status zm_create(const alloc_config *cfg, alloc_t **out)
{
    *out = NULL;
    zm_base_kind kind = strcmp(cfg->zmalloc.base, "jemalloc") == 0 ? ZM_BASE_JEMALLOC
                                                                    : ZM_BASE_LIBC;
    size_t sz = alloc_align_up(sizeof(zm_instance), ZM_CACHE_LINE);
    zm_instance *z = aligned_alloc(ZM_CACHE_LINE, sz);
    if (z == NULL)
        return ALLOC_ENOMEM;
    memset(z, 0, sz);
    char msg[200];
    alloc_status st = zm_base_init(&z->base, kind, msg, sizeof msg);
    if (st != ALLOC_OK) {
        if (cfg->on_error != NULL) {
            char full[256];
            snprintf(full, sizeof full, "invalid configuration: %s", msg);
            cfg->on_error(cfg->on_error_ud, st, NULL, full);
        }
        free(z);
        return st;
    }
    z->ts = cfg->thread_safe;
    /* Both bases report usable sizes, so -1 ("only when needed") means no prefix. */
    z->prefix = cfg->zmalloc.prefix == 1;
    z->round = cfg->zmalloc.round_to_long;
    z->track = cfg->zmalloc.track;
    z->limit = cfg->mem_limit;
    z->lean = !z->prefix && !z->track && z->limit == 0;
    z->je_lean_max = z->lean && kind == ZM_BASE_JEMALLOC ? ZM_JE_TABLE_MAX : 0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    z->key = zm_mix((uint64_t)(uintptr_t)z ^ zm_mix((uint64_t)now.tv_nsec ^
                                                    ((uint64_t)now.tv_sec << 32)));
    if (z->track && !zm_track_init(&z->table)) {
        zm_base_fini(&z->base);
        free(z);
        return ALLOC_ENOMEM;
    }
    if (z->track && z->ts && pthread_mutex_init(&z->lock, NULL) != 0) {
        zm_track_fini(&z->table);
        zm_base_fini(&z->base);
        free(z);
        return ALLOC_ENOMEM;
    }
    const alloc_ops *ops = &alloc_backend_zmalloc.ops;
    if (z->lean)
        ops = kind == ZM_BASE_JEMALLOC ? &zm_ops_lean_jemalloc : &zm_ops_lean_libc;
    alloc_init_head(&z->head, &alloc_backend_zmalloc, ops);
    z->head.cfg = *cfg;
    z->head.cfg.backend = alloc_backend_zmalloc.name;
    z->head.cfg.zmalloc.base = zm_base_name(kind);
    z->head.cfg.slab.sizes = NULL; /* the slab section is not ours to keep pointers into */
    z->head.cfg.slab.nsizes = 0;
    *out = &z->head;
    return ALLOC_OK;
}

static void zm_destroy_block(void *ud, void *p, size_t req)
{
    const zm_instance *z = ud;
    zm_base_free(&z->base, (char *)p - zm_hdr(z), zm_block_usable(z, p, req));
}

/* With track, every live block goes back to its base.  Without it the instance cannot
 * enumerate its blocks (no table, and a header alone links nothing): destroy frees the
 * instance's own memory and the blocks still live stay allocated in the base, leaked
 * unless the program exits, exactly as Redis never frees at exit.  Keeping a table
 * always would put a hash insert on every malloc, which the hot path cannot afford. */
static void zm_destroy(alloc_t *a)
{
    zm_instance *z = zm_of(a);
    if (z->track) {
        zm_track_each_live(&z->table, zm_destroy_block, z);
        zm_track_fini(&z->table);
        if (z->ts)
            pthread_mutex_destroy(&z->lock);
    }
    zm_base_fini(&z->base);
    free(z);
}

static size_t zm_alignment(const alloc_t *a)
{
    const zm_instance *z = zm_of_const(a);
    /* The prefix shifts 16-aligned base blocks by 8.  jemalloc has an 8-byte class,
     * only 8-aligned, that requests of 1..8 bytes (and 0, counted as 8) get. */
    if (z->prefix || z->base.kind == ZM_BASE_JEMALLOC)
        return ZM_PREFIX_SIZE;
    return ZM_BASE_BLOCK_ALIGN;
}

const alloc_backend alloc_backend_zmalloc = {
    .ops = {
        .malloc = zm_malloc,
        .calloc = zm_calloc,
        .realloc = zm_realloc,
        .free = zm_free,
        .free_sized = zm_free_sized,
        .usable_size = zm_usable_size,
    },
    .name = "zmalloc",
    .defaults = zm_defaults,
    .check_config = zm_check_config,
    .create = zm_create,
    .destroy = zm_destroy,
    .good_size = zm_good_size,
    .check = zm_check,
    .get_stats = zm_get_stats,
    .alignment = zm_alignment,
};
