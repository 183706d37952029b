/* test_sim_memcached.c - the simulator's memcached preset against memcached 1.6.18's
 * rules: item sizes and classes, the page limit with its first-page exception, the
 * HOT/WARM/COLD segments, eviction, expiry, the crawler's schedule, flat mode, the
 * automover, options; every case ends with the preset's invariant check. */
#include "memcached/memcached_sim.h"
#include "sim.h"
#include "test_support.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB ((uint64_t)1 << 20)
/* memcached's current_time when the replay starts: process_started is placed 62 s
 * (ITEM_UPDATE_INTERVAL + 2) in the past. */
#define T0 62u
/* ntotal = 48 + (key + 1) + (value + 2) + 8 with CAS. */
#define NTOTAL(k, v) (48u + (k) + 1u + (v) + 2u + 8u)
/* Items of the first class (96 bytes): key 8, value 20 -> 87. */
#define SMALL_K 8u
#define SMALL_V 20u
/* 100-byte items of the second class (120): key 10, value 31. */
#define HUNDRED_K 10u
#define HUNDRED_V 31u

static const sim_preset *const P = &sim_preset_memcached;

static sim_server *make(const char *opts, uint64_t limit)
{
    sim_params p = {.memory_limit = limit, .budget = SIM_BUDGET_OWN, .seed = 1,
                    .expect_keys = 1000};
    sim_server *s = NULL;
    char err[256] = "";
    ck_assert_msg(P->create(opts, &p, &s, err, sizeof err) == 0, "create(%s): %s", opts, err);
    ck_assert_ptr_nonnull(s);
    return s;
}

static void at(sim_server *s, double sec)
{
    P->advance(s, (uint64_t)(sec * 1e6 + 0.5));
}

static void check(const sim_server *s)
{
    char err[256] = "";
    ck_assert_msg(memcached_sim_check(s, err, sizeof err) == 0, "%s", err);
}

static sim_store_result set(sim_server *s, uint64_t key, uint32_t k, uint32_t v)
{
    return P->store(s, SIM_SET, key, k, v, 0);
}

static void set_many(sim_server *s, uint64_t first, uint64_t n, uint32_t k, uint32_t v)
{
    for (uint64_t i = 0; i < n; i++)
        EXPECT_EQ(set(s, first + i, k, v), SIM_STORED);
}

static memcached_sim_item item(const sim_server *s, uint64_t key)
{
    memcached_sim_item it;
    ck_assert_msg(memcached_sim_item_get(s, key, &it) == 0, "key %llu is absent",
                  (unsigned long long)key);
    return it;
}

static int present(const sim_server *s, uint64_t key)
{
    memcached_sim_item it;
    return memcached_sim_item_get(s, key, &it) == 0;
}

static memcached_sim_class cls(const sim_server *s, unsigned id)
{
    memcached_sim_class c;
    ck_assert_int_eq(memcached_sim_class_get(s, id, &c), 0);
    return c;
}

static memcached_sim_counters counters(const sim_server *s)
{
    memcached_sim_counters c;
    memcached_sim_counters_get(s, &c);
    return c;
}

static sim_stats stats(sim_server *s)
{
    sim_stats st;
    P->stats(s, &st);
    return st;
}

/* The smallest class whose chunks hold `size` bytes, found in the class table. */
static unsigned class_fitting(const sim_server *s, size_t size)
{
    for (unsigned id = 1; id <= memcached_sim_nclasses(s); id++)
        if (cls(s, id).chunk_size >= size)
            return id;
    return 0;
}

START_TEST(test_item_size_and_class)
{
    sim_server *s = make("", 64 * MIB);
    /* -f 1.25 -n 48: 96, 120, 152, 192, ... 39 classes, the last of 524288 bytes. */
    ck_assert_uint_eq(memcached_sim_nclasses(s), 39);
    const size_t first[] = {96, 120, 152, 192, 240, 304, 384, 480, 600, 752, 944, 1184};
    for (unsigned i = 0; i < 12; i++)
        ck_assert_uint_eq(cls(s, i + 1).chunk_size, first[i]);
    ck_assert_uint_eq(cls(s, 39).chunk_size, 524288);
    /* key 10, value 100: 48 + 11 + 102 + 8 = 169, above 152 and within 192 (class 4) */
    ck_assert_uint_eq(NTOTAL(10, 100), 169);
    ck_assert_uint_eq(memcached_sim_class_of(s, 10, 100), 4);
    /* 96 holds key + value = 96 - 59 = 37 bytes; 38 go to 120 */
    ck_assert_uint_eq(memcached_sim_class_of(s, 10, 27), 1);
    ck_assert_uint_eq(memcached_sim_class_of(s, 10, 28), 2);
    ck_assert_int_eq(set(s, 1, 10, 100), SIM_STORED);
    memcached_sim_item it = item(s, 1);
    ck_assert_uint_eq(it.ntotal, 169);
    ck_assert_uint_eq(it.clsid, 4);
    ck_assert_uint_eq(cls(s, 4).used_chunks, 1);
    ck_assert_uint_eq(stats(s).requested_bytes, 110);
    /* ntotal exactly 524288 (key 10, value 524288 - 69) is the last class, unchunked */
    ck_assert_uint_eq(memcached_sim_class_of(s, 10, 524288 - 69), 39);
    ck_assert_int_eq(set(s, 2, 10, 524288 - 69), SIM_STORED);
    ck_assert_int_eq(item(s, 2).chunked, 0);
    ck_assert_uint_eq(cls(s, 39).used_chunks, 1);
    /* key 10, value 600000: ntotal 600069 is chunked.  Its header (10 + 1 + 48 + 48 + 8 =
     * 115) takes a 120 chunk; the value + 2 = 600002 bytes take one 524288 chunk holding
     * 524240 and one chunk for the remaining 75762 + 48 = 75810 bytes. */
    ck_assert_int_eq(set(s, 3, 10, 600000), SIM_STORED);
    it = item(s, 3);
    ck_assert_int_eq(it.chunked, 1);
    ck_assert_uint_eq(it.clsid, 39);
    ck_assert_uint_eq(cls(s, 2).used_chunks, 1);
    ck_assert_uint_eq(cls(s, 39).used_chunks, 2);
    unsigned tail_class = class_fitting(s, 75810);
    ck_assert_uint_eq(cls(s, tail_class).used_chunks, 1);
    ck_assert_uint_eq(cls(s, 39).items[MEMCACHED_SIM_HOT] + cls(s, 39).items[MEMCACHED_SIM_WARM] +
                          cls(s, 39).items[MEMCACHED_SIM_COLD],
                      2);
    check(s);
    ck_assert_int_eq(P->del(s, 3), 1);
    ck_assert_uint_eq(cls(s, 2).used_chunks, 0);
    ck_assert_uint_eq(cls(s, tail_class).used_chunks, 0);
    /* above -I (1 MiB) is refused, and a SET then drops the old value */
    ck_assert_uint_eq(memcached_sim_class_of(s, 10, 1048576), 0);
    ck_assert_int_eq(P->store(s, SIM_SET, 1, 10, 1048576, 0), SIM_REFUSED);
    ck_assert_int_eq(present(s, 1), 0);
    /* keys are at most 250 bytes */
    ck_assert_uint_eq(memcached_sim_class_of(s, 251, 10), 0);
    ck_assert_int_eq(P->store(s, SIM_SET, 4, 251, 10, 0), SIM_REFUSED);
    ck_assert_int_eq(P->get(s, 4, 251, 10), 0);
    ck_assert_uint_eq(stats(s).refused, 2);
    check(s);
    P->destroy(s);
    /* without CAS the overhead is 51: 96 holds key + value = 45 */
    s = make("cas=0", 64 * MIB);
    ck_assert_uint_eq(memcached_sim_class_of(s, 10, 35), 1);
    ck_assert_uint_eq(memcached_sim_class_of(s, 10, 36), 2);
    P->destroy(s);
}
END_TEST

