/* slab_stats.c - what the slab backend reports: alloc_stats, per-class information,
 * memcached's `stats slabs` text, and alloc_check's walk over every invariant. */
#include "slab_internal.h"

#include <stdarg.h>
#include <string.h>

/* Locks everything in the documented order; the const instance only has its locks
 * changed. */
static void lock_all(const slab_t *s)
{
    slab_t *m = (slab_t *)s;
    for (unsigned id = 1; id <= s->nclasses; id++)
        slab_lock(s, &m->classes[id].lock);
    slab_lock(s, &m->page_lock);
    slab_lock(s, &m->large_lock);
}

static void unlock_all(const slab_t *s)
{
    slab_t *m = (slab_t *)s;
    slab_unlock(s, &m->large_lock);
    slab_unlock(s, &m->page_lock);
    for (unsigned id = s->nclasses; id >= 1; id--)
        slab_unlock(s, &m->classes[id].lock);
}

/* The list of thread caches, locked before any class (their counters are summed). */
static void lock_caches(const slab_t *s)
{
    if (s->tc_on)
        pthread_mutex_lock(&((slab_t *)s)->tc_lock);
}

static void unlock_caches(const slab_t *s)
{
    if (s->tc_on)
        pthread_mutex_unlock(&((slab_t *)s)->tc_lock);
}

void slab_get_stats(const alloc_t *a, alloc_stats *out)
{
    const slab_t *s = slab_cof(a);
    lock_caches(s);
    lock_all(s);
    size_t used = 0, live = 0;
    unsigned long long allocs = s->large.allocs, frees = s->large.frees;
    for (unsigned id = 1; id <= s->nclasses; id++) {
        const slab_class *c = &s->classes[id];
        slab_counts k;
        slab_class_counts(s, c, &k);
        used += (size_t)(k.allocs - k.frees) * c->size;
        live += (size_t)(k.allocs - k.frees);
        allocs += k.allocs;
        frees += k.frees;
    }
    /* With thread caches the peak is sampled: at least what is in use now. */
    if (s->tc_on)
        slab_peak_raise(&((slab_t *)s)->peak_used, used + s->large.bytes);
    out->large_bytes = s->large.bytes;
    out->large_blocks = s->large.count;
    out->used_bytes = used + s->large.bytes;
    out->header_bytes = 0;
    out->held_bytes = atomic_load_explicit(&s->held, memory_order_relaxed);
    out->peak_held_bytes = atomic_load_explicit(&s->peak_held, memory_order_relaxed);
    out->peak_used_bytes = atomic_load_explicit(&s->peak_used, memory_order_relaxed);
    out->live_blocks = live + s->large.count;
    unsigned long long moves = atomic_load_explicit(&s->realloc_moves, memory_order_relaxed);
    out->allocs = allocs - moves;
    out->frees = frees - moves;
    out->failed_allocs = atomic_load_explicit(&s->failed_allocs, memory_order_relaxed);
    unlock_all(s);
    unlock_caches(s);
}

unsigned slab_class_count(const alloc_t *a)
{
    return slab_cof(a)->nclasses;
}

int slab_class_get(const alloc_t *a, unsigned id, slab_class_info *out)
{
    const slab_t *s = slab_cof(a);
    if (id == 0 || id > s->nclasses || out == NULL)
        return -1;
    slab_class *c = &((slab_t *)s)->classes[id];
    lock_caches(s);
    slab_lock(s, &c->lock);
    slab_counts k;
    slab_class_counts(s, c, &k);
    out->id = id;
    out->chunk_size = c->size;
    out->chunks_per_page = c->perslab;
    out->total_pages = c->total_pages;
    out->total_chunks = c->total_pages * c->perslab;
    out->used_chunks = (size_t)(k.allocs - k.frees);
    out->free_chunks = out->total_chunks - out->used_chunks;
    /* Unsized frees leave requested high; it can never exceed the chunks in use.  A free
     * given a size above the one allocated (same class) could take it below 0. */
    size_t cap = out->used_chunks * c->size;
    size_t requested = k.req_out < k.req_in ? k.req_in - k.req_out : 0;
    out->requested_bytes = requested < cap ? requested : cap;
    out->allocs = k.allocs;
    out->frees = k.frees;
    out->unsized_frees = k.unsized_frees;
    slab_unlock(s, &c->lock);
    unlock_caches(s);
    return 0;
}

