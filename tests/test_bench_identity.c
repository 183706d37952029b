/* test_bench_identity.c - held = requested + header + alignment + class_rounding +
 * external, to the byte with external >= 0, in every row of every workload on every
 * backend and peer; and for fixed:N, alignment and class rounding exactly as the class
 * tables predict (computed here independently, and checked against alloc_good_size,
 * nallocx and glibc's chunk formula). */
#include <check.h>
#include <jemalloc/jemalloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cell.h"
#include "cell_fork.h"
#include "config_spec.h"
#include "heap.h"

typedef struct collected collected;
collected *bench_collect(void);
int bench_run_cell(const char *workload, const char *trace, const char *config,
                   unsigned long long ops, unsigned long long seed, size_t mem_limit,
                   collected *out, char *err, size_t errlen);
const cell_row *bench_final(const collected *c);
void bench_check_identity(const collected *c, const char *what);
Suite *bench_identity_suite(void);

static const char *const configs[] = {
    "slab:factor=1.25",
    "slab:factor=2.0,min_chunk=96",
    "slab:sizes=96-120-152-4k",
    "zmalloc:base=libc",
    "zmalloc:base=libc,prefix=1",
    "zmalloc:base=libc,round_to_long=1",
    "zmalloc:base=jemalloc",
    "zmalloc:base=jemalloc,prefix=1",
    "glibc",
    "jemalloc",
};
#define NCONFIGS (int)(sizeof configs / sizeof configs[0])

static const char *const workloads[] = {
    "fixed:100", "uniform:1-6000", "etc", "etc:redis", "redis-strings", "redis-strings:100",
    "churn", "churn:16-2048", "phase-shift",
};

START_TEST(identity_every_workload)
{
    char err[320], what[256];
    collected *c = bench_collect();
    for (size_t w = 0; w < sizeof workloads / sizeof workloads[0]; w++) {
        snprintf(what, sizeof what, "%s on %s", workloads[w], configs[_i]);
        ck_assert_msg(bench_run_cell(workloads[w], NULL, configs[_i], 20000, 1, 0, c, err,
                                     sizeof err) == 0, "%s: %s", what, err);
        bench_check_identity(c, what);
        ck_assert_uint_eq(bench_final(c)->ops, 20000);
    }
    snprintf(what, sizeof what, "sample trace on %s", configs[_i]);
    ck_assert_msg(bench_run_cell(NULL, KVBENCH_SOURCE_DIR "/bench/data/sample_trace.csv",
                                 configs[_i], 0, 1, 0, c, err, sizeof err) == 0, "%s: %s",
                  what, err);
    bench_check_identity(c, what);
}
END_TEST

/* A limit below what the workload needs: allocations fail, the cache evicts, and the
 * identity still holds. */
START_TEST(identity_under_memory_limit)
{
    char err[320], what[256];
    collected *c = bench_collect();
    snprintf(what, sizeof what, "phase-shift on %s, 4 MiB limit", configs[_i]);
    ck_assert_msg(bench_run_cell("phase-shift", NULL, configs[_i], 100000, 1, 4u << 20, c,
                                 err, sizeof err) == 0, "%s: %s", what, err);
    bench_check_identity(c, what);
    const cell_row *f = bench_final(c);
    ck_assert_msg(f->evictions > 0, "%s: no evictions", what);
    ck_assert_msg(f->used <= (4u << 20), "%s: used %llu above the limit", what,
                  (unsigned long long)f->used);
}
END_TEST

/* ---- fixed:N against independently computed class tables ------------------ */

static size_t up(size_t n, size_t a) { return (n + a - 1) / a * a; }

/* memcached's slabs_init, written again: start at min_chunk, align to 8, multiply by
 * the factor truncating to unsigned, stop at chunk_max / factor, then chunk_max. */
static size_t memcached_chunk(size_t n, double f, size_t min_chunk, size_t page)
{
    size_t chunk_max = page / 2;
    unsigned size = (unsigned)min_chunk;
    for (int id = 1; id < 63 && size < chunk_max / f; id++) {
        size_t chunk = up(size, 8);
        if (chunk >= n)
            return chunk;
        size = (unsigned)(chunk * f);
    }
    return chunk_max;
}