START_TEST(test_first_page_exception)
{
    /* -m 1: one page of budget, yet each class's first page is always granted */
    sim_server *s = make("", 1 * MIB);
    ck_assert_int_eq(set(s, 100001, 10, 100), SIM_STORED); /* class 4 */
    ck_assert_int_eq(set(s, 100002, 10, 600), SIM_STORED); /* 679 -> class 10 (752) */
    ck_assert_uint_eq(item(s, 100002).clsid, 10);
    ck_assert_int_eq(set(s, 1, SMALL_K, SMALL_V), SIM_STORED); /* class 1 */
    ck_assert_uint_eq(stats(s).counted_bytes, 3 * MIB);
    ck_assert_uint_eq(stats(s).held_bytes, 3 * MIB);
    /* class 1 holds 1048576 / 96 = 10922 items in its page */
    ck_assert_uint_eq(cls(s, 1).chunks_per_page, 10922);
    set_many(s, 2, 10921, SMALL_K, SMALL_V);
    ck_assert_uint_eq(stats(s).evictions, 0);
    /* a second page would take 4 MiB past the 1 MiB limit: the COLD tail (key 1, the
     * first to drain from HOT) is evicted instead */
    ck_assert_int_eq(set(s, 10923, SMALL_K, SMALL_V), SIM_STORED);
    ck_assert_uint_eq(stats(s).evictions, 1);
    ck_assert_uint_eq(cls(s, 1).evicted, 1);
    ck_assert_uint_eq(cls(s, 1).total_pages, 1);
    ck_assert_int_eq(present(s, 1), 0);
    ck_assert_int_eq(present(s, 2), 1);
    ck_assert_uint_eq(stats(s).counted_bytes, 3 * MIB);
    ck_assert_uint_eq(stats(s).live_objects, 10924);
    check(s);
    P->destroy(s);
}
END_TEST

START_TEST(test_hot_byte_limit)
{
    sim_server *s = make("", 64 * MIB);
    ck_assert_uint_eq(NTOTAL(HUNDRED_K, HUNDRED_V), 100);
    /* After store i of equal 100-byte items (same second, so no age cap), the juggle
     * moves HOT's tail to COLD while 100 h > 20% of 100 i: HOT keeps h = floor(i / 5)
     * newest items, the rest are in COLD, WARM gets nothing without hits. */
    set_many(s, 1, 100, HUNDRED_K, HUNDRED_V);
    memcached_sim_class c = cls(s, 2);
    ck_assert_uint_eq(c.items[MEMCACHED_SIM_HOT], 20);
    ck_assert_uint_eq(c.items[MEMCACHED_SIM_WARM], 0);
    ck_assert_uint_eq(c.items[MEMCACHED_SIM_COLD], 80);
    ck_assert_uint_eq(c.bytes[MEMCACHED_SIM_HOT], 2000);
    ck_assert_uint_eq(c.bytes[MEMCACHED_SIM_COLD], 8000);
    ck_assert_uint_eq(item(s, 81).seg, MEMCACHED_SIM_HOT);
    ck_assert_uint_eq(item(s, 80).seg, MEMCACHED_SIM_COLD);
    ck_assert_uint_eq(counters(s).moves_to_cold, 80);
    check(s);
    P->destroy(s);
}
END_TEST