void slab_totals_get(const alloc_t *a, slab_totals *out)
{
    const slab_t *s = slab_cof(a);
    memset(out, 0, sizeof *out);
    lock_all(s);
    size_t pages = s->classes[0].total_pages;
    for (unsigned id = 1; id <= s->nclasses; id++) {
        pages += s->classes[id].total_pages;
        if (s->classes[id].total_pages != 0)
            out->active_slabs++;
    }
    out->total_malloced = pages * s->page_size;
    out->pool_pages = s->classes[0].total_pages;
    out->large_blocks = s->large.count;
    out->large_bytes = s->large.bytes;
    out->pages_moved = s->pages_moved;
    unlock_all(s);
}

/* memcached's do_slabs_stats lines for the classes holding pages, in its order; the
 * per-command counters memcached adds after free_chunks_end belong to its protocol
 * layer and are left out.  mem_requested comes from memcached's `stats items`. */
void slab_print_stats(const alloc_t *a, FILE *out)
{
    const slab_t *s = slab_cof(a);
    for (unsigned id = 1; id <= s->nclasses; id++) {
        slab_class_info ci;
        slab_class_get(a, id, &ci);
        if (ci.total_pages == 0)
            continue;
        fprintf(out, "STAT %u:chunk_size %zu\n", id, ci.chunk_size);
        fprintf(out, "STAT %u:chunks_per_page %u\n", id, ci.chunks_per_page);
        fprintf(out, "STAT %u:total_pages %zu\n", id, ci.total_pages);
        fprintf(out, "STAT %u:total_chunks %zu\n", id, ci.total_chunks);
        fprintf(out, "STAT %u:used_chunks %zu\n", id, ci.used_chunks);
        fprintf(out, "STAT %u:free_chunks %zu\n", id, ci.free_chunks);
        fprintf(out, "STAT %u:free_chunks_end 0\n", id);
        fprintf(out, "STAT %u:mem_requested %zu\n", id, ci.requested_bytes);
    }
    slab_totals t;
    slab_totals_get(a, &t);
    fprintf(out, "STAT active_slabs %u\n", t.active_slabs);
    fprintf(out, "STAT total_malloced %zu\n", t.total_malloced);
    fprintf(out, "STAT pool_pages %zu\n", t.pool_pages);
    fprintf(out, "STAT large_blocks %zu\n", t.large_blocks);
    fprintf(out, "STAT large_bytes %zu\n", t.large_bytes);
    fprintf(out, "STAT slabs_moved %llu\n", t.pages_moved);
    fprintf(out, "END\n");
}

/* alloc_check ---------------------------------------------------------------------- */

typedef struct check_ctx {
    char msg[256];
    bool bad;
} check_ctx;

static bool fail(check_ctx *k, const char *fmt, ...) ALLOC_ATTR_FORMAT(2, 3);

static bool fail(check_ctx *k, const char *fmt, ...)
{
    if (!k->bad) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(k->msg, sizeof k->msg, fmt, ap);
        va_end(ap);
        k->bad = true;
    }
    return false;
}

/* Walks c's stack, marking each entry live so a repeated entry shows up as a live
 * chunk, checks the fresh range (still free, so on no stack), then marks the entries
 * free again.  All locks held, caches flushed. */
