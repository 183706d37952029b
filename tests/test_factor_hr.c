/* test_factor_hr.c - `allocbench factor --by hit-ratio` as a specification: the
 * memcached preset builds exactly the class table the sweep computed (for a factor and
 * for an --optimal K list), a row's replay is the simulator's own run, the
 * recommendation follows the stated tie rule, the cache-aside size histogram follows
 * the simulator's request rules, and the command's CSV and errors. */
#include "commands.h"
#include "factor.h"
#include "fill_hist.h"
#include "hit_ratio.h"
#include "report.h"
#include "sim_run.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* memcached's item with CAS, the preset's default: 48 + key + 1 + value + 2 + 8. */
#define ITEM_OVERHEAD (48 + 1 + 2 + 8)
#define KEY 1 /* key bytes of the probe items: the smallest item is 60 bytes */
#define MIB (1ULL << 20)
#define TRACE_MEMORY (16 * MIB)

static char trace_path[64]; /* the generated trace every replay test reads */

/* Writes the suite's trace with the project's own generator: 200,000 gets, Zipf 0.9
 * over 100,000 keys, ETC sizes, 10,000 requests per trace second. */
static int write_trace(void)
{
    snprintf(trace_path, sizeof trace_path, "/tmp/test_factor_hr_%ld.csv", (long)getpid());
    char *argv[] = {"gen-trace", "--mix", "get", "--zipf", "0.9", "--rate", "10000",
                    "--requests", "200000", "--keys", "100000", "--out", trace_path};
    return gen_trace_main((int)(sizeof argv / sizeof argv[0]), argv);
}

/* Pages (MiB) the memcached preset holds after each store of one item of memcached
 * size ntotal[i], in order, with a limit no test reaches. */
static void preset_pages(const char *config, const size_t *ntotal, size_t n,
                         unsigned long long *pages)
{
    const char *opts;
    const sim_preset *p = sim_preset_find(config, &opts);
    ck_assert_ptr_nonnull(p);
    sim_params prm = {.memory_limit = 256 * MIB, .budget = SIM_BUDGET_OWN, .seed = 1};
    sim_server *s;
    char err[256];
    ck_assert_msg(p->create(opts, &prm, &s, err, sizeof err) == 0, "%s: %s", config, err);
    p->advance(s, 0);
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_ge(ntotal[i], ITEM_OVERHEAD + KEY);
        uint32_t value = (uint32_t)(ntotal[i] - ITEM_OVERHEAD - KEY);
        ck_assert_int_eq(p->store(s, SIM_SET, i + 1, KEY, value, 0), SIM_STORED);
        sim_stats st;
        p->stats(s, &st);
        ck_assert_uint_eq(st.counted_bytes % MIB, 0);
        pages[i] = st.counted_bytes / MIB;
    }
    p->destroy(s);
}

/* The preset's table for `config` is t: for each class i, an item of its smallest size
 * (one byte above the class before, or the smallest item for the first) and one of
 * exactly its chunk size.  An item goes to the first class whose chunk holds it and
 * a class takes a page with its first item, so after the smallest item of the i-th
 * distinct chunk size the preset holds i + 1 pages and after its largest still i + 1.
 * That holds only if the preset has a boundary between chunk[i-1] and chunk[i-1] + 1
 * and none up to chunk[i] for every i, and no class beyond: the two tables are the
 * same.  (Small factors repeat a size -- 96 x 1.01 truncates to 96 -- and memcached
 * keeps the repeats as classes no item reaches; the cap then ends both tables at the
 * same size only if both counted them.) */
