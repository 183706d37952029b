/* test_bench_inputs.c - what allocbench reads: configuration and workload strings
 * (good ones parsed, bad ones refused with a message naming the problem), Twitter
 * traces (the shipped sample, bad lines counted, an empty file, expiry), --sizes in
 * both formats (on a generated distribution, and on CacheLib's when present), and
 * seeds that reproduce. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cell.h"
#include "config_spec.h"
#include "data_dir.h"
#include "etc_dist.h"
#include "trace.h"
#include "workloads.h"

typedef struct collected collected;
collected *bench_collect(void);
int bench_run_cell(const char *workload, const char *trace, const char *config,
                   unsigned long long ops, unsigned long long seed, size_t mem_limit,
                   collected *out, char *err, size_t errlen);
const cell_row *bench_final(const collected *c);
void bench_check_identity(const collected *c, const char *what);
void bench_sink(collected *c, cell_sink *s);
Suite *bench_inputs_suite(void);

#define SAMPLE KVBENCH_SOURCE_DIR "/bench/data/sample_trace.csv"
#define CACHELIB_FILE "memcache_reg_sizes.csv"

static const char *write_temp(const char *text)
{
    static char path[64];
    strcpy(path, "/tmp/test_bench_XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    size_t len = strlen(text);
    ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

/* ---- configuration strings ------------------------------------------------- */

START_TEST(config_good)
{
    bench_config c;
    char err[320];
    ck_assert_msg(bench_config_parse("slab:factor=1.08,min_chunk=96,page_size=2m", &c, err,
                                     sizeof err) == 0, "%s", err);
    ck_assert_int_eq(c.kind, BENCH_SLAB);
    ck_assert(c.acfg.slab.growth_factor == 1.08);
    ck_assert_uint_eq(c.acfg.slab.min_chunk, 96);
    ck_assert_uint_eq(c.acfg.slab.page_size, 2u << 20);
    ck_assert_msg(bench_config_parse("slab:sizes=96-120-152", &c, err, sizeof err) == 0, "%s",
                  err);
    ck_assert_uint_eq(c.nsizes, 3);
    ck_assert_uint_eq(c.sizes[2], 152);
    ck_assert_msg(bench_config_parse("zmalloc:base=libc,prefix=1,round_to_long=1", &c, err,
                                     sizeof err) == 0, "%s", err);
    ck_assert_int_eq(c.kind, BENCH_ZMALLOC);
    ck_assert_str_eq(c.acfg.zmalloc.base, "libc");
    ck_assert_int_eq(c.acfg.zmalloc.prefix, 1);
    ck_assert_int_eq(c.acfg.zmalloc.round_to_long, 1);
    ck_assert_msg(bench_config_parse("zmalloc:base=jemalloc", &c, err, sizeof err) == 0, "%s",
                  err);
    ck_assert_str_eq(c.acfg.zmalloc.base, "jemalloc");
    ck_assert(bench_config_parse("glibc", &c, err, sizeof err) == 0);
    ck_assert_int_eq(c.kind, BENCH_GLIBC);
    ck_assert(bench_config_parse("jemalloc:mem_limit=64m", &c, err, sizeof err) == 0);
    ck_assert_int_eq(c.kind, BENCH_JEMALLOC);
    ck_assert_uint_eq(c.mem_limit, 64u << 20);
}
END_TEST

static void refused(const char *text, const char *needle)
{
    bench_config c;
    char err[320] = "";
    ck_assert_msg(bench_config_parse(text, &c, err, sizeof err) != 0, "'%s' was accepted", text);
    ck_assert_msg(strstr(err, needle) != NULL, "'%s': message \"%s\" lacks \"%s\"", text, err,
                  needle);
}

START_TEST(config_bad)
{
    refused("", "empty");
    refused("tcmalloc", "unknown allocator 'tcmalloc'");
    refused("slab:factr=1.25", "unknown key 'factr'");
    refused("slab:factor=0.9", "factor=0.9 must be a number above 1");
    refused("slab:factor=abc", "factor=abc");
    refused("slab:sizes=120-96", "not increasing");
    refused("slab:min_chunk=12q", "min_chunk=12q must be a byte count");
    refused("slab:page_size=1000", "page_size");
    refused("slab:factor", "should be key=value");
    refused("zmalloc:base=tcmalloc", "base=tcmalloc must be libc or jemalloc");
    refused("zmalloc:prefix=2", "prefix=2 must be -1, 0 or 1");
    refused("zmalloc:factor=1.25", "unknown key 'factor' for zmalloc");
    refused("glibc:prefix=1", "takes only mem_limit");
}
END_TEST

