/* test_conformance.c - the contract of alloc_api.h, checked against every backend
 * configuration: one Check suite per configuration (CK_RUN_SUITE=<name> runs one),
 * the same cases in each.  What a case expects is derived from the interface's
 * promises, never from one backend's internals. */
#include "alloc_api.h"

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

/* ---- the configurations ------------------------------------------------------ */

typedef struct conf_case {
    const char *name;
    const char *backend;
    void (*tune)(alloc_config *cfg);
    int detects_bad_frees;  /* the contract promises detection for this config */
    int double_free_exact;  /* double free always reported as ALLOC_EDOUBLEFREE */
    size_t good_size_slack; /* usable_size may exceed good_size by less than this:
                               glibc's usable size depends on its state (a split
                               remainder too small to keep, its moving mmap threshold),
                               so its prediction is the least a request gets */
    int destroy_frees_live; /* alloc_destroy returns live blocks too; untracked zmalloc
                               keeps no list of them (as Redis), so the caller frees */
} conf_case;

static void zm_libc(alloc_config *c) { c->zmalloc.base = "libc"; }
static void zm_libc_prefix(alloc_config *c) { c->zmalloc.base = "libc"; c->zmalloc.prefix = 1; }
static void zm_libc_track(alloc_config *c) { c->zmalloc.base = "libc"; c->zmalloc.track = 1; }
static void zm_libc_round(alloc_config *c)
{
    c->zmalloc.base = "libc";
    c->zmalloc.prefix = 1;
    c->zmalloc.round_to_long = 1;
}
static void zm_je(alloc_config *c) { c->zmalloc.base = "jemalloc"; }
static void zm_je_prefix(alloc_config *c) { c->zmalloc.base = "jemalloc"; c->zmalloc.prefix = 1; }
static void zm_je_track(alloc_config *c) { c->zmalloc.base = "jemalloc"; c->zmalloc.track = 1; }
static void zm_je_noprefix_st(alloc_config *c)
{
    c->zmalloc.base = "jemalloc";
    c->zmalloc.prefix = 0;
    c->thread_safe = 0;
}
static void sl_125(alloc_config *c) { (void)c; }
static void sl_108(alloc_config *c) { c->slab.growth_factor = 1.08; }
static void sl_2(alloc_config *c) { c->slab.growth_factor = 2.0; c->thread_safe = 0; }
static void sl_memcached(alloc_config *c) { c->slab.min_chunk = 96; }
static void sl_small_pages(alloc_config *c)
{
    c->slab.page_size = 64 * 1024;
    c->slab.growth_factor = 1.5;
}
static const size_t explicit_sizes[] = {64, 128, 256, 512, 1024, 4096, 16384, 65536};
static void sl_sizes(alloc_config *c)
{
    c->slab.sizes = explicit_sizes;
    c->slab.nsizes = sizeof explicit_sizes / sizeof explicit_sizes[0];
}

static const conf_case cases[] = {
    {"zmalloc-libc", "zmalloc", zm_libc, 0, 0, 4096, 0},
    {"zmalloc-libc-prefix", "zmalloc", zm_libc_prefix, 1, 0, 0, 0},
    {"zmalloc-libc-track", "zmalloc", zm_libc_track, 1, 1, 4096, 1},
    {"zmalloc-libc-round", "zmalloc", zm_libc_round, 1, 0, 0, 0},
    {"zmalloc-jemalloc", "zmalloc", zm_je, 0, 0, 0, 0},
    {"zmalloc-jemalloc-prefix", "zmalloc", zm_je_prefix, 1, 0, 0, 0},
    {"zmalloc-jemalloc-track", "zmalloc", zm_je_track, 1, 1, 0, 1},
    {"zmalloc-jemalloc-st", "zmalloc", zm_je_noprefix_st, 0, 0, 0, 0},
    {"slab-f1.25", "slab", sl_125, 1, 1, 0, 1},
    {"slab-f1.08", "slab", sl_108, 1, 1, 0, 1},
    {"slab-f2.0-st", "slab", sl_2, 1, 1, 0, 1},
    {"slab-memcached", "slab", sl_memcached, 1, 1, 0, 1},
    {"slab-64k-pages", "slab", sl_small_pages, 1, 1, 0, 1},
    {"slab-sizes", "slab", sl_sizes, 1, 1, 0, 1},
};
enum { NCASES = sizeof cases / sizeof cases[0] };

