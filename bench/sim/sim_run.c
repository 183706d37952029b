/* sim_run.c - one simulator cell: requests in, one server preset, hits counted (see
 * sim_run.h). */
#include "sim_run.h"

#include "bench_error.h"
#include "mmap_vec.h"
#include "trace.h"

#include <string.h>
#include <time.h>

/* One request of the second being replayed. */
typedef struct sim_req {
    uint64_t key;
    uint32_t ksize, vsize, ttl;
    uint8_t op; /* trace_op */
} sim_req;

/* The request source: a trace file or a built-in stream, read one trace second at a
 * time so the requests of a second can be spread evenly over it. */
typedef struct sim_source {
    trace_file tf;
    reqgen gen;
    int is_gen, open;
    unsigned long long limit, taken;
    int have_pending;
    trace_rec pending;
    uint64_t pending_key;
    sim_req *batch;
    size_t batch_cap, batch_len;
    uint64_t batch_time;
} sim_source;

static int source_read(sim_source *s, trace_rec *r)
{
    if (s->limit != 0 && s->taken >= s->limit)
        return 0;
    int got = s->is_gen ? reqgen_next(&s->gen, r) : trace_next(&s->tf, r);
    if (got)
        s->taken++;
    return got;
}

static int batch_push(sim_source *s, const trace_rec *r, uint64_t key)
{
    if (s->batch_len == s->batch_cap) {
        size_t cap = s->batch_cap ? s->batch_cap * 2 : 4096;
        sim_req *b = mvec_grow(s->batch, s->batch_cap * sizeof *b, cap * sizeof *b);
        if (b == NULL)
            return -1;
        s->batch = b;
        s->batch_cap = cap;
    }
    sim_req *q = &s->batch[s->batch_len++];
    q->key = key;
    q->ksize = r->key_size;
    q->vsize = r->value_size;
    q->ttl = r->ttl;
    q->op = (uint8_t)r->op;
    return 0;
}

/* Fills the batch with the next trace second's requests: 1, 0 at the end, -1 out of
 * memory.  A timestamp earlier than the batch's joins the batch (traces are sorted,
 * but a replay must not run its clock backwards). */
static int source_next_second(sim_source *s)
{
    s->batch_len = 0;
    trace_rec r;
    if (s->have_pending) {
        s->have_pending = 0;
        s->batch_time = s->pending.time > s->batch_time ? s->pending.time : s->batch_time;
        if (batch_push(s, &s->pending, s->pending_key) != 0)
            return -1;
    } else {
        if (!source_read(s, &r))
            return 0;
        if (r.time > s->batch_time)
            s->batch_time = r.time;
        if (batch_push(s, &r, trace_key_hash(r.key, r.key_len)) != 0)
            return -1;
    }
    while (source_read(s, &r)) {
        uint64_t key = trace_key_hash(r.key, r.key_len);
        if (r.time > s->batch_time) {
            s->pending = r;
            s->pending_key = key;
            s->have_pending = 1;
            break;
        }
        if (batch_push(s, &r, key) != 0)
            return -1;
    }
    return 1;
}

static int source_open(sim_source *s, const sim_cell *c, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->limit = c->gen != NULL ? 0 : c->requests;
    if (c->gen != NULL) {
        s->is_gen = 1;
        if (reqgen_start(&s->gen, c->gen, c->requests, c->seed, err, errlen) != 0)
            return -1;
    } else if (trace_open(&s->tf, c->trace, err, errlen) != 0) {
        return -1;
    }
    s->open = 1;
    return 0;
}

static void source_close(sim_source *s)
{
    if (s->open) {
        if (s->is_gen)
            reqgen_end(&s->gen);
        else
            trace_close(&s->tf);
    }
    if (s->batch != NULL)
        mvec_free(s->batch, s->batch_cap * sizeof *s->batch);
    s->open = 0;
}

/* Cumulative counts at the end of each trace second, for the timeline. */
typedef struct sim_second {
    uint64_t t, gets, hits, pages_moved, evictions;
} sim_second;

typedef struct sim_seconds {
    sim_second *v;
    size_t n, cap;
} sim_seconds;

static int seconds_push(sim_seconds *s, const sim_second *x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        sim_second *v = mvec_grow(s->v, s->cap * sizeof *v, cap * sizeof *v);
        if (v == NULL)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = *x;
    return 0;
}