START_TEST(test_active_on_second_hit)
{
    sim_server *s = make("", 64 * MIB);
    set_many(s, 1, 100, HUNDRED_K, HUNDRED_V); /* HOT: 81..100, COLD: 1..80 */
    /* first hit: FETCHED only */
    ck_assert_int_eq(P->get(s, 81, HUNDRED_K, HUNDRED_V), 1);
    memcached_sim_item it = item(s, 81);
    ck_assert_int_eq(it.fetched, 1);
    ck_assert_int_eq(it.active, 0);
    /* second hit: ACTIVE; a third changes nothing */
    ck_assert_int_eq(P->get(s, 81, HUNDRED_K, HUNDRED_V), 1);
    ck_assert_int_eq(item(s, 81).active, 1);
    ck_assert_int_eq(P->get(s, 81, HUNDRED_K, HUNDRED_V), 1);
    ck_assert_int_eq(item(s, 81).active, 1);
    ck_assert_uint_eq(item(s, 81).seg, MEMCACHED_SIM_HOT);
    /* Store 101: HOT holds 21 items, 2100 > 20% of 10100; its tail (81) is ACTIVE, so it
     * moves to WARM with ACTIVE cleared instead of to COLD, and HOT is at 2000 again. */
    ck_assert_int_eq(set(s, 101, HUNDRED_K, HUNDRED_V), SIM_STORED);
    it = item(s, 81);
    ck_assert_uint_eq(it.seg, MEMCACHED_SIM_WARM);
    ck_assert_int_eq(it.active, 0);
    memcached_sim_class c = cls(s, 2);
    ck_assert_uint_eq(c.items[MEMCACHED_SIM_HOT], 20);
    ck_assert_uint_eq(c.items[MEMCACHED_SIM_WARM], 1);
    ck_assert_uint_eq(c.items[MEMCACHED_SIM_COLD], 80);
    ck_assert_uint_eq(counters(s).moves_to_warm, 1);
    /* A COLD item's second hit moves it to WARM at once, ACTIVE cleared; WARM's 200 bytes
     * are within 40% of the class. */
    ck_assert_uint_eq(item(s, 1).seg, MEMCACHED_SIM_COLD);
    ck_assert_int_eq(P->get(s, 1, HUNDRED_K, HUNDRED_V), 1);
    ck_assert_uint_eq(item(s, 1).seg, MEMCACHED_SIM_COLD);
    ck_assert_int_eq(P->get(s, 1, HUNDRED_K, HUNDRED_V), 1);
    it = item(s, 1);
    ck_assert_uint_eq(it.seg, MEMCACHED_SIM_WARM);
    ck_assert_int_eq(it.active, 0);
    ck_assert_uint_eq(counters(s).moves_to_warm, 2);
    /* WARM is capped at 40% of 10100 bytes: bumping COLD items 2..45 (44 more) fills it
     * to 40 items, and each further arrival sends WARM's tail (the earliest bumped, key
     * 81 first, then 1, 2, ...) back to COLD: 46 bumped - 40 = 6 went back. */
    for (uint64_t k = 2; k <= 45; k++) {
        P->get(s, k, HUNDRED_K, HUNDRED_V);
        P->get(s, k, HUNDRED_K, HUNDRED_V);
    }
    c = cls(s, 2);
    ck_assert_uint_eq(c.items[MEMCACHED_SIM_WARM], 40);
    ck_assert_uint_eq(c.items[MEMCACHED_SIM_COLD], 80 - 45 + 6);
    ck_assert_uint_eq(item(s, 81).seg, MEMCACHED_SIM_COLD);
    ck_assert_uint_eq(item(s, 5).seg, MEMCACHED_SIM_COLD);
    ck_assert_uint_eq(item(s, 6).seg, MEMCACHED_SIM_WARM);
    check(s);
    P->destroy(s);
}
END_TEST

START_TEST(test_time_and_age_caps)
{
    sim_server *s = make("", 64 * MIB);
    set_many(s, 1, 100, HUNDRED_K, HUNDRED_V); /* time 62, COLD tail key 1 */
    /* At t=100 the tick's juggle has drained HOT: hot_age = 0.2 x 100 = 20 < 100. */
    at(s, 100);
    ck_assert_uint_eq(cls(s, 2).items[MEMCACHED_SIM_HOT], 0);
    ck_assert_int_eq(set(s, 1000, HUNDRED_K, HUNDRED_V), SIM_STORED);
    ck_assert_int_eq(set(s, 1001, HUNDRED_K, HUNDRED_V), SIM_STORED);
    ck_assert_uint_eq(item(s, 1000).time, T0 + 100);
    /* a first hit keeps the time; a second (ACTIVE, in HOT) sets it to now */
    at(s, 105);
    P->get(s, 1001, HUNDRED_K, HUNDRED_V);
    ck_assert_uint_eq(item(s, 1001).time, T0 + 100);
    P->get(s, 1001, HUNDRED_K, HUNDRED_V);
    ck_assert_uint_eq(item(s, 1001).time, T0 + 105);
    /* Key 1000 stays in HOT while its age T - 100 is at most hot_age = floor(0.2 T)
     * (COLD's tail is from t=0): up to T = 125; at 126, 26 > 25 sends it to COLD.  The
     * ACTIVE 1001 then is HOT's tail, and an ACTIVE tail always flows to WARM, its flag
     * cleared and its time kept. */
    at(s, 125);
    ck_assert_uint_eq(cls(s, 2).cold_age, 125);
    ck_assert_uint_eq(item(s, 1000).seg, MEMCACHED_SIM_HOT);
    ck_assert_uint_eq(item(s, 1001).seg, MEMCACHED_SIM_HOT);
    at(s, 126);
    ck_assert_uint_eq(item(s, 1000).seg, MEMCACHED_SIM_COLD);
    memcached_sim_item it = item(s, 1001);
    ck_assert_uint_eq(it.seg, MEMCACHED_SIM_WARM);
    ck_assert_int_eq(it.active, 0);
    ck_assert_uint_eq(it.time, T0 + 105);
    /* WARM's age cap is 2 x COLD's tail age: 280 s at t=140, so 1001 (35 s old) stays
     * through 10 stores then.  Deleting every older item empties COLD (the new ones are
     * in HOT), and at t=141 the juggle's caps are 0.2 and 2 x 0: everything in HOT and
     * WARM older than 0 s drains to COLD. */
    at(s, 140);
    set_many(s, 2000, 10, HUNDRED_K, HUNDRED_V);
    ck_assert_uint_eq(item(s, 1001).seg, MEMCACHED_SIM_WARM);
    for (uint64_t k = 1; k <= 100; k++)
        ck_assert_int_eq(P->del(s, k), 1);
    ck_assert_int_eq(P->del(s, 1000), 1);
    ck_assert_uint_eq(cls(s, 2).items[MEMCACHED_SIM_COLD], 0);
    ck_assert_uint_eq(item(s, 1001).seg, MEMCACHED_SIM_WARM);
    at(s, 141);
    ck_assert_uint_eq(item(s, 1001).seg, MEMCACHED_SIM_COLD);
    ck_assert_uint_eq(cls(s, 2).items[MEMCACHED_SIM_COLD], 11);
    ck_assert_uint_eq(cls(s, 2).cold_age, 1); /* its tail now is key 2000, from t=140 */
    check(s);
    P->destroy(s);
}
END_TEST

