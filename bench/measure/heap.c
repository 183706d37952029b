/* heap.c - the measured allocators behind one interface (see heap.h). */
#include "heap.h"

#include "bench_error.h"
#include "slab.h"

#include <jemalloc/jemalloc.h>
#include <string.h>

/* The reference's granules: slab chunks and the 8-byte accounting modes of zmalloc
 * (prefix, round_to_long) align to 8; glibc and Debian's jemalloc to 16. */
#define GRANULE_SLAB 8
#define GRANULE_PREFIX 8
#define GRANULE_BASE 16

static void quiet_error(void *ud, alloc_status st, const void *p, const char *msg)
{
    (void)ud;
    (void)st;
    (void)p;
    (void)msg;
}

/* zmalloc's prefix, read from its statistics: header_bytes for one live block. */
static size_t probe_prefix(alloc_t *a)
{
    alloc_stats before, after;
    alloc_get_stats(a, &before);
    void *p = alloc_malloc(a, 1);
    if (p == NULL)
        return 0;
    alloc_get_stats(a, &after);
    alloc_free(a, p);
    return after.header_bytes - before.header_bytes;
}

int heap_open(heap *h, const bench_config *c, char *err, size_t errlen)
{
    memset(h, 0, sizeof *h);
    h->kind = c->kind;
    h->granule = GRANULE_BASE;
    switch (c->kind) {
    case BENCH_GLIBC:
        h->glibc_base = 1;
        h->mem_limit = c->mem_limit;
        break;
    case BENCH_JEMALLOC:
        h->je_base = 1;
        h->mem_limit = c->mem_limit;
        break;
    case BENCH_SLAB:
    case BENCH_ZMALLOC: {
        alloc_config a = bench_config_alloc(c);
        /* a refused allocation is the harness's cue to evict, not an error; bad frees
         * cannot happen since the harness frees only what it holds */
        a.on_error = quiet_error;
        alloc_status st = alloc_create(&a, &h->a);
        if (st != ALLOC_OK)
            return bench_error(err, errlen, "config '%s': cannot create the allocator: %s",
                               c->text, alloc_strerror(st));
        if (c->kind == BENCH_SLAB) {
            h->granule = GRANULE_SLAB;
            h->nclasses = slab_class_count(h->a);
            if (h->nclasses >= HEAP_MAX_CLASSES)
                h->nclasses = HEAP_MAX_CLASSES - 1;
            for (unsigned i = 1; i <= h->nclasses; i++) {
                slab_class_info ci;
                h->chunk[i] = slab_class_get(h->a, i, &ci) == 0 ? ci.chunk_size : 0;
            }
        } else {
            const alloc_config *got = alloc_get_config(h->a);
            h->je_base = got->zmalloc.base != NULL && strcmp(got->zmalloc.base, "jemalloc") == 0;
            h->glibc_base = !h->je_base;
            h->prefix = probe_prefix(h->a);
            if (h->prefix > 0 || got->zmalloc.round_to_long == 1)
                h->granule = GRANULE_PREFIX;
        }
        break;
    }
    }
    if (h->glibc_base && glibc_heap_open(&h->glibc, err, errlen) != 0) {
        heap_close(h);
        return -1;
    }
    return 0;
}

int heap_begin(heap *h, char *err, size_t errlen)
{
    if (h->je_base)
        return je_arena_bind(&h->arena, err, errlen);
    if (h->glibc_base)
        glibc_heap_begin(&h->glibc);
    return 0;
}

/* What a peer's block counts against its limit and in `used`. */
static size_t peer_usable(const heap *h, void *p)
{
    return h->kind == BENCH_JEMALLOC ? sallocx(p, 0) : h->glibc.usable(p);
}

void *heap_alloc(heap *h, size_t n, block_cost *cost)
{
    void *p;
    size_t chunk, hdr;
    switch (h->kind) {
    case BENCH_SLAB:
        p = alloc_malloc(h->a, n);
        if (p == NULL)
            return NULL;
        cost->hdr = 0;
        cost->foot = (uint32_t)alloc_usable_size(h->a, p);
        return p;
    case BENCH_ZMALLOC:
        p = alloc_malloc(h->a, n);
        if (p == NULL)
            return NULL;
        if (h->je_base) {
            cost->hdr = (uint32_t)h->prefix;
            cost->foot = (uint32_t)sallocx((char *)p - h->prefix, 0);
        } else {
            glibc_chunk((char *)p - h->prefix, &chunk, &hdr);
            cost->hdr = (uint32_t)(h->prefix + hdr);
            cost->foot = (uint32_t)chunk;
        }
        return p;
    case BENCH_GLIBC:
    case BENCH_JEMALLOC:
        p = h->kind == BENCH_JEMALLOC ? mallocx(n ? n : 1, 0) : glibc_malloc(n);
        if (p == NULL)
            return NULL;
        size_t usable = peer_usable(h, p);
        if (h->mem_limit != 0 && h->used + usable > h->mem_limit) {
            if (h->kind == BENCH_JEMALLOC)
                sdallocx(p, usable, 0);
            else
                glibc_free(p);
            return NULL;
        }
        h->used += usable;
        if (h->kind == BENCH_JEMALLOC) {
            cost->hdr = 0;
            cost->foot = (uint32_t)usable;
        } else {
            glibc_chunk(p, &chunk, &hdr);
            cost->hdr = (uint32_t)hdr;
            cost->foot = (uint32_t)chunk;
        }
        return p;
    }
    return NULL;
}

void heap_free(heap *h, void *p, size_t n, const block_cost *cost)
{
    switch (h->kind) {
    case BENCH_SLAB:
    case BENCH_ZMALLOC:
        alloc_free_sized(h->a, p, n);
        break;
    case BENCH_JEMALLOC:
        h->used -= cost->foot;
        sdallocx(p, cost->foot, 0);
        break;
    case BENCH_GLIBC:
        h->used -= cost->foot - cost->hdr;
        glibc_free(p);
        break;
    }
}

size_t heap_held(heap *h)
{
    if (h->kind == BENCH_SLAB) {
        alloc_stats st;
        alloc_get_stats(h->a, &st);
        return st.held_bytes;
    }
    if (h->je_base)
        return h->arena.bound ? je_arena_active(&h->arena) : 0;
    return glibc_heap_held(&h->glibc);
}

size_t heap_used(heap *h)
{
    if (h->a == NULL)
        return h->used;
    alloc_stats st;
    alloc_get_stats(h->a, &st);
    return st.used_bytes;
}

unsigned heap_class_of(const heap *h, size_t n)
{
    if (h->kind != BENCH_SLAB || h->nclasses == 0 || n > h->chunk[h->nclasses])
        return 0;
    unsigned lo = 1, hi = h->nclasses; /* first class whose chunk >= n */
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (h->chunk[mid] >= n)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

void heap_close(heap *h)
{
    if (h->a != NULL)
        alloc_destroy(h->a);
    h->a = NULL;
    je_arena_release(&h->arena);
    glibc_heap_close(&h->glibc);
}
