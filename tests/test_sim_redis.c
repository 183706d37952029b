/* test_sim_redis.c - the redis preset of the simulator (sim_preset_redis) against the
 * rules of Redis 7.0.15: what each key costs on jemalloc, the keyspace tables, the
 * eviction policies, LFU, expiry; its shared policy module (evict_pool);
 * and, in the suite "live", its baseline against a real redis-server. */
#include "evict_pool.h"
#include "rng.h"
#include "redis/redis_dict.h"
#include "redis/redis_sim.h"
#include "sim.h"
#include "test_support.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <jemalloc/jemalloc.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define P (&sim_preset_redis)
#define GIB (1024ULL * 1024 * 1024)

/* ---- helpers ------------------------------------------------------------------------ */

static sim_server *mk_budget(const char *opts, uint64_t limit, sim_budget budget, uint64_t seed)
{
    sim_params p = {.memory_limit = limit, .budget = budget, .seed = seed, .expect_keys = 0};
    sim_server *s = NULL;
    char err[256] = "";
    int rc = P->create(opts, &p, &s, err, sizeof err);
    ck_assert_msg(rc == 0 && s != NULL, "create(\"%s\"): %s", opts, err);
    return s;
}

static sim_server *mk(const char *opts, uint64_t limit)
{
    return mk_budget(opts, limit, SIM_BUDGET_OWN, 42);
}

static void must_check(sim_server *s)
{
    char err[512] = "";
    int rc = redis_sim_check(s, err, sizeof err);
    EXPECT(rc == 0, "invariant: %s", err);
}

static redis_sim_info info(sim_server *s)
{
    redis_sim_info i;
    redis_sim_info_get(s, &i);
    return i;
}

static uint64_t used(sim_server *s)
{
    return info(s).used_memory;
}

static void at(sim_server *s, double seconds)
{
    P->advance(s, (uint64_t)(seconds * 1e6 + 0.5));
}

static sim_store_result set(sim_server *s, uint64_t key, uint32_t k, uint32_t v, uint32_t ttl)
{
    return P->store(s, SIM_SET, key, k, v, ttl);
}

static int get(sim_server *s, uint64_t key)
{
    return P->get(s, key, 8, 8);
}

static sim_stats stats(sim_server *s)
{
    sim_stats st;
    P->stats(s, &st);
    return st;
}

static size_t je(size_t n)
{
    return nallocx(n, 0);
}

/* sdsnewlen's block, derived from sds.h rather than layout.c: sdshdr5 (a 1-byte header)
 * below 32 bytes, sdshdr8 (3) below 256, sdshdr16 (5) below 64 KiB, sdshdr32 (9)
 * beyond; plus the terminating NUL. */
static size_t sds_block(size_t len)
{
    size_t hdr = len < 32 ? 1 : len < 256 ? 3 : len < 65536 ? 5 : 9;
    return hdr + len + 1;
}

/* What one SET key value [EX ttl] adds to used_memory once the tables exist: the
 * dictEntry (24 bytes), the key sds, the value as one embstr block (robj 16 + sdshdr8
 * 3 + bytes + NUL) up to 44 bytes or as a robj (16) and its own sds, and with a TTL an
 * expires dictEntry (24); each at the jemalloc class it gets. */
static size_t key_cost(uint32_t k, uint32_t v, int ttl)
{
    size_t n = je(24) + je(sds_block(k));
    n += v <= 44 ? je(16 + 3 + (size_t)v + 1) : je(16) + je(sds_block(v));
    return n + (ttl ? je(24) : 0);
}

static uint64_t next_pow2(uint64_t n)
{
    uint64_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

/* ---- options ------------------------------------------------------------------------ */

START_TEST(test_options)
{
    static const struct {
        const char *opts, *named;
    } bad[] = {
        {"policy=lru", "policy"},
        {"policy=allkeys-lru,samples=0", "samples"},
        {"samples=five", "samples"},
        {"samples=-1", "samples"},
        {"base=tcmalloc", "base"},
        {"hz=0", "hz"},
        {"hz=501", "hz"},
        {"lfu_log_factor=-1", "lfu_log_factor"},
        {"lfu_decay_time=1.5", "lfu_decay_time"},
        {"maxmemory=1", "maxmemory"},
        {"policy", "policy"},
    };
    sim_params p = {.memory_limit = GIB, .budget = SIM_BUDGET_OWN, .seed = 1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sim_server *s = (sim_server *)&p; /* must be reset to NULL */
        char err[256] = "";
        ck_assert_int_eq(P->create(bad[i].opts, &p, &s, err, sizeof err), -1);
        ck_assert_ptr_null(s);
        ck_assert_msg(strstr(err, bad[i].named) != NULL, "\"%s\": \"%s\" does not name %s",
                      bad[i].opts, err, bad[i].named);
    }
    sim_server *s = mk("", GIB);
    ck_assert_int_eq(info(s).policy, REDIS_NOEVICTION); /* Redis's default */
    P->destroy(s);
    s = mk("policy=volatile-ttl,samples=10,base=libc,lfu_log_factor=0,lfu_decay_time=0,hz=500",
           GIB);
    ck_assert_int_eq(info(s).policy, REDIS_VOLATILE_TTL);
    P->destroy(s);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    P->help(f);
    fclose(f);
    const char *names[] = {"policy=", "samples=", "base=", "lfu_log_factor=",
                           "lfu_decay_time=", "hz="};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        ck_assert_msg(strstr(text, names[i]) != NULL, "help lacks %s", names[i]);
    free(text);
}
END_TEST

/* ---- what a key costs ------------------------------------------------------------- */

START_TEST(test_key_cost)
{
    /* keys around the sdshdr5 / sdshdr8 boundary (31 -> 33 bytes, 32 -> 36), values
     * around embstr's 44 bytes and each sds header change (256, 64 KiB) */
    static const uint32_t keys[] = {1, 12, 15, 29, 30, 31, 32, 33, 100, 255, 256};
    static const uint32_t vals[] = {0, 1, 20, 44, 45, 100, 251, 252, 253, 255, 256,
                                    1000, 65535, 65536, 100000};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        for (size_t j = 0; j < sizeof vals / sizeof vals[0]; j++) {
            for (int ttl = 0; ttl <= 1; ttl++) {
                sim_server *s = mk("", GIB);
                at(s, 0.0001);
                uint64_t before = used(s);
                ck_assert_uint_eq(before, REDIS_SIM_BASELINE); /* an empty server */
                ck_assert_int_eq(set(s, 7, keys[i], vals[j], ttl ? 100 : 0), SIM_STORED);
                /* the first key also makes the main dict's 4-bucket table (32 bytes), and
                 * with a TTL the expires dict's */
                size_t tables = je(4 * 8) * (ttl ? 2 : 1);
                ck_assert_msg(used(s) - before == tables + key_cost(keys[i], vals[j], ttl),
                              "key %u value %u ttl %d: grew by %llu, expected %zu", keys[i],
                              vals[j], ttl, (unsigned long long)(used(s) - before),
                              tables + key_cost(keys[i], vals[j], ttl));
                must_check(s);
                /* DEL gives every block back; the tables stay */
                ck_assert_int_eq(P->del(s, 7), 1);
                ck_assert_uint_eq(used(s) - before, tables);
                P->destroy(s);
            }
        }
    }
}
END_TEST