static bool check_free_list(const slab_t *s, slab_class *c, check_ctx *k)
{
    bool ok = true;
    size_t n = 0;
    if (c->cap < c->total_pages * c->perslab)
        return fail(k, "class %u: stack capacity %zu is below its %zu chunks", c->id, c->cap,
                    c->total_pages * c->perslab);
    if (c->top + c->fresh_n != slab_class_free(c))
        return fail(k, "class %u: %zu stacked + %u fresh chunks but free_chunks = %zu", c->id,
                    c->top, c->fresh_n, slab_class_free(c));
    for (; n < c->top; n++) {
        char *p = c->stack[n].p;
        slab_page *pg = slab_dir_find(s, p);
        size_t off = pg != NULL ? (size_t)(p - pg->base) : 0;
        size_t i = slab_chunk_index(c, off);
        if (pg == NULL || pg->class_id != c->id)
            ok = fail(k, "class %u: stack entry %p is not in a page of this class", c->id,
                      (void *)p);
        else if (i * c->size != off || i >= c->perslab)
            ok = fail(k, "class %u: stack entry %p is not at a chunk boundary", c->id,
                      (void *)p);
        else if (c->stack[n].state != &pg->state[i])
            ok = fail(k, "class %u: stack entry %p names another chunk's state", c->id,
                      (void *)p);
        else if (!slab_chunk_is_free(pg, i))
            ok = fail(k, "class %u: stack entry %p is listed twice or marked live", c->id,
                      (void *)p);
        if (!ok)
            break;
        slab_chunk_set_live(pg, i);
    }
    if (ok && c->fresh_n != 0) {
        const slab_page *pg = c->fresh_pg;
        if (pg == NULL || pg->class_id != c->id || c->fresh_n > c->perslab)
            ok = fail(k, "class %u: %u fresh chunks but no page of the class to take them "
                      "from", c->id, c->fresh_n);
        for (unsigned i = 0; ok && i < c->fresh_n; i++)
            if (!slab_chunk_is_free(pg, i))
                ok = fail(k, "class %u: fresh chunk %u of page %p is live or stacked", c->id,
                          i, (void *)pg->base);
    }
    for (size_t r = 0; r < n; r++) {
        char *p = c->stack[r].p;
        slab_page *pg = slab_dir_find(s, p);
        slab_chunk_set_free(pg, slab_chunk_index(c, (size_t)(p - pg->base)));
    }
    return ok;
}

static bool check_class(const slab_t *s, slab_class *c, check_ctx *k, size_t *used)
{
    size_t pages = 0, nfree = 0, want_free = slab_class_free(c);
    for (const slab_page *pg = c->oldest; pg != NULL; pg = pg->newer) {
        pages++;
        if (pg->class_id != c->id)
            return fail(k, "class %u: page %p in its list says class %u", c->id,
                        (void *)pg->base, pg->class_id);
        if (slab_dir_find(s, pg->base) != pg)
            return fail(k, "page %p is missing from the page directory", (void *)pg->base);
        if (SLAB_SLOT_CLASS(slab_dir_slot_of(s, pg->base)) != c->id)
            return fail(k, "class %u: page %p is under class %u in the directory", c->id,
                        (void *)pg->base, SLAB_SLOT_CLASS(slab_dir_slot_of(s, pg->base)));
        for (size_t i = 0; i < c->perslab; i++)
            if (pg->state[i] > 1)
                return fail(k, "class %u: page %p has state %u for chunk %zu", c->id,
                            (void *)pg->base, pg->state[i], i);
        unsigned bits = slab_page_nfree(s, pg);
        if (bits > c->perslab)
            return fail(k, "class %u: page %p has %u free chunks, above perslab %u", c->id,
                        (void *)pg->base, bits, c->perslab);
        nfree += bits;
    }
    if (pages != c->total_pages)
        return fail(k, "class %u: %zu pages in its list but total_pages = %zu", c->id, pages,
                    c->total_pages);
    if (c->frees > c->allocs || slab_class_used(c) > c->total_pages * c->perslab)
        return fail(k, "class %u: allocs - frees = %llu - %llu exceeds total_pages * "
                    "perslab = %zu * %u", c->id, c->allocs, c->frees, c->total_pages,
                    c->perslab);
    if (nfree != want_free)
        return fail(k, "class %u: pages hold %zu free chunks but total_pages * perslab - "
                    "(allocs - frees) = %zu", c->id, nfree, want_free);
    *used += slab_class_used(c) * c->size;
    return check_free_list(s, c, k);
}

