/* sim_validate_client.c - the live-server client's parts without a server: key texts,
 * the pacing schedule and lag statistics, and both wire protocols against canned
 * replies written into the other end of a socketpair (the request bytes are read back
 * from it and compared with what the protocol documents say). */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conn.h"
#include "pace.h"
#include "payload.h"
#include "proto.h"

/* ---- key texts ------------------------------------------------------------------ */

START_TEST(key_length_and_alphabet)
{
    char k[PAYLOAD_KEY_MAX];
    /* exactly key_size bytes, clamped to memcached's 1..250 */
    ck_assert_uint_eq(payload_key(42, 20, k), 20);
    ck_assert_uint_eq(payload_key(42, 0, k), 1);
    ck_assert_uint_eq(payload_key(42, 1000, k), PAYLOAD_KEY_MAX);
    for (size_t i = 0; i < PAYLOAD_KEY_MAX; i++)
        ck_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                         k[i]) != NULL);
    /* the 11 digits repeat */
    for (size_t i = PAYLOAD_KEY_DIGITS; i < PAYLOAD_KEY_MAX; i++)
        ck_assert_int_eq(k[i], k[i - PAYLOAD_KEY_DIGITS]);
    /* hash 0 is digit 'A' everywhere; hash 1 has digit value 1 ('B') first */
    payload_key(0, 5, k);
    ck_assert(memcmp(k, "AAAAA", 5) == 0);
    payload_key(1, 3, k);
    ck_assert(memcmp(k, "BAA", 3) == 0);
}
END_TEST

START_TEST(key_distinct)
{
    /* 11 base-64 digits hold all 64 bits, so hashes differing only in the top bit,
     * or only in the lowest, still give distinct 11-byte texts */
    char a[PAYLOAD_KEY_MAX], b[PAYLOAD_KEY_MAX];
    uint64_t pairs[][2] = {{0, 1ull << 63}, {0, 1}, {~0ull, ~0ull ^ (1ull << 62)}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        payload_key(pairs[i][0], PAYLOAD_KEY_DIGITS, a);
        payload_key(pairs[i][1], PAYLOAD_KEY_DIGITS, b);
        ck_assert(memcmp(a, b, PAYLOAD_KEY_DIGITS) != 0);
    }
    /* deterministic */
    payload_key(0x123456789abcdefull, 40, a);
    payload_key(0x123456789abcdefull, 40, b);
    ck_assert(memcmp(a, b, 40) == 0);
}
END_TEST

/* ---- pacing --------------------------------------------------------------------- */

START_TEST(pace_schedule)
{
    /* request i of n in trace second t is due at (t - t0 + i/n) x K */
    ck_assert_uint_eq(pace_due_ns(1.0, 0, 0, 1), 0);
    ck_assert_uint_eq(pace_due_ns(1.0, 2, 1, 4), 2250000000ull);
    ck_assert_uint_eq(pace_due_ns(0.5, 2, 1, 4), 1125000000ull);
    ck_assert_uint_eq(pace_due_ns(10.0, 1, 0, 3), 10000000000ull);
    /* the last of n requests comes 1/n before the next second */
    ck_assert_uint_eq(pace_due_ns(1.0, 0, 9999, 10000), 999900000ull);
}
END_TEST

START_TEST(pace_lag_statistics)
{
    pace p;
    ck_assert_int_eq(pace_init(&p, 1.0), 0);
    /* 1000 lags of 5 us and 10 of 150 ms: the 99th percentile is the 1000th smallest
     * of 1010 (ceil(0.99 x 1010) = 1000), a 5 us lag, reported as its 10 us bin's
     * upper edge; the 10 long ones are late and the largest is the maximum */
    for (int i = 0; i < 1000; i++)
        pace_record(&p, 5000);
    for (int i = 0; i < 10; i++)
        pace_record(&p, 150000000);
    ck_assert(pace_check(&p));
    ck_assert_uint_eq(p.sent, 1010);
    ck_assert_uint_eq(p.late, 10);
    ck_assert_uint_eq(p.max_lag_ns, 150000000);
    ck_assert_uint_eq(pace_quantile_ns(&p, 0.99), 10000);
    /* the 1001st (ceil(0.991 x 1010) = 1001) is 150 ms: in the 1 ms bin [150, 151) ms */
    ck_assert_uint_eq(pace_quantile_ns(&p, 0.991), 151000000ull);
    /* exactly 100 ms is not late: late means over 100 ms */
    pace_record(&p, PACE_LATE_NS);
    ck_assert_uint_eq(p.late, 10);
    pace_free(&p);
}
END_TEST