START_TEST(test_overwrite)
{
    sim_server *s = mk("", GIB);
    at(s, 0.0001);
    ck_assert_int_eq(set(s, 1, 10, 100, 60), SIM_STORED);
    uint64_t with_ttl = used(s);
    ck_assert_uint_eq(info(s).expires_used, 1);
    /* SET without EX keeps the entry and key sds, replaces the value, drops the TTL */
    ck_assert_int_eq(set(s, 1, 10, 1000, 0), SIM_STORED);
    ck_assert_uint_eq(info(s).expires_used, 0);
    ck_assert_uint_eq(used(s), with_ttl - key_cost(10, 100, 1) + key_cost(10, 1000, 0));
    ck_assert_uint_eq(stats(s).requested_bytes, 10 + 1000);
    ck_assert_uint_eq(stats(s).live_objects, 1);
    /* NX on a present key and XX on an absent one store nothing */
    ck_assert_int_eq(P->store(s, SIM_ADD, 1, 10, 5, 0), SIM_NOT_STORED);
    ck_assert_int_eq(P->store(s, SIM_REPLACE, 2, 10, 5, 0), SIM_NOT_STORED);
    ck_assert_int_eq(P->store(s, SIM_REPLACE, 1, 10, 5, 0), SIM_STORED);
    ck_assert_uint_eq(stats(s).requested_bytes, 10 + 5);
    must_check(s);
    P->destroy(s);
}
END_TEST

/* ---- the main dict's bucket arrays ------------------------------------------------ */

START_TEST(test_bucket_doubling)
{
    sim_server *s = mk("", GIB);
    at(s, 0.0001); /* before serverCron's first run at 1 ms: only the steps rehash */
    uint64_t keys_bytes = 0;
    for (uint64_t n = 1; n <= 2000; n++) {
        ck_assert_int_eq(set(s, n, 8, 8, 0), SIM_STORED);
        keys_bytes += key_cost(8, 8, 0);
        redis_sim_info i = info(s);
        /* the table doubles on the insert that finds used == size: 4 buckets up to 4
         * keys, 8 up to 8, ..., so the newest table has max(4, next power of 2 >= n) */
        uint64_t want = n <= 4 ? 4 : next_pow2(n);
        uint64_t newest = i.dict_size[1] ? i.dict_size[1] : i.dict_size[0];
        EXPECT(newest == want, "%llu keys: table of %llu buckets, expected %llu",
               (unsigned long long)n, (unsigned long long)newest, (unsigned long long)want);
        /* both arrays are held while rehashing, 8 bytes a bucket at jemalloc's class */
        uint64_t tables = je(8 * i.dict_size[0]) + (i.dict_size[1] ? je(8 * i.dict_size[1]) : 0);
        EXPECT_EQ(i.bucket_bytes, tables);
        EXPECT_EQ(i.used_memory, REDIS_SIM_BASELINE + keys_bytes + tables);
    }
    must_check(s);
    /* serverCron's millisecond of rehashing moves the remaining buckets of 1024 */
    at(s, 0.002);
    ck_assert_uint_eq(info(s).dict_size[0], 2048);
    ck_assert_uint_eq(info(s).dict_size[1], 0);
    /* under 10% full (100 of 2048 = 4.9%) the cron shrinks it to the smallest power of
     * two holding every key: 128 */
    for (uint64_t n = 101; n <= 2000; n++)
        ck_assert_int_eq(P->del(s, n), 1);
    ck_assert_uint_eq(info(s).dict_size[0], 2048);
    at(s, 0.102);
    ck_assert_uint_eq(info(s).dict_size[0], 128);
    ck_assert_uint_eq(info(s).dict_size[1], 0);
    ck_assert_uint_eq(info(s).bucket_bytes, je(128 * 8));
    must_check(s);
    P->destroy(s);
}
END_TEST

/* 1024 keys of 10 bytes (with `big`, the last 8 hold 9000-byte values instead): a
 * 1024-bucket table holding 1024 keys, the rehash from 512 finished by the cron tick at
 * 1 ms. */
static void fill_1024(sim_server *s, int big)
{
    at(s, 0.0001);
    for (uint64_t n = 1; n <= 1024; n++)
        ck_assert_int_eq(set(s, n, 10, big && n > 1016 ? 9000 : 10, 0), SIM_STORED);
    at(s, 0.002);
    ck_assert_uint_eq(info(s).dict_size[0], 1024);
    ck_assert_uint_eq(info(s).dict_size[1], 0);
    ck_assert_uint_eq(info(s).dict_used, 1024);
}

/* used_memory after fill_1024 without a limit; the 1025th key then doubles the table at
 * once. */
static uint64_t filled_used(int big)
{
    sim_server *s = mk("", GIB);
    fill_1024(s, big);
    uint64_t u = used(s);
    ck_assert_int_eq(set(s, 5000, 10, 10, 0), SIM_STORED);
    ck_assert_uint_eq(info(s).dict_size[1], 2048);
    P->destroy(s);
    return u;
}