/* ---- helpers -------------------------------------------------------------------- */

/* KVALLOC_TEST_QUICK=1 (set for the Valgrind run, which is ~30x slower) cuts counts and
 * sizes; every other run, the sanitizers' included, uses the full ones. */
static size_t full_or_quick(size_t full, size_t quick)
{
    static int quick_mode = -1;
    if (quick_mode < 0) {
        const char *env = getenv("KVALLOC_TEST_QUICK");
        quick_mode = env != NULL && env[0] != '\0' && env[0] != '0';
    }
    return quick_mode ? quick : full;
}

/* Index of the first nonzero byte of p[0..n), or n. */
static size_t first_nonzero(const unsigned char *p, size_t n)
{
    size_t k = 0;
    while (k < n && p[k] == 0)
        k++;
    return k;
}

/* An error handler that records instead of aborting, so bad calls can be observed. */
static alloc_t *make(int i, size_t mem_limit, recorder *rec)
{
    alloc_config cfg;
    ck_assert_int_eq(alloc_config_init(&cfg, cases[i].backend), ALLOC_OK);
    cases[i].tune(&cfg);
    cfg.mem_limit = mem_limit;
    if (rec != NULL) {
        memset(rec, 0, sizeof *rec);
        cfg.on_error = record;
        cfg.on_error_ud = rec;
    }
    char msg[256];
    alloc_status st = alloc_config_check(&cfg, msg, sizeof msg);
    ck_assert_msg(st == ALLOC_OK, "%s: config rejected: %s", cases[i].name, msg);
    alloc_t *a = NULL;
    ck_assert_int_eq(alloc_create(&cfg, &a), ALLOC_OK);
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(alloc_backend_name(a), cases[i].backend);
    return a;
}

static unsigned char pattern(size_t block, size_t offset)
{
    return (unsigned char)(block * 131u + offset * 7u + 1u);
}

static void fill(void *p, size_t n, size_t id)
{
    unsigned char *c = p;
    for (size_t k = 0; k < n; k++)
        c[k] = pattern(id, k);
}