START_TEST(test_evict_own_cold_tail)
{
    /* -m 2: the first pages of class 2 and class 1 */
    sim_server *s = make("", 2 * MIB);
    set_many(s, 100000, 100, HUNDRED_K, HUNDRED_V);
    set_many(s, 1, 10922, SMALL_K, SMALL_V);
    ck_assert_uint_eq(stats(s).evictions, 0);
    ck_assert_uint_eq(stats(s).counted_bytes, 2 * MIB);
    /* class 1 is full and may not grow: its COLD tail (key 1) goes, class 2 keeps all */
    ck_assert_int_eq(set(s, 10923, SMALL_K, SMALL_V), SIM_STORED);
    ck_assert_uint_eq(cls(s, 1).evicted, 1);
    ck_assert_uint_eq(cls(s, 2).evicted, 0);
    ck_assert_int_eq(present(s, 1), 0);
    memcached_sim_class c2 = cls(s, 2);
    ck_assert_uint_eq(c2.items[0] + c2.items[1] + c2.items[2], 100);
    /* and the next goes from the tail again: key 2 */
    ck_assert_int_eq(set(s, 10924, SMALL_K, SMALL_V), SIM_STORED);
    ck_assert_int_eq(present(s, 2), 0);
    ck_assert_int_eq(present(s, 3), 1);
    ck_assert_uint_eq(stats(s).evictions, 2);
    check(s);
    P->destroy(s);
}
END_TEST

START_TEST(test_refused_set_drops_old)
{
    /* chunk_max=1024: 96 120 152 192 240 304 384 480 600 752 (752 x 1.25 = 940 >= 1024 /
     * 1.25 ends the series), then 1024: 11 classes. */
    sim_server *s = make("chunk_max=1024", 11 * MIB);
    ck_assert_uint_eq(memcached_sim_nclasses(s), 11);
    ck_assert_uint_eq(cls(s, 11).chunk_size, 1024);
    /* Key 10, value 1000: ntotal 1069 > 1024 is chunked and linked in class 11; its
     * header (115) takes a 120 chunk (class 2, 8738 a page); 1002 value bytes take a
     * 1024 chunk (976 of them) and a 26 + 48 = 74-byte chunk of class 1.  8738 such
     * items fill class 2's page and take 9 pages of class 11 and 1 of class 1: 11 MiB,
     * the whole budget, with no eviction. */
    ck_assert_uint_eq(cls(s, 2).chunks_per_page, 8738);
    set_many(s, 1, 8738, 10, 1000);
    ck_assert_uint_eq(cls(s, 2).free_chunks, 0);
    ck_assert_uint_eq(cls(s, 11).total_pages, 9);
    ck_assert_uint_eq(cls(s, 1).used_chunks, 8738);
    ck_assert_uint_eq(stats(s).counted_bytes, 11 * MIB);
    ck_assert_uint_eq(stats(s).evictions, 0);
    /* key Q, small, in class 1 */
    const uint64_t q = 100000;
    ck_assert_int_eq(set(s, q, SMALL_K, SMALL_V), SIM_STORED);
    /* A 107-byte item needs class 2: no free chunk, no page under the limit, and class
     * 2's own LRU is empty (the chunked items live in class 11's), so 10 attempts fail:
     * SERVER_ERROR out of memory, and the SET deletes Q's old value. */
    ck_assert_uint_eq(memcached_sim_class_of(s, SMALL_K, 40), 2);
    ck_assert_int_eq(set(s, q, SMALL_K, 40), SIM_REFUSED);
    ck_assert_int_eq(present(s, q), 0);
    ck_assert_uint_eq(cls(s, 2).outofmemory, 1);
    ck_assert_uint_eq(stats(s).refused, 1);
    /* a refused REPLACE keeps the old value */
    ck_assert_int_eq(P->store(s, SIM_REPLACE, 1, SMALL_K, 40, 0), SIM_REFUSED);
    ck_assert_int_eq(present(s, 1), 1);
    ck_assert_uint_eq(stats(s).live_objects, 8738);
    ck_assert_uint_eq(stats(s).evictions, 0);
    check(s);
    P->destroy(s);
}
END_TEST

