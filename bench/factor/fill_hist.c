/* fill_hist.c - sizes a never-evicting cache-aside replay of a trace stores (see
 * fill_hist.h). */
#include "fill_hist.h"

#include <stdint.h>
#include <string.h>

#include "bench_error.h"
#include "layout.h"
#include "mmap_vec.h"
#include "trace.h"

/* One key the replay has seen.  live == 1 while an object is stored for it; it is
 * absent from trace second `expires` on (0: never expires). */
typedef struct fill_slot {
    uint64_t key;
    uint64_t expires;
    uint8_t used, live;
} fill_slot;

/* Keys by hash, open addressing with linear probing, grown at half full:
 * n == slots with used == 1, n <= cap / 2, cap a power of two. */
typedef struct fill_map {
    fill_slot *slot;
    size_t cap, n;
} fill_map;

/* The sizes stored so far (an mmap'd vector). */
typedef struct fill_sizes {
    size_t *v;
    size_t n, cap;
} fill_sizes;

static size_t fill_probe(const fill_map *m, uint64_t key)
{
    size_t mask = m->cap - 1, i = (size_t)(key ^ (key >> 29)) & mask;
    while (m->slot[i].used && m->slot[i].key != key)
        i = (i + 1) & mask;
    return i;
}

/* The slot of `key`, added when new; NULL when the table cannot grow. */
static fill_slot *fill_find(fill_map *m, uint64_t key)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 1 << 16;
        fill_map g = {mvec_alloc(cap * sizeof *g.slot), cap, m->n};
        if (g.slot == NULL)
            return NULL;
        for (size_t i = 0; i < m->cap; i++)
            if (m->slot[i].used)
                g.slot[fill_probe(&g, m->slot[i].key)] = m->slot[i];
        if (m->slot != NULL)
            mvec_free(m->slot, m->cap * sizeof *m->slot);
        *m = g;
    }
    fill_slot *s = &m->slot[fill_probe(m, key)];
    if (!s->used) {
        s->used = 1;
        s->key = key;
        m->n++;
    }
    return s;
}

static int fill_push(fill_sizes *z, size_t size)
{
    if (z->n == z->cap) {
        size_t cap = z->cap ? 2 * z->cap : 1 << 16;
        size_t *v = mvec_grow(z->v, z->cap * sizeof *v, cap * sizeof *v);
        if (v == NULL)
            return -1;
        z->v = v;
        z->cap = cap;
    }
    z->v[z->n++] = size;
    return 0;
}

int fill_hist_load(const char *path, int item_mode, size_hist *out, char *err,
                   size_t errlen)
{
    memset(out, 0, sizeof *out);
    trace_file t;
    if (trace_open(&t, path, err, errlen) != 0)
        return -1;
    fill_map m = {0};
    fill_sizes z = {0};
    int rc = 0;
    trace_rec r;
    while (rc == 0 && trace_next(&t, &r)) {
        int get = r.op == TRACE_GET || r.op == TRACE_GETS;
        if (!get && !trace_op_stores(r.op) && r.op != TRACE_DELETE)
            continue; /* append, prepend, incr, decr: the simulator skips them */
        fill_slot *s = fill_find(&m, trace_key_hash(r.key, r.key_len));
        if (s == NULL) {
            rc = -1;
            break;
        }
        if (s->live && s->expires != 0 && r.time >= s->expires)
            s->live = 0;
        int store;
        switch (r.op) {
        case TRACE_DELETE: s->live = 0; store = 0; break;
        case TRACE_ADD: store = !s->live; break;
        case TRACE_REPLACE:
        case TRACE_CAS: store = s->live; break;
        case TRACE_SET: store = 1; break;
        default: store = !s->live; break; /* a get: a miss fills */
        }
        if (!store)
            continue;
        s->live = 1;
        s->expires = r.ttl ? r.time + r.ttl : 0;
        size_t size = item_mode ? layout_item_size(r.key_size, r.value_size)
                                : (size_t)r.key_size + r.value_size;
        rc = fill_push(&z, size);
    }
    if (rc == 0 && size_hist_from_sizes(z.v, z.n, out) != 0)
        rc = -1;
    if (rc != 0)
        bench_error(err, errlen, "out of memory reading the sizes of trace '%s'", path);
    if (m.slot != NULL)
        mvec_free(m.slot, m.cap * sizeof *m.slot);
    if (z.v != NULL)
        mvec_free(z.v, z.cap * sizeof *z.v);
    trace_close(&t);
    return rc;
}
