/* mc_server.h - the memcached preset's private state: items kept in their slab chunks
 * with memcached's 48-byte header, the key index, per-class segmented LRUs, and the
 * maintainer's clocks, automover window and crawler schedule (memcached 1.6.18). */
#ifndef KVBENCH_MC_SERVER_H
#define KVBENCH_MC_SERVER_H

#include "alloc_api.h"
#include "mc_index.h"
#include "sim.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sizes and limits of memcached 1.6.18 (memcached.h, items.c, slabs.c). */
#define MC_ITEM_HEADER 48u       /* sizeof(item) on 64-bit */
#define MC_CHUNK_HEADER 48u      /* sizeof(item_chunk) */
#define MC_CAS_BYTES 8u
#define MC_KEY_MAX 250u          /* KEY_MAX_LENGTH */
#define MC_ITEM_SIZE_MAX ((size_t)1 << 20) /* -I default */
#define MC_PAGE_SIZE ((size_t)1 << 20)     /* slab_page_size */
#define MC_TIME_BASE 62u         /* process_started is placed ITEM_UPDATE_INTERVAL + 2 s
                                    before the start, so current_time starts at 62 */
#define MC_UPDATE_INTERVAL 60u   /* ITEM_UPDATE_INTERVAL: flat mode's bump interval */
#define MC_HOT_PCT 20u           /* hot_lru_pct */
#define MC_WARM_PCT 40u          /* warm_lru_pct */
#define MC_HOT_MAX_FACTOR 0.2    /* hot_max_factor */
#define MC_WARM_MAX_FACTOR 2.0   /* warm_max_factor */
#define MC_PULL_TRIES 5          /* items lru_pull_tail looks at */
#define MC_ALLOC_TRIES 10        /* do_item_alloc_pull's attempts */
#define MC_JUGGLE_ROUNDS 500     /* lru_maintainer_juggle's rounds */
#define MC_AM_WINDOW 30u         /* slab_automove_window */
#define MC_AM_RATIO 0.8          /* slab_automove_ratio */
#define MC_AM_MIN_PAGES_SOURCE 2u
#define MC_AM_MIN_PAGES_RECLAIM 2.5
#define MC_AM_AGAIN_US 1000u     /* after a reclaim to the pool the maintainer loops
                                    again after its minimum sleep, 1 ms */
#define MC_CRAWL_MAX_WAIT 3600u  /* MAX_MAINTCRAWL_WAIT */
#define MC_CRAWL_HISTO 61        /* crawlerstats_t.histo: minutes 0..60 */
#define MC_SEGS 3

enum mc_seg { MC_HOT, MC_WARM, MC_COLD }; /* HOT_LRU, WARM_LRU, COLD_LRU */

enum mc_flag {
    MC_FETCHED = 1, /* ITEM_FETCHED: hit at least once */
    MC_ACTIVE = 2,  /* ITEM_ACTIVE: hit again after FETCHED, not yet acted upon */
    MC_CHUNKED = 4, /* ITEM_CHUNKED: the value lives in body chunks */
};

enum mc_kind {
    MC_KIND_ITEM = 1, /* a linked item's header */
    MC_KIND_CHUNK,    /* a body chunk of a chunked item */
    MC_KIND_PENDING,  /* an item being allocated, not linked yet (the mover skips it) */
    MC_KIND_DEAD,     /* dropped by a page move, to be freed once the move returns */
};

#define MC_PULL_EVICT 1u /* LRU_PULL_EVICT */

/* An item's header, at the start of its chunk (memcached keeps its own there too), or
 * a body chunk's.  The fields memcached keeps beyond these (refcount, CAS, the key's
 * text) change no policy decision here.  A chunked item's header chunk holds the
 * pointer to its first body chunk right after this header (mc_item_chunks). */
typedef struct mc_item {
    struct mc_item *prev; /* item: toward the LRU head; chunk: the item owning it */
    struct mc_item *next; /* item: toward the LRU tail; chunk: the next body chunk */
    uint64_t key;
    uint32_t time;        /* current_time when linked or last bumped */
    uint32_t exptime;     /* 0: never */
    uint32_t ntotal;      /* item: memcached's ITEM_ntotal; chunk: bytes it asked for;
                             dead: its index in the mover's list of blocks to free */
    uint8_t kind;         /* enum mc_kind */
    uint8_t flags;        /* enum mc_flag */
    uint8_t lru;          /* enum mc_seg */
    uint8_t clsid;        /* item: the class whose LRU holds it; chunk: its class */
    uint8_t hdr_clsid;    /* class of the chunk holding the header */
    uint8_t nkey;
} mc_item;

_Static_assert(sizeof(mc_item) == MC_ITEM_HEADER, "the header is memcached's 48 bytes");

static inline mc_item **mc_item_chunks(mc_item *it)
{
    return (mc_item **)(void *)((char *)it + sizeof(mc_item));
}

/* One sub-LRU.  Invariants: count == items on the list, bytes == sum of their ntotal
 * (memcached's sizes and sizes_bytes). */
typedef struct mc_list {
    mc_item *head, *tail;
    uint64_t count, bytes;
} mc_list;

