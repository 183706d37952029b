/* cell.c - replaying one cell and sampling it (see cell.h). */
#include "cell.h"

#include "bench_error.h"
#include "heap.h"
#include "je_arena.h"
#include "proc_stats.h"
#include "slab.h"
#include "store.h"
#include "trace.h"

#include <stdio.h>
#include <string.h>

/* held is polled this many times per run for the peak; glibc's mallinfo2 walks every
 * free chunk, so glibc heaps are polled less */
#define PEAK_POLLS 1000
#define PEAK_POLLS_GLIBC 50

/* Where operations come from: a built-in workload or a trace. */
typedef struct op_source {
    workload w;
    trace_file t;
    int is_trace;
    unsigned long long limit, taken;
} op_source;

static const char *const trace_phase = "run";

static int source_next(op_source *src, wl_op *op)
{
    if (!src->is_trace)
        return workload_next(&src->w, op);
    if (src->limit && src->taken >= src->limit)
        return 0;
    trace_rec r;
    if (!trace_next(&src->t, &r))
        return 0;
    src->taken++;
    memset(op, 0, sizeof *op);
    op->key = trace_key_hash(r.key, r.key_len);
    op->ksize = r.key_size;
    op->vsize = r.value_size;
    op->time = r.time;
    if (trace_op_stores(r.op)) {
        op->kind = OP_SET;
        op->ttl = r.ttl;
    } else if (r.op == TRACE_APPEND || r.op == TRACE_PREPEND) {
        op->kind = OP_APPEND;
    } else if (r.op == TRACE_DELETE) {
        op->kind = OP_DEL;
    } else {
        op->kind = OP_GET;
    }
    return 1;
}

static const char *source_phase(const op_source *src, unsigned phase)
{
    return src->is_trace ? trace_phase : workload_phase_name(&src->w, phase);
}