START_TEST(test_lazy_and_tail_expiry)
{
    sim_server *s = make("", 64 * MIB);
    /* ttl 10 at current_time 62: exptime 72; a get misses once exptime <= now */
    ck_assert_int_eq(P->store(s, SIM_SET, 1, 10, 100, 10), SIM_STORED);
    ck_assert_uint_eq(item(s, 1).exptime, T0 + 10);
    at(s, 9.999);
    ck_assert_int_eq(P->get(s, 1, 10, 100), 1);
    at(s, 10);
    ck_assert_int_eq(P->get(s, 1, 10, 100), 0);
    ck_assert_uint_eq(counters(s).get_expired, 1);
    ck_assert_uint_eq(stats(s).expired, 1);
    ck_assert_uint_eq(stats(s).live_objects, 0);
    /* Tails reclaim with exptime < now: key 2 (ttl 5, exptime 77 at t=10), alone and so
     * COLD's tail, survives the juggle at t=15 (77 < 77 is false) and goes at t=16. */
    ck_assert_int_eq(P->store(s, SIM_SET, 2, 10, 100, 5), SIM_STORED);
    at(s, 15);
    ck_assert_int_eq(present(s, 2), 1);
    at(s, 16);
    ck_assert_int_eq(present(s, 2), 0);
    ck_assert_uint_eq(counters(s).reclaimed, 1);
    ck_assert_uint_eq(stats(s).expired, 2);
    /* an expired item is absent to stores too: ADD succeeds, counted as get_expired */
    ck_assert_int_eq(P->store(s, SIM_SET, 3, 10, 100, 1), SIM_STORED);
    at(s, 17);
    ck_assert_int_eq(P->store(s, SIM_ADD, 3, 10, 100, 0), SIM_STORED);
    ck_assert_uint_eq(counters(s).get_expired, 2);
    check(s);
    P->destroy(s);
}
END_TEST

START_TEST(test_crawler_schedule)
{
    sim_server *s = make("", 64 * MIB);
    /* Key 1 (no TTL) drains to COLD first and stays its tail; 50 items with ttl 30
     * (exptime 92) follow, and the tick at t=1 drains HOT into COLD's head.  Expired
     * items then meet no tail: only the crawler can free them. */
    ck_assert_int_eq(set(s, 1, HUNDRED_K, HUNDRED_V), SIM_STORED);
    for (uint64_t k = 2; k <= 51; k++)
        ck_assert_int_eq(P->store(s, SIM_SET, k, HUNDRED_K, HUNDRED_V, 30), SIM_STORED);
    at(s, 1);
    ck_assert_uint_eq(cls(s, 2).items[MEMCACHED_SIM_COLD], 51);
    /* The first check (at create, current_time 62) crawled the empty lists and set the
     * next at 67; the check at 63 found them done with no TTL item: wait 60 s, next
     * crawl once current_time > 63 + 60 + 5 = 128, at 129 (t=67). */
    at(s, 66);
    ck_assert_uint_eq(counters(s).crawler_reclaimed, 0);
    ck_assert_uint_eq(stats(s).live_objects, 51);
    at(s, 67);
    ck_assert_uint_eq(counters(s).crawler_reclaimed, 50);
    ck_assert_uint_eq(stats(s).live_objects, 1);
    ck_assert_uint_eq(stats(s).expired, 50);
    ck_assert_uint_eq(counters(s).reclaimed, 0);
    check(s);
    P->destroy(s);
}
END_TEST

START_TEST(test_flat_mode)
{
    sim_server *s = make("lru=flat", 64 * MIB);
    ck_assert_int_eq(set(s, 1, HUNDRED_K, HUNDRED_V), SIM_STORED); /* time 62 */
    at(s, 1);
    ck_assert_int_eq(set(s, 2, HUNDRED_K, HUNDRED_V), SIM_STORED); /* time 63 */
    ck_assert_uint_eq(item(s, 1).seg, MEMCACHED_SIM_COLD);
    ck_assert_uint_eq(item(s, 2).seg, MEMCACHED_SIM_COLD);
    /* t=30: 62 < 92 - 60 is false: a hit sets FETCHED and does not bump; key 1 stays
     * the tail, 30 s old */
    at(s, 30);
    ck_assert_int_eq(P->get(s, 1, HUNDRED_K, HUNDRED_V), 1);
    ck_assert_int_eq(P->get(s, 1, HUNDRED_K, HUNDRED_V), 1);
    ck_assert_uint_eq(item(s, 1).time, T0);
    ck_assert_int_eq(item(s, 1).fetched, 1);
    ck_assert_uint_eq(cls(s, 2).cold_age, 30);
    /* t=61: 62 < 123 - 60: bumped to the head with time 123; the tail is key 2 (63) */
    at(s, 61);
    ck_assert_int_eq(P->get(s, 1, HUNDRED_K, HUNDRED_V), 1);
    ck_assert_uint_eq(item(s, 1).time, T0 + 61);
    ck_assert_uint_eq(cls(s, 2).cold_age, 60);
    /* no maintainer: nothing ever enters HOT or WARM, nothing is crawled */
    set_many(s, 10, 100, HUNDRED_K, HUNDRED_V);
    at(s, 200);
    memcached_sim_class c = cls(s, 2);
    ck_assert_uint_eq(c.items[MEMCACHED_SIM_HOT] + c.items[MEMCACHED_SIM_WARM], 0);
    ck_assert_uint_eq(counters(s).crawls, 0);
    check(s);
    P->destroy(s);
}
END_TEST

START_TEST(test_flat_reclaims_before_alloc)
{
    /* Flat mode pulls the COLD tail before each allocation, reclaiming what expired:
     * with -m 1 and class 1 full, key 1 (ttl 5) is the tail and goes as reclaimed, not
     * evicted, when the next item needs a chunk. */
    sim_server *s = make("lru=flat", 1 * MIB);
    ck_assert_int_eq(P->store(s, SIM_SET, 1, SMALL_K, SMALL_V, 5), SIM_STORED);
    set_many(s, 2, 10921, SMALL_K, SMALL_V);
    at(s, 6);
    ck_assert_int_eq(present(s, 1), 1);
    ck_assert_int_eq(set(s, 20000, SMALL_K, SMALL_V), SIM_STORED);
    ck_assert_int_eq(present(s, 1), 0);
    ck_assert_uint_eq(counters(s).reclaimed, 1);
    ck_assert_uint_eq(stats(s).evictions, 0);
    ck_assert_int_eq(set(s, 20001, SMALL_K, SMALL_V), SIM_STORED);
    ck_assert_uint_eq(stats(s).evictions, 1);
    ck_assert_int_eq(present(s, 2), 0);
    check(s);
    P->destroy(s);
}
END_TEST