static void assert_preset_table(const char *config, const class_table *t)
{
    size_t sizes[2 * FACTOR_MAX_CLASSES], chunk[FACTOR_MAX_CLASSES];
    unsigned long long pages[2 * FACTOR_MAX_CLASSES];
    unsigned n = 0;
    for (unsigned i = 0; i < t->n; i++)
        if (n == 0 || t->chunk[i] != chunk[n - 1])
            chunk[n++] = t->chunk[i];
    for (unsigned i = 0; i < n; i++) {
        sizes[2 * i] = i ? chunk[i - 1] + 1 : ITEM_OVERHEAD + KEY;
        sizes[2 * i + 1] = chunk[i];
    }
    preset_pages(config, sizes, 2 * n, pages);
    for (unsigned i = 0; i < n; i++) {
        ck_assert_msg(pages[2 * i] == i + 1 && pages[2 * i + 1] == i + 1,
                      "%s: chunk size %zu (%u of %u): %llu and %llu pages after its smallest "
                      "and largest item, expected %u",
                      config, chunk[i], i + 1, n, pages[2 * i], pages[2 * i + 1], i + 1);
    }
}

static double grid_factor(int i)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%d.%02d", (101 + i) / 100, (101 + i) % 100);
    return strtod(buf, NULL);
}

/* Every geometry the preset accepts (min_chunk 96, 64, 100; chunk_max 512 KiB, 16 KiB)
 * and factors across the sweep, the capped 1.08 among them. */
START_TEST(preset_builds_the_sweep_table)
{
    static const size_t mins[] = {96, 64, 100};
    static const size_t cmax[] = {524288, 16384};
    for (unsigned a = 0; a < 3; a++)
        for (unsigned b = 0; b < 2; b++)
            for (int i = 0; i < 100; i += (i < 20 ? 1 : 9)) {
                factor_geom g;
                factor_geom_default(&g);
                g.min_chunk = mins[a];
                g.chunk_max = cmax[b];
                char label[16], config[640];
                snprintf(label, sizeof label, "%.2f", grid_factor(i));
                ck_assert_int_eq(factor_hr_config_factor(&g, label, config, sizeof config), 0);
                class_table t;
                class_table_from_factor(&g, grid_factor(i), &t);
                assert_preset_table(config, &t);
            }
}
END_TEST

/* --optimal K: the list memcached takes (factor_table_expressible) for K from 2 to the
 * 63-class cap, over the trace's items. */
START_TEST(preset_builds_the_optimal_table)
{
    size_hist h;
    char err[256];
    ck_assert_msg(fill_hist_load(trace_path, 1, &h, err, sizeof err) == 0, "%s", err);
    static const size_t cmax[] = {524288, 16384};
    for (unsigned b = 0; b < 2; b++) {
        factor_geom g;
        factor_geom_default(&g);
        g.chunk_max = cmax[b];
        factor_optimal o;
        ck_assert_int_eq(factor_optimal_run(&g, &h, FACTOR_MEMCACHED_CLASSES, &o), 0);
        static const unsigned ks[] = {2, 5, 20, 40, 63};
        for (unsigned k = 0; k < 5; k++) {
            class_table t, tv;
            factor_optimal_table(&o, &g, ks[k], &t);
            factor_table_expressible(&t, &tv);
            char config[640];
            ck_assert_int_eq(factor_hr_config_sizes(&g, &tv, config, sizeof config), 0);
            assert_preset_table(config, &tv);
        }
        factor_optimal_free(&o);
    }
    size_hist_free(&h);
}
END_TEST

/* memcached takes -n as the least slab_sizes entry, default 48: a list starting below
 * it carries n = its first entry, one at 48 or above none. */
START_TEST(sizes_config_lowers_n_only_when_needed)
{
    factor_geom g;
    factor_geom_default(&g);
    class_table t = {.n = 3, .chunk = {40, 120, 524288}};
    char config[640];
    ck_assert_int_eq(factor_hr_config_sizes(&g, &t, config, sizeof config), 0);
    ck_assert_str_eq(config, "memcached:sizes=40-120,n=40");
    t.chunk[0] = 48;
    ck_assert_int_eq(factor_hr_config_sizes(&g, &t, config, sizeof config), 0);
    ck_assert_str_eq(config, "memcached:sizes=48-120");
    const char *opts;
    const sim_preset *p = sim_preset_find("memcached:sizes=40-120,n=40", &opts);
    sim_params prm = {.memory_limit = 64 * MIB};
    sim_server *s;
    char err[256];
    ck_assert_msg(p->create(opts, &prm, &s, err, sizeof err) == 0, "%s", err);
    p->destroy(s);
    /* one class only (chunk_max): no list to give */
    t.n = 1;
    t.chunk[0] = 524288;
    ck_assert_int_eq(factor_hr_config_sizes(&g, &t, config, sizeof config), -1);
}
END_TEST

