/* test_sim_engine.c - the simulator's engine, seen through a preset that records what
 * it is asked: trace time becomes server time as the live client sends it, cache-aside
 * fills follow misses, operations map to the preset's calls, hit ratios count gets
 * only; and the built-in request streams (popularity, phase shift, the same requests
 * from a trace file as from the stream itself). */
#include "reqgen.h"
#include "sim_run.h"
#include "trace.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a recording preset: an unbounded exact cache --------------------------- */

#define REC_MAX 64
#define REC_KEYS 4096

typedef struct rec_call {
    char what; /* 'g' get, 's' set, 'a' add, 'r' replace, 'd' delete */
    uint64_t key, now_us;
    uint32_t ksize, vsize, ttl;
} rec_call;

struct sim_server {
    uint64_t now_us;
    uint64_t keys[REC_KEYS];
    size_t nkeys;
    rec_call call[REC_MAX];
    size_t ncalls;
    int advance_backwards;
};

static sim_server g_rec; /* the one instance the tests inspect */

static int rec_create(const char *opts, const sim_params *p, sim_server **out, char *err,
                      size_t errlen)
{
    (void)opts, (void)p, (void)err, (void)errlen;
    memset(&g_rec, 0, sizeof g_rec);
    *out = &g_rec;
    return 0;
}

static void rec_destroy(sim_server *s) { (void)s; }

static void rec_advance(sim_server *s, uint64_t now_us)
{
    if (now_us < s->now_us)
        s->advance_backwards = 1;
    s->now_us = now_us;
}

static void record(sim_server *s, char what, uint64_t key, uint32_t k, uint32_t v, uint32_t ttl)
{
    if (s->ncalls < REC_MAX)
        s->call[s->ncalls++] = (rec_call){what, key, s->now_us, k, v, ttl};
}

static int find(sim_server *s, uint64_t key)
{
    for (size_t i = 0; i < s->nkeys; i++)
        if (s->keys[i] == key)
            return (int)i;
    return -1;
}

static int rec_get(sim_server *s, uint64_t key, uint32_t k, uint32_t v)
{
    record(s, 'g', key, k, v, 0);
    return find(s, key) >= 0;
}

static sim_store_result rec_store(sim_server *s, sim_store_mode mode, uint64_t key, uint32_t k,
                                  uint32_t v, uint32_t ttl)
{
    record(s, mode == SIM_SET ? 's' : mode == SIM_ADD ? 'a' : 'r', key, k, v, ttl);
    int at = find(s, key);
    if ((mode == SIM_ADD && at >= 0) || (mode == SIM_REPLACE && at < 0))
        return SIM_NOT_STORED;
    if (at < 0 && s->nkeys < REC_KEYS)
        s->keys[s->nkeys++] = key;
    return SIM_STORED;
}

static int rec_del(sim_server *s, uint64_t key)
{
    record(s, 'd', key, 0, 0, 0);
    int at = find(s, key);
    if (at < 0)
        return 0;
    s->keys[at] = s->keys[--s->nkeys];
    return 1;
}

static void rec_stats(sim_server *s, sim_stats *out)
{
    memset(out, 0, sizeof *out);
    out->live_objects = s->nkeys;
    out->requested_bytes = 1000;
    out->held_bytes = 4000;
}

static void rec_help(void *f) { (void)f; }

static const sim_preset rec_preset = {"rec",    rec_create, rec_destroy, rec_advance, rec_get,
                                      rec_store, rec_del,   rec_stats,   rec_help};

static char trace_path[64];

