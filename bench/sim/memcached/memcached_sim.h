/* memcached_sim.h - a look inside a server made by sim_preset_memcached, for tests and
 * diagnostics: memcached's own counters, per-class segment sizes, one item's state, and
 * the check of the preset's invariants.  Every call takes a server of that preset. */
#ifndef KVBENCH_MEMCACHED_SIM_H
#define KVBENCH_MEMCACHED_SIM_H

#include "alloc_api.h"
#include "sim.h"

#include <stddef.h>
#include <stdint.h>

enum { MEMCACHED_SIM_HOT, MEMCACHED_SIM_WARM, MEMCACHED_SIM_COLD };

/* memcached's `stats` / `stats items` counters of the same names. */
typedef struct memcached_sim_counters {
    uint64_t curr_items, get_expired, reclaimed, crawler_reclaimed, evictions, outofmemory;
    uint64_t moves_to_cold, moves_to_warm, moves_within_lru;
    uint64_t slabs_moved, slab_reassign_rescues, slab_reassign_chunk_rescues,
        slab_reassign_evictions_nomem;
    uint64_t mover_expired; /* expired items a page move dropped (no memcached stat) */
    uint64_t crawls;        /* sub-LRU crawls run */
} memcached_sim_counters;

typedef struct memcached_sim_class {
    size_t chunk_size, chunks_per_page, total_pages, used_chunks, free_chunks;
    uint64_t items[3], bytes[3]; /* per segment: memcached's sizes and sizes_bytes */
    uint32_t cold_age;           /* current_time - COLD tail's time (0: COLD empty) */
    uint64_t evicted, outofmemory;
} memcached_sim_class;

typedef struct memcached_sim_item {
    unsigned clsid, seg;
    int fetched, active, chunked;
    uint32_t time, exptime, ntotal;
} memcached_sim_item;

void memcached_sim_counters_get(const sim_server *s, memcached_sim_counters *out);
unsigned memcached_sim_nclasses(const sim_server *s);
int memcached_sim_class_get(const sim_server *s, unsigned id, memcached_sim_class *out);
/* The class an item of this key and value size is linked in, 0 if it is too large. */
unsigned memcached_sim_class_of(const sim_server *s, uint32_t ksize, uint32_t vsize);
/* The item's state without touching it (no expiry, no bump): 0, or -1 when absent. */
int memcached_sim_item_get(const sim_server *s, uint64_t key, memcached_sim_item *out);
uint32_t memcached_sim_current_time(const sim_server *s);
const alloc_t *memcached_sim_allocator(const sim_server *s);
/* Walks every structure and checks the invariants stated in mc_server.h: 0, or -1
 * with a sentence in err. */
int memcached_sim_check(const sim_server *s, char *err, size_t errlen);

#endif /* KVBENCH_MEMCACHED_SIM_H */
