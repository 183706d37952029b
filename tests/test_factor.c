/* test_factor.c - `allocbench factor` as a specification: class tables equal to the
 * real memcached 1.6.18's and to the slab backend's, histogram input formats, exact
 * chunk and memory efficiency, the sweep against a replay on the slab backend, the
 * optimal table against brute force and against every factor, and factor_main's
 * outputs.  The checks on whole distributions run on histograms the suite generates
 * and, when they are present (data_dir.h), on CacheLib's production ones too. */
#include "data_dir.h"
#include "factor.h"
#include "report.h"
#include "slab.h"
#include "workloads.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The distributions the whole-distribution checks run on.  The generated ones always
 * run and stand for the two CacheLib files: ETC as memcached items has thousands of
 * distinct sizes, all below chunk_max, like memcache_reg; the phase shift from small
 * items to values of up to 4 MiB puts some above chunk_max, like bigcache.  Each is
 * read back from a `size,count` CSV, through the same loader as the CacheLib files. */
typedef struct input {
    const char *name;
    const char *workload; /* NULL: a CacheLib file, `name`_sizes.csv */
    unsigned long long ops;
    int replay;           /* cheap enough to replay on the slab backend */
    char path[PATH_MAX];
} input;

/* bigcache is not replayed: each of its 10,669 distinct sizes above chunk_max would
 * take a mapping of its own, some 20 GB; the generated phase shift covers the
 * replay's large blocks. */
static const input all_inputs[] = {
    {"etc", "etc", 200000, 1, ""},
    {"phase-shift", "phase-shift,small=40-4000,large=200000-4194304", 20000, 1, ""},
    {"memcache_reg", NULL, 0, 1, ""},
    {"bigcache", NULL, 0, 0, ""},
};
#define MAX_INPUTS (sizeof all_inputs / sizeof all_inputs[0])
static input inputs[MAX_INPUTS]; /* those that run: generated, then CacheLib's present */
static unsigned ninputs;
static unsigned replayed[MAX_INPUTS], nreplayed; /* indices into inputs */
static char tmpdir[] = "/tmp/test_factor_XXXXXX";

/* `memcached -vv -f F` (1.6.18, defaults otherwise) for F = 1.01, 1.02, ... 2.00:
 * the number of classes and the sum of their chunk sizes, as printed by the binary. */
static const unsigned long mc_tables[100][2] = {
    {63, 530240}, {63, 546456}, {63, 552000}, {63, 561352}, {63, 578224}, {63, 603496},
    {63, 643328}, {63, 707176}, {63, 816112}, {63, 994640}, {63, 1249472}, {63, 1672392},
    {63, 2230936}, {63, 3365408}, {61, 3897000}, {57, 3507096}, {54, 3175184},
    {51, 3075000}, {49, 3136760}, {47, 2971616}, {45, 2797232}, {43, 2733104},
    {41, 2395248}, {40, 2496560}, {39, 2497736}, {37, 2144552}, {36, 2323912},
    {35, 2230896}, {34, 2163560}, {33, 2084672}, {32, 1985832}, {31, 1819320},
    {30, 1777952}, {30, 2013360}, {29, 1841408}, {28, 1699728}, {27, 1560032},
    {27, 1712440}, {26, 1535304}, {26, 1681144}, {25, 1440528}, {25, 1624688},
    {24, 1450656}, {24, 1565928}, {24, 1676760}, {23, 1470928}, {23, 1567832},
    {22, 1316864}, {22, 1409496}, {22, 1507152}, {21, 1281936}, {21, 1365408},
    {21, 1476488}, {20, 1232064}, {20, 1295280}, {20, 1366032}, {20, 1435728},
    {19, 1161216}, {19, 1248464}, {19, 1337504}, {18, 1083368}, {18, 1128512},
    {18, 1169064}, {18, 1218328}, {18, 1285656}, {17, 1031968}, {17, 1067576},
    {17, 1137880}, {17, 1172464}, {17, 1234880}, {16, 964512}, {16, 988880},
    {16, 1031056}, {16, 1066608}, {16, 1099680}, {16, 1135032}, {15, 911160},
    {15, 948224}, {15, 966304}, {15, 989648}, {15, 1021544}, {15, 1042616},
    {15, 1086192}, {15, 1119024}, {14, 878304}, {14, 894912}, {14, 916376},
    {14, 941864}, {14, 965160}, {14, 983856}, {14, 1004480}, {14, 1040592},
    {13, 816368}, {13, 830616}, {13, 841488}, {13, 853288}, {13, 876592},
    {13, 887912}, {13, 904248}, {13, 917408},
};

