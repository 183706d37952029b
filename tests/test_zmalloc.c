/* test_zmalloc.c - the zmalloc backend's specification: used_memory matches what the
 * base allocator reports for every live block (checked against a shadow the test keeps
 * itself), Redis's per-key figures, prefix alignment, exact counts under threads, the
 * memory limit, bad-call detection, configuration checks and the INFO memory report. */
#include "alloc_api.h"
#include "zm_api.h"

#include <check.h>
#include <dlfcn.h>
#include <jemalloc/jemalloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#define PREFIX 8
#define LONG_ROUND(n) (((n) + sizeof(long) - 1) & ~(sizeof(long) - 1))

/* Impossible sizes reach the library at run time only: as constants, gcc rightly
 * warns that no object can be that large. */
static volatile size_t huge_size = SIZE_MAX;
#define HUGE_SIZE ((size_t)huge_size)

/* ---- helpers ------------------------------------------------------------------ */

typedef struct zcfg {
    const char *base;
    int prefix, round, track, ts;
    size_t limit;
} zcfg;

static alloc_t *make(const zcfg *c, recorder *rec)
{
    alloc_config cfg;
    ck_assert_int_eq(alloc_config_init(&cfg, "zmalloc"), ALLOC_OK);
    cfg.zmalloc.base = c->base;
    cfg.zmalloc.prefix = c->prefix;
    cfg.zmalloc.round_to_long = c->round;
    cfg.zmalloc.track = c->track;
    cfg.thread_safe = c->ts;
    cfg.mem_limit = c->limit;
    if (rec != NULL) {
        cfg.on_error = record;
        cfg.on_error_ud = rec;
    }
    alloc_t *a = NULL;
    ck_assert_int_eq(alloc_create(&cfg, &a), ALLOC_OK);
    ck_assert_ptr_nonnull(a);
    return a;
}

/* glibc's own malloc_usable_size: the global one is jemalloc's in this program. */
static size_t (*glibc_usable)(void *);

static void find_glibc_usable(void)
{
    void *h = dlopen("libc.so.6", RTLD_NOLOAD | RTLD_LAZY);
    ck_assert_ptr_nonnull(h);
    void *sym = dlsym(h, "malloc_usable_size");
    ck_assert_ptr_nonnull(sym);
    memcpy(&glibc_usable, &sym, sizeof glibc_usable);
}

static int is_je(const zcfg *c) { return strcmp(c->base, "jemalloc") == 0; }

/* What the base itself says about a base block. */
static size_t base_usable(const zcfg *c, const void *raw)
{
    return is_je(c) ? sallocx(raw, 0) : glibc_usable((void *)raw);
}

static size_t expect_counted(const zcfg *c, const void *p, size_t size)
{
    size_t req = size ? size : sizeof(long);
    size_t n = c->prefix ? req + PREFIX : base_usable(c, p);
    return c->round ? LONG_ROUND(n) : n;
}

