/* replay_run.c - the paced request loop against a live server (see replay_run.h). */
#include "replay_run.h"

#include "bench_error.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Requests in the group that starts with the record just read: it and the records
 * after it up to the first one of a later second (a timestamp going backwards joins
 * the current second, so the clock never runs back). */
static uint64_t group_size(const trace_file *t, uint64_t second)
{
    trace_file ahead = *t; /* a second cursor over the same mapping */
    trace_rec a;
    uint64_t n = 1;
    while (trace_next(&ahead, &a) && a.time <= second)
        n++;
    return n;
}

/* One record sent and its reply read.  0 ok; -1 with err. */
static int replay_one(const replay_opts *o, client_conn *c, const payload_filler *f,
                      const trace_rec *rec, replay_result *r, char *err, size_t errlen)
{
    char key[PAYLOAD_KEY_MAX];
    size_t klen = payload_key(trace_key_hash(rec->key, rec->key_len), rec->key_size, key);
    client_store_mode mode;
    client_store_result res;
    switch (rec->op) {
    case TRACE_GET:
    case TRACE_GETS: {
        int hit;
        uint64_t bytes = (uint64_t)rec->key_size + rec->value_size;
        r->gets++;
        r->get_bytes += bytes;
        if (o->proto->get(c, key, klen, &hit, err, errlen) != 0)
            return -1;
        if (hit) {
            r->hits++;
            r->hit_bytes += bytes;
            return 0;
        }
        if (!o->fill)
            return 0;
        r->fills++;
        mode = CLIENT_SET;
        break;
    }
    case TRACE_SET: mode = CLIENT_SET; r->stores++; break;
    case TRACE_ADD: mode = CLIENT_ADD; r->stores++; break;
    case TRACE_REPLACE:
    case TRACE_CAS: mode = CLIENT_REPLACE; r->stores++; break;
    case TRACE_DELETE: {
        int deleted;
        r->deletes++;
        if (o->proto->del(c, key, klen, &deleted, err, errlen) != 0)
            return -1;
        r->deleted += (uint64_t)deleted;
        return 0;
    }
    default:
        r->skipped[rec->op]++;
        return 0;
    }
    if (rec->value_size > PAYLOAD_VALUE_MAX) {
        r->too_large++;
        return 0;
    }
    if (o->proto->store(c, f, mode, key, klen, rec->value_size, rec->ttl, &res, err,
                        errlen) != 0)
        return -1;
    switch (res) {
    case CLIENT_STORED: r->stored++; break;
    case CLIENT_NOT_STORED: r->not_stored++; break;
    case CLIENT_OOM: r->oom++; break;
    case CLIENT_TOO_LARGE: r->too_large++; break;
    }
    return 0;
}

/* Starts the schedule on a tick of the server's own clock, when it has one: memcached
 * advances current_time once a second counted from its start, and its maintainer,
 * crawler and automove run on those ticks, so a replay that starts on a tick sees the
 * same second boundaries as the simulator, which ticks at whole seconds of server time.
 * Polling `stats` every half millisecond finds the tick within that.  The ticks the
 * server had run by then (its maintainer's automove window fills from the start) and
 * the unix time of the start (for the clocks that follow the wall clock, Redis's) are
 * kept for the simulation of this replay. */
static int align_start(const replay_opts *o, client_conn *c, replay_result *r, char *err,
                       size_t errlen)
{
    if (o->proto->server_time != NULL) {
        uint64_t first, now;
        if (o->proto->server_time(c, &first, err, errlen) != 0)
            return -1;
        uint64_t deadline = pace_now_ns() + 2500000000ull;
        do {
            struct timespec ts = {0, 500000};
            nanosleep(&ts, NULL);
            if (o->proto->server_time(c, &now, err, errlen) != 0)
                return -1;
        } while (now == first && pace_now_ns() < deadline);
        r->server_uptime_s = now;
    }
    pace_start(&r->pace);
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    r->clock_origin_us = (uint64_t)wall.tv_sec * 1000000u + (uint64_t)wall.tv_nsec / 1000u;
    return 0;
}

int replay_run(const replay_opts *o, replay_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (pace_init(&r->pace, o->time_scale) != 0)
        return bench_error(err, errlen, "out of memory for the lag table");
    trace_file t;
    if (trace_open(&t, o->trace_path, err, errlen) != 0)
        return -1;
    client_conn c;
    payload_filler f = {0};
    int rc = -1;
    if (conn_open(&c, o->server, o->timeout_ms, err, errlen) != 0) {
        trace_close(&t);
        return -1;
    }
    if (payload_filler_init(&f, err, errlen) != 0 ||
        o->proto->memory_limit(&c, &r->memory_limit, err, errlen) != 0 ||
        o->proto->stats(&c, &r->before, err, errlen) != 0)
        goto done;
    if (align_start(o, &c, r, err, errlen) != 0)
        goto done;
    trace_rec rec;
    uint64_t t0 = 0, second = 0, n = 0, i = 0, start = 0;
    int have_group = 0;
    while ((o->max_requests == 0 || r->requests < o->max_requests) && trace_next(&t, &rec)) {
        if (!have_group || rec.time > second) {
            if (!have_group)
                t0 = rec.time;
            second = rec.time;
            n = group_size(&t, second);
            i = 0;
            have_group = 1;
        }
        pace_wait(&r->pace, second - t0, i++, n);
        if (r->requests == 0)
            start = pace_now_ns();
        r->requests++;
        if (replay_one(o, &c, &f, &rec, r, err, errlen) != 0) {
            size_t l = strlen(err);
            snprintf(err + l, errlen - l, " (trace line %llu, request %llu)", t.line_no,
                     (unsigned long long)r->requests);
            goto done;
        }
    }
    r->seconds = r->requests ? (double)(pace_now_ns() - start) / 1e9 : 0.0;
    if (o->proto->stats(&c, &r->after, err, errlen) != 0 ||
        (o->proto->requested != NULL &&
         o->proto->requested(&c, &r->after, err, errlen) != 0))
        goto done;
    rc = 0;
done:
    r->malformed = t.malformed;
    r->first_bad_line = t.first_bad_line;
    r->first_bad_why = t.first_bad_why;
    payload_filler_free(&f);
    conn_close(&c);
    trace_close(&t);
    return rc;
}

void replay_result_free(replay_result *r) { pace_free(&r->pace); }

int replay_result_check(const replay_result *r)
{
    uint64_t skipped = 0;
    for (int op = 0; op < TRACE_OP_COUNT; op++)
        skipped += r->skipped[op];
    return r->hits <= r->gets && r->hit_bytes <= r->get_bytes &&
           r->requests == r->gets + r->stores + r->deletes + skipped &&
           r->fills <= r->gets - r->hits &&
           r->stored + r->not_stored + r->oom + r->too_large == r->stores + r->fills &&
           r->pace.sent == r->requests && pace_check(&r->pace);
}
