/* tp_workload.c - the workloads, the benchmark matrix (every workload with every
 * allocator it applies to) and the run lifecycle the shim drives.  One operation is one
 * timed iteration: a malloc+free pair, or one realloc step in realloc_grow, so Google
 * Benchmark's time per iteration is the time per operation. */
#define _GNU_SOURCE
#include "tp.h"

#include "etc_dist.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOT_BATCH 1000       /* pairs per call into C: the shim's loop costs nothing */
#define BATCH_BLOCKS 1000    /* batch: allocations before the frees start */
#define WS_LIVE 100000       /* random_ws: live blocks */
#define WS_OPS ((size_t)1 << 20) /* random_ws: pre-drawn replacements, used cyclically */
#define WS_BATCH 1000
#define WS_SEED 0x6b76616c6c6f6301ull
#define GROW_FROM 16         /* realloc_grow: 16 B, then 64, 128, ... 64 KiB */
#define GROW_STEP 64
#define GROW_TO 65536
#define GROW_STEPS (GROW_TO / GROW_STEP)
#define XT_RING 1024         /* xthread: blocks in flight between the two threads */
#define XT_BATCH 4096
#define XT_CHUNK 32          /* slots published (and released) at a time, see xt_ring */
#define XT_CACHE_LINE 64

/* Tells the compiler p is used: an empty asm that takes p in a register and may read
 * memory.  The calls go through function pointers it cannot see into anyway; this also
 * keeps a future direct call (or an inlined allocator) from being folded away, as gcc
 * folds malloc+free pairs. */
static inline void tp_escape(void *p) { __asm__ volatile("" : : "r"(p) : "memory"); }

/* One turn of a wait loop.  Yields now and then: if the two threads ever share a core
 * (the machine is busy, or has one core), pure spinning would wait for the other
 * thread's time slice to end. */
#define SPINS_BEFORE_YIELD 4096u