/* The state at perslab must be SLAB_STATE_END and those above it 0 (the fast paths'
 * test for a live chunk relies on the one, slab_page_nfree on the others). */
static bool check_tail_bits(const slab_t *s, const slab_class *c, check_ctx *k)
{
    for (const slab_page *pg = c->oldest; pg != NULL; pg = pg->newer) {
        if (pg->state[c->perslab] != SLAB_STATE_END)
            return fail(k, "class %u: page %p has state %u at perslab %u, not the end mark",
                        c->id, (void *)pg->base, pg->state[c->perslab], c->perslab);
        for (size_t i = c->perslab + 1; i < s->state_bytes; i++) {
            if (pg->state[i] != 0)
                return fail(k, "class %u: page %p has state %u for chunk %zu beyond perslab %u",
                            c->id, (void *)pg->base, pg->state[i], i, c->perslab);
        }
    }
    return true;
}

alloc_status slab_check(const alloc_t *a)
{
    const slab_t *s = slab_cof(a);
    slab_t *m = (slab_t *)s;
    check_ctx k = {{0}, false};
    /* Every thread cache goes back to its class first: then the class invariants hold
     * as they do without caches (cached chunks are free chunks of their class). */
    slab_tc_quiesce(m);
    lock_all(s);
    for (unsigned id = 1; id <= s->nclasses; id++)
        slab_do_tc_flush_class(m, &m->classes[id]);
    size_t pages = 0, used = 0;
    for (unsigned id = 1; id <= s->nclasses && !k.bad; id++) {
        slab_class *c = &m->classes[id];
        if (check_class(s, c, &k, &used) && check_tail_bits(s, c, &k))
            pages += c->total_pages;
    }
    size_t pool = 0;
    for (const slab_page *pg = s->classes[0].oldest; pg != NULL && !k.bad; pg = pg->newer) {
        pool++;
        if (pg->class_id != 0 || SLAB_SLOT_CLASS(slab_dir_slot_of(s, pg->base)) != 0)
            fail(&k, "pool page %p says class %u (directory: %u)", (void *)pg->base,
                 pg->class_id, SLAB_SLOT_CLASS(slab_dir_slot_of(s, pg->base)));
    }
    if (!k.bad && pool != s->classes[0].total_pages)
        fail(&k, "pool: %zu pages in its list but %zu counted", pool,
             s->classes[0].total_pages);
    pages += pool;
    size_t released = 0;
    for (const slab_page *pg = s->released; pg != NULL; pg = pg->newer)
        released++;
    if (!k.bad && released != s->nreleased)
        fail(&k, "%zu released pages listed but %zu counted", released, s->nreleased);
    if (!k.bad && pages + released != s->npages)
        fail(&k, "%zu pages in classes and pool and %zu released but %zu mapped", pages,
             released, s->npages);
    size_t large = 0;
    if (slab_do_large_check(s, &large) != ALLOC_OK)
        fail(&k, "the large-block table disagrees with its counts");
    size_t held = atomic_load_explicit(&s->held, memory_order_relaxed);
    if (!k.bad && held != pages * s->page_size + large)
        fail(&k, "held = %zu but pages * page_size + large bytes = %zu * %zu + %zu", held,
             pages, s->page_size, large);
    /* With thread caches the counter holds large bytes only. */
    size_t used_total = slab_used_bytes(s), chunk_used = s->tc_on ? 0 : used;
    if (!k.bad && used_total != chunk_used + large)
        fail(&k, "used bytes counter = %zu but chunks in use + large bytes = %zu + %zu",
             used_total, chunk_used, large);
    unlock_all(s);
    slab_tc_resume(m);
    if (k.bad) {
        alloc_report(a, ALLOC_ECORRUPT, NULL, "alloc_check: %s", k.msg);
        return ALLOC_ECORRUPT;
    }
    return ALLOC_OK;
}