START_TEST(workload_strings)
{
    workload_spec s;
    char err[320];
    ck_assert(workload_parse("fixed:100", &s, err, sizeof err) == 0);
    ck_assert_uint_eq(s.lo, 100);
    ck_assert(workload_parse("uniform:64-1k", &s, err, sizeof err) == 0);
    ck_assert_uint_eq(s.hi, 1024);
    ck_assert(workload_parse("etc:redis", &s, err, sizeof err) == 0);
    ck_assert_int_eq(s.layout, LAYOUT_REDIS_KV);
    ck_assert(workload_parse("etc", &s, err, sizeof err) == 0);
    ck_assert_int_eq(s.layout, LAYOUT_ITEM);
    ck_assert(workload_parse("churn:64-1024,keys=1000", &s, err, sizeof err) == 0);
    ck_assert_uint_eq(s.keys, 1000);
    ck_assert(workload_parse("phase-shift,small=32-64,large=4k-8k", &s, err, sizeof err) == 0);
    ck_assert_uint_eq(s.large_hi, 8192);
    const char *bad[][2] = {
        {"fixed", "fixed needs a size"},     {"fixed:0", "fixed needs a size"},
        {"uniform:9-3", "MIN <= MAX"},       {"etc:foo", "item, redis or raw"},
        {"bogus", "unknown workload 'bogus'"}, {"etc,colour=red", "unknown option 'colour'"},
        {"etc,delete=2", "delete=2"},       {"fixed:10,small=1-2", "phase-shift only"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(workload_parse(bad[i][0], &s, err, sizeof err) != 0, "'%s' accepted",
                      bad[i][0]);
        ck_assert_msg(strstr(err, bad[i][1]) != NULL, "'%s': \"%s\" lacks \"%s\"", bad[i][0],
                      err, bad[i][1]);
    }
}
END_TEST

/* ---- traces ---------------------------------------------------------------- */

static unsigned long long count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    unsigned long long n = 0;
    int ch;
    while ((ch = fgetc(f)) != EOF)
        n += ch == '\n';
    fclose(f);
    return n;
}