START_TEST(test_doubling_postponed)
{
    /* maxmemory U + 10000: doubling would ask 2048 x 8 = 16384 bytes more, so at load
     * <= 1.618 it is postponed whenever used_memory is above maxmemory - 16384, where
     * eviction (freeing just what exceeds the limit, one 80-byte key at a time) keeps
     * it.  The keys stay about 1024 + 10000 / 80, a load near 1.1. */
    uint64_t u = filled_used(0);
    sim_server *s = mk("policy=allkeys-lru", u + 10000);
    fill_1024(s, 0);
    ck_assert_uint_eq(used(s), u);
    for (uint64_t n = 5000; n < 8000; n++) {
        at(s, 0.002 + (double)(n - 5000) * 0.001);
        ck_assert_int_eq(set(s, n, 10, 10, 0), SIM_STORED);
        redis_sim_info i = info(s);
        EXPECT(i.dict_size[0] == 1024 && i.dict_size[1] == 0,
               "key %llu: the table grew to %llu/%llu", (unsigned long long)n,
               (unsigned long long)i.dict_size[0], (unsigned long long)i.dict_size[1]);
    }
    /* more keys than buckets, held without the bigger table */
    ck_assert_uint_gt(info(s).dict_used, 1100);
    ck_assert_uint_gt(stats(s).evictions, 0);
    must_check(s);
    P->destroy(s);

    /* noeviction, maxmemory U' + 10000: free room by overwriting the 9000-byte values
     * with 10-byte ones (the key count stays) and keep adding keys, used_memory always
     * within 10.5 KB of the limit.  The doubling stays postponed until the load before
     * an insert exceeds 1.618: 1657 / 1024 = 1.6182, so it is the 1658th key that
     * starts it, whatever the memory. */
    u = filled_used(1);
    s = mk("", u + 10000);
    fill_1024(s, 1);
    uint64_t big = 1017;
    for (uint64_t n = 1025; n <= 1658; n++) {
        at(s, 0.002 + (double)n * 0.0001);
        if (used(s) > u + 10000 - 300) {
            ck_assert_uint_le(big, 1024);
            ck_assert_int_eq(set(s, big++, 10, 10, 0), SIM_STORED);
        }
        ck_assert_int_eq(set(s, 100000 + n, 10, 10, 0), SIM_STORED);
        redis_sim_info i = info(s);
        if (n < 1658)
            EXPECT(i.dict_size[1] == 0, "%llu keys: doubled too early",
                   (unsigned long long)n);
        else
            ck_assert_uint_eq(i.dict_size[1], 2048);
    }
    ck_assert_uint_eq(stats(s).refused, 0);
    must_check(s);
    P->destroy(s);
}
END_TEST

/* ---- eviction ------------------------------------------------------------------------ */

static const char *const evicting[] = {
    "policy=allkeys-lru",  "policy=allkeys-lfu",    "policy=allkeys-random",
    "policy=volatile-lru", "policy=volatile-lfu",   "policy=volatile-random",
    "policy=volatile-ttl", "policy=allkeys-lru,samples=1", "policy=allkeys-lru,base=libc",
};

/* Between commands used_memory stays <= maxmemory, except by what the last SET added:
 * performEvictions runs before each command and frees until the figure is under the
 * limit; the SET that crosses it completes.  Volatile policies get a TTL on every key
 * so that everything is evictable. */
START_TEST(test_eviction_keeps_limit)
{
    const char *opts = evicting[_i];
    int volatile_ = strstr(opts, "volatile") != NULL;
    uint64_t limit = REDIS_SIM_BASELINE + 2 * 1024 * 1024;
    sim_server *s = mk(opts, limit);
    rng r;
    rng_seed(&r, 7, 0);
    for (uint64_t op = 0; op < 40000; op++) {
        at(s, 0.0001 + (double)op * 0.0005);
        uint64_t key = rng_below(&r, 20000);
        if (op % 3 == 0) {
            get(s, key);
            EXPECT(used(s) <= limit, "%s, op %llu: %llu over the limit after a GET", opts,
                   (unsigned long long)op, (unsigned long long)(used(s) - limit));
        } else {
            uint32_t k = 8 + (uint32_t)rng_below(&r, 40), v = 1 + (uint32_t)rng_below(&r, 2000);
            EXPECT(set(s, key, k, v, volatile_ ? 3600 : 0) == SIM_STORED, "%s: refused", opts);
            EXPECT(used(s) <= limit + key_cost(k, v, volatile_), "%s, op %llu: %llu over", opts,
                   (unsigned long long)op, (unsigned long long)(used(s) - limit));
        }
        if (op % 5000 == 0)
            must_check(s);
    }
    ck_assert_uint_gt(stats(s).evictions, 1000);
    must_check(s);
    P->destroy(s);
}
END_TEST

/* 1000 keys written at t = 1 s, half of them read at t = 10 s, then 500 new keys at
 * t = 20 s evict about 500.  Each pass samples 5 of the N = 1000 keys into the pool and
 * evicts the highest idle time it holds: an unread key (idle 19 s) beats a read one
 * (10 s) and a new one (0 s) whenever the pool has one.  While u >= 200 unread keys
 * remain, a pass samples 5u/N >= 1 of them on average and the pool stocks the surplus,
 * so the victims are unread; below that a pass finds one at a rate of about 5u/N, so
 * u decays as e^(-5p/N) over the last p passes.  About 300 passes bring u to 200 and
 * the last 200 to 200/e = 74: some 426 of 500 victims unread (random eviction: 250).
 * Assert at least 80%. */
START_TEST(test_lru_evicts_old)
{
    /* room for the 1000 keys (cost 192 each) and their 1024-bucket table */
    uint64_t limit = REDIS_SIM_BASELINE + je(1024 * 8) + 1000 * key_cost(16, 100, 0) + 100;
    sim_server *s = mk("policy=allkeys-lru", limit);
    at(s, 1.0);
    for (uint64_t k = 0; k < 1000; k++)
        ck_assert_int_eq(set(s, k, 16, 100, 0), SIM_STORED);
    ck_assert_uint_eq(stats(s).evictions, 0);
    at(s, 10.0);
    for (uint64_t k = 0; k < 500; k++)
        ck_assert_int_eq(get(s, k), 1);
    at(s, 20.0);
    for (uint64_t k = 1000; k < 1500; k++)
        ck_assert_int_eq(set(s, k, 16, 100, 0), SIM_STORED);
    uint64_t evicted = stats(s).evictions, unread_gone = 0, read_gone = 0;
    for (uint64_t k = 0; k < 1000; k++) {
        long lru = redis_sim_key_lru(s, k);
        if (lru < 0 && k < 500)
            read_gone++;
        else if (lru < 0)
            unread_gone++;
    }
    ck_assert_uint_ge(evicted, 450);
    ck_assert_msg(unread_gone * 10 >= evicted * 8, "of %llu evicted, %llu unread, %llu read",
                  (unsigned long long)evicted, (unsigned long long)unread_gone,
                  (unsigned long long)read_gone);
    must_check(s);
    P->destroy(s);
}
END_TEST

/* Under noeviction a write that needs memory over the limit is refused and the old value
 * stays; reads and DEL still run. */