/* The crawler's view of one sub-LRU (crawlerstats_t and the maintainer's schedule). */
typedef struct mc_crawl {
    uint32_t next_crawl, wait;
    bool run_complete;
    uint64_t seen, noexp;
    uint64_t histo[MC_CRAWL_HISTO];
} mc_crawl;

/* What the automover reads of a class each run (item_stats_automove and
 * slab_stats_automove). */
typedef struct mc_am_snap {
    uint64_t evicted, outofmemory, age;
    uint64_t total_pages, free_chunks, perslab;
} mc_am_snap;

/* One slot of the automover's window (struct window_data). */
typedef struct mc_am_slot {
    uint64_t age, dirty, evicted_seen;
    float evicted_ratio;
} mc_am_slot;

typedef struct mc_class {
    mc_list lru[MC_SEGS];
    uint64_t evicted;     /* COLD evictions (itemstats evicted) */
    uint64_t outofmemory; /* item allocations that failed (itemstats outofmemory) */
    mc_crawl crawl[MC_SEGS];
    mc_am_snap am_before, am_after;
    mc_am_slot window[MC_AM_WINDOW];
} mc_class;

typedef struct mc_opts {
    double factor;
    size_t min_chunk;
    size_t chunk_max;
    size_t sizes[64];
    unsigned nsizes;
    bool segmented;
    unsigned automove;
    bool cas;
} mc_opts;

/* memcached's counters (stats, items, slab reassign), as the simulator keeps them. */
typedef struct mc_counters {
    uint64_t curr_items, requested;
    uint64_t get_expired, reclaimed, crawler_reclaimed, evicted, refused;
    uint64_t moves_to_cold, moves_to_warm, moves_within_lru;
    uint64_t slabs_moved, rescues, chunk_rescues, evictions_nomem, mover_expired;
    uint64_t crawls;
} mc_counters;

/* A block a page move dropped while the source class was locked, freed afterwards. */
typedef struct mc_deferred {
    void *p;    /* NULL: the move itself freed it meanwhile */
    uint32_t size;
} mc_deferred;

/* The server.  Invariants (memcached_sim_check): per class, used chunks == item
 * headers + body chunks held by linked items; per sub-LRU, count and bytes as in
 * mc_list; index.count == curr_items == items on all lists; requested == sum of
 * (ntotal - overhead) over linked items. */
struct sim_server {
    alloc_t *a;
    mc_opts o;
    unsigned nclasses;
    size_t chunk_max;
    uint32_t overhead;        /* ntotal - key - value: 48 + 1 + 2 (+ 8 with CAS) */
    mc_class *cls;            /* [0 .. nclasses]; [0] is unused (the page pool) */
    size_t cls_bytes;
    mc_index index;
    /* Clocks: now_us as the engine gave it; current_time = MC_TIME_BASE + whole
     * seconds, the maintainer's work runs when it changes. */
    uint64_t now_us, sec;
    uint32_t current_time;
    uint32_t last_automove_check;
    uint64_t automove_again_us; /* UINT64_MAX: none pending */
    uint64_t am_window_cur;
    unsigned am_pick_cur;       /* slabs_reassign_pick_any's round robin */
    mc_deferred *deferred;
    size_t ndeferred, deferred_cap;
    mc_counters n;
};

/* mc_options.c */
int mc_options_parse(const char *text, mc_opts *o, char *err, size_t errlen);
void mc_options_help(void *file);

/* mc_items.c */
unsigned mc_item_class(const sim_server *s, size_t ntotal);
uint32_t mc_item_header_size(const sim_server *s, const mc_item *it);
/* do_item_alloc and the chunks the upload would take: a pending item, or NULL;
 * *header_failed says whether the header (rather than a body chunk) failed. */
mc_item *mc_item_alloc(sim_server *s, uint64_t key, uint32_t ksize, uint32_t vsize,
                       uint32_t exptime, bool *header_failed);
void mc_item_free(sim_server *s, mc_item *it);   /* header and chunks to the allocator */
int mc_item_link(sim_server *s, mc_item *it);    /* do_item_link; -1 if the index is full */
void mc_item_forget(sim_server *s, mc_item *it); /* out of index, LRU and counters */
void mc_item_unlink(sim_server *s, mc_item *it); /* forget, then free */
mc_item *mc_item_get(sim_server *s, uint64_t key); /* do_item_get: lazy expiry, no bump */

/* mc_lru.c */
void mc_lru_link(sim_server *s, mc_item *it);
void mc_lru_unlink(sim_server *s, mc_item *it);
int mc_lru_pull_tail(sim_server *s, unsigned id, int seg, uint64_t total_bytes,
                     unsigned flags, uint32_t max_age);
unsigned mc_lru_juggle(sim_server *s, unsigned id);
void mc_lru_bump(sim_server *s, mc_item *it);   /* do_item_bump: a get's hit */
void mc_lru_update(sim_server *s, mc_item *it); /* do_item_update */

/* mc_move.c */
void mc_move_page(sim_server *s, unsigned src, unsigned dst);
void mc_move_on_evict(sim_server *s, unsigned dst);      /* slab_automove=2 */
bool mc_move_automove(sim_server *s);                     /* true: reclaimed to the pool */

/* mc_crawler.c */
void mc_crawler_check(sim_server *s);

#endif /* KVBENCH_MC_SERVER_H */
