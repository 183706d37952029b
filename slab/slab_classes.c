/* slab_classes.c - the class table with memcached's slabs_init arithmetic (or an
 * explicit list validated as memcached validates -o slab_sizes), the slab section's
 * defaults and validation, and the size -> class lookup. */
#include "slab_internal.h"

#include <math.h>
#include <stdlib.h>

void slab_fill_defaults(alloc_config *cfg)
{
    cfg->slab.growth_factor = 1.25;
    cfg->slab.min_chunk = 48;
    cfg->slab.page_size = (size_t)1 << 20;
    cfg->slab.chunk_max = 0; /* page_size / 2, resolved at create time */
    cfg->slab.max_classes = SLAB_DEFAULT_CLASSES;
    cfg->slab.prealloc = 0;
    cfg->slab.sizes = NULL;
    cfg->slab.nsizes = 0;
}

size_t slab_effective_chunk_max(const alloc_config *cfg)
{
    return cfg->slab.chunk_max != 0 ? cfg->slab.chunk_max : cfg->slab.page_size / 2;
}

/* The caller guarantees cfg passed slab_check_config's field checks.  The factor loop
 * keeps memcached's types: `size` is an unsigned int, compared as a double against
 * chunk_max / factor, aligned in place, then multiplied with truncation. */
unsigned slab_do_table(const alloc_config *cfg, size_t *sizes, unsigned *perslab,
                       unsigned max)
{
    const size_t page = cfg->slab.page_size;
    const size_t cmax = slab_effective_chunk_max(cfg);
    const double factor = cfg->slab.growth_factor;
    unsigned int size = (unsigned int)cfg->slab.min_chunk;
    unsigned id = 1;

    for (; id < cfg->slab.max_classes; id++) {
        if (cfg->slab.sizes != NULL) {
            if (id - 1 >= cfg->slab.nsizes)
                break;
            size = (unsigned int)cfg->slab.sizes[id - 1];
        } else if (size >= cmax / factor) {
            break;
        }
        if (size % SLAB_ALIGN)
            size += SLAB_ALIGN - size % SLAB_ALIGN;
        if (id <= max) {
            if (sizes != NULL)
                sizes[id - 1] = size;
            if (perslab != NULL)
                perslab[id - 1] = (unsigned)(page / size);
        }
        if (cfg->slab.sizes == NULL)
            size *= factor;
    }
    /* memcached's last class is always exactly slab_chunk_max. */
    if (id <= max) {
        if (sizes != NULL)
            sizes[id - 1] = cmax;
        if (perslab != NULL)
            perslab[id - 1] = (unsigned)(page / cmax);
    }
    return id;
}

static alloc_status check_sizes(const alloc_config *cfg, size_t cmax, char *msg, size_t len)
{
    const size_t *sz = cfg->slab.sizes;
    unsigned n = cfg->slab.nsizes;
    if (sz == NULL) {
        if (n != 0)
            return alloc_config_error(msg, len,
                                      "slab.nsizes is %u but slab.sizes is NULL; set both "
                                      "or neither", n);
        return ALLOC_OK;
    }
    if (n == 0)
        return alloc_config_error(msg, len,
                                  "slab.sizes is set but slab.nsizes is 0; an explicit "
                                  "class list needs at least one size");
    if (n > cfg->slab.max_classes - 1)
        return alloc_config_error(msg, len,
                                  "slab.nsizes is %u; at most slab.max_classes - 1 = %u sizes "
                                  "fit, since the last class is always chunk_max (memcached: "
                                  "too many slab classes specified)",
                                  n, cfg->slab.max_classes - 1);
    size_t last = 0;
    for (unsigned i = 0; i < n; i++) {
        /* memcached's _parse_slab_sizes: range first, then order, then the gap. */
        if (sz[i] == 0 || sz[i] > cmax)
            return alloc_config_error(msg, len,
                                      "slab.sizes[%u] is %zu; it is out of the valid range "
                                      "1..chunk_max (%zu)", i, sz[i], cmax);
        if (sz[i] <= last)
            return alloc_config_error(msg, len,
                                      "slab.sizes[%u] is %zu; it cannot be lower than or equal "
                                      "to the previous class size %zu", i, sz[i], last);
        if (sz[i] <= last + SLAB_ALIGN)
            return alloc_config_error(msg, len,
                                      "slab.sizes[%u] is %zu; it must be more than %u bytes "
                                      "larger than the previous class (%zu)",
                                      i, sz[i], SLAB_ALIGN, last);
        last = sz[i];
    }
    return ALLOC_OK;
}