static void write_trace(const char *text)
{
    snprintf(trace_path, sizeof trace_path, "/tmp/kvalloc-sim-engine-%ld.csv", (long)getpid());
    FILE *f = fopen(trace_path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static sim_row run_trace(const char *text, double scale, int no_fill)
{
    write_trace(text);
    sim_cell c = {.workload = "t", .trace = trace_path, .config = "rec", .memory = 1 << 20,
                  .time_scale = scale, .no_fill = no_fill, .seed = 1};
    sim_row row;
    char err[256];
    ck_assert_msg(sim_run_preset(&rec_preset, "", &c, &row, err, sizeof err) == 0, "%s", err);
    unlink(trace_path);
    return row;
}

static uint64_t key_of(const char *k) { return trace_key_hash(k, strlen(k)); }

/* Four requests in trace second 10 and two in second 11 at scale 2: second 10 starts
 * the replay (server time 0) and spans 2 s, so its requests fall at 0, 0.5, 1, 1.5 s;
 * second 11 starts at 2 s and its two requests fall at 2 and 3 s. */
START_TEST(trace_time_spreads_each_second)
{
    run_trace("10,a,3,100,1,set,0\n10,b,3,100,1,set,0\n10,c,3,100,1,set,0\n"
              "10,d,3,100,1,set,0\n11,e,3,100,1,set,0\n11,f,3,100,1,set,0\n",
              2.0, 0);
    static const uint64_t want[] = {0, 500000, 1000000, 1500000, 2000000, 3000000};
    ck_assert_uint_eq(g_rec.ncalls, 6);
    for (size_t i = 0; i < 6; i++)
        ck_assert_uint_eq(g_rec.call[i].now_us, want[i]);
    ck_assert_int_eq(g_rec.advance_backwards, 0);
}
END_TEST

/* A timestamp that goes back joins the current second: the clock never runs backwards. */
START_TEST(trace_time_never_goes_back)
{
    run_trace("5,a,3,10,1,get,0\n7,b,3,10,1,get,0\n6,c,3,10,1,get,0\n8,d,3,10,1,get,0\n", 1.0,
              1);
    ck_assert_int_eq(g_rec.advance_backwards, 0);
    ck_assert_uint_eq(g_rec.ncalls, 4);
    /* seconds 5, then 7 holding b and c (at 2 and 2.5 s), then 8 */
    ck_assert_uint_eq(g_rec.call[1].now_us, 2000000);
    ck_assert_uint_eq(g_rec.call[2].now_us, 2500000);
    ck_assert_uint_eq(g_rec.call[3].now_us, 3000000);
}
END_TEST

/* Cache-aside: a missed get stores the object with the get's sizes and TTL; the second
 * get of the key hits.  Byte hit ratio weighs gets by key + value bytes. */
START_TEST(cache_aside_fills_misses)
{
    sim_row r = run_trace("0,k1,4,96,1,get,30\n0,k1,4,96,1,get,30\n0,k2,8,392,1,get,0\n", 1.0,
                          0);
    ck_assert_uint_eq(r.gets, 3);
    ck_assert_uint_eq(r.hits, 1);
    ck_assert_uint_eq(r.sets, 2);
    ck_assert_uint_eq(g_rec.ncalls, 5); /* get, set, get, get, set */
    ck_assert_int_eq(g_rec.call[1].what, 's');
    ck_assert_uint_eq(g_rec.call[1].key, key_of("k1"));
    ck_assert_uint_eq(g_rec.call[1].ksize, 4);
    ck_assert_uint_eq(g_rec.call[1].vsize, 96);
    ck_assert_uint_eq(g_rec.call[1].ttl, 30);
    ck_assert(fabs(r.hit_ratio - 1.0 / 3) < 1e-12);
    /* hit bytes 100 of 100 + 100 + 400 */
    ck_assert(fabs(r.byte_hit_ratio - 100.0 / 600) < 1e-12);
    ck_assert(fabs(r.efficiency - 0.25) < 1e-12);
}
END_TEST

START_TEST(no_fill_stores_only_trace_writes)
{
    sim_row r = run_trace("0,k1,4,96,1,get,0\n0,k1,4,96,1,set,0\n0,k1,4,96,1,get,0\n", 1.0, 1);
    ck_assert_uint_eq(r.gets, 2);
    ck_assert_uint_eq(r.hits, 1);
    ck_assert_uint_eq(r.sets, 1);
    ck_assert_uint_eq(g_rec.ncalls, 3);
}
END_TEST

/* Each write operation reaches the preset as its store mode; cas is a replace (the
 * simulator keeps no CAS values); delete deletes; incr, decr, append and prepend are
 * counted as skipped and do not reach the preset. */
START_TEST(operations_map_to_preset_calls)
{
    sim_row r = run_trace("0,a,1,10,1,set,0\n0,b,1,10,1,add,0\n0,c,1,10,1,replace,0\n"
                          "0,d,1,10,1,cas,0\n0,a,1,0,1,delete,0\n0,b,1,1,1,incr,0\n"
                          "0,b,1,1,1,append,0\n0,b,1,10,1,gets,0\n",
                          1.0, 1);
    static const char want[] = "sarrdg";
    ck_assert_uint_eq(g_rec.ncalls, strlen(want));
    for (size_t i = 0; i < strlen(want); i++)
        ck_assert_int_eq(g_rec.call[i].what, want[i]);
    ck_assert_uint_eq(r.skipped, 2);
    ck_assert_uint_eq(r.deletes, 1);
    ck_assert_uint_eq(r.gets, 1);
    ck_assert_uint_eq(r.hits, 1); /* b was added */
    ck_assert_uint_eq(r.requests, 8);
}
END_TEST

START_TEST(bad_config_and_scale_are_refused)
{
    sim_cell c = {.workload = "t", .trace = "/nonexistent", .config = "nosuch", .memory = 1,
                  .time_scale = 1};
    sim_row row;
    char err[256] = "";
    ck_assert_int_eq(sim_run(&c, &row, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "no such preset"));
    c.time_scale = 0;
    ck_assert_int_eq(sim_run_preset(&rec_preset, "", &c, &row, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "time scale"));
}
END_TEST

/* ---- built-in streams ---------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Zipf with exponent 1 over N keys gives rank k the probability 1 / (k H_N); over 400k
 * draws the counts of ranks 1 and 2 are within 5 standard deviations of that. */
START_TEST(zipf_follows_its_law)
{
    reqgen_spec s;
    char err[256];
    ck_assert_msg(reqgen_parse("zipf:1.0,keys=1000,values=10-10,key_size=8", &s, err,
                               sizeof err) == 0, "%s", err);
    reqgen g;
    const unsigned long long n = 400000;
    ck_assert_int_eq(reqgen_start(&g, &s, n, 3, err, sizeof err), 0);
    double h = 0;
    for (int k = 1; k <= 1000; k++)
        h += 1.0 / k;
    uint64_t first = 0, second = 0;
    trace_rec r;
    unsigned long long got = 0;
    /* the two most frequent keys are ranks 1 and 2: count every key by sorting */
    uint64_t *seen = calloc(n, sizeof *seen);
    ck_assert_ptr_nonnull(seen);
    while (reqgen_next(&g, &r)) {
        seen[got++] = trace_key_hash(r.key, r.key_len);
        ck_assert_uint_eq(r.key_size, 8);
        ck_assert_uint_eq(r.value_size, 10);
        ck_assert_int_eq(r.op, TRACE_GET);
        ck_assert_uint_eq(r.time, (got - 1) / 10000); /* default rate 10k */
    }
    reqgen_end(&g);
    ck_assert_uint_eq(got, n);
    qsort(seen, n, sizeof *seen, cmp_u64);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && seen[j] == seen[i])
            j++;
        uint64_t c = j - i;
        if (c > first) {
            second = first;
            first = c;
        } else if (c > second) {
            second = c;
        }
        i = j;
    }
    free(seen);
    double p1 = 1 / h, p2 = 1 / (2 * h);
    double e1 = n * p1, e2 = n * p2;
    ck_assert_msg(fabs((double)first - e1) < 5 * sqrt(e1 * (1 - p1)), "rank 1: %llu vs %.0f",
                  (unsigned long long)first, e1);
    ck_assert_msg(fabs((double)second - e2) < 5 * sqrt(e2 * (1 - p2)), "rank 2: %llu vs %.0f",
                  (unsigned long long)second, e2);
}
END_TEST