static sweep_row row_of(double f, double h)
{
    sweep_row r;
    memset(&r, 0, sizeof r);
    snprintf(r.label, sizeof r.label, "%.2f", f);
    r.f = strtod(r.label, NULL);
    r.hr.done = 1;
    r.hr.hit_ratio = h;
    return r;
}

/* The rule: ties are rows within `tie` of the highest; the nearest to 1.25 wins, equal
 * distances to the higher hit ratio, then to the smaller factor. */
START_TEST(pick_follows_the_tie_rule)
{
    sweep_row r[5] = {row_of(1.10, 0.8000), row_of(1.20, 0.7995), row_of(1.30, 0.7995),
                      row_of(1.40, 0.7900), row_of(1.50, 0.7999)};
    /* no tie width: the strict maximum, 1.10 */
    ck_assert_uint_eq(factor_hr_pick(r, 5, 0), 0);
    /* 0.001: 1.10, 1.20, 1.30 and 1.50 tie; 1.20 and 1.30 are both 0.05 from 1.25 with
     * equal hit ratios: the smaller, 1.20 */
    ck_assert_uint_eq(factor_hr_pick(r, 5, 0.001), 1);
    /* 1.30 a little higher than 1.20: it wins the equal distance */
    r[2].hr.hit_ratio = 0.7996;
    ck_assert_uint_eq(factor_hr_pick(r, 5, 0.001), 2);
    /* 0.00015: only 1.10 (0.8000) and 1.50 (0.7999) tie; 1.50 is 0.25 from 1.25, 1.10
     * only 0.15 */
    ck_assert_uint_eq(factor_hr_pick(r, 5, 0.00015), 0);
    /* one standard error: sqrt(0.25 * 0.75 / 10000) = 0.0043301... */
    ck_assert_double_eq_tol(factor_hr_tie(0.25, 10000), sqrt(0.1875) / 100, 1e-12);
}
END_TEST