static double grid_factor(int i)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%d.%02d", (101 + i) / 100, (101 + i) % 100);
    return strtod(buf, NULL); /* the very double memcached parses from -f */
}

/* A generated distribution: the sizes workload_size_hist draws, as memcached items. */
static int generate(const input *in, size_hist *h)
{
    char err[256];
    return workload_size_hist(in->workload, in->ops, 1, 1, h, err, sizeof err);
}

static void load(const input *in, size_hist *h)
{
    char err[256] = "";
    ck_assert_msg(size_hist_load(in->path, h, err, sizeof err) == 0, "%s: %s", in->name, err);
}

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/test_factor_XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

START_TEST(table_matches_memcached)
{
    factor_geom g;
    class_table t;
    factor_geom_default(&g);
    for (int i = 0; i < 100; i++) {
        class_table_from_factor(&g, grid_factor(i), &t);
        unsigned long sum = 0;
        for (unsigned c = 0; c < t.n; c++)
            sum += t.chunk[c];
        ck_assert_msg(t.n == mc_tables[i][0] && sum == mc_tables[i][1],
                      "-f %.2f: %u classes, sum %lu; memcached %lu, %lu", grid_factor(i),
                      t.n, sum, mc_tables[i][0], mc_tables[i][1]);
    }
    class_table_from_factor(&g, 1.25, &t);
    const size_t head[] = {96, 120, 152, 192, 240, 304};
    for (unsigned c = 0; c < 6; c++)
        ck_assert_uint_eq(t.chunk[c], head[c]);
    ck_assert_uint_eq(t.chunk[37], 394840);
    ck_assert_uint_eq(t.chunk[38], 524288);
    class_table_from_factor(&g, 1.08, &t);
    ck_assert_uint_eq(t.n, 63); /* the cap: 13800 jumps to 524288 */
    ck_assert_uint_eq(t.chunk[61], 13800);
    ck_assert_uint_eq(t.chunk[62], 524288);
}
END_TEST

/* The slab backend builds the same tables from the same configuration. */
START_TEST(table_matches_slab_backend)
{
    static const size_t mins[] = {48, 96, 100};
    static const size_t cmax[] = {524288, 16384};
    for (unsigned a = 0; a < 3; a++)
        for (unsigned b = 0; b < 2; b++)
            for (int i = 0; i < 100; i += 3) {
                factor_geom g;
                factor_geom_default(&g);
                g.min_chunk = mins[a];
                g.chunk_max = cmax[b];
                alloc_config cfg;
                alloc_config_init(&cfg, "slab");
                cfg.slab.growth_factor = grid_factor(i);
                cfg.slab.min_chunk = g.min_chunk;
                cfg.slab.chunk_max = g.chunk_max;
                size_t sizes[FACTOR_MAX_CLASSES];
                int n = slab_table_compute(&cfg, sizes, NULL, FACTOR_MAX_CLASSES);
                class_table t;
                class_table_from_factor(&g, cfg.slab.growth_factor, &t);
                ck_assert_int_eq(n, (int)t.n);
                for (unsigned c = 0; c < t.n; c++)
                    ck_assert_uint_eq(sizes[c], t.chunk[c]);
            }
}
END_TEST