static size_t expect_held(const zcfg *c, const void *p)
{
    return base_usable(c, c->prefix ? (const char *)p - PREFIX : p);
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static alloc_stats stats_of(const alloc_t *a)
{
    alloc_stats st;
    alloc_get_stats(a, &st);
    return st;
}

static void assert_unchanged(const alloc_stats *x, const alloc_t *a)
{
    alloc_stats now = stats_of(a);
    const alloc_stats *y = &now;
    ck_assert_uint_eq(x->used_bytes, y->used_bytes);
    ck_assert_uint_eq(x->held_bytes, y->held_bytes);
    ck_assert_uint_eq(x->header_bytes, y->header_bytes);
    ck_assert_uint_eq(x->live_blocks, y->live_blocks);
    ck_assert_uint_eq(x->allocs, y->allocs);
    ck_assert_uint_eq(x->frees, y->frees);
    ck_assert_uint_eq(x->failed_allocs, y->failed_allocs);
}

/* No Check assertion inside: recording one allocates, which would show in the figure. */
static uint64_t je_thread_allocated(void)
{
    uint64_t v = 0;
    size_t sz = sizeof v;
    if (mallctl("thread.allocated", &v, &sz, NULL, 0) != 0)
        abort();
    return v;
}

static uint64_t je_thread_deallocated(void)
{
    uint64_t v = 0;
    size_t sz = sizeof v;
    ck_assert_int_eq(mallctl("thread.deallocated", &v, &sz, NULL, 0), 0);
    return v;
}

/* ---- used_memory over a random sequence -------------------------------------- */

static const zcfg random_cfgs[] = {
    {"jemalloc", 0, 0, 0, 1, 0}, {"libc", 0, 0, 0, 1, 0},     {"jemalloc", 1, 0, 0, 1, 0},
    {"libc", 1, 0, 0, 0, 0},     {"jemalloc", 1, 1, 0, 0, 0}, {"libc", 1, 1, 0, 1, 0},
    {"libc", 0, 1, 0, 0, 0},     {"jemalloc", 0, 0, 1, 1, 0}, {"libc", 1, 0, 1, 0, 0},
    {"jemalloc", 0, 0, 0, 0, 1u << 30},
};
#define N_RANDOM_CFGS (int)(sizeof random_cfgs / sizeof random_cfgs[0])

#define RANDOM_OPS 100000
#define MAX_LIVE 1500

typedef struct shadow {
    unsigned char *p;
    size_t size;    /* as last requested */
    size_t counted; /* what the base said when the block was made */
    size_t held;
    unsigned char tag;
} shadow;

static size_t random_size(uint64_t *s)
{
    uint64_t r = rng_next(s) % 100;
    if (r < 3)
        return 0;
    if (r < 75)
        return (size_t)(rng_next(s) % 600);
    if (r < 97)
        return (size_t)(rng_next(s) % 20000);
    return (size_t)(rng_next(s) % 400000); /* glibc mmaps these, jemalloc's large classes */
}

/* The first and last bytes of each block carry its tag: a header written into the
 * caller's bytes, or a realloc that loses data, shows up here. */
static void stamp(shadow *b)
{
    size_t n = b->size < 16 ? b->size : 16;
    memset(b->p, b->tag, n);
    memset(b->p + b->size - n, b->tag, n);
}

/* Both stamps, or after a realloc only the head both sizes share. */
static void verify(const shadow *b, size_t upto)
{
    size_t size = upto < b->size ? upto : b->size;
    size_t n = size < 16 ? size : 16;
    for (size_t i = 0; i < n; i++)
        if (b->p[i] != b->tag)
            ck_abort_msg("byte %zu of a %zu-byte block changed", i, b->size);
    if (upto == SIZE_MAX)
        for (size_t i = b->size - n; i < b->size; i++)
            if (b->p[i] != b->tag)
                ck_abort_msg("byte %zu of a %zu-byte block changed", i, b->size);
}

typedef struct expect {
    size_t used, held, live;
} expect;

static void shadow_add(const zcfg *c, expect *e, shadow *b)
{
    b->counted = expect_counted(c, b->p, b->size);
    b->held = expect_held(c, b->p);
    e->used += b->counted;
    e->held += b->held;
    e->live++;
}

static void shadow_sub(expect *e, const shadow *b)
{
    e->used -= b->counted;
    e->held -= b->held;
    e->live--;
}

static void assert_matches(const zcfg *c, const alloc_t *a, const expect *e, int op)
{
    alloc_stats st = stats_of(a);
    if (st.used_bytes != e->used || st.held_bytes != e->held || st.live_blocks != e->live)
        ck_abort_msg("op %d: used %zu held %zu live %zu, expected %zu %zu %zu", op,
                     st.used_bytes, st.held_bytes, st.live_blocks, e->used, e->held,
                     e->live);
    REQUIRE(st.header_bytes == (c->prefix ? PREFIX * e->live : 0));
}

START_TEST(used_memory_matches_base_over_random_ops)
{
    const zcfg *c = &random_cfgs[_i];
    find_glibc_usable();
    alloc_t *a = make(c, NULL);
    static shadow live[MAX_LIVE];
    size_t n = 0;
    expect e = {0, 0, 0};
    uint64_t seed = 0x1234567ULL + (uint64_t)_i * 7919;
    unsigned char tag = 1;
    for (int op = 0; op < RANDOM_OPS; op++) {
        uint64_t r = rng_next(&seed) % 100;
        if (n == 0 && r >= 30)
            r = 0;
        if (n == MAX_LIVE && r < 60)
            r = 70;
        if (r < 30 || (r >= 58 && r < 60)) { /* malloc, or realloc(NULL, n) */
            shadow *b = &live[n];
            b->size = random_size(&seed);
            b->p = r < 30 ? alloc_malloc(a, b->size) : alloc_realloc(a, NULL, b->size);
            REQUIRE(b->p != NULL);
            b->tag = tag++;
            stamp(b);
            shadow_add(c, &e, b);
            n++;
        } else if (r < 40) { /* calloc */
            shadow *b = &live[n];
            size_t k = 1 + (size_t)(rng_next(&seed) % 8);
            size_t each = random_size(&seed) / k;
            b->size = k * each;
            b->p = alloc_calloc(a, k, each);
            REQUIRE(b->p != NULL);
            for (size_t i = 0; i < b->size && i < 64; i++)
                REQUIRE(b->p[i] == 0);
            b->tag = tag++;
            stamp(b);
            shadow_add(c, &e, b);
            n++;
        } else if (r < 55) { /* realloc: grow, shrink, often moving */
            shadow *b = &live[rng_next(&seed) % n];
            size_t size = random_size(&seed);
            if (size == 0)
                size = 1;
            verify(b, SIZE_MAX);
            shadow_sub(&e, b);
            unsigned char *q = alloc_realloc(a, b->p, size);
            REQUIRE(q != NULL);
            b->p = q;
            size_t old = b->size;
            b->size = size;
            verify(b, old);
            stamp(b);
            shadow_add(c, &e, b);
        } else if (r < 58) { /* realloc to 0 frees */
            size_t i = rng_next(&seed) % n;
            verify(&live[i], SIZE_MAX);
            REQUIRE(alloc_realloc(a, live[i].p, 0) == NULL);
            shadow_sub(&e, &live[i]);
            live[i] = live[--n];
        } else { /* free, or free_sized with the size last requested */
            size_t i = rng_next(&seed) % n;
            verify(&live[i], SIZE_MAX);
            if (c->track || c->prefix)
                REQUIRE(alloc_usable_size(a, live[i].p) >= live[i].size);
            if (r < 80)
                alloc_free(a, live[i].p);
            else
                alloc_free_sized(a, live[i].p, live[i].size);
            shadow_sub(&e, &live[i]);
            live[i] = live[--n];
        }
        assert_matches(c, a, &e, op);
        if (op % 20000 == 0)
            REQUIRE(alloc_check(a) == ALLOC_OK);
    }
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    while (n > 0) {
        verify(&live[n - 1], SIZE_MAX);
        alloc_free(a, live[--n].p);
        shadow_sub(&e, &live[n]);
    }
    alloc_stats st = stats_of(a);
    ck_assert_uint_eq(st.used_bytes, 0);
    ck_assert_uint_eq(st.held_bytes, 0);
    ck_assert_uint_eq(st.live_blocks, 0);
    ck_assert_uint_eq(st.allocs, st.frees);
    ck_assert_uint_eq(st.failed_allocs, 0);
    ck_assert_uint_ge(st.peak_used_bytes, st.used_bytes);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

/* Without the prefix every block counts its usable size; with it size + 8, and under
 * round_to_long that rounded to sizeof(long), as Redis 2.x-3.2. */
START_TEST(counted_sizes_by_mode)
{
    zcfg plain = {"libc", 1, 0, 0, 0, 0}, rounded = {"libc", 1, 1, 0, 0, 0};
    alloc_t *a = make(&plain, NULL), *b = make(&rounded, NULL);
    for (size_t size = 1; size <= 100; size++) {
        void *p = alloc_malloc(a, size), *q = alloc_malloc(b, size);
        ck_assert_uint_eq(stats_of(a).used_bytes, size + PREFIX);
        ck_assert_uint_eq(stats_of(b).used_bytes, LONG_ROUND(size + PREFIX));
        ck_assert_uint_eq(zm_counted_size(a, p), size + PREFIX);
        ck_assert_uint_eq(zm_counted_size(b, q), LONG_ROUND(size + PREFIX));
        alloc_free(a, p);
        alloc_free(b, q);
    }
    alloc_destroy(a);
    alloc_destroy(b);
}
END_TEST

/* Redis treats malloc(0) as a request for sizeof(long): the block is unique and must
 * be freed, and it is counted like an 8-byte request. */
START_TEST(malloc_zero_is_sizeof_long)
{
    zcfg je = {"jemalloc", 0, 0, 0, 1, 0}, pre = {"libc", 1, 0, 0, 1, 0};
    alloc_t *a = make(&je, NULL), *b = make(&pre, NULL);
    void *p = alloc_malloc(a, 0), *q = alloc_malloc(a, 0);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(q);
    ck_assert_ptr_ne(p, q);
    ck_assert_uint_eq(stats_of(a).used_bytes, 2 * nallocx(sizeof(long), 0));
    ck_assert_uint_eq(alloc_good_size(a, 0), nallocx(sizeof(long), 0));
    alloc_free_sized(a, p, 0);
    alloc_free(a, q);
    void *r = alloc_malloc(b, 0);
    ck_assert_uint_eq(stats_of(b).used_bytes, sizeof(long) + PREFIX);
    ck_assert_uint_eq(alloc_usable_size(b, r), sizeof(long));
    alloc_free_sized(b, r, 0);
    ck_assert_uint_eq(stats_of(a).used_bytes + stats_of(b).used_bytes, 0);
    alloc_destroy(a);
    alloc_destroy(b);
}
END_TEST

/* ---- Redis's string keys ------------------------------------------------------ */

START_TEST(redis_string_key_costs_192_bytes)
{
    /* Redis 7.0 per SET key: dict entry 24 B, key sds 20 B, robj 16 B, value sds
     * 3 + 100 + 1 = 104 B; jemalloc serves them from the 32, 32, 16 and 112 classes.
     * (MEMORY USAGE says 184 = 16 + 112 + 32 + 24: it counts the entry unrounded.) */
    static const size_t parts[] = {24, 20, 16, 104};
    size_t per_key = 0;
    for (int i = 0; i < 4; i++)
        per_key += nallocx(parts[i], 0);
    ck_assert_uint_eq(per_key, 192);
    ck_assert_uint_eq(per_key, 32 + 32 + 16 + 112);

    zcfg c = {"jemalloc", -1, 0, 0, 1, 0};
    alloc_t *a = make(&c, NULL);
    enum { KEYS = 5000 };
    static void *blocks[KEYS][4];
    for (int k = 0; k < KEYS; k++)
        for (int i = 0; i < 4; i++)
            blocks[k][i] = alloc_malloc(a, parts[i]);
    alloc_stats st = stats_of(a);
    ck_assert_uint_eq(st.used_bytes, (size_t)KEYS * 192);
    ck_assert_uint_eq(st.used_bytes / KEYS, per_key);
    ck_assert_uint_eq(st.live_blocks, (size_t)KEYS * 4);
    for (int k = 0; k < KEYS; k++)
        for (int i = 0; i < 4; i++)
            alloc_free_sized(a, blocks[k][i], parts[i]);
    ck_assert_uint_eq(stats_of(a).used_bytes, 0);
    alloc_destroy(a);
}
END_TEST

/* ---- alignment ------------------------------------------------------------------ */

START_TEST(prefix_blocks_are_8_mod_16)
{
    zcfg c = {_i ? "jemalloc" : "libc", 1, 0, 0, 1, 0};
    alloc_t *a = make(&c, NULL);
    ck_assert_uint_eq(alloc_alignment(a), 8);
    static void *p[1000];
    for (size_t i = 0; i < 1000; i++) {
        size_t size = (i * 37) % 3000;
        p[i] = i % 3 ? alloc_malloc(a, size) : alloc_calloc(a, 1, size);
        ck_assert_uint_eq((uintptr_t)p[i] % 16, 8);
        memset(p[i], 0xAB, size);
    }
    for (size_t i = 0; i < 1000; i += 2) {
        p[i] = alloc_realloc(a, p[i], 5000 + i);
        ck_assert_uint_eq((uintptr_t)p[i] % 16, 8);
    }
    for (size_t i = 0; i < 1000; i++)
        alloc_free(a, p[i]);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

START_TEST(alignment_without_prefix)
{
    zcfg libc = {"libc", 0, 0, 0, 1, 0}, je = {"jemalloc", 0, 0, 0, 1, 0};
    alloc_t *a = make(&libc, NULL), *b = make(&je, NULL);
    ck_assert_uint_eq(alloc_alignment(a), 16);
    ck_assert_uint_eq(alloc_alignment(b), 8); /* jemalloc's 8-byte class */
    for (size_t size = 0; size < 300; size++) {
        void *p = alloc_malloc(a, size), *q = alloc_malloc(b, size);
        ck_assert_uint_eq((uintptr_t)p % 16, 0);
        ck_assert_uint_eq((uintptr_t)q % 8, 0);
        alloc_free(a, p);
        alloc_free(b, q);
    }
    alloc_destroy(a);
    alloc_destroy(b);
}
END_TEST

/* ---- threads ---------------------------------------------------------------------- */

#define THREAD_OPS 150000
#define INBOX_CAP 512
#define KEEP_CAP 256

typedef struct inbox {
    pthread_mutex_t lock;
    void *items[INBOX_CAP];
    size_t n;
} inbox;

typedef struct worker {
    alloc_t *a;
    inbox *mine, *other;
    uint64_t seed;
    void *kept[KEEP_CAP];
    size_t nkept;
} worker;

static void drain(worker *w)
{
    pthread_mutex_lock(&w->mine->lock);
    while (w->mine->n > 0)
        alloc_free(w->a, w->mine->items[--w->mine->n]);
    pthread_mutex_unlock(&w->mine->lock);
}

static void *work(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < THREAD_OPS; i++) {
        size_t size = (size_t)(rng_next(&w->seed) % 300);
        unsigned char *p = alloc_malloc(w->a, size);
        REQUIRE(p != NULL);
        p[0] = 1;
        switch (rng_next(&w->seed) % 3) {
        case 0:
            alloc_free_sized(w->a, p, size);
            break;
        case 1: /* freed by the other thread */
            pthread_mutex_lock(&w->other->lock);
            if (w->other->n < INBOX_CAP) {
                w->other->items[w->other->n++] = p;
                p = NULL;
            }
            pthread_mutex_unlock(&w->other->lock);
            alloc_free(w->a, p);
            break;
        default:
            if (w->nkept == KEEP_CAP) {
                size_t j = rng_next(&w->seed) % KEEP_CAP;
                alloc_free(w->a, w->kept[j]);
                w->kept[j] = p;
            } else {
                w->kept[w->nkept++] = p;
            }
        }
        if (i % 8 == 0)
            drain(w);
    }
    return NULL;
}

static const zcfg thread_cfgs[] = {
    {"jemalloc", 0, 0, 0, 1, 0}, {"libc", 1, 0, 0, 1, 0}, {"jemalloc", 1, 0, 1, 1, 0},
    {"libc", 0, 0, 0, 1, 1u << 30},
};

START_TEST(two_threads_count_exactly)
{
    const zcfg *c = &thread_cfgs[_i];
    find_glibc_usable();
    alloc_t *a = make(c, NULL);
    static inbox boxes[2];
    static worker w[2];
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        pthread_mutex_init(&boxes[i].lock, NULL);
        boxes[i].n = 0;
    }
    for (int i = 0; i < 2; i++) {
        w[i] = (worker){.a = a, .mine = &boxes[i], .other = &boxes[1 - i],
                        .seed = 99 + (uint64_t)i * 1000003};
        ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    /* What is still live is what the workers kept and what waits in the inboxes. */
    size_t used = 0, live = 0;
    for (int i = 0; i < 2; i++) {
        for (size_t j = 0; j < w[i].nkept; j++, live++)
            used += c->prefix ? zm_counted_size(a, w[i].kept[j])
                              : expect_counted(c, w[i].kept[j], 1);
        for (size_t j = 0; j < boxes[i].n; j++, live++)
            used += c->prefix ? zm_counted_size(a, boxes[i].items[j])
                              : expect_counted(c, boxes[i].items[j], 1);
    }
    alloc_stats st = stats_of(a);
    ck_assert_uint_eq(st.live_blocks, live);
    ck_assert_uint_eq(st.used_bytes, used);
    ck_assert_uint_eq(st.allocs, 2 * (unsigned long long)THREAD_OPS);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    for (int i = 0; i < 2; i++) {
        for (size_t j = 0; j < w[i].nkept; j++)
            alloc_free(a, w[i].kept[j]);
        drain(&w[i]);
    }
    st = stats_of(a);
    ck_assert_uint_eq(st.used_bytes, 0);
    ck_assert_uint_eq(st.held_bytes, 0);
    ck_assert_uint_eq(st.live_blocks, 0);
    ck_assert_uint_eq(st.frees, st.allocs);
    ck_assert_uint_ge(st.peak_used_bytes, 1);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

/* ---- peaks ------------------------------------------------------------------------- */

START_TEST(peak_exact_without_thread_safety)
{
    zcfg c = {"jemalloc", 0, 0, 0, 0, 0};
    alloc_t *a = make(&c, NULL);
    void *p = alloc_malloc(a, 1000), *q = alloc_malloc(a, 3000);
    size_t top = nallocx(1000, 0) + nallocx(3000, 0);
    alloc_free(a, q);
    void *r = alloc_malloc(a, 100);
    alloc_stats st = stats_of(a);
    ck_assert_uint_eq(st.peak_used_bytes, top);
    ck_assert_uint_eq(st.peak_held_bytes, top);
    ck_assert_uint_eq(st.used_bytes, nallocx(1000, 0) + nallocx(100, 0));
    alloc_free(a, p);
    alloc_free(a, r);
    alloc_destroy(a);
}
END_TEST

/* With thread_safe and no limit the peak is sampled at reads: never below the current
 * figure, and exact at the moments it is read. */
START_TEST(peak_sampled_with_thread_safety)
{
    zcfg c = {"jemalloc", 0, 0, 0, 1, 0};
    alloc_t *a = make(&c, NULL);
    void *p = alloc_malloc(a, 5000);
    alloc_stats st = stats_of(a);
    ck_assert_uint_eq(st.peak_used_bytes, nallocx(5000, 0));
    alloc_free(a, p);
    st = stats_of(a);
    ck_assert_uint_eq(st.peak_used_bytes, nallocx(5000, 0));
    ck_assert_uint_ge(st.peak_used_bytes, st.used_bytes);
    alloc_destroy(a);
}
END_TEST

/* ---- memory limit --------------------------------------------------------------------- */

START_TEST(limit_fails_without_touching_base)
{
    zcfg c = {"jemalloc", 0, 0, 0, _i, 4 * 1024};
    alloc_t *a = make(&c, NULL);
    void *p[4];
    for (int i = 0; i < 4; i++) {
        p[i] = alloc_malloc(a, 1000); /* 1024 each */
        ck_assert_ptr_nonnull(p[i]);
    }
    /* No assertion between the two readings: Check allocates to record them. */
    uint64_t before = je_thread_allocated();
    void *m = alloc_malloc(a, 1), *k = alloc_calloc(a, 1, 1), *r = alloc_realloc(a, p[0], 1100);
    uint64_t after = je_thread_allocated();
    ck_assert_ptr_null(m);
    ck_assert_ptr_null(k);
    ck_assert_ptr_null(r);
    ck_assert_uint_eq(after, before);
    alloc_stats st = stats_of(a);
    ck_assert_uint_eq(st.failed_allocs, 3);
    ck_assert_uint_eq(st.used_bytes, 4096);
    ck_assert_uint_eq(st.live_blocks, 4);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    /* A shrink fits; a free makes room again. */
    p[0] = alloc_realloc(a, p[0], 500);
    ck_assert_ptr_nonnull(p[0]);
    ck_assert_uint_eq(stats_of(a).used_bytes, 3 * 1024 + nallocx(500, 0));
    alloc_free(a, p[1]);
    p[1] = alloc_malloc(a, 1000);
    ck_assert_ptr_nonnull(p[1]);
    ck_assert_ptr_nonnull(p[0] = alloc_realloc(a, p[0], 1000));
    ck_assert_uint_eq(stats_of(a).used_bytes, 4096);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    for (int i = 0; i < 4; i++)
        alloc_free(a, p[i]);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

START_TEST(limit_in_prefix_mode)
{
    zcfg c = {"libc", 1, 0, 0, 1, 3 * (100 + PREFIX)};
    alloc_t *a = make(&c, NULL);
    void *p[3];
    for (int i = 0; i < 3; i++)
        ck_assert_ptr_nonnull(p[i] = alloc_malloc(a, 100));
    ck_assert_ptr_null(alloc_malloc(a, 1));
    ck_assert_uint_eq(stats_of(a).failed_allocs, 1);
    alloc_free(a, p[2]);
    ck_assert_ptr_nonnull(p[2] = alloc_malloc(a, 100));
    for (int i = 0; i < 3; i++)
        alloc_free(a, p[i]);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

START_TEST(oversized_and_overflowing_requests_fail)
{
    zcfg c = {_i ? "jemalloc" : "libc", _i % 2, 0, 0, 1, 0};
    alloc_t *a = make(&c, NULL);
    ck_assert_ptr_null(alloc_malloc(a, HUGE_SIZE / 2));
    ck_assert_ptr_null(alloc_malloc(a, HUGE_SIZE));
    ck_assert_ptr_null(alloc_calloc(a, HUGE_SIZE / 4, 8));
    ck_assert_uint_eq(alloc_good_size(a, SIZE_MAX), 0);
    char *p = alloc_malloc(a, 10);
    memcpy(p, "123456789", 10);
    alloc_stats before = stats_of(a);
    ck_assert_ptr_null(alloc_realloc(a, p, HUGE_SIZE / 2));
    ck_assert_str_eq(p, "123456789"); /* the old block stays */
    alloc_stats after = stats_of(a);
    ck_assert_uint_eq(after.used_bytes, before.used_bytes);
    ck_assert_uint_eq(after.failed_allocs, 4);
    void *zero = alloc_realloc(a, NULL, 0); /* realloc(NULL, 0) is malloc(0) */
    ck_assert_ptr_nonnull(zero);
    alloc_free(a, p);
    ck_assert_uint_eq(stats_of(a).live_blocks, 1);
    alloc_free(a, zero);
    alloc_destroy(a);
}
END_TEST

/* ---- bad calls ------------------------------------------------------------------------ */

static void expect_report(recorder *r, int calls, alloc_status st, const void *ptr)
{
    ck_assert_int_eq(r->calls, calls);
    ck_assert_int_eq(r->status, st);
    ck_assert_ptr_eq(r->ptr, ptr);
    char name[32];
    snprintf(name, sizeof name, "%p", ptr);
    ck_assert_msg(strstr(r->msg, name) != NULL, "message \"%s\" does not name %s", r->msg,
                  name);
}

/* With the prefix (and no table) the header's tag catches foreign and interior
 * pointers; a second free is EDOUBLEFREE on jemalloc, which leaves the header of a
 * freed small block alone, and EFOREIGN on glibc, whose tcache writes its link there. */
START_TEST(bad_calls_caught_by_prefix)
{
    int je = _i;
    zcfg c = {je ? "jemalloc" : "libc", 1, 0, 0, 1, 0};
    recorder rec = {0};
    alloc_t *a = make(&c, &rec), *other = make(&c, NULL);
    char *p = alloc_malloc(a, 100), *q = alloc_malloc(a, 50);
    memset(p, 0, 100);
    char *foreign = alloc_malloc(other, 100);
    static _Alignas(4096) char page[8192];
    alloc_stats snap = stats_of(a);
    int calls = 0;

    alloc_free(a, p + 16); /* interior, 8 mod 16: its "header" is the caller's zeros */
    expect_report(&rec, ++calls, ALLOC_EFOREIGN, p + 16);
    alloc_free(a, p + 1); /* not 8 mod 16: rejected before any read */
    expect_report(&rec, ++calls, ALLOC_EFOREIGN, p + 1);
    alloc_free(a, page + 4096); /* page-aligned: p - 8 is never read */
    expect_report(&rec, ++calls, ALLOC_EFOREIGN, page + 4096);
    alloc_free(a, foreign); /* another instance's block: other key, other tag */
    expect_report(&rec, ++calls, ALLOC_EFOREIGN, foreign);
    alloc_free_sized(a, q, 49);
    expect_report(&rec, ++calls, ALLOC_EINVAL, q);
    ck_assert_ptr_null(alloc_realloc(a, p + 32, 10));
    expect_report(&rec, ++calls, ALLOC_EFOREIGN, p + 32);
    ck_assert_uint_eq(alloc_usable_size(a, p + 48), 0);
    expect_report(&rec, ++calls, ALLOC_EFOREIGN, p + 48);
    assert_unchanged(&snap, a);

    /* Nothing between the two frees may allocate: Check's own bookkeeping uses the
     * process's malloc (jemalloc here), which could be handed q's memory back and
     * make the second free rightly a foreign one. */
    alloc_free(a, q);
    snap = stats_of(a);
    alloc_free(a, q);
    expect_report(&rec, ++calls, je ? ALLOC_EDOUBLEFREE : ALLOC_EFOREIGN, q);
    if (!je)
        ck_assert_msg(strstr(rec.msg, "already freed") != NULL, "%s", rec.msg);
    assert_unchanged(&snap, a);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_free(a, p);
    alloc_free(other, foreign);
    ck_assert_uint_eq(stats_of(a).used_bytes, 0);
    alloc_destroy(a);
    alloc_destroy(other);
}
END_TEST

static const zcfg track_cfgs[] = {
    {"libc", 0, 0, 1, 1, 0}, {"jemalloc", 0, 0, 1, 0, 0}, {"jemalloc", 1, 0, 1, 1, 0},
    {"libc", 1, 1, 1, 0, 0},
};

/* The table knows every pointer: nothing of the base is touched for a bad call, and a
 * double free is told apart from a foreign pointer whatever the base wrote. */
START_TEST(bad_calls_caught_by_table)
{
    const zcfg *c = &track_cfgs[_i];
    recorder rec = {0};
    alloc_t *a = make(c, &rec);
    char *p = alloc_malloc(a, 100), *q = alloc_malloc(a, 3000), *r = alloc_calloc(a, 4, 10);
    void *foreign = malloc(64);
    alloc_stats snap = stats_of(a);
    int calls = 0;
    alloc_free(a, p + 8);
    expect_report(&rec, ++calls, ALLOC_EFOREIGN, p + 8);
    alloc_free(a, foreign);
    expect_report(&rec, ++calls, ALLOC_EFOREIGN, foreign);
    alloc_free_sized(a, q, 2999);
    expect_report(&rec, ++calls, ALLOC_EINVAL, q);
    ck_assert_ptr_null(alloc_realloc(a, foreign, 10));
    expect_report(&rec, ++calls, ALLOC_EFOREIGN, foreign);
    assert_unchanged(&snap, a);

    alloc_free_sized(a, q, 3000);
    snap = stats_of(a);
    alloc_free(a, q);
    expect_report(&rec, ++calls, ALLOC_EDOUBLEFREE, q);
    alloc_free_sized(a, q, 3000);
    expect_report(&rec, ++calls, ALLOC_EDOUBLEFREE, q);
    ck_assert_ptr_null(alloc_realloc(a, q, 10));
    expect_report(&rec, ++calls, ALLOC_EDOUBLEFREE, q);
    assert_unchanged(&snap, a);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);

    if (c->prefix) {
        /* A write just before the block damages its header: the table sees it. */
        /* Through a volatile copy: gcc knows r's bounds and rightly objects. */
        char *volatile laundered = r;
        char *last_hdr_byte = laundered - 1;
        char saved = *last_hdr_byte;
        *last_hdr_byte ^= 0x5a;
        alloc_free(a, r);
        expect_report(&rec, ++calls, ALLOC_ECORRUPT, r);
        ck_assert_int_eq(alloc_check(a), ALLOC_ECORRUPT);
        ck_assert_int_eq(rec.calls, ++calls);
        *last_hdr_byte = saved;
        assert_unchanged(&snap, a);
    }
    alloc_free(a, r);
    alloc_free(a, p);
    ck_assert_int_eq(rec.calls, calls);
    ck_assert_uint_eq(stats_of(a).used_bytes, 0);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    free(foreign);
    alloc_destroy(a);
}
END_TEST

/* Tombstones outlive many other frees: a pointer freed long ago is still a double free. */
START_TEST(table_remembers_freed_pointers)
{
    zcfg c = {"jemalloc", 0, 0, 1, 1, 0};
    recorder rec = {0};
    alloc_t *a = make(&c, &rec);
    static void *blocks[20000];
    void *early = alloc_malloc(a, 77);
    alloc_free(a, early);
    for (int i = 0; i < 20000; i++)
        blocks[i] = alloc_malloc(a, 16 + i % 200);
    for (int i = 0; i < 20000; i += 2)
        alloc_free(a, blocks[i]);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    int reused = 0;
    for (int i = 1; i < 20000; i += 2)
        reused |= blocks[i] == early;
    if (!reused) {
        alloc_free(a, early);
        ck_assert_int_eq(rec.calls, 1);
        ck_assert_int_ne(rec.status, ALLOC_OK);
    }
    for (int i = 1; i < 20000; i += 2)
        alloc_free(a, blocks[i]);
    ck_assert_uint_eq(stats_of(a).live_blocks, 0);
    alloc_destroy(a);
}
END_TEST

START_TEST(destroy_with_track_frees_live_blocks)
{
    zcfg c = {"jemalloc", 0, 0, 1, 1, 0};
    alloc_t *a = make(&c, NULL);
    size_t sum = 0;
    for (size_t i = 0; i < 100; i++) {
        void *p = alloc_malloc(a, 100 + i * 50);
        sum += sallocx(p, 0);
    }
    uint64_t before = je_thread_deallocated();
    alloc_destroy(a);
    ck_assert_uint_ge(je_thread_deallocated() - before, sum);
}
END_TEST

/* No handler: the message goes to stderr and the process aborts. */
START_TEST(default_handler_aborts_prefix)
{
    zcfg c = {"libc", 1, 0, 0, 1, 0};
    alloc_t *a = make(&c, NULL);
    char *p = alloc_malloc(a, 64);
    memset(p, 0, 64);
    alloc_free(a, p + 16);
}
END_TEST

START_TEST(default_handler_aborts_track)
{
    zcfg c = {"jemalloc", 0, 0, 1, 1, 0};
    alloc_t *a = make(&c, NULL);
    void *p = alloc_malloc(a, 64);
    alloc_free(a, p);
    alloc_free(a, p);
}
END_TEST

/* ---- configuration --------------------------------------------------------------------- */

START_TEST(defaults_fill_the_zmalloc_section)
{
    alloc_config cfg;
    ck_assert_int_eq(alloc_config_init(&cfg, "zmalloc"), ALLOC_OK);
    ck_assert_str_eq(cfg.zmalloc.base, "libc");
    ck_assert_int_eq(cfg.zmalloc.prefix, -1);
    ck_assert_int_eq(cfg.zmalloc.round_to_long, 0);
    ck_assert_int_eq(cfg.zmalloc.track, 0);
    ck_assert_int_eq(alloc_config_check(&cfg, NULL, 0), ALLOC_OK);

    char base[16] = "jemalloc";
    cfg.zmalloc.base = base;
    alloc_t *a = NULL;
    ck_assert_int_eq(alloc_create(&cfg, &a), ALLOC_OK);
    strcpy(base, "garbage");
    ck_assert_str_eq(alloc_get_config(a)->zmalloc.base, "jemalloc");
    ck_assert_str_eq(alloc_backend_name(a), "zmalloc");
    ck_assert(zm_is_instance(a));
    alloc_destroy(a);
}
END_TEST

typedef struct bad_field {
    const char *field;
    const char *base;
    int prefix, round, track;
} bad_field;

static const bad_field bad_fields[] = {
    {"zmalloc.base", "tcmalloc", -1, 0, 0}, {"zmalloc.base", NULL, -1, 0, 0},
    {"zmalloc.prefix", "libc", 2, 0, 0},    {"zmalloc.prefix", "libc", -2, 0, 0},
    {"zmalloc.round_to_long", "libc", 0, 2, 0}, {"zmalloc.round_to_long", "jemalloc", 0, -1, 0},
    {"zmalloc.track", "libc", 0, 0, 3},      {"zmalloc.track", "jemalloc", 1, 1, -1},
};

START_TEST(invalid_fields_rejected_by_name)
{
    const bad_field *b = &bad_fields[_i];
    alloc_config cfg;
    alloc_config_init(&cfg, "zmalloc");
    cfg.zmalloc.base = b->base;
    cfg.zmalloc.prefix = b->prefix;
    cfg.zmalloc.round_to_long = b->round;
    cfg.zmalloc.track = b->track;
    expect_config_rejected(cfg, b->field);
}
END_TEST

/* ---- the typed API --------------------------------------------------------------------- */

START_TEST(typed_api_matches_interface)
{
    zcfg c = {"jemalloc", 0, 0, 0, 1, 0};
    alloc_t *a = make(&c, NULL);
    char *s = zm_strdup(a, "hello");
    ck_assert_str_eq(s, "hello");
    ck_assert_uint_eq(zm_used_memory(a), nallocx(6, 0));
    ck_assert_uint_eq(zm_counted_size(a, s), nallocx(6, 0));
    ck_assert_uint_eq(zm_usable_size(a, s), alloc_usable_size(a, s));
    ck_assert_uint_eq(zm_good_size(a, 100), nallocx(100, 0));
    s = zm_realloc(a, s, 1000);
    ck_assert_str_eq(s, "hello");
    ck_assert_uint_eq(zm_used_memory(a), stats_of(a).used_bytes);
    zm_free_sized(a, s, 1000);
    zm_free(a, NULL);
    ck_assert_uint_eq(zm_used_memory(a), 0);
    alloc_destroy(a);
}
END_TEST

/* Over jemalloc without the prefix, sizes come from a table up to 4 KiB and from
 * jemalloc's four-classes-per-doubling rule above it, never from a lookup on the block:
 * both must agree with jemalloc at every class boundary, and a block grown step by step
 * (in place or moved) must always count what jemalloc says it holds.  _i: thread_safe. */
START_TEST(jemalloc_sizes_without_lookup_match_jemalloc)
{
    zcfg c = {"jemalloc", 0, 0, 0, _i, 0};
    alloc_t *a = make(&c, NULL);
    for (size_t base = 8; base < ((size_t)1 << 34); base *= 2) {
        size_t step = base < 128 ? 16 : base / 4;
        for (size_t n = base; n <= 2 * base; n += step) {
            size_t probe[] = {n - 1, n, n + 1};
            for (size_t i = 0; i < 3; i++)
                REQUIRE(zm_good_size(a, probe[i]) == nallocx(probe[i], 0));
        }
    }
    for (size_t n = 1; n <= ((size_t)1 << 20); n = n < 8192 ? n + 1 : n + n / 7) {
        void *p = alloc_malloc(a, n);
        REQUIRE(p != NULL);
        REQUIRE(zm_counted_size(a, p) == sallocx(p, 0));
        REQUIRE(zm_used_memory(a) == sallocx(p, 0));
        alloc_free_sized(a, p, n);
        REQUIRE(zm_used_memory(a) == 0);
    }
    void *keep = alloc_malloc(a, 100);
    void *p = alloc_malloc(a, 16);
    size_t size = 16;
    for (size_t next = 64; next <= 65536; next += 64) {
        p = alloc_realloc(a, p, next);
        REQUIRE(p != NULL);
        size = next;
        REQUIRE(zm_used_memory(a) == sallocx(keep, 0) + sallocx(p, 0));
    }
    for (size_t next = 65536; next >= 16; next /= 3) {
        p = alloc_realloc(a, p, next);
        REQUIRE(p != NULL);
        size = next;
        REQUIRE(zm_used_memory(a) == sallocx(keep, 0) + sallocx(p, 0));
    }
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_free_sized(a, p, size);
    alloc_free(a, keep);
    alloc_stats st = stats_of(a);
    ck_assert_uint_eq(st.used_bytes, 0);
    ck_assert_uint_eq(st.live_blocks, 0);
    ck_assert_uint_eq(st.allocs, st.frees);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

/* ---- INFO memory ----------------------------------------------------------------------- */

static double field_double(const char *text, const char *name)
{
    char key[64];
    snprintf(key, sizeof key, "\n%s:", name);
    const char *s = strstr(text, key);
    ck_assert_msg(s != NULL, "INFO lacks %s", name);
    return strtod(s + strlen(key), NULL);
}

START_TEST(info_memory_report)
{
    int je = _i;
    zcfg c = {je ? "jemalloc" : "libc", 0, 0, 0, 1, 0};
    alloc_t *a = make(&c, NULL);
    static void *p[3000];
    for (int i = 0; i < 3000; i++)
        p[i] = alloc_malloc(a, 24 + (size_t)(i % 7) * 40);
    for (int i = 0; i < 3000; i += 3)
        alloc_free(a, p[i]);
    zm_info_memory m;
    ck_assert_int_eq(zm_info_memory_fill(a, &m), ALLOC_OK);
    alloc_stats st = stats_of(a);
    ck_assert_uint_eq(m.used_memory, st.used_bytes);
    ck_assert_uint_eq(m.used_memory_peak, st.peak_used_bytes);
    ck_assert_uint_ge(m.used_memory_peak, m.used_memory);
    ck_assert_uint_gt(m.used_memory_rss, 0);
    ck_assert_double_eq_tol(m.mem_fragmentation_ratio,
                            (double)m.used_memory_rss / (double)m.used_memory, 1e-9);
    ck_assert_int_eq(m.mem_fragmentation_bytes,
                     (long long)m.used_memory_rss - (long long)m.used_memory);
    if (je) {
        ck_assert_int_eq(m.allocator_stats, 1);
        ck_assert_uint_ge(m.allocator_allocated, m.used_memory);
        ck_assert_uint_ge(m.allocator_active, m.allocator_allocated);
        ck_assert_uint_ge(m.allocator_resident, m.allocator_active);
        ck_assert_str_eq(m.mem_allocator, "jemalloc-5.3.0");
    } else {
        ck_assert_int_eq(m.allocator_stats, 0);
        ck_assert_uint_eq(m.allocator_allocated, m.used_memory);
        ck_assert_uint_eq(m.allocator_active, m.used_memory_rss);
        ck_assert_uint_eq(m.allocator_resident, m.used_memory_rss);
        ck_assert_str_eq(m.mem_allocator, "libc");
    }
    ck_assert_double_eq_tol(m.allocator_frag_ratio,
                            (double)m.allocator_active / (double)m.allocator_allocated, 1e-9);
    ck_assert_double_eq_tol(m.allocator_rss_ratio,
                            (double)m.allocator_resident / (double)m.allocator_active, 1e-9);
    ck_assert_double_eq_tol(m.rss_overhead_ratio,
                            (double)m.used_memory_rss / (double)m.allocator_resident, 1e-9);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    zm_info_memory_print(f, &m);
    fclose(f);
    static const char *const names[] = {
        "used_memory", "used_memory_human", "used_memory_rss", "used_memory_rss_human",
        "used_memory_peak", "used_memory_peak_human", "allocator_allocated",
        "allocator_active", "allocator_resident", "allocator_frag_ratio",
        "allocator_frag_bytes", "allocator_rss_ratio", "allocator_rss_bytes",
        "rss_overhead_ratio", "rss_overhead_bytes", "mem_fragmentation_ratio",
        "mem_fragmentation_bytes", "mem_allocator"};
    ck_assert(strncmp(text, "# Memory\n", 9) == 0);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        field_double(text, names[i]);
    ck_assert_uint_eq((size_t)field_double(text, "used_memory"), m.used_memory);
    ck_assert_uint_eq((size_t)field_double(text, "used_memory_rss"), m.used_memory_rss);
    /* Two decimals, as Redis prints its floats. */
    double shown = field_double(text, "mem_fragmentation_ratio");
    ck_assert_double_eq_tol(shown, (double)m.used_memory_rss / (double)m.used_memory, 0.005 + 1e-9);
    shown = field_double(text, "allocator_frag_ratio");
    ck_assert_double_eq_tol(shown, m.allocator_frag_ratio, 0.005 + 1e-9);
    char want[64];
    snprintf(want, sizeof want, "\nmem_fragmentation_ratio:%.2f\n", m.mem_fragmentation_ratio);
    ck_assert(strstr(text, want) != NULL);
    free(text);
    for (int i = 0; i < 3000; i++)
        if (i % 3)
            alloc_free(a, p[i]);
    alloc_destroy(a);
}
END_TEST

static Suite *zmalloc_suite(void)
{
    Suite *s = suite_create("zmalloc");
    TCase *tc = tcase_create("accounting");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, used_memory_matches_base_over_random_ops, 0, N_RANDOM_CFGS);
    tcase_add_test(tc, counted_sizes_by_mode);
    tcase_add_test(tc, malloc_zero_is_sizeof_long);
    tcase_add_test(tc, redis_string_key_costs_192_bytes);
    tcase_add_test(tc, peak_exact_without_thread_safety);
    tcase_add_test(tc, peak_sampled_with_thread_safety);
    tcase_add_test(tc, typed_api_matches_interface);
    tcase_add_loop_test(tc, jemalloc_sizes_without_lookup_match_jemalloc, 0, 2);
    suite_add_tcase(s, tc);

    tc = tcase_create("alignment");
    tcase_add_loop_test(tc, prefix_blocks_are_8_mod_16, 0, 2);
    tcase_add_test(tc, alignment_without_prefix);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, two_threads_count_exactly, 0,
                        (int)(sizeof thread_cfgs / sizeof thread_cfgs[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_loop_test(tc, limit_fails_without_touching_base, 0, 2);
    tcase_add_test(tc, limit_in_prefix_mode);
    tcase_add_loop_test(tc, oversized_and_overflowing_requests_fail, 0, 2);
    suite_add_tcase(s, tc);

    tc = tcase_create("bad_calls");
    tcase_add_loop_test(tc, bad_calls_caught_by_prefix, 0, 2);
    tcase_add_loop_test(tc, bad_calls_caught_by_table, 0,
                        (int)(sizeof track_cfgs / sizeof track_cfgs[0]));
    tcase_add_test(tc, table_remembers_freed_pointers);
    tcase_add_test(tc, destroy_with_track_frees_live_blocks);
    tcase_add_test_raise_signal(tc, default_handler_aborts_prefix, SIGABRT);
    tcase_add_test_raise_signal(tc, default_handler_aborts_track, SIGABRT);
    suite_add_tcase(s, tc);

    tc = tcase_create("config");
    tcase_add_test(tc, defaults_fill_the_zmalloc_section);
    tcase_add_loop_test(tc, invalid_fields_rejected_by_name, 0,
                        (int)(sizeof bad_fields / sizeof bad_fields[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("info");
    tcase_add_loop_test(tc, info_memory_report, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(zmalloc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