START_TEST(pace_sleeps_until_due)
{
    pace p;
    ck_assert_int_eq(pace_init(&p, 1.0), 0);
    uint64_t t = pace_now_ns();
    pace_wait(&p, 0, 0, 20); /* due at once: sets the start */
    pace_wait(&p, 0, 1, 20); /* due 1/20 s later */
    ck_assert_uint_ge(pace_now_ns() - t, 50000000ull);
    ck_assert_uint_eq(p.sent, 2);
    ck_assert(pace_check(&p));
    pace_free(&p);
}
END_TEST

/* ---- protocols over a socketpair ------------------------------------------------ */

typedef struct wire {
    client_conn c; /* the client's end */
    int server;    /* the other end: canned replies in, requests out */
    payload_filler f;
    char err[256];
} wire;

static void wire_open(wire *w)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    ck_assert_int_eq(conn_wrap(&w->c, sv[0], "test", 2000, w->err, sizeof w->err), 0);
    w->server = sv[1];
    ck_assert_int_eq(payload_filler_init(&w->f, w->err, sizeof w->err), 0);
    ck_assert(payload_filler_check(&w->f));
}

static void wire_close(wire *w)
{
    ck_assert(conn_check(&w->c));
    conn_close(&w->c);
    close(w->server);
    payload_filler_free(&w->f);
}

static void reply(wire *w, const char *text)
{
    size_t n = strlen(text);
    ck_assert_int_eq(write(w->server, text, n), (ssize_t)n);
}

/* The request the client sent must be exactly `want`. */
static void expect_request(wire *w, const char *want)
{
    size_t n = strlen(want);
    char buf[1024];
    ck_assert_uint_lt(n, sizeof buf);
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(w->server, buf + got, n - got);
        ck_assert_int_gt(r, 0);
        got += (size_t)r;
    }
    buf[n] = '\0';
    ck_assert_str_eq(buf, want);
}

START_TEST(memcached_get)
{
    wire w;
    wire_open(&w);
    int hit = -1;
    reply(&w, "VALUE kk 0 5\r\nxxxxx\r\nEND\r\n");
    ck_assert_int_eq(client_proto_memcached.get(&w.c, "kk", 2, &hit, w.err, sizeof w.err), 0);
    ck_assert_int_eq(hit, 1);
    expect_request(&w, "get kk\r\n");
    reply(&w, "END\r\n");
    ck_assert_int_eq(client_proto_memcached.get(&w.c, "kk", 2, &hit, w.err, sizeof w.err), 0);
    ck_assert_int_eq(hit, 0);
    reply(&w, "SERVER_ERROR busy\r\n");
    ck_assert_int_eq(client_proto_memcached.get(&w.c, "kk", 2, &hit, w.err, sizeof w.err), -1);
    ck_assert_msg(strstr(w.err, "SERVER_ERROR busy") != NULL, "%s", w.err);
    wire_close(&w);
}
END_TEST

START_TEST(memcached_store)
{
    wire w;
    wire_open(&w);
    client_store_result res;
    /* set <key> <flags 0> <exptime> <bytes>, the data, "\r\n" */
    reply(&w, "STORED\r\n");
    ck_assert_int_eq(client_proto_memcached.store(&w.c, &w.f, CLIENT_SET, "k", 1, 3, 60, &res,
                                                  w.err, sizeof w.err), 0);
    ck_assert_int_eq(res, CLIENT_STORED);
    expect_request(&w, "set k 0 60 3\r\nxxx\r\n");
    /* an exptime over 30 days would be an absolute time: sent as 30 days */
    reply(&w, "NOT_STORED\r\n");
    ck_assert_int_eq(client_proto_memcached.store(&w.c, &w.f, CLIENT_ADD, "k", 1, 0, 3000000,
                                                  &res, w.err, sizeof w.err), 0);
    ck_assert_int_eq(res, CLIENT_NOT_STORED);
    expect_request(&w, "add k 0 2592000 0\r\n\r\n");
    reply(&w, "SERVER_ERROR out of memory storing object\r\n");
    ck_assert_int_eq(client_proto_memcached.store(&w.c, &w.f, CLIENT_REPLACE, "k", 1, 2, 0,
                                                  &res, w.err, sizeof w.err), 0);
    ck_assert_int_eq(res, CLIENT_OOM);
    expect_request(&w, "replace k 0 0 2\r\nxx\r\n");
    reply(&w, "SERVER_ERROR object too large for cache\r\n");
    ck_assert_int_eq(client_proto_memcached.store(&w.c, &w.f, CLIENT_SET, "k", 1, 1, 0, &res,
                                                  w.err, sizeof w.err), 0);
    ck_assert_int_eq(res, CLIENT_TOO_LARGE);
    expect_request(&w, "set k 0 0 1\r\nx\r\n");
    reply(&w, "CLIENT_ERROR bad data chunk\r\n");
    ck_assert_int_eq(client_proto_memcached.store(&w.c, &w.f, CLIENT_SET, "k", 1, 1, 0, &res,
                                                  w.err, sizeof w.err), -1);
    ck_assert_msg(strstr(w.err, "CLIENT_ERROR bad data chunk") != NULL, "%s", w.err);
    wire_close(&w);
}
END_TEST