START_TEST(test_noeviction_refuses)
{
    const char *opts[] = {"", "policy=volatile-lru", "policy=volatile-ttl"};
    for (size_t o = 0; o < 3; o++) {
        uint64_t limit = REDIS_SIM_BASELINE + 20000;
        sim_server *s = mk(opts[o], limit);
        at(s, 0.5);
        uint64_t n = 0, before = 0;
        for (;;) {
            before = used(s);
            sim_store_result r = set(s, n, 10, 100, 0);
            if (r == SIM_REFUSED)
                break;
            ck_assert_int_eq(r, SIM_STORED);
            n++;
        }
        /* the SET that crossed the limit completed; the next one is refused */
        ck_assert_uint_gt(before, limit);
        ck_assert_uint_eq(used(s), before);
        uint64_t requested = stats(s).requested_bytes;
        ck_assert_int_eq(set(s, 3, 10, 500, 0), SIM_REFUSED);
        ck_assert_uint_eq(stats(s).requested_bytes, requested); /* the old value stays */
        ck_assert_int_eq(get(s, 3), 1);
        ck_assert_uint_eq(stats(s).refused, 2);
        ck_assert_uint_eq(stats(s).evictions, 0);
        /* DEL is not refused; once under the limit writes pass again */
        ck_assert_int_eq(P->del(s, 0), 1);
        ck_assert_int_eq(P->del(s, 1), 1);
        ck_assert_uint_le(used(s), limit);
        ck_assert_int_eq(set(s, 3, 10, 20, 0), SIM_STORED);
        must_check(s);
        P->destroy(s);
    }
}
END_TEST

/* volatile-ttl: with two TTL keys among 50 without, the one evicted is the nearer
 * expiry (the 5 samples take both, the pool ranks by ULLONG_MAX - when), and keys
 * without a TTL are never candidates. */
START_TEST(test_volatile_ttl)
{
    uint64_t u;
    {
        sim_server *dry = mk("policy=volatile-ttl", GIB);
        at(dry, 0.5);
        set(dry, 1, 10, 100, 1000);
        set(dry, 2, 10, 100, 100);
        for (uint64_t k = 10; k < 60; k++)
            set(dry, k, 10, 100, 0);
        u = used(dry);
        P->destroy(dry);
    }
    sim_server *s = mk("policy=volatile-ttl", u - 1);
    at(s, 0.5);
    set(s, 1, 10, 100, 1000);
    set(s, 2, 10, 100, 100);
    for (uint64_t k = 10; k < 60; k++)
        ck_assert_int_eq(set(s, k, 10, 100, 0), SIM_STORED);
    ck_assert_uint_eq(stats(s).evictions, 0);
    ck_assert_int_eq(get(s, 10), 1); /* performEvictions first: one key goes */
    ck_assert_uint_eq(stats(s).evictions, 1);
    ck_assert_int_eq(redis_sim_key_lru(s, 2), -1);
    ck_assert_int_ge(redis_sim_key_lru(s, 1), 0);
    P->destroy(s);

    /* 2000 TTL keys (TTLs a permutation of 1..2000 s) and 500 without; evicting 200
     * takes each victim as the best of at least 5 fresh samples, whose expected minimum
     * is a sixth of the remaining range: the evicted mean stays well under 600 s (a
     * uniform choice would give 1000 s) */
    uint64_t limit = REDIS_SIM_BASELINE + 2200 * key_cost(10, 100, 1) + 2 * je(4096 * 8);
    s = mk("policy=volatile-ttl", limit);
    at(s, 0.5);
    rng r;
    rng_seed(&r, 3, 0);
    uint32_t ttl[2000];
    for (uint32_t i = 0; i < 2000; i++)
        ttl[i] = i + 1;
    for (uint32_t i = 1999; i > 0; i--) {
        uint32_t j = (uint32_t)rng_below(&r, i + 1), t = ttl[i];
        ttl[i] = ttl[j];
        ttl[j] = t;
    }
    for (uint64_t k = 0; k < 2500; k++)
        ck_assert_int_eq(set(s, k, 10, 100, k < 2000 ? ttl[k] : 0), SIM_STORED);
    uint64_t evicted = stats(s).evictions, sum = 0, n = 0;
    ck_assert_uint_gt(evicted, 100);
    for (uint64_t k = 0; k < 2500; k++) {
        if (redis_sim_key_lru(s, k) >= 0)
            continue;
        ck_assert_uint_lt(k, 2000); /* never a key without TTL */
        sum += ttl[k];
        n++;
    }
    ck_assert_uint_eq(n, evicted);
    ck_assert_msg(sum < 600 * n, "mean TTL of the evicted: %llu s",
                  (unsigned long long)(sum / n));
    must_check(s);
    P->destroy(s);
}
END_TEST

/* ---- LFU ------------------------------------------------------------------------------ */

/* LFULogIncr adds 1 with probability 1 / ((c - 5) * 10 + 1), so climbing from c to c + 1
 * takes (c - 5) * 10 + 1 hits on average and reaching c from the initial 5 takes
 * H(c) = 5 (c - 5)(c - 6) + (c - 5): H(9) = 64, H(10) = 105, H(19) = 924, H(20) = 1065.
 * After 100 hits the counter is about 10 and after 1000 about 19.5 (redis.conf's table
 * says 10 and 18). */
START_TEST(test_lfu_growth)
{
    sim_server *s = mk("policy=allkeys-lfu", GIB);
    at(s, 0.5); /* everything within minute 0: no decay */
    for (uint64_t k = 0; k < 200; k++)
        set(s, k, 10, 10, 0);
    for (int hit = 0; hit < 100; hit++)
        for (uint64_t k = 0; k < 200; k++)
            get(s, k);
    double mean = 0;
    for (uint64_t k = 0; k < 200; k++)
        mean += redis_sim_key_lfu(s, k) / 200.0;
    ck_assert_msg(mean >= 9.0 && mean <= 11.0, "after 100 hits: %.2f", mean);
    for (int hit = 100; hit < 1000; hit++)
        for (uint64_t k = 0; k < 200; k++)
            get(s, k);
    mean = 0;
    for (uint64_t k = 0; k < 200; k++)
        mean += redis_sim_key_lfu(s, k) / 200.0;
    ck_assert_msg(mean >= 18.5 && mean <= 20.5, "after 1000 hits: %.2f", mean);
    P->destroy(s);
}
END_TEST

/* With lfu_log_factor 0 every hit adds 1 (probability 1 / (0 + 1)), so counters are
 * exact: 5 at creation, 5 + hits after.  Decay takes one per lfu-decay-time minutes
 * elapsed since the last touch, applied when scored without being stored. */