/* jemalloc 5.3's size classes with a 16-byte quantum: 8, then multiples of 16 up to
 * 128, then four classes per doubling. */
static size_t jemalloc_class(size_t n)
{
    if (n <= 8)
        return 8;
    if (n <= 128)
        return up(n, 16);
    size_t pow = 128;
    while (pow * 2 < n)
        pow *= 2;
    return up(n, pow / 4);
}

static size_t glibc_chunk_of(size_t n)
{
    size_t c = up(n + 8, 16);
    return c < 32 ? 32 : c;
}

static const size_t fixed_sizes[] = {1, 8, 9, 16, 17, 24, 25, 40, 100, 129, 1000, 4000,
                                     5000, 14336, 20000};

typedef struct expect {
    size_t hdr, align, round;
} expect;

static expect predict(const char *config, size_t n)
{
    expect e = {0, 0, 0};
    size_t foot, need, aligned;
    if (strncmp(config, "slab", 4) == 0) {
        foot = memcached_chunk(n, 1.25, 48, 1 << 20);
        e.align = up(n, 8) - n;
        e.round = foot - up(n, 8);
        return e;
    }
    int prefix = strstr(config, "prefix=1") != NULL;
    int je = strstr(config, "jemalloc") != NULL;
    size_t granule = prefix ? 8 : 16;
    size_t req = n + (prefix ? 8 : 0);
    if (je) {
        foot = jemalloc_class(req);
        e.hdr = prefix ? 8 : 0;
    } else {
        foot = glibc_chunk_of(req);
        e.hdr = (prefix ? 8 : 0) + 8;
    }
    need = n + e.hdr;
    aligned = up(need, granule) < foot ? up(need, granule) : foot;
    e.align = aligned - need;
    e.round = foot - aligned;
    return e;
}

static const char *const fixed_configs[] = {
    "slab:factor=1.25", "zmalloc:base=libc", "zmalloc:base=libc,prefix=1",
    "zmalloc:base=jemalloc", "zmalloc:base=jemalloc,prefix=1", "glibc", "jemalloc",
};

START_TEST(fixed_rounding_matches_class_tables)
{
    char err[320], what[128], wl[64];
    collected *c = bench_collect();
    const char *config = fixed_configs[_i];
    for (size_t i = 0; i < sizeof fixed_sizes / sizeof fixed_sizes[0]; i++) {
        size_t n = fixed_sizes[i];
        snprintf(wl, sizeof wl, "fixed:%zu,keys=300", n);
        snprintf(what, sizeof what, "%s on %s", wl, config);
        ck_assert_msg(bench_run_cell(wl, NULL, config, 2000, 3, 0, c, err, sizeof err) == 0,
                      "%s: %s", what, err);
        bench_check_identity(c, what);
        const cell_row *f = bench_final(c);
        expect e = predict(config, n);
        uint64_t L = f->live_blocks;
        ck_assert_msg(L > 0, "%s: no live blocks", what);
        ck_assert_msg(f->requested == L * n, "%s: requested", what);
        ck_assert_msg(f->header == L * e.hdr, "%s: header %llu, want %zu per block", what,
                      (unsigned long long)f->header, e.hdr);
        ck_assert_msg(f->alignment == L * e.align, "%s: alignment %llu, want %zu x %llu",
                      what, (unsigned long long)f->alignment, e.align,
                      (unsigned long long)L);
        ck_assert_msg(f->rounding == L * e.round, "%s: class rounding %llu, want %zu x %llu",
                      what, (unsigned long long)f->rounding, e.round, (unsigned long long)L);
    }
}
END_TEST

