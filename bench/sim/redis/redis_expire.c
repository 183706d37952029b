/* redis_expire.c - serverCron's share of the keyspace at hz: the LRU clock, the slow
 * active expire cycle (expire.c), shrinking tables under 10% full and the 1 ms of
 * incremental rehashing (databasesCron); and beforeSleep's fast expire cycle. */
#include "redis_server.h"

#include <stdint.h>

#define EXPIRE_KEYS_PER_LOOP 20    /* ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP, effort 1 */
#define EXPIRE_FAST_DURATION 1000  /* µs, ACTIVE_EXPIRE_CYCLE_FAST_DURATION */
#define EXPIRE_SLOW_TIME_PERC 25   /* ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC */
#define EXPIRE_ACCEPTABLE_STALE 10 /* ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE, percent */

/* The cycle's clock is modelled, not measured: a key that is deleted costs 1.1 µs (on
 * 7.0.15 here, 187k keys expired in 217 ms of expire_cycle_cpu_milliseconds), a key
 * only tested 0.1 µs (assumed).  It matters only when a mass of keys expires at once,
 * where the time limit spreads the work over ticks and fast cycles. */
#define EXPIRE_DELETE_NS 1100
#define EXPIRE_TEST_NS 100

/* activeExpireCycle for db 0.  Note that 7.0 keeps stat_expired_stale_perc as a
 * fraction (0..1) but compares it with the acceptable stale percentage (10): a fast
 * cycle therefore runs only after a cycle that hit its time limit. */
static void expire_cycle(sim_server *s, int fast)
{
    if (fast) {
        if (!s->timelimit_exit && s->stale_perc < EXPIRE_ACCEPTABLE_STALE)
            return;
        if (s->now_us < s->last_fast_us + 2 * EXPIRE_FAST_DURATION)
            return;
        s->last_fast_us = s->now_us;
        s->fast_cycles++;
    }
    uint64_t timelimit = fast ? EXPIRE_FAST_DURATION
                              : (uint64_t)EXPIRE_SLOW_TIME_PERC * 1000000 / s->o.hz / 100;
    if (timelimit == 0)
        timelimit = 1;
    s->timelimit_exit = 0;
    uint64_t elapsed_ns = 0, total_sampled = 0, total_expired = 0;
    unsigned iteration = 0;
    rdict *d = &s->expires;
    uint64_t expired = 0, sampled = 0;
    do {
        iteration++;
        uint64_t num = rdict_count(d), slots = rdict_slots(d);
        if (num == 0)
            break;
        if (slots > RDICT_INITIAL_SIZE && num * 100 / slots < 1)
            break; /* under 1% full: sampling is too costly, wait for the resize */
        expired = sampled = 0;
        if (num > EXPIRE_KEYS_PER_LOOP)
            num = EXPIRE_KEYS_PER_LOOP;
        uint64_t max_buckets = num * 20, checked = 0;
        while (sampled < num && checked < max_buckets) {
            for (int t = 0; t < 2; t++) {
                if (t == 1 && !rdict_rehashing(d))
                    break;
                uint32_t e = rdict_bucket(d, t, s->expires_cursor);
                checked++;
                while (e != 0) {
                    uint32_t slot = e - 1;
                    e = rdict_next(d, slot); /* before the entry can go */
                    if (s->now_ms > s->key[slot].expire_ms) {
                        rks_delete(s, s->hash[slot]);
                        s->expired++;
                        expired++;
                        elapsed_ns += EXPIRE_DELETE_NS;
                    } else {
                        elapsed_ns += EXPIRE_TEST_NS;
                    }
                    sampled++;
                }
            }
            s->expires_cursor++;
        }
        total_expired += expired;
        total_sampled += sampled;
        if ((iteration & 0xf) == 0 && elapsed_ns / 1000 > timelimit) {
            s->timelimit_exit = 1;
            break;
        }
    } while (sampled == 0 || expired * 100 / sampled > EXPIRE_ACCEPTABLE_STALE);
    double current = total_sampled ? (double)total_expired / (double)total_sampled : 0.0;
    s->stale_perc = current * 0.05 + s->stale_perc * 0.95;
}

/* incrementallyRehash's dictRehashMilliseconds(d, 1): batches of 100 buckets until the
 * modelled millisecond is spent.  A moved bucket costs 1 / REDIS_SIM_REHASH_PER_MS of
 * it (rehashing each entry's key, cache misses), an empty one passed a hundredth of
 * that (a sequential scan of NULL pointers; assumed). */
static void rehash_one_ms(rdict *d)
{
    uint64_t moved = d->moved, skipped = d->skipped;
    while (rdict_rehash(d, 100)) {
        uint64_t cost = (d->moved - moved) + (d->skipped - skipped) / 100;
        if (cost >= REDIS_SIM_REHASH_PER_MS)
            break;
    }
}

void redis_cron(sim_server *s, uint64_t tick_us)
{
    s->now_us = tick_us;
    s->now_ms = (int64_t)(tick_us / 1000);
    s->lruclock = redis_lru_clock_of(s->now_ms + s->origin_ms);
    expire_cycle(s, 0);
    /* tryResizeHashTables, then incrementallyRehash (one dict per tick) */
    if (rdict_needs_resize(&s->main))
        rdict_resize(&s->main);
    if (rdict_needs_resize(&s->expires))
        rdict_resize(&s->expires);
    if (rdict_rehashing(&s->main))
        rehash_one_ms(&s->main);
    else if (rdict_rehashing(&s->expires))
        rehash_one_ms(&s->expires);
}

void redis_expire_fast(sim_server *s)
{
    expire_cycle(s, 1);
}
