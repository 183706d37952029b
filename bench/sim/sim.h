/* sim.h - the cache simulator's contract between the engine (sim_run.c: reads the
 * requests, keeps the clock, counts hits) and a server preset (memcached, Redis: a
 * set of policy modules over an object layout and one of kvalloc's allocators).
 *
 * Time.  The engine drives every clock: before each request it calls advance() with
 * the server time of that request, in microseconds since the replay started (trace
 * time x time scale; requests sharing a trace second are spread evenly over it, as
 * the live-server client sends them).  A preset derives its own clocks from it
 * (memcached's 1 s current_time, Redis's 1 s LRU clock and minute LFU clock, hz ticks)
 * and runs the work they schedule (maintainer, automove, crawler, expire cycle).
 * Time never goes backwards.
 *
 * Memory.  A preset's objects live in its allocator (slab or zmalloc instance): that
 * is what the simulator charges.  Its own index structures (key tables, lists, pools)
 * must come from mmap (mmap_vec.h), never from malloc: in a cell, malloc may be the
 * jemalloc arena being measured.
 *
 * Keys are 64-bit ids (trace_key_hash of the key text); the preset is told the key's
 * and the value's size in bytes with every request that needs them. */
#ifndef KVBENCH_SIM_H
#define KVBENCH_SIM_H

#include <stddef.h>
#include <stdint.h>

typedef enum sim_budget {
    SIM_BUDGET_OWN,  /* the limit binds what the real server counts: memcached's pages
                        (-m), Redis's used_memory (maxmemory) */
    SIM_BUDGET_HELD, /* the limit binds the bytes the allocator holds from the system */
} sim_budget;

typedef struct sim_params {
    uint64_t memory_limit; /* bytes; > 0 */
    sim_budget budget;
    uint64_t seed;         /* for every random choice the preset makes */
    uint64_t expect_keys;  /* sizing hint for the preset's tables (they still grow) */
    /* Unix time, in microseconds, at server time 0 (the server's start): the phase of
     * the clocks a real server reads from the wall clock (Redis's 1 s LRU clock and its
     * LFU minutes).  0 starts them at a whole minute.  A live replay reports its own,
     * so a simulation of it sees the same second and minute boundaries. */
    uint64_t clock_origin_us;
} sim_params;

typedef enum sim_store_mode {
    SIM_SET,     /* store unconditionally */
    SIM_ADD,     /* store only if the key is absent */
    SIM_REPLACE, /* store only if the key is present (cas is treated as replace) */
} sim_store_mode;

typedef enum sim_store_result {
    SIM_STORED,
    SIM_NOT_STORED, /* add on a present key, replace on an absent one */
    SIM_REFUSED,    /* out of memory: nothing could be evicted (memcached then drops
                       the old value of a SET; Redis keeps it) */
} sim_store_result;

/* What a preset reports; the engine adds its own request counts beside it. */
typedef struct sim_stats {
    uint64_t evictions;       /* memcached `evictions`, Redis `evicted_keys` */
    uint64_t expired;         /* items removed because their TTL passed, lazily or by
                                 a sweep (memcached reclaimed + crawler; Redis
                                 expired_keys) */
    uint64_t live_objects;    /* curr_items / dbsize */
    uint64_t requested_bytes; /* sum of key + value sizes of live objects */
    uint64_t counted_bytes;   /* what the server counts against its limit: memcached
                                 total_malloced (pages), Redis used_memory (baseline
                                 included) */
    uint64_t held_bytes;      /* bytes the allocator holds from the system: slab pages
                                 and large blocks; jemalloc's active pages (or glibc's
                                 arena) plus the baseline */
    /* Where counted_bytes go:
     *   counted = requested + structure + rounding + free
     * structure: what the server adds to the objects and its own tables (memcached's
     *   item header, key NUL, value CRLF and CAS; Redis's dict entries, robj, sds
     *   headers, bucket arrays and the empty server's baseline); rounding: what size
     *   classes add (a slab chunk beyond its item; a jemalloc class beyond its block);
     * free: counted bytes serving no object (memcached's free chunks and page tails;
     *   0 for Redis, which counts only blocks in use).  held - counted is what the
     *   allocator holds beyond the server's count (jemalloc's unused space in its
     *   active pages; 0 for memcached, whose count is its pages). */
    uint64_t structure_bytes, rounding_bytes;
    uint64_t pages_moved;     /* memcached: pages moved by automove (to the pool and
                                 between classes); Redis: 0 */
    uint64_t refused;         /* stores refused for lack of memory */
} sim_stats;

typedef struct sim_server sim_server; /* one simulated server, private to its preset */

/* A server preset.  Every call but create and stats is made in request order. */
typedef struct sim_preset {
    const char *name; /* "memcached", "redis": the part of a config before ':' */
    /* `opts` is the text after "name:" (comma-separated key=value, or "" for the
     * defaults).  0 and *out set; -1 with a sentence in err naming the bad option and
     * what is accepted. */
    int (*create)(const char *opts, const sim_params *p, sim_server **out, char *err,
                  size_t errlen);
    void (*destroy)(sim_server *s);
    /* Moves server time to now_us (>= every earlier value) and runs what is due. */
    void (*advance)(sim_server *s, uint64_t now_us);
    /* A read: 1 hit, 0 miss (absent or expired). */
    int (*get)(sim_server *s, uint64_t key, uint32_t ksize, uint32_t vsize);
    sim_store_result (*store)(sim_server *s, sim_store_mode mode, uint64_t key,
                              uint32_t ksize, uint32_t vsize, uint32_t ttl_s);
    /* 1 deleted, 0 absent. */
    int (*del)(sim_server *s, uint64_t key);
    void (*stats)(sim_server *s, sim_stats *out);
    /* Prints the preset's options and defaults for --help (one per line, indented). */
    void (*help)(void *file);
} sim_preset;

extern const sim_preset sim_preset_memcached;
extern const sim_preset sim_preset_redis;

/* The preset a config string names ("memcached", "redis:policy=allkeys-lru", ...), and
 * where its options start (after the ':' or at the terminating NUL).  NULL when no
 * preset has that name. */
const sim_preset *sim_preset_find(const char *config, const char **opts);

/* Iterates comma-separated key=value options: 1 and key/val filled (NUL-terminated,
 * truncated to their buffers), 0 at the end, -1 when an item has no '=' (err says
 * so).  *cursor starts at the options text and advances. */
int sim_opts_next(const char **cursor, char *key, size_t keylen, char *val, size_t vallen,
                  char *err, size_t errlen);

#endif /* KVBENCH_SIM_H */