/* Cuts the replay's seconds into at most SIM_TIMELINE_POINTS spans of equal length. */
static void timeline_fill(const sim_seconds *s, sim_row *row)
{
    row->npoints = 0;
    if (s->n == 0)
        return;
    uint64_t span = s->v[s->n - 1].t + 1;
    unsigned points = span < SIM_TIMELINE_POINTS ? (unsigned)span : SIM_TIMELINE_POINTS;
    uint64_t prev_gets = 0, prev_hits = 0;
    size_t i = 0;
    for (unsigned p = 0; p < points; p++) {
        uint64_t end = span * (p + 1) / points; /* exclusive, in seconds */
        const sim_second *last = NULL;
        while (i < s->n && s->v[i].t < end)
            last = &s->v[i++];
        if (last == NULL)
            continue;
        sim_point *pt = &row->point[row->npoints++];
        pt->t_end = end;
        pt->gets = last->gets - prev_gets;
        pt->hits = last->hits - prev_hits;
        pt->pages_moved = last->pages_moved;
        pt->evictions = last->evictions;
        prev_gets = last->gets;
        prev_hits = last->hits;
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One request on the preset, counted. */
static void serve(const sim_preset *p, sim_server *srv, const sim_req *q, int no_fill,
                  sim_row *row)
{
    uint64_t bytes = (uint64_t)q->ksize + q->vsize;
    switch ((trace_op)q->op) {
    case TRACE_GET:
    case TRACE_GETS:
        row->gets++;
        row->get_bytes += bytes;
        if (p->get(srv, q->key, q->ksize, q->vsize)) {
            row->hits++;
            row->hit_bytes += bytes;
        } else if (!no_fill) {
            /* cache-aside: the client fetches the object from its database and stores
             * it with the trace's TTL */
            p->store(srv, SIM_SET, q->key, q->ksize, q->vsize, q->ttl);
            row->sets++;
        }
        break;
    case TRACE_SET:
        p->store(srv, SIM_SET, q->key, q->ksize, q->vsize, q->ttl);
        row->sets++;
        break;
    case TRACE_ADD:
        p->store(srv, SIM_ADD, q->key, q->ksize, q->vsize, q->ttl);
        row->sets++;
        break;
    case TRACE_REPLACE:
    case TRACE_CAS:
        p->store(srv, SIM_REPLACE, q->key, q->ksize, q->vsize, q->ttl);
        row->sets++;
        break;
    case TRACE_DELETE:
        p->del(srv, q->key);
        row->deletes++;
        break;
    default:
        row->skipped++;
        break;
    }
}

int sim_run(const sim_cell *c, sim_row *out, char *err, size_t errlen)
{
    const char *opts;
    const sim_preset *p = sim_preset_find(c->config, &opts);
    if (p == NULL) {
        memset(out, 0, sizeof *out);
        return bench_error(err, errlen, "config '%s': no such preset (use memcached[:...] or "
                           "redis[:...])", c->config);
    }
    return sim_run_preset(p, opts, c, out, err, errlen);
}

int sim_run_preset(const sim_preset *p, const char *opts, const sim_cell *c, sim_row *out,
                   char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!(c->time_scale > 0))
        return bench_error(err, errlen, "time scale must be > 0");
    sim_params prm = {
        .memory_limit = c->memory,
        .budget = c->budget,
        .seed = c->seed,
        .expect_keys = c->gen != NULL ? c->gen->keys * (c->gen->shift_at > 0 ? 2 : 1) : 0,
        .clock_origin_us = c->clock_origin_us > c->server_uptime_us
                               ? c->clock_origin_us - c->server_uptime_us
                               : 0,
    };
    sim_source src;
    if (source_open(&src, c, err, errlen) != 0)
        return -1;
    sim_server *srv;
    char perr[256];
    if (p->create(opts, &prm, &srv, perr, sizeof perr) != 0) {
        source_close(&src);
        return bench_error(err, errlen, "config '%s': %s", c->config, perr);
    }

    sim_seconds secs_log = {0};
    double t0 = now_seconds();
    int first = 1, rc = 0;
    uint64_t start_time = 0;
    for (;;) {
        int got = source_next_second(&src);
        if (got < 0) {
            rc = bench_error(err, errlen, "out of memory for the requests of trace second %llu",
                             (unsigned long long)src.batch_time);
            break;
        }
        if (got == 0)
            break;
        if (first) {
            start_time = src.batch_time;
            first = 0;
        }
        /* request i of n in trace second t is sent at (t - t0 + i/n) x scale server
         * seconds: the live client's schedule, so both see the same clocks */
        double base_us = (double)c->server_uptime_us +
                         (double)(src.batch_time - start_time) * c->time_scale * 1e6;
        double step_us = c->time_scale * 1e6 / (double)src.batch_len;
        for (size_t i = 0; i < src.batch_len; i++) {
            p->advance(srv, (uint64_t)(base_us + step_us * (double)i));
            serve(p, srv, &src.batch[i], c->no_fill, out);
        }
        out->requests += src.batch_len;
        sim_stats st;
        p->stats(srv, &st);
        sim_second sec = {src.batch_time - start_time, out->gets, out->hits, st.pages_moved,
                          st.evictions};
        if (seconds_push(&secs_log, &sec) != 0) {
            rc = bench_error(err, errlen, "out of memory for the timeline");
            break;
        }
    }
    double secs = now_seconds() - t0;
    if (rc == 0) {
        p->stats(srv, &out->st);
        out->malformed = src.is_gen ? 0 : src.tf.malformed;
        out->hit_ratio = out->gets ? (double)out->hits / (double)out->gets : 0;
        out->byte_hit_ratio = out->get_bytes ? (double)out->hit_bytes / (double)out->get_bytes : 0;
        out->efficiency = out->st.held_bytes ? (double)out->st.requested_bytes /
                                                   (double)out->st.held_bytes
                                             : 0;
        out->seconds = secs;
        out->requests_per_sec = secs > 0 ? (double)out->requests / secs : 0;
        timeline_fill(&secs_log, out);
    }
    if (secs_log.v != NULL)
        mvec_free(secs_log.v, secs_log.cap * sizeof *secs_log.v);
    p->destroy(srv);
    source_close(&src);
    return rc;
}