/* The independent tables agree with what the allocators themselves say. */
START_TEST(class_tables_agree_with_allocators)
{
    char err[320];
    bench_config cfg;
    heap h;
    ck_assert_msg(bench_config_parse("slab:factor=1.25", &cfg, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(heap_open(&h, &cfg, err, sizeof err) == 0, "%s", err);
    for (size_t n = 1; n <= 524288; n += (n < 4096 ? 1 : 97))
        ck_assert_msg(alloc_good_size(h.a, n) == memcached_chunk(n, 1.25, 48, 1 << 20),
                      "slab good_size(%zu) = %zu, memcached's table says %zu", n,
                      alloc_good_size(h.a, n), memcached_chunk(n, 1.25, 48, 1 << 20));
    heap_close(&h);
    for (size_t n = 1; n <= 65536; n++)
        ck_assert_msg(nallocx(n, 0) == jemalloc_class(n), "nallocx(%zu) = %zu, want %zu", n,
                      nallocx(n, 0), jemalloc_class(n));
    ck_assert_msg(bench_config_parse("zmalloc:base=jemalloc", &cfg, err, sizeof err) == 0,
                  "%s", err);
    ck_assert_msg(heap_open(&h, &cfg, err, sizeof err) == 0, "%s", err);
    for (size_t n = 1; n <= 20000; n++)
        ck_assert_uint_eq(alloc_good_size(h.a, n), jemalloc_class(n));
    heap_close(&h);
    ck_assert_msg(bench_config_parse("glibc", &cfg, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(heap_open(&h, &cfg, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(heap_begin(&h, err, sizeof err) == 0, "%s", err);
    for (size_t n = 1; n <= 5000; n += 7) {
        block_cost cost;
        void *p = heap_alloc(&h, n, &cost);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq(cost.foot, glibc_chunk_of(n));
        ck_assert_uint_eq(h.glibc.usable(p), glibc_chunk_of(n) - 8);
        heap_free(&h, p, n, &cost);
    }
    heap_close(&h);
}
END_TEST

/* The fork path gives the same rows back through the pipe and reports failures. */
START_TEST(forked_cells_report_rows_and_failures)
{
    char err[320];
    static workload_spec wl;
    static bench_config cfg[2];
    ck_assert(workload_parse("etc", &wl, err, sizeof err) == 0);
    ck_assert(bench_config_parse("slab", &cfg[0], err, sizeof err) == 0);
    ck_assert(bench_config_parse("jemalloc", &cfg[1], err, sizeof err) == 0);
    cell_spec cells[3] = {
        {.wl = &wl, .cfg = &cfg[0], .ops = 20000, .seed = 1},
        {.wl = &wl, .cfg = &cfg[1], .ops = 20000, .seed = 1},
        {.trace = "/nonexistent/trace.csv", .cfg = &cfg[1], .seed = 1},
    };
    cell_result res[3];
    ck_assert_uint_eq(cells_run(cells, 3, 2, res, NULL, NULL), 1);
    for (int i = 0; i < 2; i++) {
        ck_assert(res[i].ok);
        ck_assert_uint_ge(res[i].nrows, 2);
        const cell_row *f = &res[i].rows[res[i].nrows - 1];
        ck_assert(f->final);
        ck_assert_uint_eq(f->requested + f->header + f->alignment + f->rounding +
                              (uint64_t)f->external, f->held);
        ck_assert_uint_gt(f->rss, 0);
    }
    ck_assert_uint_gt(res[0].nclasses, 0); /* slab pages per class */
    ck_assert_uint_eq(res[1].nclasses, 0);
    ck_assert(!res[2].ok);
    ck_assert_msg(strstr(res[2].err, "/nonexistent/trace.csv") != NULL, "%s", res[2].err);
    for (int i = 0; i < 3; i++)
        cell_result_free(&res[i]);
}
END_TEST

Suite *bench_identity_suite(void)
{
    Suite *s = suite_create("bench_identity");
    TCase *tc = tcase_create("identity");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, identity_every_workload, 0, NCONFIGS);
    tcase_add_loop_test(tc, identity_under_memory_limit, 0, NCONFIGS);
    suite_add_tcase(s, tc);
    tc = tcase_create("rounding");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, fixed_rounding_matches_class_tables, 0,
                        (int)(sizeof fixed_configs / sizeof fixed_configs[0]));
    tcase_add_test(tc, class_tables_agree_with_allocators);
    tcase_add_test(tc, forked_cells_report_rows_and_failures);
    suite_add_tcase(s, tc);
    return s;
}