/* A phase shift moves every request after shift_at x N to a second key space whose
 * values have the shift sizes. */
START_TEST(phase_shift_changes_key_space)
{
    reqgen_spec s;
    char err[256];
    ck_assert_msg(reqgen_parse("phase-shift:0.8,keys=500,values=100-200,shift_at=0.25,"
                               "shift_values=3000-4000", &s, err, sizeof err) == 0, "%s", err);
    reqgen g;
    ck_assert_int_eq(reqgen_start(&g, &s, 8000, 1, err, sizeof err), 0);
    uint64_t *before = calloc(2000, sizeof *before);
    size_t nb = 0, i = 0;
    trace_rec r;
    int overlap = 0;
    while (reqgen_next(&g, &r)) {
        uint64_t k = trace_key_hash(r.key, r.key_len);
        if (i < 2000) {
            ck_assert(r.value_size >= 100 && r.value_size <= 200);
            before[nb++] = k;
        } else {
            ck_assert(r.value_size >= 3000 && r.value_size <= 4000);
            for (size_t j = 0; j < nb; j++)
                overlap |= before[j] == k;
        }
        i++;
    }
    reqgen_end(&g);
    free(before);
    ck_assert_uint_eq(i, 8000);
    ck_assert_int_eq(overlap, 0);
}
END_TEST