START_TEST(trace_sample)
{
    trace_file t;
    trace_rec r;
    char err[320];
    unsigned long long ops[TRACE_OP_COUNT] = {0};
    ck_assert_msg(trace_open(&t, SAMPLE, err, sizeof err) == 0, "%s", err);
    while (trace_next(&t, &r)) {
        ck_assert_uint_gt(r.key_len, 0);
        ops[r.op]++;
        if (!trace_op_stores(r.op))
            ck_assert_uint_eq(r.ttl, 0);
    }
    ck_assert_uint_eq(t.malformed, 0);
    ck_assert_uint_eq(t.records, count_lines(SAMPLE));
    ck_assert_uint_gt(ops[TRACE_SET], 0);
    ck_assert_uint_gt(ops[TRACE_DELETE], 0);
    ck_assert_uint_gt(ops[TRACE_GET], 0);
    trace_close(&t);

    /* raw and item histograms differ by memcached's 59 bytes of item overhead */
    size_hist raw, item;
    ck_assert_msg(trace_size_hist(SAMPLE, 0, &raw, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(trace_size_hist(SAMPLE, 1, &item, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_gt(raw.total, 0);
    ck_assert_uint_eq(raw.total, item.total);
    ck_assert_uint_eq(raw.n, item.n);
    for (size_t i = 0; i < raw.n; i++)
        ck_assert_uint_eq(item.size[i], raw.size[i] + 59);
    size_hist_free(&raw);
    size_hist_free(&item);

    /* and a replay that expires keys (the sample's TTLs of 30 and 60 s pass) */
    collected *c = bench_collect();
    ck_assert_msg(bench_run_cell(NULL, SAMPLE, "slab", 0, 1, 0, c, err, sizeof err) == 0,
                  "%s", err);
    bench_check_identity(c, "sample trace");
    ck_assert_uint_eq(bench_final(c)->ops, count_lines(SAMPLE));
    ck_assert_uint_gt(bench_final(c)->expired, 0);
}
END_TEST

START_TEST(trace_fields)
{
    trace_rec r;
    const char *why;
    const char *line = "17,abcDEF,9,1200,42,set,300";
    ck_assert_int_eq(trace_parse_line(line, strlen(line), &r, &why), 0);
    ck_assert_uint_eq(r.time, 17);
    ck_assert_uint_eq(r.key_len, 6);
    ck_assert(memcmp(r.key, "abcDEF", 6) == 0);
    ck_assert_uint_eq(r.key_size, 9);
    ck_assert_uint_eq(r.value_size, 1200);
    ck_assert_uint_eq(r.client, 42);
    ck_assert_int_eq(r.op, TRACE_SET);
    ck_assert_uint_eq(r.ttl, 300);
}
END_TEST

START_TEST(trace_bad_lines)
{
    const char *path = write_temp(
        "timestamp,key,key_size,value_size,client_id,operation,ttl\n"
        "0,k1,10,100,1,set,0\n"
        "0,k2,10,100,1\n"                  /* too few fields */
        "1,k3,10,100,1,frobnicate,0\n"     /* unknown op */
        "\n"                               /* blank: ignored */
        "1,k4,ten,100,1,set,0\n"           /* key size not a number */
        "2,k1,10,0,1,get,0\r\n"
        "2,k5,10,100,1,set,-5\n"           /* negative TTL */
        "3,k1,10,0,1,delete,0\n"
        "3,k6,10,100,1,set,0,extra\n"      /* too many fields */
        "4,k7,10,50,2,add,0");             /* no final newline */
    trace_file t;
    trace_rec r;
    char err[320];
    ck_assert(trace_open(&t, path, err, sizeof err) == 0);
    unsigned long long good = 0;
    while (trace_next(&t, &r))
        good++;
    ck_assert_uint_eq(good, 4);
    ck_assert_uint_eq(t.malformed, 5);
    ck_assert_uint_eq(t.first_bad_line, 3);
    ck_assert_str_eq(t.first_bad_why, "fewer than 7 comma-separated fields");
    trace_close(&t);

    collected *c = bench_collect();
    ck_assert_msg(bench_run_cell(NULL, path, "jemalloc", 0, 1, 0, c, err, sizeof err) == 0,
                  "%s", err);
    bench_check_identity(c, "bad trace");
    const cell_row *f = bench_final(c);
    ck_assert_uint_eq(f->malformed, 5);
    ck_assert_uint_eq(f->ops, 4);
    ck_assert_uint_eq(f->live_objects, 1); /* k1 set then deleted; k7 added */
    unlink(path);
}
END_TEST

START_TEST(trace_empty)
{
    const char *path = write_temp("");
    trace_file t;
    trace_rec r;
    char err[320];
    ck_assert_msg(trace_open(&t, path, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(trace_next(&t, &r), 0);
    ck_assert_uint_eq(t.malformed, 0);
    trace_close(&t);
    size_hist h;
    ck_assert(trace_size_hist(path, 1, &h, err, sizeof err) == 0);
    ck_assert_uint_eq(h.n, 0);
    collected *c = bench_collect();
    ck_assert_msg(bench_run_cell(NULL, path, "slab", 0, 1, 0, c, err, sizeof err) == 0, "%s",
                  err);
    const cell_row *f = bench_final(c);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->ops, 0);
    ck_assert_uint_eq(f->live_blocks, 0);
    ck_assert_uint_eq(f->requested, 0);
    unlink(path);
    ck_assert(trace_open(&t, "/nonexistent/x.csv", err, sizeof err) != 0);
    ck_assert_msg(strstr(err, "/nonexistent/x.csv") != NULL, "%s", err);
}
END_TEST

/* TTLs in trace time: an expired key is freed by the sweep when the clock passes it,
 * and a key without TTL stays. */
START_TEST(trace_expiry)
{
    const char *path = write_temp("0,a,1,100,1,set,10\n"
                                  "0,b,1,100,1,set,0\n"
                                  "5,a,1,100,1,get,0\n"
                                  "20,c,1,0,1,get,0\n");
    char err[320];
    collected *c = bench_collect();
    ck_assert_msg(bench_run_cell(NULL, path, "glibc", 0, 1, 0, c, err, sizeof err) == 0, "%s",
                  err);
    const cell_row *f = bench_final(c);
    ck_assert_uint_eq(f->expired, 1);
    ck_assert_uint_eq(f->live_objects, 1);
    unlink(path);
}
END_TEST

/* ---- --sizes in both formats ----------------------------------------------- */

static int hist_equal(const size_hist *a, const size_hist *b)
{
    if (a->n != b->n || a->total != b->total)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->size[i] != b->size[i] || a->count[i] != b->count[i])
            return 0;
    return 1;
}

/* A slab cell drawing from h keeps the accounting identity; returns its final row. */
static cell_row sizes_cell(const size_hist *h, const char *name)
{
    static workload_spec wl;
    static bench_config cfg;
    char err[320];
    workload_spec_sizes(&wl, h, name);
    ck_assert(bench_config_parse("slab", &cfg, err, sizeof err) == 0);
    cell_spec cs = {.wl = &wl, .cfg = &cfg, .ops = 20000, .seed = 1};
    collected *c = bench_collect();
    cell_sink sink;
    bench_sink(c, &sink);
    ck_assert_msg(cell_run(&cs, &sink, err, sizeof err) == 0, "%s: %s", name, err);
    bench_check_identity(c, wl.text);
    return *bench_final(c);
}

/* The CSV is one the test writes from a generated distribution (ETC items), so what is
 * read back is known exactly; the stats format is memcached's `stats sizes`. */
START_TEST(sizes_both_formats)
{
    char err[320];
    size_hist gen, csv, stats;
    ck_assert(workload_size_hist("etc", 20000, 1, 1, &gen, err, sizeof err) == 0);
    ck_assert_uint_gt(gen.n, 1000);
    char path[64];
    strcpy(path, "/tmp/test_bench_XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "size,count\n");
    for (size_t i = 0; i < gen.n; i++)
        fprintf(f, "%zu,%llu\n", gen.size[i], gen.count[i]);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_msg(size_hist_load(path, &csv, err, sizeof err) == 0, "%s", err);
    unlink(path);
    ck_assert_msg(hist_equal(&csv, &gen), "the CSV read back differs from what was written");
    sizes_cell(&csv, "etc-sizes");

    const char *spath = write_temp("STAT 96 10\r\nSTAT 128 5\r\nSTAT 1024 1\r\nEND\r\n");
    ck_assert_msg(size_hist_load(spath, &stats, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(stats.n, 3);
    ck_assert_uint_eq(stats.total, 16);
    unlink(spath);
    cell_row r = sizes_cell(&stats, "stats");
    ck_assert_uint_eq(r.requested % 32, 0); /* only 96, 128 and 1024 are drawn */
    size_hist_free(&gen);
    size_hist_free(&csv);
    size_hist_free(&stats);
}
END_TEST

/* The same on CacheLib's memcache_reg, when present: 17.0 M values. */
START_TEST(sizes_cachelib)
{
    char err[320], path[PATH_MAX];
    ck_assert(data_file(CACHELIB_FILE, path, sizeof path));
    size_hist csv;
    ck_assert_msg(size_hist_load(path, &csv, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(csv.total, 17024539);
    sizes_cell(&csv, "cachelib");
    size_hist_free(&csv);
}
END_TEST

/* ---- seeds and distributions ------------------------------------------------ */

START_TEST(seeds_reproduce)
{
    const char *names[] = {"etc", "redis-strings", "churn", "phase-shift", "uniform:1-4096"};
    char err[320];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_hist a, b, c;
        ck_assert_msg(workload_size_hist(names[i], 20000, 7, 1, &a, err, sizeof err) == 0, "%s",
                      err);
        ck_assert(workload_size_hist(names[i], 20000, 7, 1, &b, err, sizeof err) == 0);
        ck_assert(workload_size_hist(names[i], 20000, 8, 1, &c, err, sizeof err) == 0);
        ck_assert_msg(hist_equal(&a, &b), "%s: same seed, different sizes", names[i]);
        ck_assert_msg(!hist_equal(&a, &c), "%s: seeds 7 and 8 gave the same sizes", names[i]);
        size_hist_free(&a);
        size_hist_free(&b);
        size_hist_free(&c);
    }
    /* a whole cell too: same seed, same bytes */
    collected *c = bench_collect();
    ck_assert(bench_run_cell("etc", NULL, "zmalloc:base=jemalloc", 20000, 5, 0, c, err,
                             sizeof err) == 0);
    cell_row first = *bench_final(c);
    ck_assert(bench_run_cell("etc", NULL, "zmalloc:base=jemalloc", 20000, 5, 0, c, err,
                             sizeof err) == 0);
    ck_assert_uint_eq(bench_final(c)->requested, first.requested);
    ck_assert_uint_eq(bench_final(c)->rounding, first.rounding);
    ck_assert_uint_eq(bench_final(c)->live_blocks, first.live_blocks);
}
END_TEST

START_TEST(item_and_redis_modes)
{
    size_hist item, redis;
    char err[320];
    ck_assert(workload_size_hist("etc", 20000, 1, 1, &item, err, sizeof err) == 0);
    ck_assert(workload_size_hist("etc", 20000, 1, 0, &redis, err, sizeof err) == 0);
    /* smallest item: 48 + (1 + 1) + (0 + 2) + 8 */
    ck_assert_uint_ge(item.size[0], 60);
    /* Redis makes two blocks per new key, one per overwrite */
    ck_assert_uint_gt(redis.total, item.total);
    size_hist_free(&item);
    size_hist_free(&redis);
    ck_assert(workload_size_hist("fixed:100", 1000, 1, 1, &item, err, sizeof err) == 0);
    ck_assert_uint_eq(item.n, 1);
    ck_assert_uint_eq(item.size[0], 100);
    size_hist_free(&item);
    ck_assert(workload_size_hist("nonsense", 1000, 1, 1, &item, err, sizeof err) != 0);
}
END_TEST

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* ETC values: p50 about 24 bytes, p90 about 506 (the reference's figures). */
START_TEST(etc_distribution)
{
    enum { N = 200000 };
    static uint32_t v[N];
    rng r;
    rng_seed(&r, 1, 0);
    double key_sum = 0;
    for (int i = 0; i < N; i++) {
        v[i] = etc_value_size(&r);
        key_sum += etc_key_size(&r);
    }
    qsort(v, N, sizeof v[0], cmp_u32);
    ck_assert_msg(v[N / 2] >= 18 && v[N / 2] <= 30, "p50 %u", v[N / 2]);
    ck_assert_msg(v[N * 9 / 10] >= 460 && v[N * 9 / 10] <= 550, "p90 %u", v[N * 9 / 10]);
    ck_assert_msg(key_sum / N > 30 && key_sum / N < 40, "mean key %.1f", key_sum / N);
}
END_TEST

Suite *bench_inputs_suite(void)
{
    Suite *s = suite_create("bench_inputs");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, config_good);
    tcase_add_test(tc, config_bad);
    tcase_add_test(tc, workload_strings);
    suite_add_tcase(s, tc);
    tc = tcase_create("trace");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, trace_sample);
    tcase_add_test(tc, trace_fields);
    tcase_add_test(tc, trace_bad_lines);
    tcase_add_test(tc, trace_empty);
    tcase_add_test(tc, trace_expiry);
    suite_add_tcase(s, tc);
    tc = tcase_create("sizes_and_seeds");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, sizes_both_formats);
    char path[PATH_MAX];
    if (data_file(CACHELIB_FILE, path, sizeof path))
        tcase_add_test(tc, sizes_cachelib);
    else
        printf("test_bench: skipped the CacheLib check sizes_cachelib: %s not found (set "
               "KVALLOC_DATA_DIR); sizes_both_formats makes its checks on a generated "
               "distribution\n", path);
    fflush(stdout); /* before Check's own lines */
    tcase_add_test(tc, seeds_reproduce);
    tcase_add_test(tc, item_and_redis_modes);
    tcase_add_test(tc, etc_distribution);
    suite_add_tcase(s, tc);
    return s;
}