alloc_status slab_check_config(const alloc_config *cfg, char *msg, size_t len)
{
    const double f = cfg->slab.growth_factor;
    if (!(isfinite(f) && f > 1.0))
        return alloc_config_error(msg, len,
                                  "slab.growth_factor is %g; it must be finite and greater "
                                  "than 1 (memcached -f)", f);
    const size_t page = cfg->slab.page_size;
    if (page < SLAB_MIN_PAGE || page > SLAB_MAX_PAGE || (page & (page - 1)) != 0)
        return alloc_config_error(msg, len,
                                  "slab.page_size is %zu; it must be a power of two from "
                                  "4096 (4 KiB) to 1073741824 (1 GiB)", page);
    if (cfg->slab.max_classes < 2 || cfg->slab.max_classes > SLAB_MAX_CLASSES)
        return alloc_config_error(msg, len,
                                  "slab.max_classes is %u; it must be 2..%u (memcached has 63)",
                                  cfg->slab.max_classes, SLAB_MAX_CLASSES);
    if (cfg->slab.min_chunk == 0)
        return alloc_config_error(msg, len,
                                  "slab.min_chunk is 0; the first class needs at least 1 byte");
    const size_t cmax = slab_effective_chunk_max(cfg);
    if (cmax % SLAB_ALIGN != 0)
        return alloc_config_error(msg, len,
                                  "slab.chunk_max is %zu; it must be a multiple of %u so every "
                                  "chunk stays aligned", cmax, SLAB_ALIGN);
    if (cmax > page)
        return alloc_config_error(msg, len,
                                  "slab.chunk_max is %zu; it must be at most slab.page_size "
                                  "(%zu)", cmax, page);
    if (cfg->slab.min_chunk > cmax || alloc_align_up(cfg->slab.min_chunk, SLAB_ALIGN) > cmax)
        return alloc_config_error(msg, len,
                                  "slab.chunk_max is %zu; it must be at least slab.min_chunk "
                                  "(%zu) rounded up to %u", cmax, cfg->slab.min_chunk,
                                  SLAB_ALIGN);
    alloc_status st = check_sizes(cfg, cmax, msg, len);
    if (st != ALLOC_OK)
        return st;
    if (cfg->slab.prealloc != 0 && cfg->slab.prealloc != 1)
        return alloc_config_error(msg, len, "slab.prealloc is %d; it must be 0 or 1",
                                  cfg->slab.prealloc);
    if (cfg->slab.prealloc) {
        if (cfg->mem_limit == 0)
            return alloc_config_error(msg, len,
                                      "slab.prealloc is 1 but mem_limit is 0; preallocation "
                                      "takes the whole limit up front, so set mem_limit "
                                      "(memcached -L with -m)");
        unsigned n = slab_do_table(cfg, NULL, NULL, 0);
        size_t need;
        if (!alloc_mul_ok(n, page, &need) || cfg->mem_limit < need)
            return alloc_config_error(msg, len,
                                      "mem_limit is %zu; slab.prealloc gives each of the %u "
                                      "classes one page, so it needs at least %u * %zu bytes",
                                      cfg->mem_limit, n, n, page);
    }
    return ALLOC_OK;
}

int slab_table_compute(const alloc_config *cfg, size_t *sizes, unsigned *perslab,
                       unsigned max)
{
    if (cfg == NULL || slab_check_config(cfg, NULL, 0) != ALLOC_OK)
        return -1;
    return (int)slab_do_table(cfg, sizes, perslab, max);
}

/* First class whose chunk holds `size`; 0 above chunk_max.  Size 0 is served by the
 * smallest class. */
unsigned slab_class_search(const slab_t *s, size_t size)
{
    if (size > s->chunk_max)
        return 0;
    unsigned lo = 1, hi = s->nclasses;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (s->classes[mid].size >= size)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Chunk sizes are multiples of 8, so every size in ((i-1)*8, i*8] has the same class:
 * one byte per 8 bytes of request covers the table's range exactly. */
bool slab_lookup_build(slab_t *s)
{
    s->lookup_max = s->chunk_max < SLAB_LOOKUP_MAX ? s->chunk_max : SLAB_LOOKUP_MAX;
    size_t n = s->lookup_max / SLAB_ALIGN + 1;
    s->lookup = malloc(n);
    if (s->lookup == NULL)
        return false;
    unsigned id = 1;
    for (size_t i = 0; i < n; i++) {
        while (s->classes[id].size < i * SLAB_ALIGN)
            id++;
        s->lookup[i] = (uint8_t)id;
    }
    return true;
}