START_TEST(stream_spec_errors_name_the_option)
{
    reqgen_spec s;
    char err[256];
    ck_assert_int_eq(reqgen_parse("zipf:-1", &s, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "ALPHA"));
    ck_assert_int_eq(reqgen_parse("zipf,keys=0", &s, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "keys=0"));
    ck_assert_int_eq(reqgen_parse("zipf,colour=red", &s, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "colour"));
    ck_assert_int_eq(reqgen_parse("lognormal", &s, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "lognormal"));
    ck_assert_int_eq(reqgen_parse("uniform,get=1.5", &s, err, sizeof err), -1);
    ck_assert_int_eq(reqgen_parse("uniform,values=10", &s, err, sizeof err), -1);
}
END_TEST

/* The same stream through a trace file: every request reaches the preset with the same
 * key, sizes and time as when the engine draws it itself. */
START_TEST(trace_file_replays_the_stream_exactly)
{
    reqgen_spec s;
    char err[256];
    ck_assert_int_eq(reqgen_parse("zipf:0.9,keys=300,rate=7,get=0.8,ttl=5", &s, err,
                                  sizeof err), 0);
    reqgen g;
    ck_assert_int_eq(reqgen_start(&g, &s, 40, 9, err, sizeof err), 0);
    snprintf(trace_path, sizeof trace_path, "/tmp/kvalloc-sim-engine-%ld.csv", (long)getpid());
    FILE *f = fopen(trace_path, "w");
    ck_assert_ptr_nonnull(f);
    trace_rec r;
    while (reqgen_next(&g, &r))
        fprintf(f, "%llu,%.*s,%u,%u,%u,%s,%u\n", (unsigned long long)r.time, (int)r.key_len,
                r.key, r.key_size, r.value_size, r.client, trace_op_name(r.op), r.ttl);
    reqgen_end(&g);
    ck_assert_int_eq(fclose(f), 0);

    sim_cell c = {.workload = "t", .trace = trace_path, .config = "rec", .memory = 1,
                  .time_scale = 1, .seed = 9};
    sim_row a, b;
    ck_assert_int_eq(sim_run_preset(&rec_preset, "", &c, &a, err, sizeof err), 0);
    unlink(trace_path);
    rec_call first[REC_MAX];
    size_t nfirst = g_rec.ncalls;
    memcpy(first, g_rec.call, sizeof first);
    c.trace = NULL;
    c.gen = &s;
    c.requests = 40;
    ck_assert_int_eq(sim_run_preset(&rec_preset, "", &c, &b, err, sizeof err), 0);
    ck_assert_uint_eq(g_rec.ncalls, nfirst);
    ck_assert_int_eq(memcmp(first, g_rec.call, nfirst * sizeof first[0]), 0);
    ck_assert_uint_eq(a.hits, b.hits);
    ck_assert_uint_eq(a.gets, b.gets);
}
END_TEST

static Suite *sim_engine_suite(void)
{
    Suite *s = suite_create("sim_engine");
    TCase *t = tcase_create("engine");
    tcase_add_test(t, trace_time_spreads_each_second);
    tcase_add_test(t, trace_time_never_goes_back);
    tcase_add_test(t, cache_aside_fills_misses);
    tcase_add_test(t, no_fill_stores_only_trace_writes);
    tcase_add_test(t, operations_map_to_preset_calls);
    tcase_add_test(t, bad_config_and_scale_are_refused);
    suite_add_tcase(s, t);
    TCase *g = tcase_create("streams");
    tcase_add_test(g, zipf_follows_its_law);
    tcase_add_test(g, phase_shift_changes_key_space);
    tcase_add_test(g, stream_spec_errors_name_the_option);
    tcase_add_test(g, trace_file_replays_the_stream_exactly);
    suite_add_tcase(s, g);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sim_engine_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