START_TEST(test_lfu_decay)
{
    sim_server *s = mk("policy=allkeys-lfu,lfu_log_factor=0", GIB);
    at(s, 0.5);
    set(s, 1, 10, 10, 0);
    ck_assert_int_eq(redis_sim_key_lfu(s, 1), 5);
    for (int i = 0; i < 10; i++)
        get(s, 1);
    ck_assert_int_eq(redis_sim_key_lfu(s, 1), 15);
    long field = redis_sim_key_lru(s, 1);
    at(s, 3 * 60 + 0.5); /* minute 3 */
    ck_assert_int_eq(redis_sim_key_lfu(s, 1), 12);
    ck_assert_int_eq(redis_sim_key_lru(s, 1), field); /* not stored */
    get(s, 1); /* decays to 12, adds one, stamps minute 3 */
    ck_assert_int_eq(redis_sim_key_lfu(s, 1), 13);
    ck_assert_int_eq(redis_sim_key_lru(s, 1), (3 << 8) | 13);
    /* an overwrite touches the old value (the lookup for writing) and the new one
     * inherits the field */
    set(s, 1, 10, 500, 0);
    ck_assert_int_eq(redis_sim_key_lfu(s, 1), 14);
    at(s, 100 * 60.0);
    ck_assert_int_eq(redis_sim_key_lfu(s, 1), 0); /* floors at 0 */
    P->destroy(s);

    s = mk("policy=allkeys-lfu,lfu_log_factor=0,lfu_decay_time=2", GIB);
    at(s, 0.5);
    set(s, 1, 10, 10, 0);
    for (int i = 0; i < 10; i++)
        get(s, 1);
    at(s, 3 * 60 + 0.5);
    ck_assert_int_eq(redis_sim_key_lfu(s, 1), 14); /* 3 minutes: one 2-minute period */
    at(s, 4 * 60 + 0.5);
    ck_assert_int_eq(redis_sim_key_lfu(s, 1), 13);
    P->destroy(s);

    s = mk("policy=allkeys-lfu,lfu_log_factor=0,lfu_decay_time=0", GIB);
    at(s, 0.5);
    set(s, 1, 10, 10, 0);
    at(s, 50 * 60.0);
    ck_assert_int_eq(redis_sim_key_lfu(s, 1), 5); /* no decay */
    P->destroy(s);
}
END_TEST

/* ---- expiry -------------------------------------------------------------------------- */

/* A key written at 0.5 s with EX 10 expires at 10,500 ms: a read at 10,500 ms still hits
 * (expired only when now > when), one at 10,502 ms misses and counts as expired.  hz 1
 * puts serverCron at 1 ms, 1001 ms, ..., so no cycle runs between 10,001 and 11,001
 * ms: the deletion is the lazy one. */
START_TEST(test_lazy_expiry)
{
    sim_server *s = mk("hz=1", GIB);
    at(s, 0.5);
    set(s, 1, 10, 10, 10);
    set(s, 2, 10, 10, 0);
    at(s, 10.5);
    ck_assert_int_eq(get(s, 1), 1);
    ck_assert_uint_eq(stats(s).expired, 0);
    at(s, 10.502);
    ck_assert_uint_eq(stats(s).live_objects, 2); /* not yet swept */
    ck_assert_int_eq(get(s, 1), 0);
    ck_assert_uint_eq(stats(s).expired, 1);
    ck_assert_uint_eq(stats(s).live_objects, 1);
    /* a SET on an expired key sees it absent (NX stores); DEL on one deletes nothing */
    set(s, 3, 10, 10, 1);
    at(s, 12.0);
    ck_assert_int_eq(P->store(s, SIM_ADD, 3, 10, 10, 0), SIM_STORED);
    set(s, 4, 10, 10, 1);
    at(s, 13.5);
    ck_assert_int_eq(P->del(s, 4), 0);
    ck_assert_uint_eq(stats(s).expired, 3);
    must_check(s);
    P->destroy(s);
}
END_TEST

START_TEST(test_active_expiry)
{
    /* 1000 keys with EX 1 written at 0.5 s expire at 1500 ms; the tick at 1501 ms finds
     * every sampled key expired, so the cycle repeats until the expires dict is under
     * 1% full (10 keys in 1024 buckets); the same tick shrinks it and the next one
     * takes the rest.  No key is read. */
    sim_server *s = mk("", GIB);
    at(s, 0.5);
    for (uint64_t k = 0; k < 2000; k++)
        set(s, k, 10, 10, k < 1000 ? 1 : 0);
    at(s, 1.49);
    ck_assert_uint_eq(stats(s).live_objects, 2000);
    at(s, 1.51);
    ck_assert_uint_ge(stats(s).expired, 990);
    at(s, 1.71);
    ck_assert_uint_eq(stats(s).expired, 1000);
    ck_assert_uint_eq(stats(s).live_objects, 1000);
    ck_assert_uint_eq(info(s).expires_used, 0);
    must_check(s);
    P->destroy(s);

    /* 100 of 2000 TTL keys expired (5%): a batch of 20 holds one on average, under the
     * 10% that repeats the loop, so each tick tests about 20 keys and the expired ones
     * linger: 10 ticks find about 10 x 20 x 5% = 10 of them.  The cursor needs
     * 2048 buckets / ~20 per tick, about 100 ticks (10 s), for a full sweep. */
    s = mk("", GIB);
    at(s, 0.5);
    for (uint64_t k = 0; k < 2000; k++)
        set(s, k, 10, 10, k < 100 ? 1 : 3600);
    at(s, 1.51 + 0.9);
    uint64_t early = stats(s).expired;
    ck_assert_msg(early >= 1 && early <= 50, "%llu expired after 10 ticks",
                  (unsigned long long)early);
    at(s, 14.0);
    ck_assert_uint_eq(stats(s).expired, 100);
    must_check(s);
    P->destroy(s);
}
END_TEST

/* 50,000 keys expiring at once: the slow cycle's budget is 25% of 100 ms = 25 ms and a
 * deletion is modelled at 1.1 µs, so the tick stops at the first check (every 16
 * batches of about 20 keys) past 22,727 keys: up to ~23,100.  Having hit its time limit,
 * it lets beforeSleep run a fast cycle at once and then at most every 2 ms: 1 ms, 909
 * keys, rounded up the same way to about 960-1,000. */
START_TEST(test_fast_expiry)
{
    sim_server *s = mk("", GIB);
    at(s, 0.5);
    for (uint64_t k = 0; k < 50000; k++)
        set(s, k, 10, 10, 1);
    at(s, 1.5015);
    uint64_t first = stats(s).expired;
    ck_assert_msg(first >= 22727 + 909 && first <= 23100 + 1050, "first tick: %llu",
                  (unsigned long long)first);
    ck_assert_uint_eq(info(s).fast_cycles, 1);
    at(s, 1.5025); /* 1 ms later: too soon for another */
    ck_assert_uint_eq(info(s).fast_cycles, 1);
    for (int i = 0; i < 10; i++) {
        at(s, 1.504 + i * 0.002);
        get(s, 999999);
    }
    ck_assert_uint_eq(info(s).fast_cycles, 11);
    ck_assert_uint_ge(stats(s).expired, first + 10 * 909);
    at(s, 2.0);
    ck_assert_uint_eq(stats(s).expired, 50000);
    must_check(s);
    P->destroy(s);
}
END_TEST

/* ---- invariants under random traffic ----------------------------------------------- */