/* Lines in the trace (an estimate of its requests, for the sampling interval). */
static unsigned long long count_lines(const trace_file *t)
{
    unsigned long long n = 0;
    for (const char *p = t->data, *end = t->data + t->size; p < end; n++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    return n;
}

void cell_workload_name(const cell_spec *c, char *buf, size_t len)
{
    if (c->wl != NULL) {
        snprintf(buf, len, "%s", c->wl->text);
        return;
    }
    const char *base = strrchr(c->trace, '/');
    snprintf(buf, len, "trace:%s", base ? base + 1 : c->trace);
}

/* Running state of one cell. */
typedef struct run {
    const cell_spec *c;
    const cell_sink *sink;
    heap h;
    store s;
    op_source src;
    uint64_t ops;
    uint64_t peak_held;
    double busy;      /* seconds spent in operations, sampling excluded */
    int warned;
} run;

static double ratio(double a, double b) { return b > 0 ? a / b : 0; }

static void fill_info(run *r, cell_row *row)
{
    if (r->h.kind != BENCH_ZMALLOC)
        return;
    /* Redis 7.0's INFO memory formulas; without jemalloc statistics Redis takes
     * allocated = used_memory and active = resident = rss */
    row->has_info = 1;
    if (r->h.je_base) {
        size_t al, ac, re;
        je_process_stats(&al, &ac, &re);
        row->info_allocated = al;
        row->info_active = ac;
        row->info_resident = re;
    } else {
        row->info_allocated = row->used;
        row->info_active = row->info_resident = row->rss;
    }
    row->mem_fragmentation_ratio = ratio((double)row->rss, (double)row->used);
    row->allocator_frag_ratio = ratio((double)row->info_active, (double)row->info_allocated);
    row->allocator_rss_ratio = ratio((double)row->info_resident, (double)row->info_active);
    row->rss_overhead_ratio = ratio((double)row->rss, (double)row->info_resident);
}

static uint64_t current_peak(run *r, uint64_t held)
{
    if (held > r->peak_held)
        r->peak_held = held;
    if (r->h.kind == BENCH_SLAB) {
        alloc_stats st;
        alloc_get_stats(r->h.a, &st);
        if (st.peak_held_bytes > r->peak_held)
            r->peak_held = st.peak_held_bytes;
    }
    return r->peak_held;
}

static void emit_sample(run *r, const char *phase, int final)
{
    cell_row row;
    memset(&row, 0, sizeof row);
    snprintf(row.phase, sizeof row.phase, "%s", phase);
    row.final = final;
    const store_totals *t = &r->s.t;
    row.ops = r->ops;
    row.live_objects = t->live_objects;
    row.live_blocks = t->live_blocks;
    row.requested = t->requested;
    row.header = t->header;
    row.alignment = t->alignment;
    row.rounding = t->rounding;
    row.held = heap_held(&r->h);
    row.external = (int64_t)row.held - (int64_t)(t->requested + t->header + t->alignment +
                                                 t->rounding);
    row.peak_held = current_peak(r, row.held);
    row.rss = proc_rss_bytes();
    row.ops_per_sec = r->busy > 0 ? (double)r->ops / r->busy : 0;
    row.evictions = t->evictions;
    row.failed_sets = t->failed_sets;
    row.expired = t->expired;
    row.malformed = r->src.is_trace ? r->src.t.malformed : 0;
    row.used = heap_used(&r->h);
    fill_info(r, &row);
    if (row.external < 0 && !r->warned) {
        r->warned = 1;
        fprintf(stderr, "allocbench: %s: held %llu is below the blocks' footprint by %lld "
                "bytes: the accounting of this allocator is wrong\n", r->c->cfg->text,
                (unsigned long long)row.held, (long long)-row.external);
    }
    r->sink->row(r->sink->ud, &row);
}

static void emit_classes(run *r, const char *phase)
{
    if (r->h.kind != BENCH_SLAB || r->sink->class_row == NULL)
        return;
    for (unsigned id = 1; id <= r->h.nclasses; id++) {
        slab_class_info ci;
        if (slab_class_get(r->h.a, id, &ci) != 0)
            continue;
        class_row cr;
        memset(&cr, 0, sizeof cr);
        snprintf(cr.phase, sizeof cr.phase, "%s", phase);
        cr.ops = r->ops;
        cr.id = id;
        cr.page_size = alloc_get_config(r->h.a)->slab.page_size;
        cr.chunk_size = ci.chunk_size;
        cr.chunks_per_page = ci.chunks_per_page;
        cr.total_pages = ci.total_pages;
        cr.total_chunks = ci.total_chunks;
        cr.used_chunks = ci.used_chunks;
        cr.free_chunks = ci.free_chunks;
        cr.requested = r->s.class_requested[id];
        r->sink->class_row(r->sink->ud, &cr);
    }
}

static void apply(store *s, const wl_op *op)
{
    if (op->time)
        store_advance(s, op->time);
    switch (op->kind) {
    case OP_SET: store_set(s, op->key, op->ksize, op->vsize, op->ttl); break;
    case OP_DEL: store_del(s, op->key); break;
    case OP_GET: store_get(s, op->key); break;
    case OP_APPEND: store_append(s, op->key, op->vsize); break;
    }
}

static int open_source(run *r, uint64_t *total, uint64_t *expect, layout_kind *layout,
                       char *err, size_t errlen)
{
    const cell_spec *c = r->c;
    if (c->wl != NULL) {
        if (workload_start(&r->src.w, c->wl, c->ops, c->seed, err, errlen) != 0)
            return -1;
        *total = c->ops;
        *expect = workload_key_bound(&r->src.w);
        if (c->wl->kind == WL_CHURN || c->wl->kind == WL_PHASE_SHIFT)
            *expect = r->src.w.nkeys; /* live at once, not ever used */
        *layout = c->wl->layout;
        return 0;
    }
    r->src.is_trace = 1;
    r->src.limit = c->ops;
    if (trace_open(&r->src.t, c->trace, err, errlen) != 0)
        return -1;
    *total = count_lines(&r->src.t);
    if (c->ops && c->ops < *total)
        *total = c->ops;
    *expect = *total / 4;
    *layout = c->trace_layout;
    return 0;
}

int cell_run(const cell_spec *c, const cell_sink *sink, char *err, size_t errlen)
{
    run r;
    memset(&r, 0, sizeof r);
    r.c = c;
    r.sink = sink;
    uint64_t total, expect;
    layout_kind layout;
    int rc = -1;
    bench_config cfg = *c->cfg;
    if (c->mem_limit)
        cfg.mem_limit = c->mem_limit;
    if (open_source(&r, &total, &expect, &layout, err, errlen) != 0)
        goto out_source;
    if (heap_open(&r.h, &cfg, err, errlen) != 0)
        goto out_source;
    if (store_init(&r.s, &r.h, layout, c->seed, expect, err, errlen) != 0)
        goto out_heap;
    if (heap_begin(&r.h, err, errlen) != 0)
        goto out_store;

    unsigned samples = c->samples;
    if (samples == 0)
        samples = c->wl && c->wl->kind == WL_PHASE_SHIFT ? CELL_SHIFT_SAMPLES
                                                          : CELL_DEFAULT_SAMPLES;
    uint64_t every = total / samples ? total / samples : 1;
    uint64_t polls = r.h.glibc_base ? PEAK_POLLS_GLIBC : PEAK_POLLS;
    uint64_t poll = total / polls ? total / polls : 1;
    unsigned phase = 0;
    int started = 0;
    wl_op op;
    double t0 = proc_now();
    while (source_next(&r.src, &op)) {
        if (started && op.phase != phase) {
            r.busy += proc_now() - t0;
            emit_sample(&r, source_phase(&r.src, phase), 0);
            emit_classes(&r, source_phase(&r.src, phase));
            t0 = proc_now();
        }
        started = 1;
        phase = op.phase;
        apply(&r.s, &op);
        r.ops++;
        if (r.s.oom) {
            bench_error(err, errlen, "the harness ran out of memory for its own tables after "
                        "%llu operations", (unsigned long long)r.ops);
            goto out_clear;
        }
        if (r.ops % poll == 0 || r.ops % every == 0) {
            r.busy += proc_now() - t0;
            if (r.ops % every == 0 && r.ops < total)
                emit_sample(&r, source_phase(&r.src, phase), 0);
            else
                current_peak(&r, heap_held(&r.h));
            t0 = proc_now();
        }
    }
    r.busy += proc_now() - t0;
    emit_sample(&r, source_phase(&r.src, phase), 1);
    emit_classes(&r, "end");
    rc = 0;
out_clear:
    store_clear(&r.s);
out_store:
    store_fini(&r.s);
out_heap:
    heap_close(&r.h);
out_source:
    if (r.src.is_trace)
        trace_close(&r.src.t);
    else
        workload_end(&r.src.w);
    return rc;
}