static void sweep_on_trace(factor_opts *o, size_hist *h, factor_report *r)
{
    memset(o, 0, sizeof *o);
    factor_geom_default(&o->geom);
    o->from = 1.05;
    o->to = 1.45;
    o->step = 0.1;
    o->memory = TRACE_MEMORY;
    o->by_hit_ratio = 1;
    char err[512];
    ck_assert_msg(fill_hist_load(trace_path, 1, h, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(factor_report_run(o, "trace", h, r, err, sizeof err), 0);
    factor_hr_opts hro = {trace_path, 2, 1};
    ck_assert_msg(factor_hr_run(o, &hro, r, err, sizeof err) == 0, "%s", err);
}

/* (a) The sweep's row for 1.25 is the simulator's own run of "memcached" (its
 * defaults: -f 1.25 -n 48, chunk_max 512 KiB) on the same trace and -m: the same gets,
 * hits, evictions and pages.  (b) The recommendation is the argmax under the rule. */
START_TEST(rows_are_the_simulator_runs_and_the_pick_is_their_argmax)
{
    factor_opts o;
    size_hist h;
    factor_report r;
    sweep_on_trace(&o, &h, &r);
    ck_assert_uint_eq(r.nrows, 5); /* 1.05 1.15 1.25 1.35 1.45 */
    ck_assert(r.hr);
    const sweep_row *row = &r.rows[2];
    ck_assert_str_eq(row->label, "1.25");
    sim_cell c = {.workload = "t", .trace = trace_path, .config = "memcached",
                  .memory = TRACE_MEMORY, .budget = SIM_BUDGET_OWN, .time_scale = 1,
                  .seed = 1};
    sim_row want;
    char err[320];
    ck_assert_msg(sim_run(&c, &want, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_gt(want.st.evictions, 0); /* the budget binds */
    ck_assert_uint_eq(row->hr.gets, want.gets);
    ck_assert(row->hr.hit_ratio == want.hit_ratio);
    ck_assert_uint_eq(row->hr.evictions, want.st.evictions);
    ck_assert_uint_eq(row->hr.counted_bytes, want.st.counted_bytes);
    ck_assert(r.dflt.hr.hit_ratio == want.hit_ratio);

    /* (b): top = the highest hit ratio; the pick is within the tie width of it, the tie
     * width is one standard error at top over the gets, and no other row within it is
     * nearer 1.25 */
    double top = 0;
    size_t itop = 0;
    for (size_t i = 0; i < r.nrows; i++)
        if (r.rows[i].hr.hit_ratio > top) {
            top = r.rows[i].hr.hit_ratio;
            itop = i;
        }
    ck_assert_double_eq_tol(r.hr_tie, sqrt(top * (1 - top) / (double)r.rows[itop].hr.gets),
                            1e-15);
    const sweep_row *best = &r.rows[r.best_hr];
    ck_assert(best->hr.hit_ratio >= top - r.hr_tie);
    for (size_t i = 0; i < r.nrows; i++)
        if (r.rows[i].hr.hit_ratio >= top - r.hr_tie)
            ck_assert(fabs(r.rows[i].f - 1.25) >= fabs(best->f - 1.25) - 1e-9);
    factor_report_free(&r);
    size_hist_free(&h);
}
END_TEST

/* Runs factor_main with stdout and stderr sent to files; returns its exit code. */
static int run_main(char **argv, int argc, const char *out_path, const char *err_path)
{
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    FILE *f = fopen(out_path, "w"), *g = fopen(err_path, "w");
    dup2(fileno(f), 1);
    dup2(fileno(g), 2);
    int rc = factor_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    fclose(f);
    fclose(g);
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

/* (c) The CSV keeps its columns and appends hit_ratio and evictions: filled by --by
 * hit-ratio (1.25's equal to the simulator's run), empty otherwise. */
START_TEST(csv_has_hit_ratio_and_evictions)
{
    char out[] = "/tmp/test_factor_hr_out_XXXXXX", errf[] = "/tmp/test_factor_hr_err_XXXXXX",
         csv[] = "/tmp/test_factor_hr_csv_XXXXXX";
    close(mkstemp(out));
    close(mkstemp(errf));
    close(mkstemp(csv));
    char *argv[] = {"factor", "--trace", trace_path, "--by", "hit-ratio", "--memory", "16m",
                    "--from", "1.15", "--to", "1.35", "--step", "0.1", "--jobs", "2",
                    "--csv", csv};
    ck_assert_int_eq(run_main(argv, 17, out, errf), 0);
    char *text = slurp(out);
    ck_assert_ptr_nonnull(strstr(text, "recommendation (by chunk efficiency): -f "));
    ck_assert_ptr_nonnull(strstr(text, "recommendation (by hit ratio): -f "));
    ck_assert_ptr_nonnull(strstr(text, "points of hit ratio apart"));
    ck_assert_ptr_nonnull(strstr(text, " -m 16 -n 48 -o slab_chunk_max=524288"));

    sim_cell c = {.workload = "t", .trace = trace_path, .config = "memcached",
                  .memory = TRACE_MEMORY, .budget = SIM_BUDGET_OWN, .time_scale = 1,
                  .seed = 1};
    sim_row want;
    char err[320];
    ck_assert_msg(sim_run(&c, &want, err, sizeof err) == 0, "%s", err);
    char tail[64];
    snprintf(tail, sizeof tail, ",%.6f,%llu\n", want.hit_ratio,
             (unsigned long long)want.st.evictions);

    text = slurp(csv);
    const char *head = "input,factor,classes,classes_used,chunk_efficiency,memory_efficiency,"
                       "pages,requested_bytes,chunk_bytes,oversize_items,largest_below_max,"
                       "capped,worst_chunk,worst_efficiency,worst_waste_share,hit_ratio,"
                       "evictions\n";
    ck_assert_int_eq(strncmp(text, head, strlen(head)), 0);
    unsigned lines = 0;
    for (char *line = text; *line; line = strchr(line, '\n') + 1) {
        lines++;
        char *nl = strchr(line, '\n');
        ck_assert_ptr_nonnull(nl);
        unsigned commas = 0;
        for (char *p = line; p < nl; p++)
            commas += *p == ',';
        ck_assert_uint_eq(commas, 16); /* 17 columns */
        ck_assert(nl[-1] != ','); /* evictions filled */
        if (strstr(line, ",1.25,") != NULL && strstr(line, ",1.25,") < nl)
            ck_assert_int_eq(strncmp(nl + 1 - strlen(tail), tail, strlen(tail)), 0);
    }
    ck_assert_uint_eq(lines, 4); /* header + 1.15 1.25 1.35 */

    char *plain[] = {"factor", "--workload", "fixed:100", "--from", "1.2", "--to", "1.3",
                     "--csv", csv};
    ck_assert_int_eq(run_main(plain, 9, out, errf), 0);
    text = slurp(csv);
    ck_assert_int_eq(strncmp(text, head, strlen(head)), 0);
    ck_assert_ptr_nonnull(strstr(text, ",,\n")); /* both empty */
    ck_assert_ptr_null(strstr(slurp(out), "by hit ratio"));
    unlink(out);
    unlink(errf);
    unlink(csv);
}
END_TEST

/* (d) --by hit-ratio replays requests: without --trace it is a usage error that says
 * so; a geometry memcached cannot have is refused with the reason. */
START_TEST(hit_ratio_needs_a_trace)
{
    char out[] = "/tmp/test_factor_hr_out_XXXXXX", errf[] = "/tmp/test_factor_hr_err_XXXXXX";
    close(mkstemp(out));
    close(mkstemp(errf));
    char *a[] = {"factor", "--by", "hit-ratio"};
    ck_assert_int_eq(run_main(a, 3, out, errf), 2);
    ck_assert_ptr_nonnull(strstr(slurp(errf), "--by hit-ratio replays requests: give --trace"));
    char *b[] = {"factor", "--workload", "etc", "--by", "hit-ratio"};
    ck_assert_int_eq(run_main(b, 5, out, errf), 2);
    ck_assert_ptr_nonnull(strstr(slurp(errf), "give --trace FILE"));
    char *c[] = {"factor", "--trace", trace_path, "--by", "hit-ratio", "--max-classes", "40"};
    ck_assert_int_eq(run_main(c, 7, out, errf), 2);
    ck_assert_ptr_nonnull(strstr(slurp(errf), "at most 63 classes"));
    char *d[] = {"factor", "--trace", trace_path, "--by", "hit-ratio", "--chunk-max", "24576"};
    ck_assert_int_eq(run_main(d, 7, out, errf), 2);
    ck_assert_ptr_nonnull(strstr(slurp(errf), "power of two"));
    char *e[] = {"factor", "--trace", trace_path, "--by", "hits"};
    ck_assert_int_eq(run_main(e, 5, out, errf), 2);
    ck_assert_ptr_nonnull(strstr(slurp(errf), "--by takes chunk, memory or hit-ratio"));
    unlink(out);
    unlink(errf);
}
END_TEST

/* A trace of gets writes nothing itself: plain `factor --trace` (no --by) fits the
 * sizes a cache-aside cache stores for it, says so on stderr, and recommends a factor,
 * where it used to stop with "the input has no sizes". */
START_TEST(get_only_trace_fits_the_fills)
{
    char out[] = "/tmp/test_factor_hr_out_XXXXXX", errf[] = "/tmp/test_factor_hr_err_XXXXXX";
    close(mkstemp(out));
    close(mkstemp(errf));
    char *a[] = {"factor", "--trace", trace_path, "--from", "1.2", "--to", "1.3"};
    ck_assert_int_eq(run_main(a, 7, out, errf), 0);
    ck_assert_ptr_nonnull(strstr(slurp(errf), "has no writes; fitting the sizes a "
                                              "cache-aside cache stores"));
    ck_assert_ptr_nonnull(strstr(slurp(out), "recommendation (by chunk efficiency): -f "));
    unlink(out);
    unlink(errf);
}
END_TEST

/* A never-evicting cache-aside replay, request by request (raw sizes: key + value):
 *   0 a get        miss: fill a, 1 + 10 = 11
 *   0 a get        hit
 *   0 b add        absent: 2 + 20 = 22
 *   0 b add        present: not stored
 *   0 c replace    absent: not stored
 *   0 b replace    present: 2 + 40 = 42
 *   0 b delete
 *   0 b get        miss: fill 2 + 50 = 52
 *   0 d get ttl 5  miss: fill 4 + 10 = 14, absent from second 5
 *   4 d get        hit
 *   5 d get        expired: fill 14 again
 *   6 a append, 6 e incr: skipped, as the simulator skips them
 *   7 e set        61;  7 e cas: present, 61 again
 * -> 11, 14 x2, 22, 42, 52, 61 x2: 8 stores. */
START_TEST(fill_hist_follows_the_request_rules)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/test_factor_hr_fill_%ld.csv", (long)getpid());
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("0,a,1,10,1,get,0\n0,a,1,10,1,get,0\n0,b,2,20,1,add,0\n0,b,2,30,1,add,0\n"
          "0,c,3,30,1,replace,0\n0,b,2,40,1,replace,0\n0,b,2,40,1,delete,0\n"
          "0,b,2,50,1,get,0\n0,d,4,10,1,get,5\n4,d,4,10,1,get,0\n5,d,4,10,1,get,0\n"
          "6,a,1,10,1,append,0\n6,e,1,99,1,incr,0\n7,e,1,60,1,set,0\n7,e,1,60,1,cas,0\n",
          f);
    fclose(f);
    size_hist h;
    char err[256];
    ck_assert_msg(fill_hist_load(path, 0, &h, err, sizeof err) == 0, "%s", err);
    static const size_t size[] = {11, 14, 22, 42, 52, 61};
    static const unsigned long long count[] = {1, 2, 1, 1, 1, 2};
    ck_assert_uint_eq(h.n, 6);
    ck_assert_uint_eq(h.total, 8);
    for (unsigned i = 0; i < 6; i++) {
        ck_assert_uint_eq(h.size[i], size[i]);
        ck_assert_uint_eq(h.count[i], count[i]);
    }
    size_hist_free(&h);
    /* item mode: the same stores as memcached items, 59 bytes more each */
    ck_assert_int_eq(fill_hist_load(path, 1, &h, err, sizeof err), 0);
    ck_assert_uint_eq(h.total, 8);
    ck_assert_uint_eq(h.size[0], 11 + ITEM_OVERHEAD);
    size_hist_free(&h);
    unlink(path);
}
END_TEST

static Suite *factor_hr_suite(void)
{
    Suite *s = suite_create("factor_hr");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, preset_builds_the_sweep_table);
    tcase_add_test(tc, preset_builds_the_optimal_table);
    tcase_add_test(tc, sizes_config_lowers_n_only_when_needed);
    tcase_add_test(tc, pick_follows_the_tie_rule);
    tcase_add_test(tc, rows_are_the_simulator_runs_and_the_pick_is_their_argmax);
    tcase_add_test(tc, csv_has_hit_ratio_and_evictions);
    tcase_add_test(tc, hit_ratio_needs_a_trace);
    tcase_add_test(tc, get_only_trace_fits_the_fills);
    tcase_add_test(tc, fill_hist_follows_the_request_rules);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (write_trace() != 0) {
        fprintf(stderr, "test_factor_hr: the trace did not generate\n");
        return EXIT_FAILURE;
    }
    SRunner *sr = srunner_create(factor_hr_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    unlink(trace_path);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
