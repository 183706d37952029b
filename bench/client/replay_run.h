/* replay_run.h - replaying a trace against a live memcached or Redis: one connection,
 * one request at a time, each sent when the pacer says it is due.  A get that misses
 * is followed by a set of the object (cache-aside) unless fill is off; set / add /
 * replace / cas store (cas as replace: the trace has no CAS token, and the store a cas
 * makes is one on a present key); delete deletes; incr, decr, append and prepend are
 * skipped and counted.  The server's statistics are read before and after. */
#ifndef KVBENCH_REPLAY_RUN_H
#define KVBENCH_REPLAY_RUN_H

#include <stdint.h>

#include "pace.h"
#include "proto.h"
#include "trace.h"

typedef struct replay_opts {
    const client_proto *proto;
    const char *server;     /* HOST:PORT */
    const char *trace_path;
    double time_scale;      /* K > 0 */
    int fill;               /* cache-aside: set after a get miss */
    uint64_t max_requests;  /* 0 = the whole trace */
    int timeout_ms;
} replay_opts;

/* What one replay saw.  Invariants: hits <= gets; hit_bytes <= get_bytes;
 * requests == gets + stores + deletes + sum(skipped); fills <= gets - hits;
 * stored + not_stored + oom + too_large == stores + fills; pace.sent == requests. */
typedef struct replay_result {
    uint64_t requests;                  /* trace records replayed */
    uint64_t gets, hits;                /* get/gets records and the hits the client saw */
    uint64_t get_bytes, hit_bytes;      /* their key + value sizes from the trace */
    uint64_t stores, fills, deletes;    /* trace writes, cache-aside sets, trace deletes */
    uint64_t stored, not_stored, oom, too_large, deleted;
    uint64_t skipped[TRACE_OP_COUNT];   /* records of operations not sent */
    uint64_t malformed, first_bad_line; /* trace lines skipped as malformed */
    const char *first_bad_why;
    uint64_t memory_limit;              /* the server's configured limit */
    client_stats before, after;         /* the server's statistics */
    double seconds;                     /* from the first request to the last reply */
    uint64_t clock_origin_us;           /* unix time of the first request's schedule */
    uint64_t server_uptime_s;           /* ticks of the server's own clock by then */
    pace pace;                          /* lag behind the schedule */
} replay_result;

/* Runs the replay.  0 ok; -1 with err (result then partly filled).  The result holds
 * the pacer's table until replay_result_free. */
int replay_run(const replay_opts *o, replay_result *r, char *err, size_t errlen);
void replay_result_free(replay_result *r);
int replay_result_check(const replay_result *r);

#endif /* KVBENCH_REPLAY_RUN_H */