static const char *const all_policies[] = {
    "policy=noeviction",   "policy=allkeys-lru",   "policy=allkeys-lfu",
    "policy=allkeys-random", "policy=volatile-lru", "policy=volatile-lfu",
    "policy=volatile-random", "policy=volatile-ttl", "policy=allkeys-lru,base=libc",
};

START_TEST(test_random_traffic)
{
    const char *opts = all_policies[_i];
    sim_server *s = mk(opts, REDIS_SIM_BASELINE + 1024 * 1024);
    rng r;
    rng_seed(&r, 11, (uint64_t)_i);
    for (uint64_t op = 0; op < 30000; op++) {
        at(s, 0.0001 + (double)op * 0.001);
        uint64_t key = rng_below(&r, 3000);
        unsigned what = (unsigned)rng_below(&r, 10);
        uint32_t k = 1 + (uint32_t)rng_below(&r, 300);
        uint32_t v = rng_below(&r, 100) == 0 ? 70000 : (uint32_t)rng_below(&r, 3000);
        uint32_t ttl = rng_below(&r, 2) ? 1 + (uint32_t)rng_below(&r, 5) : 0;
        if (what < 4)
            get(s, key);
        else if (what < 6)
            P->del(s, key);
        else
            P->store(s, (sim_store_mode)(what % 3), key, k, v, ttl);
        if (op % 1000 == 0)
            must_check(s);
    }
    must_check(s);
    sim_stats st = stats(s);
    ck_assert_uint_eq(st.counted_bytes, used(s));
    ck_assert_uint_gt(st.expired, 0);
    P->destroy(s);
}
END_TEST

/* Budget HELD: the limit binds jemalloc's active pages (plus the baseline's).  The
 * estimate between readings follows used_memory, and a reading comes at least every
 * max(64 KiB, limit / 256) of movement, so the held bytes end within two such steps
 * and one key of the limit; they are never below what is allocated. */
START_TEST(test_held_budget)
{
    uint64_t limit = REDIS_SIM_BASELINE_ACTIVE + 4 * 1024 * 1024;
    uint64_t live[2];
    for (int b = 0; b < 2; b++) {
        sim_server *s = mk_budget("policy=allkeys-lru", limit,
                                  b ? SIM_BUDGET_HELD : SIM_BUDGET_OWN, 5);
        rng r;
        rng_seed(&r, 5, 0);
        for (uint64_t op = 0; op < 60000; op++) {
            at(s, 0.0001 + (double)op * 0.0001);
            set(s, rng_below(&r, 40000), 16, 1 + (uint32_t)rng_below(&r, 3000), 0);
        }
        sim_stats st = stats(s);
        live[b] = st.live_objects;
        ck_assert_uint_ge(st.held_bytes - REDIS_SIM_BASELINE_ACTIVE,
                          st.counted_bytes - REDIS_SIM_BASELINE);
        if (b) {
            ck_assert_uint_le(st.held_bytes, limit + 2 * 65536 + key_cost(16, 3000, 0));
            ck_assert_uint_gt(st.evictions, 0);
        }
        must_check(s);
        P->destroy(s);
    }
    ck_assert_uint_lt(live[1], live[0]); /* held >= used: fewer keys fit */
}
END_TEST

/* ---- the shared modules ----------------------------------------------------------- */

static int alive_odd(void *ud, uint64_t key)
{
    (void)ud;
    return key & 1;
}

START_TEST(test_evict_pool)
{
    evpool p;
    evpool_init(&p);
    /* fills from the left in score order; an equal score goes to the left */
    evpool_offer(&p, 10, 50);
    evpool_offer(&p, 20, 30);
    evpool_offer(&p, 30, 50);
    ck_assert_uint_eq(evpool_count(&p), 3);
    ck_assert_uint_eq(p.key[0], 20);
    ck_assert_uint_eq(p.key[1], 30);
    ck_assert_uint_eq(p.key[2], 10);
    ck_assert_int_eq(evpool_check(&p), 0);
    /* full: a lower score than all is dropped, a higher one pushes out the lowest */
    for (uint64_t k = 100; k < 113; k++)
        evpool_offer(&p, k, 100 + k);
    ck_assert_uint_eq(evpool_count(&p), EVPOOL_SIZE);
    evpool_offer(&p, 7, 1);
    ck_assert_uint_eq(p.key[0], 20);
    evpool_offer(&p, 9, 40);
    ck_assert_uint_eq(p.key[0], 9); /* 20 (score 30) left */
    ck_assert_uint_eq(p.score[0], 40);
    ck_assert_int_eq(evpool_check(&p), 0);
    /* the pop takes the best first and skips ghosts (even keys here), removing them */
    uint64_t key;
    ck_assert_int_eq(evpool_pop(&p, alive_odd, NULL, &key), 1);
    ck_assert_uint_eq(key, 111);        /* 112 (score 212) was a ghost */
    ck_assert_uint_eq(evpool_count(&p), 14);
    evpool_init(&p);
    evpool_offer(&p, 2, 5);
    evpool_offer(&p, 4, 6);
    ck_assert_int_eq(evpool_pop(&p, alive_odd, NULL, &key), 0); /* all ghosts */
    ck_assert_uint_eq(evpool_count(&p), 0);
}
END_TEST

/* ---- speed (printed, never asserted) ---------------------------------------------- */