START_TEST(histogram_formats)
{
    size_hist h;
    char err[256];
    char *csv = write_temp("size,count\n100,3\n\n# note\n50,2\n100,1\n70,0\n");
    ck_assert_int_eq(size_hist_load(csv, &h, err, sizeof err), 0);
    ck_assert_uint_eq(h.n, 2); /* sorted, 100 merged, zero count dropped */
    ck_assert_uint_eq(h.size[0], 50);
    ck_assert_uint_eq(h.count[1], 4);
    ck_assert_uint_eq(h.total, 6);
    size_hist_free(&h);
    char *stats = write_temp("STAT 96 10\r\nSTAT 128 5\r\nEND\r\n");
    ck_assert_int_eq(size_hist_load(stats, &h, err, sizeof err), 0);
    ck_assert_uint_eq(h.n, 2);
    ck_assert_uint_eq(h.size[1], 128);
    ck_assert_uint_eq(h.total, 15);
    size_hist_free(&h);
    char *off = write_temp("STAT sizes_status disabled\r\nEND\r\n");
    ck_assert_int_eq(size_hist_load(off, &h, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, ":1: "));
    ck_assert_ptr_nonnull(strstr(err, "track_sizes"));
    char *bad = write_temp("size,count\n10,1\n20;2\n");
    ck_assert_int_eq(size_hist_load(bad, &h, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, ":3: "));
    ck_assert_int_eq(size_hist_load("/nonexistent/x.csv", &h, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.csv"));
    const size_t raw[] = {9, 3, 9, 9, 1};
    ck_assert_int_eq(size_hist_from_sizes(raw, 5, &h), 0);
    ck_assert_uint_eq(h.n, 3);
    ck_assert_uint_eq(h.count[2], 3);
    size_hist_free(&h);
    unlink(csv);
    unlink(stats);
    unlink(off);
    unlink(bad);
    free(csv);
    free(stats);
    free(off);
    free(bad);
}
END_TEST

/* Chunk efficiency by hand: classes 96 120 152 ...; sizes 100 x3 -> 120, 96 x1 -> 96,
 * and one size above chunk_max counted apart. */
START_TEST(eval_by_hand)
{
    factor_geom g;
    factor_geom_default(&g);
    const size_t sz[] = {96, 100, 600000};
    const unsigned long long ct[] = {1, 3, 2};
    size_hist h;
    ck_assert_int_eq(size_hist_from_pairs(sz, ct, 3, &h), 0);
    class_table t;
    class_table_from_factor(&g, 1.25, &t);
    table_eval e;
    ck_assert_int_eq(table_eval_run(&t, &g, &h, 64ULL << 20, &e), 0);
    ck_assert_uint_eq(e.requested, 396);
    ck_assert_uint_eq(e.chunk_bytes, 96 + 3 * 120);
    ck_assert_uint_eq(e.oversize_count, 2);
    ck_assert_uint_eq(e.oversize_bytes, 1200000);
    ck_assert_uint_eq(e.classes_used, 2);
    ck_assert_uint_eq(e.worst_chunk, 120);
    /* Memory: 4 pages of 4 KiB, one class of 120-byte chunks (34 per page) and 10
     * items of 100 B per copy: t = 4 * 34 / 10 copies fill exactly 4 pages. */
    g.page_size = 4096;
    g.chunk_max = 2048;
    const size_t one[] = {100};
    const unsigned long long ten[] = {10};
    size_hist h1;
    size_hist_from_pairs(one, ten, 1, &h1);
    class_table_from_factor(&g, 1.25, &t);
    table_eval_run(&t, &g, &h1, 4 * 4096 + 100, &e);
    ck_assert_uint_eq(e.pages, 4);
    ck_assert_double_eq_tol(e.scale, 13.6, 1e-9);
    ck_assert_double_eq_tol(e.memory_efficiency, 13.6 * 1000 / (4 * 4096.0), 1e-12);
    size_hist_free(&h);
    size_hist_free(&h1);
}
END_TEST

/* Every whole-distribution input reads back as a histogram: sorted distinct sizes,
 * counts summing to the total; a generated one equal to what the generator drew. */
START_TEST(inputs_load)
{
    const input *in = &inputs[_i];
    size_hist h;
    load(in, &h);
    ck_assert_msg(h.n > 1000, "%s: only %zu distinct sizes", in->name, h.n);
    unsigned long long total = 0;
    for (size_t i = 0; i < h.n; i++) {
        ck_assert(i == 0 || h.size[i - 1] < h.size[i]);
        ck_assert(h.count[i] > 0);
        total += h.count[i];
    }
    ck_assert_uint_eq(total, h.total);
    if (in->workload) {
        size_hist gen;
        ck_assert_int_eq(generate(in, &gen), 0);
        ck_assert_uint_eq(gen.n, h.n);
        ck_assert_uint_eq(gen.total, h.total);
        ck_assert(memcmp(gen.size, h.size, h.n * sizeof *h.size) == 0);
        ck_assert(memcmp(gen.count, h.count, h.n * sizeof *h.count) == 0);
        size_hist_free(&gen);
    }
    size_hist_free(&h);
}
END_TEST

/* The sweep's numbers are what the slab backend does: allocate every size of a
 * (scaled-down) distribution count times and read its per-class stats. */
START_TEST(sweep_equals_slab_replay)
{
    const input *in = &inputs[replayed[_i]];
    size_hist full, h;
    load(in, &full);
    unsigned long long div = full.total / 20000 + 1;
    size_t *sz = malloc(full.n * sizeof *sz);
    unsigned long long *ct = malloc(full.n * sizeof *ct);
    for (size_t i = 0; i < full.n; i++) {
        sz[i] = full.size[i];
        ct[i] = (full.count[i] + div - 1) / div; /* every size kept, ~20k items */
    }
    ck_assert_int_eq(size_hist_from_pairs(sz, ct, full.n, &h), 0);
    static const char *const factors[] = {"1.05", "1.08", "1.14", "1.25", "1.5", "2"};
    for (unsigned f = 0; f < 6; f++) {
        factor_geom g;
        factor_geom_default(&g);
        alloc_config cfg;
        alloc_config_init(&cfg, "slab");
        cfg.slab.growth_factor = strtod(factors[f], NULL);
        cfg.slab.min_chunk = g.min_chunk;
        cfg.slab.chunk_max = g.chunk_max;
        alloc_t *a;
        ck_assert_int_eq(alloc_create(&cfg, &a), ALLOC_OK);
        size_t nptr = 0;
        void **ptrs = malloc(h.total * sizeof *ptrs);
        for (size_t i = 0; i < h.n; i++)
            for (unsigned long long k = 0; k < h.count[i]; k++) {
                ptrs[nptr] = alloc_malloc(a, h.size[i]);
                ck_assert_ptr_nonnull(ptrs[nptr]);
                nptr++;
            }
        unsigned long long used = 0, req = 0;
        for (unsigned id = 1; id <= slab_class_count(a); id++) {
            slab_class_info ci;
            ck_assert_int_eq(slab_class_get(a, id, &ci), 0);
            used += (unsigned long long)ci.used_chunks * ci.chunk_size;
            req += ci.requested_bytes;
        }
        alloc_stats st;
        alloc_get_stats(a, &st);
        class_table t;
        table_eval e;
        class_table_from_factor(&g, cfg.slab.growth_factor, &t);
        table_eval_run(&t, &g, &h, 64ULL << 20, &e);
        ck_assert_uint_eq(slab_class_count(a), t.n);
        ck_assert_msg(used == e.chunk_bytes && req == e.requested,
                      "%s, -f %s: slab %llu/%llu, sweep %llu/%llu", in->name, factors[f],
                      req, used, e.requested, e.chunk_bytes);
        ck_assert_uint_eq(st.large_blocks, e.oversize_count);
        ck_assert_double_eq((double)req / (double)used, e.chunk_efficiency);
        alloc_destroy(a);
        free(ptrs);
    }
    free(sz);
    free(ct);
    size_hist_free(&h);
    size_hist_free(&full);
}
END_TEST

/* Least waste over every choice of at most k - 1 classes among the candidates. */
static unsigned long long brute(const factor_geom *g, const size_hist *h, unsigned k)
{
    size_t cand[16];
    unsigned m = 0;
    size_t lo = (g->min_chunk + 7) / 8 * 8;
    for (size_t i = 0; i < h->n; i++) {
        size_t a = (h->size[i] + 7) / 8 * 8;
        a = a < lo ? lo : a;
        if (a < g->chunk_max && (m == 0 || cand[m - 1] != a))
            cand[m++] = a;
    }
    unsigned long long best = ~0ULL;
    for (unsigned mask = 0; mask < (1u << m); mask++) {
        if ((unsigned)__builtin_popcount(mask) > k - 1)
            continue;
        class_table t = {0};
        for (unsigned i = 0; i < m; i++)
            if (mask >> i & 1)
                t.chunk[t.n++] = cand[i];
        t.chunk[t.n++] = g->chunk_max;
        table_eval e;
        table_eval_run(&t, g, h, 1ULL << 30, &e);
        if (e.chunk_bytes - e.requested < best)
            best = e.chunk_bytes - e.requested;
    }
    return best;
}

START_TEST(optimal_equals_brute_force)
{
    unsigned seed = 12345;
    for (int round = 0; round < 300; round++) {
        factor_geom g;
        factor_geom_default(&g);
        g.min_chunk = 16 + (unsigned)(rand_r(&seed) % 64);
        g.chunk_max = 4096;
        size_t sz[12];
        unsigned long long ct[12];
        unsigned n = 1 + (unsigned)(rand_r(&seed) % 12);
        for (unsigned i = 0; i < n; i++) {
            sz[i] = 1 + (size_t)(rand_r(&seed) % 4500); /* some above chunk_max */
            ct[i] = 1 + (unsigned long long)(rand_r(&seed) % 1000);
        }
        size_hist h;
        ck_assert_int_eq(size_hist_from_pairs(sz, ct, n, &h), 0);
        factor_optimal o;
        ck_assert_int_eq(factor_optimal_run(&g, &h, 8, &o), 0);
        for (unsigned k = 1; k <= 8; k++) {
            ck_assert_uint_eq(o.waste[k], brute(&g, &h, k));
            class_table t;
            table_eval e;
            factor_optimal_table(&o, &g, k, &t);
            ck_assert_uint_le(t.n, k);
            table_eval_run(&t, &g, &h, 1ULL << 30, &e);
            ck_assert_uint_eq(e.chunk_bytes - e.requested, o.waste[k]);
        }
        factor_optimal_free(&o);
        size_hist_free(&h);
    }
}
END_TEST

/* With as many classes as a factor's table, the optimum is never worse than that
 * factor; and it is fast. */
START_TEST(optimal_beats_every_factor)
{
    size_hist h;
    load(&inputs[_i], &h);
    factor_geom g;
    factor_geom_default(&g);
    factor_optimal o;
    clock_t t0 = clock();
    ck_assert_int_eq(factor_optimal_run(&g, &h, g.max_classes, &o), 0);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    ck_assert_msg(secs < 1.0, "%s: optimal tables took %.3f s", inputs[_i].name, secs);
    for (int i = 0; i < 100; i++) {
        class_table t;
        table_eval e;
        class_table_from_factor(&g, grid_factor(i), &t);
        table_eval_run(&t, &g, &h, 64ULL << 20, &e);
        ck_assert_uint_le(o.waste[t.n], e.chunk_bytes - e.requested);
    }
    factor_optimal_free(&o);
    size_hist_free(&h);
}
END_TEST

/* The printed slab_sizes list is accepted by the slab backend (memcached's rules)
 * and builds exactly the table. */
START_TEST(slab_sizes_list_is_valid)
{
    factor_geom g;
    factor_geom_default(&g);
    class_table in = {0}, t;
    for (unsigned i = 0; i < 12; i++)
        in.chunk[in.n++] = 96 + 8 * i; /* 11 gaps of 8: not expressible as is */
    in.chunk[in.n++] = 4000;
    in.chunk[in.n++] = g.chunk_max;
    /* 96..152 keeps 7 gaps of 8; 160 would be the 8th and goes; 168.. restart. */
    ck_assert_uint_eq(factor_table_expressible(&in, &t), 1);
    ck_assert_uint_eq(t.chunk[7], 152);
    ck_assert_uint_eq(t.chunk[8], 168);
    char buf[4096];
    size_t first;
    ck_assert_int_eq(factor_slab_sizes_arg(&t, buf, sizeof buf, &first), 0);
    size_t sizes[64];
    unsigned n = 0;
    for (char *tok = strtok(buf, "-"); tok; tok = strtok(NULL, "-"))
        sizes[n++] = strtoul(tok, NULL, 10);
    alloc_config cfg;
    alloc_config_init(&cfg, "slab");
    cfg.slab.sizes = sizes;
    cfg.slab.nsizes = n;
    char msg[256] = "";
    ck_assert_msg(alloc_config_check(&cfg, msg, sizeof msg) == ALLOC_OK, "%s", msg);
    size_t chunks[64];
    ck_assert_int_eq(slab_table_compute(&cfg, chunks, NULL, 64), (int)t.n);
    class_table back;
    class_table_from_sizes(&g, sizes, n, &back);
    for (unsigned c = 0; c < t.n; c++) {
        ck_assert_uint_eq(chunks[c], t.chunk[c]);
        ck_assert_uint_eq(back.chunk[c], t.chunk[c]);
    }
}
END_TEST

/* Runs factor_main with stdout sent to a file; returns its exit code. */
static int run_main(char **argv, int argc, const char *out_path)
{
    fflush(stdout);
    int saved = dup(1);
    FILE *f = fopen(out_path, "w");
    dup2(fileno(f), 1);
    int rc = factor_main(argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    fclose(f);
    return rc;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

START_TEST(main_sizes_report_and_csv)
{
    char out[] = "/tmp/test_factor_out_XXXXXX", csv[] = "/tmp/test_factor_csv_XXXXXX";
    close(mkstemp(out));
    close(mkstemp(csv));
    input *in = &inputs[_i];
    size_hist h;
    load(in, &h);
    factor_geom g;
    factor_geom_default(&g);
    int oversize = h.size[h.n - 1] > g.chunk_max;
    size_hist_free(&h);
    char *argv[] = {"factor", "--sizes", in->path, "--optimal", "20", "--csv", csv};
    clock_t t0 = clock();
    ck_assert_int_eq(run_main(argv, 7, out), 0);
    ck_assert_msg((double)(clock() - t0) / CLOCKS_PER_SEC < 3.0, "%s: too slow", in->name);
    char *text = slurp(out);
    ck_assert_ptr_nonnull(strstr(text, "recommendation"));
    ck_assert_ptr_nonnull(strstr(text, "memcached: -f "));
    ck_assert_ptr_nonnull(strstr(text, "optimal table of 20 classes"));
    ck_assert_ptr_nonnull(strstr(text, "slab_sizes="));
    /* Items above chunk_max are reported apart, never dropped (and never invented). */
    ck_assert_msg((strstr(text, "above chunk_max") != NULL) == oversize,
                  "%s: %s items above chunk_max, but the report %s them", in->name,
                  oversize ? "has" : "has no", oversize ? "omits" : "shows");
    text = slurp(csv);
    ck_assert_int_eq(strncmp(text, "input,factor,classes,", 21), 0);
    ck_assert_ptr_nonnull(strstr(text, "chunk_efficiency,memory_efficiency"));
    unsigned lines = 0;
    for (char *p = text; *p; p++)
        lines += *p == '\n';
    ck_assert_uint_eq(lines, 101); /* header + 1.01 .. 2.00 */
    char *bad[] = {"factor", "--from", "0.9"};
    ck_assert_int_eq(run_main(bad, 3, out), 2);
    unlink(out);
    unlink(csv);
}
END_TEST

START_TEST(main_default_has_etc_and_redis_strings)
{
    char out[] = "/tmp/test_factor_out_XXXXXX";
    close(mkstemp(out));
    char *argv[] = {"factor", "--ops", "200000"};
    ck_assert_int_eq(run_main(argv, 3, out), 0);
    char *text = slurp(out);
    ck_assert_ptr_nonnull(strstr(text, "== etc:"));
    ck_assert_ptr_nonnull(strstr(text, "== redis-strings:"));
    ck_assert_ptr_nonnull(strstr(text, "   1.25 "));
    unlink(out);
}
END_TEST

/* Writes each generated input as a `size,count` CSV in tmpdir and adds the CacheLib
 * files that are present; says in one line which CacheLib checks it skips. */
static int prepare_inputs(void)
{
    char missing[2 * PATH_MAX] = "";
    if (mkdtemp(tmpdir) == NULL) {
        perror("test_factor: mkdtemp");
        return -1;
    }
    for (unsigned i = 0; i < MAX_INPUTS; i++) {
        input in = all_inputs[i];
        if (in.workload == NULL) {
            char file[PATH_MAX];
            snprintf(file, sizeof file, "%s_sizes.csv", in.name);
            if (!data_file(file, in.path, sizeof in.path)) {
                snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s",
                         *missing ? ", " : "", file);
                continue;
            }
        } else {
            size_hist h;
            if (generate(&in, &h) != 0) {
                fprintf(stderr, "test_factor: workload %s did not generate\n", in.workload);
                return -1;
            }
            snprintf(in.path, sizeof in.path, "%s/%s_sizes.csv", tmpdir, in.name);
            FILE *f = fopen(in.path, "w");
            if (f == NULL) {
                perror(in.path);
                size_hist_free(&h);
                return -1;
            }
            fprintf(f, "size,count\n");
            for (size_t k = 0; k < h.n; k++)
                fprintf(f, "%zu,%llu\n", h.size[k], h.count[k]);
            size_hist_free(&h);
            if (fclose(f) != 0) {
                perror(in.path);
                return -1;
            }
        }
        if (in.replay)
            replayed[nreplayed++] = ninputs;
        inputs[ninputs++] = in;
    }
    if (*missing)
        printf("test_factor: skipped the CacheLib checks: %s not in %s (set KVALLOC_DATA_DIR); "
               "ran them on the generated distributions only\n", missing, data_dir());
    fflush(stdout);
    return 0;
}

static void remove_inputs(void)
{
    for (unsigned i = 0; i < ninputs; i++)
        if (inputs[i].workload)
            unlink(inputs[i].path);
    rmdir(tmpdir);
}

static Suite *factor_suite(void)
{
    Suite *s = suite_create("factor");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, table_matches_memcached);
    tcase_add_test(tc, table_matches_slab_backend);
    tcase_add_test(tc, histogram_formats);
    tcase_add_test(tc, eval_by_hand);
    tcase_add_test(tc, optimal_equals_brute_force);
    tcase_add_test(tc, slab_sizes_list_is_valid);
    tcase_add_test(tc, main_default_has_etc_and_redis_strings);
    suite_add_tcase(s, tc);
    /* One case per input, so a failure names it: the generated distributions always,
     * CacheLib's when present. */
    tc = tcase_create("distributions");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, inputs_load, 0, (int)ninputs);
    tcase_add_loop_test(tc, sweep_equals_slab_replay, 0, (int)nreplayed);
    tcase_add_loop_test(tc, optimal_beats_every_factor, 0, (int)ninputs);
    tcase_add_loop_test(tc, main_sizes_report_and_csv, 0, (int)ninputs);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (prepare_inputs() != 0) {
        remove_inputs();
        return EXIT_FAILURE;
    }
    SRunner *sr = srunner_create(factor_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    remove_inputs();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