START_TEST(memcached_delete_and_stats)
{
    wire w;
    wire_open(&w);
    int deleted;
    reply(&w, "DELETED\r\nNOT_FOUND\r\n");
    ck_assert_int_eq(client_proto_memcached.del(&w.c, "k", 1, &deleted, w.err, sizeof w.err), 0);
    ck_assert_int_eq(deleted, 1);
    ck_assert_int_eq(client_proto_memcached.del(&w.c, "k", 1, &deleted, w.err, sizeof w.err), 0);
    ck_assert_int_eq(deleted, 0);
    expect_request(&w, "delete k\r\ndelete k\r\n");
    reply(&w, "STAT pid 1\r\nSTAT version 1.6.18\r\nSTAT cmd_get 100\r\nSTAT cmd_set 40\r\n"
              "STAT get_hits 60\r\nSTAT get_misses 40\r\nSTAT get_expired 3\r\n"
              "STAT curr_items 30\r\nSTAT evictions 7\r\nSTAT reclaimed 5\r\n"
              "STAT crawler_reclaimed 2\r\nSTAT slabs_moved 4\r\nSTAT bytes 5770\r\nEND\r\n"
              "STAT 1:chunk_size 96\r\nSTAT active_slabs 1\r\n"
              "STAT total_malloced 2097152\r\nEND\r\n"
              "STAT maxbytes 8388608\r\nSTAT cas_enabled yes\r\nEND\r\n");
    client_stats s;
    ck_assert_msg(client_proto_memcached.stats(&w.c, &s, w.err, sizeof w.err) == 0, "%s",
                  w.err);
    expect_request(&w, "stats\r\nstats slabs\r\nstats settings\r\n");
    ck_assert_uint_eq(s.gets, 100);
    ck_assert_uint_eq(s.hits, 60);
    ck_assert_uint_eq(s.sets, 40);
    ck_assert_uint_eq(s.evictions, 7);
    ck_assert_uint_eq(s.expired, 5 + 2 + 3); /* reclaimed + crawler_reclaimed + get_expired */
    ck_assert_uint_eq(s.pages_moved, 4);
    ck_assert_uint_eq(s.live_objects, 30);
    ck_assert_uint_eq(s.counted_bytes, 2097152);
    ck_assert_uint_eq(s.held_bytes, 2097152);
    /* bytes sums 48 + key + 1 + value + 2 + 8 (CAS) over the 30 items */
    ck_assert_uint_eq(s.requested_bytes, 5770 - 30 * (48 + 1 + 2 + 8));
    ck_assert(client_proto_memcached.requested == NULL);
    /* a listing without a wanted field is an error naming it */
    reply(&w, "STAT evictions on\r\nEND\r\n");
    uint64_t limit;
    ck_assert_int_eq(client_proto_memcached.memory_limit(&w.c, &limit, w.err, sizeof w.err),
                     -1);
    ck_assert_msg(strstr(w.err, "maxbytes") != NULL, "%s", w.err);
    reply(&w, "STAT maxbytes 8388608\r\nSTAT evictions on\r\nEND\r\n");
    ck_assert_int_eq(client_proto_memcached.memory_limit(&w.c, &limit, w.err, sizeof w.err), 0);
    ck_assert_uint_eq(limit, 8388608);
    wire_close(&w);
}
END_TEST