/* A Zipf(1.0) cache-aside run: GET, and SET on a miss. */
START_TEST(test_speed)
{
    enum { KEYS = 100000, REQUESTS = 1000000 };
    static double cdf[KEYS];
    double sum = 0;
    for (int i = 0; i < KEYS; i++)
        cdf[i] = (sum += 1.0 / (i + 1));
    rng r;
    rng_seed(&r, 1, 0);
    static uint32_t trace[REQUESTS];
    for (int i = 0; i < REQUESTS; i++) {
        double u = rng_unit(&r) * sum;
        int lo = 0, hi = KEYS - 1;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (cdf[mid] < u)
                lo = mid + 1;
            else
                hi = mid;
        }
        trace[i] = (uint32_t)lo;
    }
    sim_server *s = mk("policy=allkeys-lru", REDIS_SIM_BASELINE + 32 * 1024 * 1024);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < REQUESTS; i++) {
        P->advance(s, (uint64_t)i * 10); /* 100k requests per second of server time */
        uint64_t key = trace[i] * 0x9e3779b97f4a7c15ULL;
        if (!P->get(s, key, 16, 0))
            P->store(s, SIM_SET, key, 16, 100 + (uint32_t)(key % 1900), 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    sim_stats st = stats(s);
    printf("redis preset: %d requests in %.3f s, %.0f requests/s (%llu keys, %llu "
           "evictions)\n",
           REQUESTS, secs, REQUESTS / secs, (unsigned long long)st.live_objects,
           (unsigned long long)st.evictions);
    must_check(s);
    P->destroy(s);
}
END_TEST

/* ---- the baseline against a live redis-server ------------------------------------- */

static int find_in_path(const char *name)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        path = "/usr/local/bin:/usr/bin:/bin";
    char dir[4096];
    while (*path) {
        size_t n = strcspn(path, ":");
        if (n > 0 && n < sizeof dir - strlen(name) - 2) {
            snprintf(dir, sizeof dir, "%.*s/%s", (int)n, path, name);
            if (access(dir, X_OK) == 0)
                return 1;
        }
        path += n;
        if (*path == ':')
            path++;
    }
    return 0;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* Sends one command and reads its whole reply into buf (NUL-terminated).  0 ok. */
static int resp_call(int fd, const char *const *argv, int argc, char *buf, size_t cap)
{
    char out[512];
    int n = snprintf(out, sizeof out, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++)
        n += snprintf(out + n, sizeof out - (size_t)n, "$%zu\r\n%s\r\n", strlen(argv[i]),
                      argv[i]);
    if (write(fd, out, (size_t)n) != n)
        return -1;
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fd, buf + got, cap - 1 - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
        buf[got] = '\0';
        char *eol = strstr(buf, "\r\n");
        if (eol == NULL)
            continue;
        if (buf[0] != '$')
            return buf[0] == '-' ? -1 : 0; /* +OK, :1, or an error */
        long len = strtol(buf + 1, NULL, 10);
        if (len < 0 || got >= (size_t)(eol + 2 - buf) + (size_t)len + 2)
            return 0;
        if (got + 1 >= cap)
            return -1;
    }
}

static long long info_field(const char *info_text, const char *name)
{
    char key[64];
    snprintf(key, sizeof key, "\n%s:", name);
    const char *p = strstr(info_text, key);
    return p ? atoll(p + strlen(key)) : -1;
}

typedef struct live_reading {
    long long used_memory, allocator_active;
    char err[256];
} live_reading;

/* Starts redis-server as REDIS_SIM_BASELINE describes, makes the client's calls, reads
 * INFO memory, and always stops the server before returning (it also dies with this
 * process).  0 ok, -1 with r->err. */
static int measure_live(live_reading *r)
{
    int port = free_port();
    if (port <= 0) {
        snprintf(r->err, sizeof r->err, "no free port on 127.0.0.1");
        return -1;
    }
    char port_s[16];
    snprintf(port_s, sizeof port_s, "%d", port);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(r->err, sizeof r->err, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int nul = open("/dev/null", O_WRONLY);
        if (nul >= 0) {
            dup2(nul, STDOUT_FILENO);
            dup2(nul, STDERR_FILENO);
        }
        execlp("redis-server", "redis-server", "--port", port_s, "--bind", "127.0.0.1",
               "--save", "", "--appendonly", "no", "--maxmemory", "8mb",
               "--maxmemory-policy", "allkeys-lru", "--daemonize", "no", (char *)NULL);
        _exit(127);
    }
    int rc = -1, fd = -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int tries = 0; tries < 200; tries++) { /* up to 10 s for the server to listen */
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            break;
        if (fd >= 0)
            close(fd);
        fd = -1;
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            snprintf(r->err, sizeof r->err, "redis-server exited at start (port %d)", port);
            return -1;
        }
        usleep(50000);
    }
    if (fd < 0) {
        snprintf(r->err, sizeof r->err, "redis-server did not listen on 127.0.0.1:%d", port);
        goto stop;
    }
    static char buf[65536];
    const char *info_all[] = {"INFO"}, *get_k[] = {"GET", "k"}, *set_k[] = {"SET", "k", "v"},
               *del_k[] = {"DEL", "k"}, *info_mem[] = {"INFO", "memory"};
    if (resp_call(fd, info_all, 1, buf, sizeof buf) || resp_call(fd, get_k, 2, buf, sizeof buf) ||
        resp_call(fd, set_k, 3, buf, sizeof buf) || resp_call(fd, del_k, 2, buf, sizeof buf) ||
        resp_call(fd, info_mem, 2, buf, sizeof buf)) {
        snprintf(r->err, sizeof r->err, "redis-server on port %d did not answer", port);
        goto stop;
    }
    r->used_memory = info_field(buf, "used_memory");
    r->allocator_active = info_field(buf, "allocator_active");
    if (r->used_memory < 0 || r->allocator_active < 0)
        snprintf(r->err, sizeof r->err, "INFO memory lacks used_memory or allocator_active");
    else
        rc = 0;
stop:
    if (fd >= 0)
        close(fd);
    kill(pid, SIGTERM);
    for (int i = 0; i < 100 && waitpid(pid, NULL, WNOHANG) != pid; i++)
        usleep(50000);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return rc;
}

/* The tolerance: 1% of used_memory is about 10 KB, which covers what moves between
 * runs and machines (the command line's strings, a client buffer changing jemalloc
 * class) but not a latency histogram more or less (24.7 KB, 2.4%).  allocator_active
 * gets 2%: it is counted in 4 KiB pages over several threads' arenas. */
START_TEST(test_baseline_live)
{
    ck_assert_msg(find_in_path("redis-server"),
                  "redis-server is not installed: this test measures the preset's baseline "
                  "against a real redis-server 7.0.15 (apt-get install redis-server)");
    live_reading r = {0};
    int rc = measure_live(&r);
    ck_assert_msg(rc == 0, "%s", r.err);
    long long measured = r.used_memory - (long long)je(4 * 8); /* the table the SET left */
    double off = (double)(measured - (long long)REDIS_SIM_BASELINE) / REDIS_SIM_BASELINE;
    printf("live baseline: used_memory %lld (less 32: %lld) vs %u; allocator_active %lld "
           "vs %u\n", r.used_memory, measured, REDIS_SIM_BASELINE, r.allocator_active,
           REDIS_SIM_BASELINE_ACTIVE);
    ck_assert_msg(off > -0.01 && off < 0.01, "used_memory baseline %lld is %.2f%% off %u",
                  measured, off * 100, REDIS_SIM_BASELINE);
    double off_a = (double)(r.allocator_active - (long long)REDIS_SIM_BASELINE_ACTIVE) /
                   REDIS_SIM_BASELINE_ACTIVE;
    ck_assert_msg(off_a > -0.02 && off_a < 0.02, "allocator_active %lld is %.2f%% off %u",
                  r.allocator_active, off_a * 100, REDIS_SIM_BASELINE_ACTIVE);
}
END_TEST

/* ---- the dict's sampling walks (dictGetSomeKeys, dictGetRandomKey) -------------- */

typedef struct small_dict {
    alloc_t *a;
    rdict d;
    uint32_t next[64];
    uint64_t hash[64];
} small_dict;