static inline void cpu_relax(unsigned *spins)
{
    if (++*spins % SPINS_BEFORE_YIELD == 0) {
        sched_yield();
        return;
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

typedef struct ws_slot {
    void *p;
    size_t size;
} ws_slot;

typedef struct ws_op {
    uint32_t slot;
    uint32_t size;
} ws_op;

/* Single-producer single-consumer ring.  The producer owns head, the consumer tail;
 * head - tail == blocks in flight <= XT_RING.  A slot is written before head is
 * released past it and read before tail is released past it, so neither side sees a
 * slot the other is still using.  Both indices move XT_CHUNK slots at a time (and
 * whenever a side catches up): moving them per slot made the two cores trade the index
 * lines on every block, and that traffic, which depends on how closely the threads
 * trail each other, added to the allocators' own cost.  Cross-core timing on this
 * 2-vCPU machine stays noisy even so: the ring alone costs 6 to 100 ns per block from
 * one run to the next, so read xthread medians with their cv. */
typedef struct xt_ring {
    _Alignas(XT_CACHE_LINE) _Atomic uint64_t head;
    _Alignas(XT_CACHE_LINE) _Atomic uint64_t tail;
    _Alignas(XT_CACHE_LINE) atomic_int stop;
    tp_ops ops;
    void *ctx;
    size_t size;
    _Alignas(XT_CACHE_LINE) void *slot[XT_RING];
} xt_ring;

struct tp_run {
    const tp_bench *b;
    tp_ops ops;
    void *ctx;
    size_t size;
    const char *error;
    void **blocks;      /* batch */
    ws_slot *slots;     /* random_ws */
    size_t pos;
    xt_ring *ring;      /* xthread */
    pthread_t consumer;
    uint64_t xt_tail_seen;
};

typedef struct tp_workload {
    const char *name;
    const size_t *params; /* block sizes; NULL: the name has no /<param> */
    size_t nparams;
    uint64_t batch;
    int two_threads;      /* only allocators that may be called from two threads */
    int (*open)(tp_run *r, char *msg, size_t msglen);
    void (*step)(tp_run *r, uint64_t n);
    void (*close)(tp_run *r);
} tp_workload;

static int no_open(tp_run *r, char *msg, size_t msglen)
{
    (void)r, (void)msg, (void)msglen;
    return 0;
}

static void no_close(tp_run *r) { (void)r; }

/* ---- hot_pair: malloc then free of one size, the allocator's fast path ------------ */

static void hot_pair_step(tp_run *r, uint64_t n)
{
    void *(*m)(void *, size_t) = r->ops.malloc;
    void (*f)(void *, void *, size_t) = r->ops.free_sized;
    void *ctx = r->ctx;
    size_t size = r->size;
    for (uint64_t i = 0; i < n; i++) {
        void *p = m(ctx, size);
        if (p == NULL) {
            r->error = "malloc returned NULL";
            return;
        }
        tp_escape(p);
        f(ctx, p, size);
    }
}

/* ---- batch: 1000 allocations, then 1000 frees in allocation order ----------------- */

static int batch_open(tp_run *r, char *msg, size_t msglen)
{
    r->blocks = calloc(BATCH_BLOCKS, sizeof *r->blocks);
    if (r->blocks == NULL) {
        snprintf(msg, msglen, "no memory for the batch array");
        return -1;
    }
    return 0;
}

static void batch_step(tp_run *r, uint64_t n)
{
    void *(*m)(void *, size_t) = r->ops.malloc;
    void (*f)(void *, void *, size_t) = r->ops.free_sized;
    void *ctx = r->ctx;
    size_t size = r->size;
    void **blocks = r->blocks;
    for (uint64_t round = 0; round < n / BATCH_BLOCKS; round++) {
        size_t got = 0;
        while (got < BATCH_BLOCKS) {
            void *p = m(ctx, size);
            if (p == NULL) {
                r->error = "malloc returned NULL";
                break;
            }
            tp_escape(p);
            blocks[got++] = p;
        }
        for (size_t i = 0; i < got; i++)
            f(ctx, blocks[i], size);
        if (r->error != NULL)
            return;
    }
}

static void batch_close(tp_run *r) { free(r->blocks); }

/* ---- random_ws: 100k live ETC-sized blocks, one replaced at random per operation -- */

/* Drawn once per process from a fixed seed, outside every timed region: the initial
 * sizes of the live set, then the replacements (slot, new size). */
static size_t *ws_fill;
static ws_op *ws_ops;

static int ws_stream_init(void)
{
    if (ws_ops != NULL)
        return 0;
    size_t *fill = malloc(WS_LIVE * sizeof *fill);
    ws_op *ops = malloc(WS_OPS * sizeof *ops);
    if (fill == NULL || ops == NULL) {
        free(fill);
        free(ops);
        return -1;
    }
    rng r;
    rng_seed(&r, WS_SEED, 0);
    for (size_t i = 0; i < WS_LIVE; i++)
        fill[i] = etc_item_size(&r);
    for (size_t i = 0; i < WS_OPS; i++) {
        ops[i].slot = (uint32_t)rng_below(&r, WS_LIVE);
        ops[i].size = (uint32_t)etc_item_size(&r);
    }
    ws_fill = fill;
    ws_ops = ops;
    return 0;
}

static void ws_close(tp_run *r)
{
    if (r->slots == NULL)
        return;
    for (size_t i = 0; i < WS_LIVE; i++)
        if (r->slots[i].p != NULL)
            r->ops.free_sized(r->ctx, r->slots[i].p, r->slots[i].size);
    free(r->slots);
}

static int ws_open(tp_run *r, char *msg, size_t msglen)
{
    if (ws_stream_init() != 0 || (r->slots = calloc(WS_LIVE, sizeof *r->slots)) == NULL) {
        snprintf(msg, msglen, "no memory for the random_ws tables");
        return -1;
    }
    for (size_t i = 0; i < WS_LIVE; i++) {
        r->slots[i].size = ws_fill[i];
        r->slots[i].p = r->ops.malloc(r->ctx, ws_fill[i]);
        if (r->slots[i].p == NULL) {
            snprintf(msg, msglen, "filling the live set: malloc(%zu) returned NULL",
                     ws_fill[i]);
            ws_close(r);
            r->slots = NULL;
            return -1;
        }
    }
    return 0;
}

static void ws_step(tp_run *r, uint64_t n)
{
    void *(*m)(void *, size_t) = r->ops.malloc;
    void (*f)(void *, void *, size_t) = r->ops.free_sized;
    void *ctx = r->ctx;
    ws_slot *slots = r->slots;
    size_t pos = r->pos;
    for (uint64_t i = 0; i < n; i++) {
        const ws_op *op = &ws_ops[pos++ & (WS_OPS - 1)];
        ws_slot *s = &slots[op->slot];
        f(ctx, s->p, s->size);
        s->size = op->size;
        s->p = m(ctx, op->size);
        if (s->p == NULL) {
            r->error = "malloc returned NULL";
            break;
        }
    }
    r->pos = pos;
}

/* ---- realloc_grow: one block grown from 16 B to 64 KiB in 64-byte steps ---------- */

static void grow_step(tp_run *r, uint64_t n)
{
    void *(*m)(void *, size_t) = r->ops.malloc;
    void (*f)(void *, void *, size_t) = r->ops.free_sized;
    void *(*rl)(void *, void *, size_t) = r->ops.realloc;
    void *ctx = r->ctx;
    for (uint64_t round = 0; round < n / GROW_STEPS; round++) {
        void *p = m(ctx, GROW_FROM);
        size_t size = GROW_FROM;
        if (p == NULL) {
            r->error = "malloc returned NULL";
            return;
        }
        for (size_t next = GROW_STEP; next <= GROW_TO; next += GROW_STEP) {
            void *q = rl(ctx, p, next);
            if (q == NULL) {
                r->error = "realloc returned NULL";
                break;
            }
            tp_escape(q);
            p = q;
            size = next;
        }
        f(ctx, p, size);
        if (r->error != NULL)
            return;
    }
}

/* ---- xthread: this thread allocates, a second thread frees (cross-thread frees) --- */

static void *xt_consumer(void *arg)
{
    xt_ring *q = arg;
    uint64_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
    uint64_t h = t;
    unsigned spins = 0;
    for (;;) {
        if (t == h) {
            /* Caught up: release what was freed so the producer can see the drain. */
            atomic_store_explicit(&q->tail, t, memory_order_release);
            h = atomic_load_explicit(&q->head, memory_order_acquire);
            if (t == h) {
                /* stop is raised only once the producer has seen the ring drained. */
                if (atomic_load_explicit(&q->stop, memory_order_acquire))
                    return NULL;
                cpu_relax(&spins);
                continue;
            }
        }
        q->ops.free_sized(q->ctx, q->slot[t & (XT_RING - 1)], q->size);
        t++;
        if (t % XT_CHUNK == 0)
            atomic_store_explicit(&q->tail, t, memory_order_release);
    }
}

static int xt_open(tp_run *r, char *msg, size_t msglen)
{
    xt_ring *q = aligned_alloc(XT_CACHE_LINE, sizeof *q);
    if (q == NULL) {
        snprintf(msg, msglen, "no memory for the ring");
        return -1;
    }
    memset(q, 0, sizeof *q);
    atomic_init(&q->head, 0);
    atomic_init(&q->tail, 0);
    atomic_init(&q->stop, 0);
    q->ops = r->ops;
    q->ctx = r->ctx;
    q->size = r->size;
    int err = pthread_create(&r->consumer, NULL, xt_consumer, q);
    if (err != 0) {
        snprintf(msg, msglen, "pthread_create: %s", strerror(err));
        free(q);
        return -1;
    }
    r->ring = q;
    return 0;
}

/* The frees of a batch are part of its time: the step returns once the consumer has
 * freed every block the step allocated.  At most XT_CHUNK - 1 slots are written but not
 * yet published, so a full ring always drains far enough for the producer to go on. */
static void xt_step(tp_run *r, uint64_t n)
{
    void *(*m)(void *, size_t) = r->ops.malloc;
    void *ctx = r->ctx;
    size_t size = r->size;
    xt_ring *q = r->ring;
    uint64_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
    uint64_t t = r->xt_tail_seen;
    unsigned spins = 0;
    for (uint64_t i = 0; i < n; i++) {
        void *p = m(ctx, size);
        if (p == NULL) {
            r->error = "malloc returned NULL";
            break;
        }
        while (h - t >= XT_RING) {
            t = atomic_load_explicit(&q->tail, memory_order_acquire);
            if (h - t >= XT_RING)
                cpu_relax(&spins);
        }
        q->slot[h & (XT_RING - 1)] = p;
        h++;
        if (h % XT_CHUNK == 0)
            atomic_store_explicit(&q->head, h, memory_order_release);
    }
    atomic_store_explicit(&q->head, h, memory_order_release);
    while ((t = atomic_load_explicit(&q->tail, memory_order_acquire)) != h)
        cpu_relax(&spins);
    r->xt_tail_seen = t;
}

static void xt_close(tp_run *r)
{
    atomic_store_explicit(&r->ring->stop, 1, memory_order_release);
    pthread_join(r->consumer, NULL);
    free(r->ring);
}

/* ---- the matrix ------------------------------------------------------------------- */

static const size_t pair_sizes[] = {16, 64, 256, 1024};
static const size_t xt_sizes[] = {64};

static const tp_workload workloads[] = {
    {"hot_pair", pair_sizes, 4, HOT_BATCH, 0, no_open, hot_pair_step, no_close},
    {"batch", pair_sizes, 4, BATCH_BLOCKS, 0, batch_open, batch_step, batch_close},
    {"random_ws", NULL, 0, WS_BATCH, 0, ws_open, ws_step, ws_close},
    {"realloc_grow", NULL, 0, GROW_STEPS, 0, no_open, grow_step, no_close},
    {"xthread", xt_sizes, 1, XT_BATCH, 1, xt_open, xt_step, xt_close},
};

#define NWORKLOADS (sizeof workloads / sizeof workloads[0])
#define MAX_BENCH 128

static tp_bench benches[MAX_BENCH];
static size_t nbenches;

/* Ordered workload, then size, then allocator, so the allocators of one cell sit
 * together in every report. */
static void matrix_build(void)
{
    for (size_t w = 0; w < NWORKLOADS; w++) {
        const tp_workload *wl = &workloads[w];
        size_t np = wl->params ? wl->nparams : 1;
        for (size_t k = 0; k < np; k++) {
            for (size_t a = 0; a < tp_nallocators; a++) {
                const tp_allocator *al = &tp_allocators[a];
                if (wl->two_threads && !al->thread_safe)
                    continue;
                if (nbenches == MAX_BENCH)
                    abort(); /* MAX_BENCH is sized for the tables above */
                tp_bench *b = &benches[nbenches++];
                b->wl = wl;
                b->al = al;
                b->param = wl->params ? wl->params[k] : 0;
                b->batch = wl->batch;
                if (wl->params)
                    snprintf(b->name, sizeof b->name, "%s/%s/%zu", wl->name, al->name,
                             b->param);
                else
                    snprintf(b->name, sizeof b->name, "%s/%s", wl->name, al->name);
            }
        }
    }
}

size_t tp_bench_count(void)
{
    if (nbenches == 0)
        matrix_build();
    return nbenches;
}

const tp_bench *tp_bench_at(size_t i) { return i < tp_bench_count() ? &benches[i] : NULL; }

tp_run *tp_run_open(const tp_bench *b, char *msg, size_t msglen)
{
    tp_run *r = calloc(1, sizeof *r);
    if (r == NULL) {
        snprintf(msg, msglen, "no memory for the run");
        return NULL;
    }
    r->b = b;
    r->ops = b->al->ops;
    r->size = b->param;
    if (b->al->open(&r->ctx, msg, msglen) != 0) {
        free(r);
        return NULL;
    }
    if (b->wl->open(r, msg, msglen) != 0) {
        b->al->close(r->ctx);
        free(r);
        return NULL;
    }
    return r;
}

void tp_run_step(tp_run *r, uint64_t n)
{
    if (r->error == NULL)
        r->b->wl->step(r, n);
}

const char *tp_run_error(const tp_run *r) { return r->error; }

void tp_run_close(tp_run *r)
{
    r->b->wl->close(r);
    r->b->al->close(r->ctx);
    free(r);
}