static int intact(const void *p, size_t n, size_t id)
{
    const unsigned char *c = p;
    for (size_t k = 0; k < n; k++)
        if (c[k] != pattern(id, k))
            return 0;
    return 1;
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* What every backend's stats must satisfy given what the caller knows: the live
 * count, the sum of requested sizes, and allocations/frees made so far. */
static void check_stats(alloc_t *a, size_t live, size_t requested, unsigned long long allocs,
                        unsigned long long frees)
{
    alloc_stats s;
    alloc_get_stats(a, &s);
    EXPECT_EQ(s.live_blocks, live);
    EXPECT_EQ(s.allocs, allocs);
    EXPECT_EQ(s.frees, frees);
    EXPECT_EQ(s.allocs - s.frees, s.live_blocks);
    EXPECT_GE(s.used_bytes, requested);
    EXPECT_GE(s.used_bytes, s.header_bytes);
    EXPECT_GE(s.held_bytes, s.used_bytes);
    EXPECT_GE(s.peak_held_bytes, s.held_bytes);
    EXPECT_GE(s.peak_used_bytes, s.used_bytes);
    if (live == 0) {
        EXPECT_EQ(s.used_bytes, 0);
        EXPECT_EQ(s.header_bytes, 0);
    }
}

/* good_size(n) is the usable size the block for n got: exactly, or for glibc the
 * least it could get. */
static void check_good_size(int i, const alloc_t *a, size_t n, const void *p)
{
    size_t good = alloc_good_size(a, n), usable = alloc_usable_size(a, p);
    EXPECT(good >= n, "good_size(%zu)=%zu", n, good);
    if (cases[i].good_size_slack == 0)
        EXPECT(good == usable, "good_size(%zu)=%zu usable=%zu", n, good, usable);
    else
        EXPECT(good <= usable && usable - good < cases[i].good_size_slack,
               "good_size(%zu)=%zu usable=%zu", n, good, usable);
}

/* ---- cases ---------------------------------------------------------------------- */

/* Every size 0..4096: live all at once, content intact, usable >= request,
 * aligned, stats exact after every operation; freed in a shuffled order. */
START_TEST(every_small_size)
{
    const size_t N = full_or_quick(4097, 1025);
    alloc_t *a = make(_i, 0, NULL);
    size_t align = alloc_alignment(a);
    ck_assert_uint_ge(align, 8);
    ck_assert_uint_eq(align & (align - 1), 0);
    void **p = calloc(N, sizeof *p);
    size_t *order = calloc(N, sizeof *order);
    size_t requested = 0;
    for (size_t n = 0; n < N; n++) {
        p[n] = alloc_malloc(a, n);
        EXPECT(p[n] != NULL, "malloc(%zu) failed", n);
        EXPECT_EQ((uintptr_t)p[n] % align, 0);
        EXPECT_GE(alloc_usable_size(a, p[n]), n);
        fill(p[n], n, n);
        requested += n;
        check_stats(a, n + 1, requested, n + 1, 0);
        if (n % 512 == 0)
            ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    }
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    for (size_t n = 0; n < N; n++) {
        EXPECT(intact(p[n], n, n), "block of %zu bytes damaged", n);
        order[n] = n;
    }
    uint64_t seed = 42;
    for (size_t n = N - 1; n > 0; n--) {
        size_t j = rng_next(&seed) % (n + 1);
        size_t t = order[n];
        order[n] = order[j];
        order[j] = t;
    }
    for (size_t k = 0; k < N; k++) {
        size_t n = order[k];
        EXPECT(intact(p[n], n, n), "block of %zu bytes damaged", n);
        if (k % 2)
            alloc_free(a, p[n]);
        else
            alloc_free_sized(a, p[n], n);
        requested -= n;
        check_stats(a, N - k - 1, requested, N, k + 1);
    }
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    free(p);
    free(order);
    alloc_destroy(a);
}
END_TEST

/* Powers of two up to 64 MiB (and one byte either side) round-trip intact. */
START_TEST(powers_of_two)
{
    alloc_t *a = make(_i, 0, NULL);
    const unsigned max_shift = (unsigned)full_or_quick(26, 22);
    for (unsigned sh = 0; sh <= max_shift; sh++) {
        for (int d = -1; d <= 1; d++) {
            size_t n = ((size_t)1 << sh) + (size_t)(ptrdiff_t)d;
            if (n == 0)
                continue;
            unsigned char *p = alloc_malloc(a, n);
            ck_assert_msg(p != NULL, "malloc(%zu) failed", n);
            ck_assert_uint_eq((uintptr_t)p % alloc_alignment(a), 0);
            ck_assert_uint_ge(alloc_usable_size(a, p), n);
            check_good_size(_i, a, n, p);
            /* Touch every 4 KiB and both ends rather than every byte: 64 MiB blocks
             * would dominate the suite's time otherwise. */
            for (size_t k = 0; k < n; k += 4096)
                p[k] = pattern(sh, k);
            p[n - 1] = 0x5a;
            for (size_t k = 0; k < n - 1; k += 4096)
                EXPECT(p[k] == pattern(sh, k), "block of %zu bytes: byte %zu changed", n, k);
            ck_assert_uint_eq(p[n - 1], 0x5a);
            alloc_stats s;
            alloc_get_stats(a, &s);
            ck_assert_uint_eq(s.live_blocks, 1);
            ck_assert_uint_ge(s.used_bytes, n);
            alloc_free(a, p);
            alloc_get_stats(a, &s);
            ck_assert_uint_eq(s.live_blocks, 0);
            ck_assert_uint_eq(s.used_bytes, 0);
        }
    }
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

/* good_size predicts usable_size for every small size and a spread of large ones. */
START_TEST(good_size_agrees)
{
    alloc_t *a = make(_i, 0, NULL);
    const size_t step = full_or_quick(1, 7);
    for (size_t n = 0; n <= 20000; n += (n < 4096 ? step : 97)) {
        void *p = alloc_malloc(a, n);
        EXPECT(p != NULL, "malloc(%zu) failed", n);
        check_good_size(_i, a, n, p);
        alloc_free(a, p);
    }
    for (size_t n = 100000; n < ((size_t)8 << 20); n = n * 3 / 2) {
        void *p = alloc_malloc(a, n);
        EXPECT(p != NULL, "malloc(%zu) failed", n);
        check_good_size(_i, a, n, p);
        alloc_free(a, p);
    }
    alloc_destroy(a);
}
END_TEST

/* malloc(0) gives distinct, freeable blocks. */
START_TEST(malloc_zero)
{
    alloc_t *a = make(_i, 0, NULL);
    void *x = alloc_malloc(a, 0), *y = alloc_malloc(a, 0);
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(y);
    ck_assert_ptr_ne(x, y);
    alloc_free(a, x);
    alloc_free(a, y);
    alloc_free(a, NULL); /* no-op */
    check_stats(a, 0, 0, 2, 2);
    alloc_destroy(a);
}
END_TEST

/* calloc returns zeroed memory even where a dirty block was just freed; an
 * overflowing count fails, counts, and leaves the instance usable. */
START_TEST(calloc_zero_and_overflow)
{
    alloc_t *a = make(_i, 0, NULL);
    size_t sizes[] = {1, 24, 100, 1000, 5000, 70000, 1 << 20};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        unsigned char *d = alloc_malloc(a, n);
        ck_assert_ptr_nonnull(d);
        memset(d, 0xAB, n);
        alloc_free(a, d);
        unsigned char *z = alloc_calloc(a, n, 1);
        ck_assert_ptr_nonnull(z);
        size_t j = first_nonzero(z, n);
        ck_assert_msg(j == n, "calloc(%zu) byte %zu not zero", n, j);
        alloc_free(a, z);
        z = alloc_calloc(a, 3, n);
        ck_assert_ptr_nonnull(z);
        j = first_nonzero(z, 3 * n);
        ck_assert_msg(j == 3 * n, "calloc(3, %zu) byte %zu not zero", n, j);
        alloc_free(a, z);
    }
    alloc_stats before, after;
    alloc_get_stats(a, &before);
    /* Through volatiles: the alloc_size attributes make gcc reject these sizes at
     * compile time, and here they are the point. */
    volatile size_t half = SIZE_MAX / 2, three = 3, big = (size_t)1 << 33, max = SIZE_MAX;
    ck_assert_ptr_null(alloc_calloc(a, half, three));
    ck_assert_ptr_null(alloc_calloc(a, three, half));
    ck_assert_ptr_null(alloc_calloc(a, big, big));
    alloc_get_stats(a, &after);
    ck_assert_uint_eq(after.failed_allocs, before.failed_allocs + 3);
    ck_assert_uint_eq(after.live_blocks, before.live_blocks);
    ck_assert_ptr_null(alloc_malloc(a, max));
    ck_assert_ptr_null(alloc_malloc(a, half + 1));
    alloc_get_stats(a, &after);
    ck_assert_uint_eq(after.failed_allocs, before.failed_allocs + 5);
    void *p = alloc_calloc(a, 0, 10);
    ck_assert_ptr_nonnull(p);
    alloc_free(a, p);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

/* realloc keeps the common prefix across growth and shrinkage, in place or moved;
 * realloc(NULL, n) allocates; realloc(p, 0) frees and returns NULL. */
START_TEST(realloc_keeps_content)
{
    alloc_t *a = make(_i, 0, NULL);
    unsigned char *p = alloc_realloc(a, NULL, 10);
    ck_assert_ptr_nonnull(p);
    fill(p, 10, 7);
    size_t cur = 10;
    size_t steps[] = {11, 40, 41, 100, 97, 500, 3000, 2999, 70000, 600000, 3000000,
                      1000, 200, 16, 1, 5000, 8, 0};
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        size_t n = steps[k];
        unsigned char *q = alloc_realloc(a, p, n);
        if (n == 0) {
            ck_assert_ptr_null(q);
            check_stats(a, 0, 0, 1, 1);
            break;
        }
        ck_assert_ptr_nonnull(q);
        ck_assert_uint_ge(alloc_usable_size(a, q), n);
        size_t keep = cur < n ? cur : n;
        ck_assert_msg(intact(q, keep, 7), "realloc %zu -> %zu lost content", cur, n);
        fill(q, n, 7);
        p = q;
        cur = n;
        alloc_stats s;
        alloc_get_stats(a, &s);
        ck_assert_uint_eq(s.live_blocks, 1);
        ck_assert_uint_ge(s.used_bytes, n);
        ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    }
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

/* A random mix of every call against a shadow model: contents, counts and the
 * instance's own invariants hold throughout. */
START_TEST(random_ops_against_shadow)
{
    enum { SLOTS = 512 };
    const size_t OPS = full_or_quick(40000, 8000);
    alloc_t *a = make(_i, 0, NULL);
    unsigned char *p[SLOTS] = {0};
    size_t n[SLOTS] = {0}, id[SLOTS] = {0};
    size_t live = 0, requested = 0;
    unsigned long long allocs = 0, frees = 0;
    uint64_t seed = 0x1234 + (uint64_t)_i;
    for (size_t op = 0; op < OPS; op++) {
        size_t s = rng_next(&seed) % SLOTS;
        uint64_t r = rng_next(&seed);
        size_t size = (r >> 8) % 4 == 0 ? (r >> 16) % 40000 : (r >> 16) % 600;
        if (p[s] == NULL) {
            p[s] = (r & 1) ? alloc_malloc(a, size) : alloc_calloc(a, 1, size);
            EXPECT(p[s] != NULL, "op %zu: allocation of %zu failed", op, size);
            n[s] = size;
            id[s] = op;
            fill(p[s], size, op);
            live++;
            allocs++;
            requested += size;
        } else {
            EXPECT(intact(p[s], n[s], id[s]), "op %zu: block damaged", op);
            switch (r % 3) {
            case 0:
                alloc_free(a, p[s]);
                p[s] = NULL;
                live--;
                frees++;
                requested -= n[s];
                break;
            case 1:
                alloc_free_sized(a, p[s], n[s]);
                p[s] = NULL;
                live--;
                frees++;
                requested -= n[s];
                break;
            default: {
                unsigned char *q = alloc_realloc(a, p[s], size == 0 ? 1 : size);
                EXPECT(q != NULL, "op %zu: realloc to %zu failed", op, size);
                size_t keep = n[s] < size ? n[s] : size;
                EXPECT(intact(q, keep, id[s]), "op %zu: realloc lost content", op);
                requested += (size == 0 ? 1 : size);
                requested -= n[s];
                p[s] = q;
                n[s] = size == 0 ? 1 : size;
                id[s] = op;
                fill(q, n[s], op);
                break;
            }
            }
        }
        alloc_stats st;
        alloc_get_stats(a, &st);
        EXPECT_EQ(st.live_blocks, live);
        EXPECT_GE(st.used_bytes, requested);
        EXPECT_GE(st.held_bytes, st.used_bytes);
        if (op % 2048 == 0)
            ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    }
    (void)allocs;
    (void)frees;
    for (size_t s = 0; s < SLOTS; s++)
        if (p[s] != NULL) {
            ck_assert(intact(p[s], n[s], id[s]));
            alloc_free(a, p[s]);
        }
    alloc_stats st;
    alloc_get_stats(a, &st);
    ck_assert_uint_eq(st.live_blocks, 0);
    ck_assert_uint_eq(st.used_bytes, 0);
    ck_assert_uint_eq(st.allocs, st.frees);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

/* The memory limit: allocation fails cleanly at the limit, the instance stays
 * consistent, a failed realloc keeps its block, and frees make room again. */
START_TEST(mem_limit_and_recovery)
{
    const size_t limit = (size_t)4 << 20, bs = 1000;
    alloc_t *a = make(_i, limit, NULL);
    size_t cap = 2 * limit / bs + 16, got = 0;
    void **p = calloc(cap, sizeof *p);
    for (; got < cap; got++) {
        p[got] = alloc_malloc(a, bs);
        if (p[got] == NULL)
            break;
        fill(p[got], bs, got);
    }
    ck_assert_msg(got < cap, "the limit never stopped allocation");
    ck_assert_uint_gt(got, limit / bs / 2);
    alloc_stats s;
    alloc_get_stats(a, &s);
    ck_assert_uint_eq(s.failed_allocs, 1);
    /* The limit binds what the backend counts (Redis's maxmemory binds
     * used_memory; the slab backend's held pages are checked in its own suite). */
    ck_assert_uint_le(s.used_bytes, limit);
    ck_assert_uint_eq(s.live_blocks, got);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    /* Failures repeat, count, and change nothing else. */
    ck_assert_ptr_null(alloc_malloc(a, bs));
    ck_assert_ptr_null(alloc_calloc(a, 1, bs));
    ck_assert_ptr_null(alloc_malloc(a, limit));
    void *r = alloc_realloc(a, p[0], limit);
    ck_assert_ptr_null(r);
    ck_assert(intact(p[0], bs, 0));
    alloc_get_stats(a, &s);
    ck_assert_uint_eq(s.failed_allocs, 5);
    ck_assert_uint_eq(s.live_blocks, got);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    /* Free every other block: allocation of the same size succeeds again. */
    for (size_t k = 0; k < got; k += 2) {
        alloc_free(a, p[k]);
        p[k] = NULL;
    }
    for (size_t k = 0; k < got; k += 2) {
        p[k] = alloc_malloc(a, bs);
        ck_assert_msg(p[k] != NULL, "allocation %zu failed after frees", k);
        fill(p[k], bs, k);
    }
    for (size_t k = 0; k < got; k++) {
        ck_assert(intact(p[k], bs, k));
        alloc_free(a, p[k]);
    }
    alloc_get_stats(a, &s);
    ck_assert_uint_eq(s.live_blocks, 0);
    ck_assert_uint_eq(s.used_bytes, 0);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    free(p);
    alloc_destroy(a);
}
END_TEST

/* A bad call must reach the handler with the right status and a message naming
 * the pointer, then leave the instance exactly as it was. */
static void expect_rejected(alloc_t *a, recorder *rec, void *bad, int use_sized,
                            alloc_status want, int exact)
{
    alloc_stats before, after;
    alloc_get_stats(a, &before);
    int calls = rec->calls;
    if (use_sized)
        alloc_free_sized(a, bad, 64);
    else
        alloc_free(a, bad);
    ck_assert_int_eq(rec->calls, calls + 1);
    if (exact)
        ck_assert_msg(rec->status == want, "status %d (%s), wanted %d: %s", rec->status,
                      alloc_strerror(rec->status), want, rec->msg);
    else
        ck_assert_msg(rec->status == ALLOC_EDOUBLEFREE || rec->status == ALLOC_EFOREIGN,
                      "status %d: %s", rec->status, rec->msg);
    ck_assert_ptr_eq(rec->ptr, bad);
    char ptrtext[32];
    snprintf(ptrtext, sizeof ptrtext, "%p", bad);
    ck_assert_msg(strstr(rec->msg, ptrtext) != NULL, "message does not name %s: %s",
                  ptrtext, rec->msg);
    alloc_get_stats(a, &after);
    ck_assert_msg(memcmp(&before, &after, sizeof before) == 0, "stats changed by a bad free");
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
}

START_TEST(bad_frees_detected)
{
    recorder rec, rec2;
    alloc_t *a = make(_i, 0, &rec);
    alloc_t *b = make(_i, 0, &rec2);
    int exact = cases[_i].double_free_exact;

    unsigned char *keep = alloc_malloc(a, 64);
    fill(keep, 64, 1);
    /* The foreign blocks are taken before anything is freed, so the base (which
     * may be the process's malloc) cannot hand them an address this instance just
     * gave back: that address would rightly be reported as already freed. */
    void *other = alloc_malloc(b, 64);
    fill(other, 64, 3);
    unsigned char *m = malloc(64);
    memset(m, 0, 64);
    unsigned char *x = alloc_malloc(a, 64);
    alloc_free(a, x);
    expect_rejected(a, &rec, x, 0, ALLOC_EDOUBLEFREE, exact);
    expect_rejected(a, &rec, x, 1, ALLOC_EDOUBLEFREE, exact);

    /* Interior pointers, one, two and three granules in. */
    expect_rejected(a, &rec, keep + 8, 0, ALLOC_EFOREIGN, 1);
    expect_rejected(a, &rec, keep + 16, 0, ALLOC_EFOREIGN, 1);
    expect_rejected(a, &rec, keep + 24, 0, ALLOC_EFOREIGN, 1);
    /* A live block of another instance of the same configuration. */
    expect_rejected(a, &rec, other, 0, ALLOC_EFOREIGN, 1);
    /* A stack address and a block from the process's malloc. */
    _Alignas(16) unsigned char stackbuf[64];
    memset(stackbuf, 0, sizeof stackbuf);
    expect_rejected(a, &rec, stackbuf + 16, 0, ALLOC_EFOREIGN, 1);
    expect_rejected(a, &rec, stackbuf + 24, 0, ALLOC_EFOREIGN, 1);
    expect_rejected(a, &rec, m, 0, ALLOC_EFOREIGN, 1);
    expect_rejected(a, &rec, m + 8, 0, ALLOC_EFOREIGN, 1);
    free(m);

    /* The instances are still fully usable and their blocks intact. */
    ck_assert(intact(keep, 64, 1));
    ck_assert(intact(other, 64, 3));
    void *y = alloc_malloc(a, 64);
    ck_assert_ptr_nonnull(y);
    alloc_free(a, y);
    alloc_free(a, keep);
    alloc_free(b, other);
    ck_assert_int_eq(rec2.calls, 0);
    check_stats(a, 0, 0, 3, 3);
    alloc_destroy(a);
    alloc_destroy(b);
}
END_TEST

/* Many instances side by side keep their blocks apart. */
START_TEST(many_instances)
{
    enum { INST = 48, BLOCKS = 64 };
    const int inst_count = (int)full_or_quick(INST, 8);
    alloc_t *inst[INST];
    void *blk[INST][BLOCKS];
    for (int k = 0; k < inst_count; k++) {
        inst[k] = make(_i, 0, NULL);
        for (int j = 0; j < BLOCKS; j++) {
            size_t sz = 16 + (size_t)((k * 37 + j * 101) % 3000);
            blk[k][j] = alloc_malloc(inst[k], sz);
            EXPECT(blk[k][j] != NULL, "instance %d: malloc(%zu) failed", k, sz);
            fill(blk[k][j], sz, (size_t)(k * BLOCKS + j));
        }
    }
    /* Half the instances go, with their blocks live where destroy returns them
     * (LeakSanitizer and Valgrind check that it does). */
    for (int k = 0; k < inst_count; k += 2) {
        if (!cases[_i].destroy_frees_live)
            for (int j = 0; j < BLOCKS; j++)
                alloc_free(inst[k], blk[k][j]);
        alloc_destroy(inst[k]);
    }
    for (int k = 1; k < inst_count; k += 2) {
        alloc_stats s;
        alloc_get_stats(inst[k], &s);
        ck_assert_uint_eq(s.live_blocks, BLOCKS);
        for (int j = 0; j < BLOCKS; j++) {
            size_t sz = 16 + (size_t)((k * 37 + j * 101) % 3000);
            EXPECT(intact(blk[k][j], sz, (size_t)(k * BLOCKS + j)),
                   "instance %d: block %d damaged", k, j);
            alloc_free(inst[k], blk[k][j]);
        }
        ck_assert_int_eq(alloc_check(inst[k]), ALLOC_OK);
        alloc_destroy(inst[k]);
    }
}
END_TEST

/* Two threads on one thread-safe instance, each freeing half of what the other
 * allocated: exact counts at the end. */
typedef struct xfer {
    alloc_t *a;
    void **mine, **theirs;
    size_t n;
    uint64_t seed;
} xfer;

static void *thread_body(void *arg)
{
    xfer *x = arg;
    for (size_t k = 0; k < x->n; k++) {
        size_t sz = rng_next(&x->seed) % 2000;
        x->mine[k] = alloc_malloc(x->a, sz);
        if (x->mine[k] != NULL)
            memset(x->mine[k], (int)(k & 0xff), sz);
        if (k % 3 == 0 && x->mine[k] != NULL) {
            alloc_free(x->a, x->mine[k]);
            x->mine[k] = NULL;
        }
    }
    return NULL;
}

static void *free_theirs(void *arg)
{
    xfer *x = arg;
    for (size_t k = 0; k < x->n; k++)
        alloc_free(x->a, x->theirs[k]);
    return NULL;
}

START_TEST(two_threads_cross_free)
{
    alloc_t *a = make(_i, 0, NULL);
    /* A thread_safe = 0 instance is owned by one caller at a time: it runs the same
     * pattern with the two "threads" one after the other. */
    const size_t N = full_or_quick(30000, 5000);
    void **b1 = calloc(N, sizeof(void *)), **b2 = calloc(N, sizeof(void *));
    xfer x1 = {a, b1, b2, N, 1}, x2 = {a, b2, b1, N, 2};
    pthread_t t1, t2;
    if (alloc_get_config(a)->thread_safe) {
        pthread_create(&t1, NULL, thread_body, &x1);
        pthread_create(&t2, NULL, thread_body, &x2);
        pthread_join(t1, NULL);
        pthread_join(t2, NULL);
    } else {
        thread_body(&x1);
        thread_body(&x2);
    }
    size_t live = 0;
    for (size_t k = 0; k < N; k++)
        live += (b1[k] != NULL) + (b2[k] != NULL);
    alloc_stats s;
    alloc_get_stats(a, &s);
    ck_assert_uint_eq(s.live_blocks, live);
    ck_assert_uint_eq(s.failed_allocs, 0);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    if (alloc_get_config(a)->thread_safe) {
        pthread_create(&t1, NULL, free_theirs, &x1);
        pthread_create(&t2, NULL, free_theirs, &x2);
        pthread_join(t1, NULL);
        pthread_join(t2, NULL);
    } else {
        free_theirs(&x1);
        free_theirs(&x2);
    }
    alloc_get_stats(a, &s);
    ck_assert_uint_eq(s.live_blocks, 0);
    ck_assert_uint_eq(s.used_bytes, 0);
    ck_assert_uint_eq(s.allocs, s.frees);
    ck_assert_uint_eq(s.allocs, 2 * N);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    free(b1);
    free(b2);
    alloc_destroy(a);
}
END_TEST

/* Configuration errors: an unknown backend, and a message that names the field. */
START_TEST(config_errors)
{
    alloc_config cfg;
    ck_assert_int_eq(alloc_config_init(&cfg, "no-such-backend"), ALLOC_EINVAL);
    ck_assert_int_eq(alloc_config_init(NULL, "slab"), ALLOC_EINVAL);
    ck_assert_int_eq(alloc_config_init(&cfg, cases[_i].backend), ALLOC_OK);
    cases[_i].tune(&cfg);
    cfg.backend = "nonsense";
    char msg[256];
    ck_assert_int_eq(alloc_config_check(&cfg, msg, sizeof msg), ALLOC_EINVAL);
    ck_assert_msg(strstr(msg, "nonsense") != NULL, "%s", msg);
    recorder rec = {0};
    cfg.on_error = record;
    cfg.on_error_ud = &rec;
    alloc_t *a = (alloc_t *)&rec; /* must be overwritten with NULL */
    ck_assert_int_eq(alloc_create(&cfg, &a), ALLOC_EINVAL);
    ck_assert_ptr_null(a);
    ck_assert_int_eq(rec.calls, 1);
    ck_assert_int_eq(rec.status, ALLOC_EINVAL);
    ck_assert_msg(strstr(rec.msg, "backend") != NULL, "%s", rec.msg);
    cfg.backend = cases[_i].backend;
    cfg.thread_safe = 7;
    ck_assert_int_eq(alloc_create(&cfg, &a), ALLOC_EINVAL);
    ck_assert_msg(strstr(rec.msg, "thread_safe") != NULL, "%s", rec.msg);
    ck_assert_int_eq(alloc_create(NULL, &a), ALLOC_EINVAL);
    ck_assert_int_eq(alloc_config_check(NULL, msg, sizeof msg), ALLOC_EINVAL);
}
END_TEST

/* ---- registration --------------------------------------------------------------- */

static Suite *conf_suite(int i)
{
    Suite *s = suite_create(cases[i].name);
    TCase *tc = tcase_create("contract");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, every_small_size, i, i + 1);
    tcase_add_loop_test(tc, powers_of_two, i, i + 1);
    tcase_add_loop_test(tc, good_size_agrees, i, i + 1);
    tcase_add_loop_test(tc, malloc_zero, i, i + 1);
    tcase_add_loop_test(tc, calloc_zero_and_overflow, i, i + 1);
    tcase_add_loop_test(tc, realloc_keeps_content, i, i + 1);
    tcase_add_loop_test(tc, random_ops_against_shadow, i, i + 1);
    tcase_add_loop_test(tc, mem_limit_and_recovery, i, i + 1);
    tcase_add_loop_test(tc, many_instances, i, i + 1);
    tcase_add_loop_test(tc, config_errors, i, i + 1);
    suite_add_tcase(s, tc);
    /* Tagged so that ctest can run it on its own (CK_INCLUDE_TAGS=thread) under
     * ThreadSanitizer, and leave it out of the main run (CK_EXCLUDE_TAGS=thread). */
    TCase *threads = tcase_create("threads");
    tcase_set_tags(threads, "thread");
    tcase_set_timeout(threads, 120);
    tcase_add_loop_test(threads, two_threads_cross_free, i, i + 1);
    suite_add_tcase(s, threads);
    if (cases[i].detects_bad_frees) {
        /* Configurations without a header or a live-block table hand bad frees to
         * the base allocator (undefined behaviour, as in Redis): nothing to test. */
        TCase *bad = tcase_create("bad_frees");
        tcase_add_loop_test(bad, bad_frees_detected, i, i + 1);
        suite_add_tcase(s, bad);
    }
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(conf_suite(0));
    for (int i = 1; i < NCASES; i++)
        srunner_add_suite(sr, conf_suite(i));
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
