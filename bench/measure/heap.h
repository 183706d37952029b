/* heap.h - the allocator a cell measures, behind one set of calls: a kvalloc instance
 * (slab or zmalloc) or a peer (plain glibc, plain jemalloc).  Besides allocating, it
 * says what each block costs and how much the allocator holds, which is what the
 * accounting identity needs:
 *
 *   held = requested + header + alignment + class_rounding + external
 *
 * per block of r requested bytes: `hdr` bytes sit before it (zmalloc's prefix, glibc's
 * chunk size word) and `foot` bytes are taken for it in all (slab: its chunk; jemalloc:
 * its size class; glibc: its chunk), foot >= r + hdr. */
#ifndef KVBENCH_HEAP_H
#define KVBENCH_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "alloc_api.h"
#include "config_spec.h"
#include "glibc_heap.h"
#include "je_arena.h"

#define HEAP_MAX_CLASSES 256

typedef struct block_cost {
    uint32_t hdr;  /* bytes before the block that belong to it */
    uint32_t foot; /* bytes it takes from what the allocator holds, hdr included */
} block_cost;

typedef struct heap {
    bench_kind kind;
    alloc_t *a;          /* slab, zmalloc */
    int je_base;         /* blocks come from jemalloc: held is the cell's arena */
    int glibc_base;      /* blocks come from glibc: held from glibc's mallinfo2 */
    size_t prefix;       /* zmalloc's per-block prefix */
    size_t granule;      /* alignment the accounting rounds requests to */
    size_t mem_limit;    /* peers: enforced here against `used` */
    size_t used;         /* peers: sum of usable sizes of live blocks */
    je_arena arena;
    glibc_heap glibc;
    unsigned nclasses;   /* slab: chunk classes, from slab_class_get */
    size_t chunk[HEAP_MAX_CLASSES];
} heap;

/* Creates the allocator of configuration c (its own mem_limit).  0 ok, -1 with err. */
int heap_open(heap *h, const bench_config *c, char *err, size_t errlen);
/* Starts measuring: binds a fresh jemalloc arena or notes glibc's in-use bytes.  Call
 * after the harness has taken all the memory it needs up front. */
int heap_begin(heap *h, char *err, size_t errlen);
/* NULL when the allocator (or the peer's limit) refuses. */
void *heap_alloc(heap *h, size_t n, block_cost *cost);
void heap_free(heap *h, void *p, size_t n, const block_cost *cost);
size_t heap_held(heap *h);
/* The allocator's own count of live bytes: slab used_bytes, zmalloc used_memory, the
 * peers' sum of usable sizes. */
size_t heap_used(heap *h);
/* Slab: class (1-based) a request of n bytes is served from, 0 for the large path.
 * Other allocators: 0. */
unsigned heap_class_of(const heap *h, size_t n);
/* Destroys the allocator (live blocks included) and releases the arena. */
void heap_close(heap *h);

/* The identity's split of one block: alignment pads r + hdr up to the granule, but
 * never past foot (jemalloc's 8-byte class is only 8-aligned); class rounding is the
 * rest of foot. */
static inline void heap_split(size_t r, size_t hdr, size_t foot, size_t granule,
                              size_t *align, size_t *round)
{
    size_t need = r + hdr;
    size_t aligned = (need + granule - 1) & ~(granule - 1);
    if (aligned > foot)
        aligned = foot;
    *align = aligned - need;
    *round = foot - aligned;
}

#endif /* KVBENCH_HEAP_H */
