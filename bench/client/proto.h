/* proto.h - the two wire protocols behind one table of operations: memcached's text
 * protocol and Redis's RESP.  Each operation sends one request and reads its whole
 * reply before returning (no pipelining), so the server sees requests in trace order.
 * Outcomes a cache produces in normal work (miss, not stored, out of memory, too
 * large) are results; only a broken connection or an unexpected reply is an error
 * (-1 with a sentence in err quoting the reply). */
#ifndef KVBENCH_PROTO_H
#define KVBENCH_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "payload.h"

typedef enum client_store_mode {
    CLIENT_SET,     /* store unconditionally */
    CLIENT_ADD,     /* only if absent (memcached add, Redis SET NX) */
    CLIENT_REPLACE, /* only if present (memcached replace, Redis SET XX) */
} client_store_mode;

typedef enum client_store_result {
    CLIENT_STORED,
    CLIENT_NOT_STORED, /* add on a present key, replace on an absent one */
    CLIENT_OOM,        /* memcached SERVER_ERROR out of memory, Redis -OOM */
    CLIENT_TOO_LARGE,  /* memcached SERVER_ERROR object too large for cache */
} client_store_result;

/* The server's own statistics.  Counters grow over the server's life; the replay
 * reports the growth between a snapshot before and one after.  Levels are read
 * after. */
typedef struct client_stats {
    /* counters */
    uint64_t gets;        /* memcached cmd_get; Redis keyspace_hits + keyspace_misses */
    uint64_t hits;        /* get_hits; keyspace_hits */
    uint64_t sets;        /* cmd_set; cmdstat_set calls + rejected_calls */
    uint64_t evictions;   /* evictions; evicted_keys */
    uint64_t expired;     /* reclaimed + crawler_reclaimed + get_expired; expired_keys */
    uint64_t pages_moved; /* slabs_moved; 0 */
    /* levels */
    uint64_t live_objects;  /* curr_items; DBSIZE */
    uint64_t requested_bytes; /* key + value bytes of the stored objects: memcached
                                 bytes - curr_items x (48 + 1 + 2 + 8 with CAS), exact
                                 for flags 0; Redis: filled by requested() */
    uint64_t counted_bytes; /* total_malloced; used_memory */
    uint64_t held_bytes;    /* total_malloced; allocator_active */
} client_stats;

typedef struct client_proto {
    const char *name; /* "memcached", "redis" */
    /* *hit = 1 when the key was found (the value is read and dropped). */
    int (*get)(client_conn *c, const char *key, size_t klen, int *hit, char *err,
               size_t errlen);
    int (*store)(client_conn *c, const payload_filler *f, client_store_mode mode,
                 const char *key, size_t klen, uint32_t vsize, uint32_t ttl,
                 client_store_result *res, char *err, size_t errlen);
    /* *deleted = 1 when the key was there. */
    int (*del)(client_conn *c, const char *key, size_t klen, int *deleted, char *err,
               size_t errlen);
    int (*stats)(client_conn *c, client_stats *out, char *err, size_t errlen);
    /* Fills out->requested_bytes when stats() cannot (Redis: SCAN the keyspace and
     * STRLEN each key, which touches them, so it runs after the final statistics);
     * NULL when stats() already did. */
    int (*requested)(client_conn *c, client_stats *out, char *err, size_t errlen);
    /* The configured limit in bytes (memcached `stats settings` maxbytes, Redis
     * CONFIG GET maxmemory; 0 = none). */
    int (*memory_limit)(client_conn *c, uint64_t *out, char *err, size_t errlen);
    /* The ticks of the server's own clock since it started, for a server whose clock
     * ticks on its own schedule (memcached: once a second counted from the process
     * start; `stats` uptime is 2 at the start); NULL for a server whose clocks follow
     * the wall clock. */
    int (*server_time)(client_conn *c, uint64_t *out, char *err, size_t errlen);
} client_proto;

extern const client_proto client_proto_memcached;
extern const client_proto client_proto_redis;

/* A reply line quoted for an error message: at most 80 bytes, control bytes as '?'. */
void proto_quote(const char *line, size_t len, char *out, size_t outlen);

#endif /* KVBENCH_PROTO_H */