START_TEST(test_automove_reclaim_to_pool)
{
    sim_server *s = make("", 64 * MIB);
    /* 4 pages of class 1, then all items deleted: 43688 free chunks > 2.5 pages */
    set_many(s, 1, 4 * 10922, SMALL_K, SMALL_V);
    for (uint64_t k = 1; k <= 4 * 10922; k++)
        EXPECT_EQ(P->del(s, k), 1);
    ck_assert_uint_eq(cls(s, 1).total_pages, 4);
    /* The page growth dirtied the window slot of the run at t=1 (run 2, slot 2), which
     * run 32 (t=31) overwrites: the first clean window, and the oldest page (all free)
     * goes to the pool. */
    at(s, 30);
    ck_assert_uint_eq(stats(s).pages_moved, 0);
    at(s, 31);
    ck_assert_uint_eq(stats(s).pages_moved, 1);
    ck_assert_uint_eq(cls(s, 1).total_pages, 3);
    ck_assert_uint_eq(stats(s).counted_bytes, 4 * MIB); /* the pool's page is still held */
    /* The move changed the page count: the run 1 ms later (run 33, slot 3) is dirty, and
     * the runs go on once a second until run 63 (t=61) overwrites slot 3. */
    at(s, 60);
    ck_assert_uint_eq(stats(s).pages_moved, 1);
    at(s, 61);
    ck_assert_uint_eq(stats(s).pages_moved, 2);
    /* 2 pages' free chunks are not above 2.5 pages: no more */
    at(s, 200);
    ck_assert_uint_eq(stats(s).pages_moved, 2);
    ck_assert_uint_eq(cls(s, 1).total_pages, 2);
    /* the pool's pages serve the next class that needs one, under the limit or not */
    ck_assert_int_eq(set(s, 1, 10, 100), SIM_STORED);
    ck_assert_uint_eq(stats(s).counted_bytes, 4 * MIB);
    check(s);
    P->destroy(s);
}
END_TEST

START_TEST(test_reclaim_above_limit)
{
    /* -m 4: class 1 takes the 4 pages, then classes 4 and 10 their first pages above
     * the limit (6 MiB).  With class 1 emptied, each reclaim (t=31 and t=61, as in the
     * case above) sends a page to the pool while total_malloced is above -m, and
     * memcached's memory_release gives it back: 5 MiB, then 4. */
    sim_server *s = make("", 4 * MIB);
    set_many(s, 1, 4 * 10922, SMALL_K, SMALL_V);
    ck_assert_int_eq(set(s, 100000, 10, 100), SIM_STORED);
    ck_assert_int_eq(set(s, 100001, 10, 600), SIM_STORED);
    ck_assert_uint_eq(stats(s).counted_bytes, 6 * MIB);
    for (uint64_t k = 1; k <= 4 * 10922; k++)
        EXPECT_EQ(P->del(s, k), 1);
    at(s, 31);
    ck_assert_uint_eq(stats(s).pages_moved, 1);
    ck_assert_uint_eq(stats(s).counted_bytes, 5 * MIB);
    ck_assert_uint_eq(stats(s).held_bytes, 5 * MIB);
    at(s, 61);
    ck_assert_uint_eq(stats(s).pages_moved, 2);
    ck_assert_uint_eq(stats(s).counted_bytes, 4 * MIB);
    /* at the limit, a class's first page is still granted */
    ck_assert_int_eq(set(s, 100002, 10, 300), SIM_STORED); /* 369: class 7 */
    ck_assert_uint_eq(stats(s).counted_bytes, 5 * MIB);
    check(s);
    P->destroy(s);
}
END_TEST

START_TEST(test_automove_phase_shift)
{
    /* Phase 1 at t=0: 15 pages of small items (keys 1..163830); every 20th is deleted,
     * 8191 free chunks (546 of them in the first page, keys 1..10922), under the 2.5
     * pages a reclaim needs.  Phase 2 from t=1: 1000 new 1969-byte items a second
     * (class 15, 2320, 451 a page): class 15 gets its first page (16 MiB, the limit) and
     * evicts every second. */
    sim_server *s = make("", 16 * MIB);
    const uint64_t n = 15 * 10922;
    set_many(s, 1, n, SMALL_K, SMALL_V);
    for (uint64_t k = 20; k <= n; k += 20)
        EXPECT_EQ(P->del(s, k), 1);
    ck_assert_uint_eq(cls(s, 1).total_pages, 15);
    ck_assert_uint_eq(memcached_sim_class_of(s, 10, 1900), 15);
    uint64_t key = 1000000;
    for (unsigned sec = 1; sec <= 29; sec++)
        for (unsigned i = 0; i < 1000; i++) {
            at(s, sec + i / 1000.0);
            P->store(s, SIM_SET, key++, 10, 1900, 0);
        }
    /* Run 30 (t=29) has not filled the 30-slot window (it must exceed 30 runs). */
    ck_assert_uint_eq(stats(s).pages_moved, 0);
    ck_assert_uint_eq(cls(s, 15).total_pages, 1);
    /* Run 31 (t=30): class 1 is the oldest with more than 2 pages (its COLD tail is from
     * t=0: ages 1..30 in the window, average 15), class 15 evicted in every slot since
     * t=2 and ages about 0 < 0.8 x 15: its oldest page moves to class 15.  Its 10376
     * live items are rescued while the other pages have free chunks (8191 - 546 = 7645),
     * the other 2731 are dropped. */
    at(s, 30);
    ck_assert_uint_eq(stats(s).pages_moved, 1);
    ck_assert_uint_eq(cls(s, 15).total_pages, 2);
    ck_assert_uint_eq(cls(s, 1).total_pages, 14);
    memcached_sim_counters c = counters(s);
    ck_assert_uint_eq(c.slab_reassign_rescues, 7645);
    ck_assert_uint_eq(c.slab_reassign_evictions_nomem, 2731);
    memcached_sim_class c1 = cls(s, 1);
    ck_assert_uint_eq(c1.items[0] + c1.items[1] + c1.items[2], n - 8191 - 2731);
    ck_assert_uint_eq(c1.free_chunks, 0);
    ck_assert_uint_eq(c1.evicted, 0);
    check(s);
    /* one move a second while the young class keeps evicting */
    for (unsigned sec = 30; sec <= 34; sec++)
        for (unsigned i = 0; i < 1000; i++) {
            at(s, sec + i / 1000.0);
            P->store(s, SIM_SET, key++, 10, 1900, 0);
        }
    at(s, 35);
    ck_assert_uint_eq(stats(s).pages_moved, 6);
    ck_assert_uint_eq(cls(s, 15).total_pages, 7);
    check(s);
    P->destroy(s);
}
END_TEST

