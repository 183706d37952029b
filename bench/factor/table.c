/* table.c - slab class tables built exactly as memcached 1.6's slabs_init builds
 * them, from a growth factor or from an explicit -o slab_sizes list. */
#include <stdio.h>
#include <string.h>

#include "factor.h"

void factor_geom_default(factor_geom *g)
{
    g->min_chunk = FACTOR_ITEM_HEADER + 48; /* sizeof(item) + memcached's -n 48 */
    g->page_size = (size_t)1 << 20;
    g->chunk_max = g->page_size / 2;
    g->max_classes = FACTOR_MEMCACHED_CLASSES;
}

int factor_geom_check(const factor_geom *g, char *msg, size_t msglen)
{
    const char *why = NULL;
    size_t p = g->page_size;
    if (p < 4096 || p > ((size_t)1 << 30) || (p & (p - 1)))
        why = "page size must be a power of two from 4 KiB to 1 GiB";
    else if (g->chunk_max == 0 || g->chunk_max > p || g->chunk_max % FACTOR_ALIGN)
        why = "chunk_max must be a multiple of 8 no larger than the page size";
    else if (g->min_chunk == 0 || g->min_chunk >= g->chunk_max)
        why = "min_chunk must be positive and below chunk_max";
    else if (g->max_classes < 1 || g->max_classes > FACTOR_MAX_CLASSES)
        why = "the class cap must be from 1 to 255";
    if (why && msg && msglen)
        snprintf(msg, msglen, "%s", why);
    return why ? -1 : 0;
}

static size_t align_up(size_t s)
{
    return (s + FACTOR_ALIGN - 1) / FACTOR_ALIGN * FACTOR_ALIGN;
}

void class_table_from_factor(const factor_geom *g, double f, class_table *t)
{
    /* memcached keeps the running size in an unsigned int: `size *= factor`
     * truncates, and that truncation is what makes its tables what they are. */
    unsigned int size = (unsigned int)g->min_chunk;
    double stop = (double)g->chunk_max / f;
    unsigned id = 0;
    t->n = 0;
    while (++id < g->max_classes) {
        if ((double)size >= stop)
            break;
        size = (unsigned int)align_up(size);
        t->chunk[t->n++] = size;
        size = (unsigned int)(size * f);
    }
    t->chunk[t->n++] = g->chunk_max;
}

void class_table_from_sizes(const factor_geom *g, const size_t *sizes, unsigned n,
                            class_table *t)
{
    t->n = 0;
    for (unsigned i = 0; i < n && t->n + 1 < FACTOR_MAX_CLASSES; i++)
        t->chunk[t->n++] = align_up(sizes[i]);
    t->chunk[t->n++] = g->chunk_max;
}

unsigned factor_table_expressible(const class_table *in, class_table *out)
{
    unsigned run = 0, dropped = 0;
    out->n = 0;
    for (unsigned i = 0; i < in->n; i++) {
        int last = i + 1 == in->n; /* chunk_max is appended, not listed */
        if (!last && out->n && in->chunk[i] == out->chunk[out->n - 1] + FACTOR_ALIGN) {
            if (run + 1 >= 8) {
                dropped++;
                continue;
            }
            run++;
        } else if (!last) {
            run = 0;
        }
        out->chunk[out->n++] = in->chunk[i];
    }
    return dropped;
}

int factor_slab_sizes_arg(const class_table *t, char *buf, size_t buflen,
                          size_t *first_raw)
{
    size_t raw[FACTOR_MAX_CLASSES];
    unsigned n = t->n ? t->n - 1 : 0;
    int ok = 0;
    /* Forward: the smallest entry in [chunk - 7, chunk] that is more than 8 above
     * the previous one (memcached's rule); feasible iff this never passes chunk. */
    for (unsigned i = 0; i < n; i++) {
        size_t lo = t->chunk[i] > 7 ? t->chunk[i] - 7 : 1;
        raw[i] = (i && raw[i - 1] + 9 > lo) ? raw[i - 1] + 9 : lo;
        if (raw[i] > t->chunk[i]) {
            raw[i] = t->chunk[i];
            ok = -1;
        }
    }
    /* Backward: raise each entry back to its chunk size where the next entry
     * allows, so the list reads as the table itself wherever it can. */
    for (unsigned i = n; ok == 0 && i-- > 0;) {
        size_t hi = t->chunk[i];
        if (i + 1 < n && raw[i + 1] < hi + 9)
            hi = raw[i + 1] - 9;
        if (hi > raw[i])
            raw[i] = hi;
    }
    size_t used = 0;
    if (buflen)
        buf[0] = '\0';
    for (unsigned i = 0; i < n && used < buflen; i++) {
        int w = snprintf(buf + used, buflen - used, i ? "-%zu" : "%zu", raw[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (first_raw)
        *first_raw = n ? raw[0] : 0;
    return ok;
}