static void small_dict_open(small_dict *t)
{
    alloc_config c;
    alloc_config_init(&c, "zmalloc");
    c.zmalloc.base = "jemalloc";
    c.thread_safe = 0;
    ck_assert_int_eq(alloc_create(&c, &t->a), ALLOC_OK);
    rdict_init(&t->d, t->a, NULL, NULL);
    rdict_bind(&t->d, t->next, t->hash);
}

static void small_dict_close(small_dict *t)
{
    rdict_release(&t->d);
    alloc_destroy(t->a);
}

/* Two keys in bucket 3 of a 4-bucket table: whatever bucket the walk starts at, it
 * reaches bucket 3 within 4 steps (3 empty buckets never trigger the jump, which
 * needs 5), and takes the chain from its head, where dictAdd put the newer key. */
START_TEST(test_some_keys_chain_order)
{
    small_dict t;
    small_dict_open(&t);
    t.hash[0] = t.hash[1] = 3;
    ck_assert_int_eq(rdict_add(&t.d, 0), 0);
    ck_assert_int_eq(rdict_add(&t.d, 1), 0);
    ck_assert_uint_eq(t.d.size[0], 4);
    rng r;
    rng_seed(&r, 5, 0);
    for (int i = 0; i < 100; i++) {
        uint32_t out[5];
        ck_assert_uint_eq(rdict_some_keys(&t.d, &r, out, 5), 2);
        ck_assert_uint_eq(out[0], 1);
        ck_assert_uint_eq(out[1], 0);
    }
    small_dict_close(&t);
}
END_TEST

/* 8 keys spread over 1024 buckets: a walk of at most 50 buckets (10 x 5) that jumps
 * after 6 empty ones finds a key in a visited bucket with probability 8/1024, so it
 * returns 50 x 8/1024 = 0.39 keys on average, far fewer than the 5 asked for.  On a
 * full table (load 1) every walk returns 5. */
START_TEST(test_some_keys_sparse_table)
{
    small_dict t;
    small_dict_open(&t);
    ck_assert_int_eq(rdict_expand(&t.d, 1024), 0);
    for (uint32_t i = 0; i < 8; i++) {
        t.hash[i] = (uint64_t)i * 128;
        ck_assert_int_eq(rdict_add(&t.d, i), 0);
    }
    rng r;
    rng_seed(&r, 6, 0);
    uint64_t got = 0;
    for (int i = 0; i < 2000; i++) {
        uint32_t out[5];
        size_t n = rdict_some_keys(&t.d, &r, out, 5);
        ck_assert_uint_le(n, 5);
        for (size_t j = 0; j < n; j++)
            ck_assert_uint_lt(out[j], 8);
        got += n;
    }
    double mean = (double)got / 2000;
    ck_assert_msg(mean > 0.2 && mean < 0.7, "mean keys per walk %.3f, expected about 0.39", mean);
    small_dict_close(&t);

    small_dict_open(&t);
    for (uint32_t i = 0; i < 64; i++) {
        t.hash[i] = i;
        ck_assert_int_eq(rdict_add(&t.d, i), 0);
    }
    while (rdict_rehashing(&t.d))
        rdict_rehash(&t.d, 100);
    ck_assert_uint_eq(t.d.size[0], 64);
    for (int i = 0; i < 200; i++) {
        uint32_t out[5];
        ck_assert_uint_eq(rdict_some_keys(&t.d, &r, out, 5), 5);
    }
    small_dict_close(&t);
}
END_TEST

/* dictGetRandomKey picks a non-empty bucket, then a member of its chain: with one key
 * alone in bucket 0 and three sharing bucket 1, the lone key comes up half the time
 * and each of the three a sixth.  60,000 draws: within 5 standard deviations. */
START_TEST(test_random_key_bucket_bias)
{
    small_dict t;
    small_dict_open(&t);
    t.hash[0] = 0;
    t.hash[1] = t.hash[2] = t.hash[3] = 1;
    for (uint32_t i = 0; i < 4; i++)
        ck_assert_int_eq(rdict_add(&t.d, i), 0);
    ck_assert_uint_eq(t.d.size[0], 4);
    rng r;
    rng_seed(&r, 7, 0);
    uint64_t count[4] = {0};
    const int n = 60000;
    for (int i = 0; i < n; i++)
        count[rdict_random_key(&t.d, &r)]++;
    double sd_half = sqrt(n * 0.5 * 0.5), sd_sixth = sqrt(n * (1.0 / 6) * (5.0 / 6));
    ck_assert_msg(fabs((double)count[0] - n / 2.0) < 5 * sd_half, "lone key %llu",
                  (unsigned long long)count[0]);
    for (int k = 1; k < 4; k++)
        ck_assert_msg(fabs((double)count[k] - n / 6.0) < 5 * sd_sixth, "key %d: %llu", k,
                      (unsigned long long)count[k]);
    small_dict_close(&t);
}
END_TEST

static Suite *redis_suite(void)
{
    Suite *s = suite_create("redis");
    TCase *tc = tcase_create("layout");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_options);
    tcase_add_test(tc, test_key_cost);
    tcase_add_test(tc, test_overwrite);
    tcase_add_test(tc, test_bucket_doubling);
    tcase_add_test(tc, test_doubling_postponed);
    tcase_add_test(tc, test_some_keys_chain_order);
    tcase_add_test(tc, test_some_keys_sparse_table);
    tcase_add_test(tc, test_random_key_bucket_bias);
    suite_add_tcase(s, tc);
    tc = tcase_create("policy");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_eviction_keeps_limit, 0,
                        (int)(sizeof evicting / sizeof evicting[0]));
    tcase_add_test(tc, test_lru_evicts_old);
    tcase_add_test(tc, test_noeviction_refuses);
    tcase_add_test(tc, test_volatile_ttl);
    tcase_add_test(tc, test_lfu_growth);
    tcase_add_test(tc, test_lfu_decay);
    tcase_add_test(tc, test_lazy_expiry);
    tcase_add_test(tc, test_active_expiry);
    tcase_add_test(tc, test_fast_expiry);
    tcase_add_loop_test(tc, test_random_traffic, 0,
                        (int)(sizeof all_policies / sizeof all_policies[0]));
    tcase_add_test(tc, test_held_budget);
    suite_add_tcase(s, tc);
    tc = tcase_create("modules");
    tcase_add_test(tc, test_evict_pool);
    suite_add_tcase(s, tc);
    tc = tcase_create("speed");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_speed);
    suite_add_tcase(s, tc);
    return s;
}

static Suite *live_suite(void)
{
    Suite *s = suite_create("live");
    TCase *tc = tcase_create("baseline");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_baseline_live);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(redis_suite());
    srunner_add_suite(sr, live_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