START_TEST(test_automove_2)
{
    /* -m 4: class 1 takes 3 pages (32766 items), class 15 its first (451 items) */
    sim_server *s = make("automove=2", 4 * MIB);
    set_many(s, 1, 3 * 10922, SMALL_K, SMALL_V);
    set_many(s, 100000, 451, 10, 1900);
    ck_assert_uint_eq(stats(s).counted_bytes, 4 * MIB);
    ck_assert_uint_eq(stats(s).evictions, 0);
    /* The 452nd evicts class 15's COLD tail, and the eviction asks for a page from the
     * next class in round-robin order with 2 pages or more: class 1.  Its oldest page
     * holds 10922 live items and the class has no free chunk: all are dropped. */
    ck_assert_int_eq(set(s, 100451, 10, 1900), SIM_STORED);
    ck_assert_uint_eq(stats(s).evictions, 1);
    ck_assert_uint_eq(stats(s).pages_moved, 1);
    ck_assert_uint_eq(cls(s, 1).total_pages, 2);
    ck_assert_uint_eq(cls(s, 15).total_pages, 2);
    ck_assert_uint_eq(counters(s).slab_reassign_evictions_nomem, 10922);
    ck_assert_uint_eq(stats(s).live_objects, 2 * 10922 + 451);
    ck_assert_uint_eq(stats(s).counted_bytes, 4 * MIB);
    /* class 15 now has 2 pages for 451 items: no eviction, no move for the next 451 */
    set_many(s, 200000, 451, 10, 1900);
    ck_assert_uint_eq(stats(s).evictions, 1);
    ck_assert_uint_eq(stats(s).pages_moved, 1);
    check(s);
    P->destroy(s);
}
END_TEST

START_TEST(test_store_modes)
{
    sim_server *s = make("", 64 * MIB);
    ck_assert_int_eq(P->store(s, SIM_REPLACE, 1, 10, 100, 0), SIM_NOT_STORED);
    ck_assert_int_eq(P->store(s, SIM_ADD, 1, 10, 100, 0), SIM_STORED);
    ck_assert_int_eq(P->store(s, SIM_ADD, 1, 10, 200, 0), SIM_NOT_STORED);
    ck_assert_uint_eq(item(s, 1).ntotal, NTOTAL(10, 100));
    ck_assert_int_eq(P->store(s, SIM_REPLACE, 1, 10, 200, 0), SIM_STORED);
    ck_assert_uint_eq(item(s, 1).ntotal, NTOTAL(10, 200));
    ck_assert_uint_eq(stats(s).requested_bytes, 210);
    /* a store makes a new item: flags cleared, time now */
    P->get(s, 1, 10, 200);
    ck_assert_int_eq(item(s, 1).fetched, 1);
    ck_assert_int_eq(set(s, 1, 10, 200), SIM_STORED);
    ck_assert_int_eq(item(s, 1).fetched, 0);
    ck_assert_int_eq(P->del(s, 1), 1);
    ck_assert_int_eq(P->del(s, 1), 0);
    ck_assert_int_eq(P->get(s, 1, 10, 200), 0);
    ck_assert_uint_eq(stats(s).live_objects, 0);
    ck_assert_uint_eq(stats(s).requested_bytes, 0);
    ck_assert_uint_eq(cls(s, 6).used_chunks, 0); /* 269 bytes: class 6 (304) */
    check(s);
    P->destroy(s);
}
END_TEST

static void expect_bad(const char *opts, const char *named)
{
    sim_params p = {.memory_limit = 64 * MIB, .budget = SIM_BUDGET_OWN};
    sim_server *s = (sim_server *)&p;
    char err[256] = "";
    ck_assert_msg(P->create(opts, &p, &s, err, sizeof err) == -1, "'%s' was accepted", opts);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err, named) != NULL, "'%s': \"%s\" does not name %s", opts, err, named);
}