START_TEST(redis_get_set_del)
{
    wire w;
    wire_open(&w);
    int hit, deleted;
    client_store_result res;
    reply(&w, "$3\r\nxxx\r\n$-1\r\n");
    ck_assert_int_eq(client_proto_redis.get(&w.c, "k", 1, &hit, w.err, sizeof w.err), 0);
    ck_assert_int_eq(hit, 1);
    ck_assert_int_eq(client_proto_redis.get(&w.c, "k", 1, &hit, w.err, sizeof w.err), 0);
    ck_assert_int_eq(hit, 0);
    expect_request(&w, "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    /* SET k v: no TTL, no condition */
    reply(&w, "+OK\r\n");
    ck_assert_int_eq(client_proto_redis.store(&w.c, &w.f, CLIENT_SET, "k", 1, 2, 0, &res, w.err,
                                              sizeof w.err), 0);
    ck_assert_int_eq(res, CLIENT_STORED);
    expect_request(&w, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nxx\r\n");
    /* add = SET NX, with EX for the TTL; a nil reply means the condition failed */
    reply(&w, "$-1\r\n");
    ck_assert_int_eq(client_proto_redis.store(&w.c, &w.f, CLIENT_ADD, "k", 1, 3, 60, &res,
                                              w.err, sizeof w.err), 0);
    ck_assert_int_eq(res, CLIENT_NOT_STORED);
    expect_request(&w, "*6\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nxxx\r\n$2\r\nNX\r\n"
                       "$2\r\nEX\r\n$2\r\n60\r\n");
    reply(&w, "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    ck_assert_int_eq(client_proto_redis.store(&w.c, &w.f, CLIENT_REPLACE, "k", 1, 1, 0, &res,
                                              w.err, sizeof w.err), 0);
    ck_assert_int_eq(res, CLIENT_OOM);
    expect_request(&w, "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nx\r\n$2\r\nXX\r\n");
    reply(&w, "-ERR wrong number of arguments\r\n");
    ck_assert_int_eq(client_proto_redis.store(&w.c, &w.f, CLIENT_SET, "k", 1, 1, 0, &res, w.err,
                                              sizeof w.err), -1);
    ck_assert_msg(strstr(w.err, "ERR wrong number of arguments") != NULL, "%s", w.err);
    expect_request(&w, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nx\r\n");
    reply(&w, ":1\r\n:0\r\n");
    ck_assert_int_eq(client_proto_redis.del(&w.c, "k", 1, &deleted, w.err, sizeof w.err), 0);
    ck_assert_int_eq(deleted, 1);
    ck_assert_int_eq(client_proto_redis.del(&w.c, "k", 1, &deleted, w.err, sizeof w.err), 0);
    ck_assert_int_eq(deleted, 0);
    wire_close(&w);
}
END_TEST

/* A bulk reply holding text. */
static void reply_bulk(wire *w, const char *text)
{
    char head[32];
    snprintf(head, sizeof head, "$%zu\r\n", strlen(text));
    reply(w, head);
    reply(w, text);
    reply(w, "\r\n");
}

START_TEST(redis_stats)
{
    wire w;
    wire_open(&w);
    reply_bulk(&w, "# Stats\r\ntotal_connections_received:1\r\nexpired_keys:4\r\n"
                   "evicted_keys:9\r\nkeyspace_hits:70\r\nkeyspace_misses:30\r\n");
    reply_bulk(&w, "# Memory\r\nused_memory:5000000\r\nused_memory_human:4.77M\r\n"
                   "allocator_allocated:5100000\r\nallocator_active:5500000\r\n");
    reply_bulk(&w, "# Commandstats\r\ncmdstat_get:calls=100,usec=1,usec_per_call=0.01,"
                   "rejected_calls=0,failed_calls=0\r\ncmdstat_set:calls=28,usec=5,"
                   "usec_per_call=0.18,rejected_calls=2,failed_calls=0\r\n");
    reply(&w, ":25\r\n");
    client_stats s;
    ck_assert_msg(client_proto_redis.stats(&w.c, &s, w.err, sizeof w.err) == 0, "%s", w.err);
    ck_assert_uint_eq(s.hits, 70);
    ck_assert_uint_eq(s.gets, 100);       /* hits + misses */
    ck_assert_uint_eq(s.sets, 28 + 2);    /* calls + rejected_calls (OOM) */
    ck_assert_uint_eq(s.evictions, 9);
    ck_assert_uint_eq(s.expired, 4);
    ck_assert_uint_eq(s.live_objects, 25);
    ck_assert_uint_eq(s.counted_bytes, 5000000);
    ck_assert_uint_eq(s.held_bytes, 5500000);
    ck_assert_uint_eq(s.pages_moved, 0);
    reply(&w, "*2\r\n$9\r\nmaxmemory\r\n$7\r\n8388608\r\n");
    uint64_t limit;
    ck_assert_int_eq(client_proto_redis.memory_limit(&w.c, &limit, w.err, sizeof w.err), 0);
    ck_assert_uint_eq(limit, 8388608);
    wire_close(&w);
}
END_TEST

START_TEST(redis_requested_bytes)
{
    /* two SCAN batches (cursor 0 -> 7 -> 0) holding keys ab, cde and f; each batch's
     * STRLENs go out together; requested = (2 + 10) + (3 + 0) + (1 + 5) = 21 */
    wire w;
    wire_open(&w);
    reply(&w, "*2\r\n$1\r\n7\r\n*2\r\n$2\r\nab\r\n$3\r\ncde\r\n:10\r\n:0\r\n"
              "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nf\r\n:5\r\n");
    client_stats s = {0};
    ck_assert_msg(client_proto_redis.requested(&w.c, &s, w.err, sizeof w.err) == 0, "%s",
                  w.err);
    ck_assert_uint_eq(s.requested_bytes, 21);
    expect_request(&w, "*4\r\n$4\r\nSCAN\r\n$1\r\n0\r\n$5\r\nCOUNT\r\n$3\r\n256\r\n"
                       "*2\r\n$6\r\nSTRLEN\r\n$2\r\nab\r\n*2\r\n$6\r\nSTRLEN\r\n$3\r\ncde\r\n"
                       "*4\r\n$4\r\nSCAN\r\n$1\r\n7\r\n$5\r\nCOUNT\r\n$3\r\n256\r\n"
                       "*2\r\n$6\r\nSTRLEN\r\n$1\r\nf\r\n");
    wire_close(&w);
}
END_TEST

START_TEST(large_value_sent_whole)
{
    /* a value larger than the filler and than the socket buffers: a child reads the
     * request while the parent writes, and checks its length and bytes */
    wire w;
    wire_open(&w);
    const uint64_t vsize = 3 * (uint64_t)PAYLOAD_FILL + 7;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char buf[65536];
        uint64_t total = 0, bad = 0;
        const uint64_t want = 4 + vsize + 4; /* "HEAD" value "TAIL" */
        while (total < want) {
            ssize_t r = read(w.server, buf, sizeof buf);
            if (r <= 0)
                _exit(2);
            for (ssize_t i = 0; i < r; i++) {
                uint64_t at = total + (uint64_t)i;
                char expect = at < 4 ? "HEAD"[at] : at < 4 + vsize ? 'x' : "TAIL"[at - 4 - vsize];
                bad += buf[i] != expect;
            }
            total += (uint64_t)r;
        }
        _exit(bad == 0 && total == want ? 0 : 1);
    }
    ck_assert_int_eq(payload_send(&w.c, &w.f, "HEAD", 4, vsize, "TAIL", 4, w.err,
                                  sizeof w.err), 0);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    wire_close(&w);
}
END_TEST

START_TEST(closed_connection_is_an_error)
{
    wire w;
    wire_open(&w);
    close(w.server);
    w.server = open("/dev/null", O_RDONLY);
    int hit;
    ck_assert_int_eq(client_proto_redis.get(&w.c, "k", 1, &hit, w.err, sizeof w.err), -1);
    ck_assert_msg(strstr(w.err, "test:") != NULL, "%s", w.err);
    wire_close(&w);
}
END_TEST

START_TEST(refused_connection_message)
{
    /* port 1 on loopback: nothing listens there on a test machine */
    client_conn c;
    char err[256];
    ck_assert_int_eq(conn_open(&c, "127.0.0.1:1", 1000, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "connection refused") != NULL, "%s", err);
    ck_assert_int_eq(conn_open(&c, "localhost", 1000, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "HOST:PORT") != NULL, "%s", err);
}
END_TEST

static Suite *client_suite(void)
{
    Suite *s = suite_create("client");
    TCase *tc = tcase_create("client");
    tcase_add_test(tc, key_length_and_alphabet);
    tcase_add_test(tc, key_distinct);
    tcase_add_test(tc, pace_schedule);
    tcase_add_test(tc, pace_lag_statistics);
    tcase_add_test(tc, pace_sleeps_until_due);
    tcase_add_test(tc, memcached_get);
    tcase_add_test(tc, memcached_store);
    tcase_add_test(tc, memcached_delete_and_stats);
    tcase_add_test(tc, redis_get_set_del);
    tcase_add_test(tc, redis_stats);
    tcase_add_test(tc, redis_requested_bytes);
    tcase_add_test(tc, large_value_sent_whole);
    tcase_add_test(tc, closed_connection_is_an_error);
    tcase_add_test(tc, refused_connection_message);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    /* a write to a closed peer must be an error, not a signal */
    signal(SIGPIPE, SIG_IGN);
    SRunner *sr = srunner_create(client_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