START_TEST(test_options)
{
    expect_bad("factor=1", "factor");
    expect_bad("factor=abc", "factor");
    expect_bad("n=0", "n=0");
    expect_bad("min_chunk=40", "min_chunk");
    expect_bad("n=10,min_chunk=96", "only one");
    expect_bad("chunk_max=1000", "chunk_max");
    expect_bad("chunk_max=2097152", "chunk_max");
    expect_bad("sizes=200-100", "sizes");
    expect_bad("sizes=100-104", "8 bytes");
    expect_bad("sizes=10-200", "outside");
    expect_bad("sizes=a-b", "sizes");
    expect_bad("lru=lfu", "segmented");
    expect_bad("automove=3", "automove");
    expect_bad("cas=2", "cas");
    expect_bad("bogus=1", "factor, n, min_chunk");
    expect_bad("automove", "key=value");
    sim_params zero = {.memory_limit = 0};
    sim_server *s = NULL;
    char err[256] = "";
    ck_assert_int_eq(P->create("", &zero, &s, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "-m"));
    /* n=24: first class 72; sizes as memcached lists them, chunk_max appended */
    s = make("n=24", 64 * MIB);
    ck_assert_uint_eq(cls(s, 1).chunk_size, 72);
    P->destroy(s);
    s = make("min_chunk=72", 64 * MIB);
    ck_assert_uint_eq(cls(s, 1).chunk_size, 72);
    P->destroy(s);
    s = make("sizes=96-200-400", 64 * MIB);
    ck_assert_uint_eq(memcached_sim_nclasses(s), 4);
    ck_assert_uint_eq(cls(s, 2).chunk_size, 200);
    ck_assert_uint_eq(cls(s, 4).chunk_size, 524288);
    P->destroy(s);
    s = make("factor=2,automove=0,lru=flat,cas=0", 64 * MIB);
    ck_assert_uint_eq(cls(s, 2).chunk_size, 192);
    P->destroy(s);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    P->help(f);
    fclose(f);
    const char *names[] = {"factor=", "n=", "min_chunk=", "chunk_max=", "sizes=",
                           "lru=", "automove=", "cas="};
    for (unsigned i = 0; i < 8; i++)
        ck_assert_msg(strstr(text, names[i]) != NULL, "help lacks %s", names[i]);
    free(text);
}
END_TEST

/* A mixed load on a small server, 120 s of server time: 40 s of 20000 keys with values
 * of one class, 40 s of new keys with values up to chunked items (chunk_max=16384),
 * then small values again; TTLs, deletes, adds and replaces.  The invariants hold
 * throughout and the stats agree with the counters. */
static void soak(const char *opts, uint64_t limit, int chunked)
{
    sim_server *s = make(opts, limit);
    uint64_t x = 12345;
    for (uint64_t i = 0; i < 120000; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t r = x >> 33;
        double t = (double)i / 1000.0;
        at(s, t);
        /* the key space shifts with time so pages have to move */
        uint64_t key = (r % 20000) + (i / 40000) * 20000;
        uint32_t v = (i / 40000) % 2 == 0 ? 200 + (uint32_t)(r % 30)
                                           : 1000 + (uint32_t)((r >> 7) % 20000);
        uint32_t ttl = (r >> 20) % 4 == 0 ? (uint32_t)((r >> 24) % 20) + 1 : 0;
        switch ((r >> 12) % 10) {
        case 0:
            P->del(s, key);
            break;
        case 1:
            P->store(s, SIM_ADD, key, 12, v, ttl);
            break;
        case 2:
            P->store(s, SIM_REPLACE, key, 12, v, ttl);
            break;
        default:
            if (!P->get(s, key, 12, v))
                P->store(s, SIM_SET, key, 12, v, ttl);
        }
        if (i % 20000 == 0)
            check(s);
    }
    check(s);
    sim_stats st = stats(s);
    memcached_sim_counters c = counters(s);
    ck_assert_uint_eq(st.live_objects, c.curr_items);
    ck_assert_uint_eq(st.expired, c.reclaimed + c.crawler_reclaimed + c.get_expired);
    ck_assert_uint_eq(st.pages_moved, c.slabs_moved);
    /* beyond the limit, only first pages: at most one page per class */
    ck_assert_uint_le(st.counted_bytes, limit + memcached_sim_nclasses(s) * MIB);
    /* the load did what it is for: pages moved with rescues and drops (expired ones
     * among them), chunked items' chunks were rescued */
    ck_assert_uint_gt(st.pages_moved, 0);
    ck_assert_uint_gt(c.slab_reassign_rescues, 0);
    ck_assert_uint_gt(c.slab_reassign_evictions_nomem, 0);
    ck_assert_uint_gt(c.mover_expired, 0);
    if (chunked)
        ck_assert_uint_gt(c.slab_reassign_chunk_rescues, 0);
    P->destroy(s);
}

START_TEST(test_soak)
{
    soak("chunk_max=16384", 8 * MIB, 1);
    soak("chunk_max=16384,automove=2", 8 * MIB, 1);
    soak("lru=flat,automove=2", 8 * MIB, 0);
    soak("", 16 * MIB, 0);
}
END_TEST

static Suite *sim_memcached_suite(void)
{
    Suite *s = suite_create("sim_memcached");
    TCase *tc = tcase_create("items");
    tcase_add_test(tc, test_item_size_and_class);
    tcase_add_test(tc, test_first_page_exception);
    tcase_add_test(tc, test_store_modes);
    tcase_add_test(tc, test_options);
    suite_add_tcase(s, tc);
    tc = tcase_create("lru");
    tcase_add_test(tc, test_hot_byte_limit);
    tcase_add_test(tc, test_active_on_second_hit);
    tcase_add_test(tc, test_time_and_age_caps);
    tcase_add_test(tc, test_evict_own_cold_tail);
    tcase_add_test(tc, test_refused_set_drops_old);
    tcase_add_test(tc, test_flat_mode);
    tcase_add_test(tc, test_flat_reclaims_before_alloc);
    suite_add_tcase(s, tc);
    tc = tcase_create("expiry");
    tcase_add_test(tc, test_lazy_and_tail_expiry);
    tcase_add_test(tc, test_crawler_schedule);
    suite_add_tcase(s, tc);
    tc = tcase_create("automove");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_automove_reclaim_to_pool);
    tcase_add_test(tc, test_reclaim_above_limit);
    tcase_add_test(tc, test_automove_phase_shift);
    tcase_add_test(tc, test_automove_2);
    tcase_add_test(tc, test_soak);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sim_memcached_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
