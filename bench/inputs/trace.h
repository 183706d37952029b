/* trace.h - Twitter's cache-trace format (Yang et al., OSDI 2020; github
 * twitter/cache-trace): one request per line,
 *   timestamp,anonymized key,key size,value size,client id,operation,TTL
 * with operation one of get gets set add replace cas append prepend delete incr decr.
 * Malformed lines are counted and skipped, never fatal. */
#ifndef KVBENCH_TRACE_H
#define KVBENCH_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "factor/histogram.h"

typedef enum trace_op {
    TRACE_GET, TRACE_GETS, TRACE_SET, TRACE_ADD, TRACE_REPLACE, TRACE_CAS,
    TRACE_APPEND, TRACE_PREPEND, TRACE_DELETE, TRACE_INCR, TRACE_DECR,
    TRACE_OP_COUNT
} trace_op;

typedef struct trace_rec {
    uint64_t time;   /* seconds */
    const char *key; /* points into the line, not terminated */
    size_t key_len;
    uint32_t key_size, value_size, client;
    trace_op op;
    uint32_t ttl;    /* seconds, 0 = none */
} trace_rec;

const char *trace_op_name(trace_op op);
/* 1 for set, add, replace, cas: the operations that store a whole object. */
int trace_op_stores(trace_op op);

/* Parses one line (no newline).  0 ok; -1 with *why naming the problem. */
int trace_parse_line(const char *line, size_t len, trace_rec *out, const char **why);

/* A trace file mapped read-only: reading it takes no heap memory, so it can be
 * replayed inside a measured heap. */
typedef struct trace_file {
    const char *data;
    size_t size, pos;
    unsigned long long line_no;  /* lines read so far */
    unsigned long long records;  /* well-formed requests returned */
    unsigned long long malformed;
    unsigned long long first_bad_line;
    const char *first_bad_why;
} trace_file;

/* 0 ok (an empty file is a trace of no requests); -1 with err. */
int trace_open(trace_file *t, const char *path, char *err, size_t errlen);
/* 1 and *out filled; 0 at the end.  A header line starting "timestamp" is skipped;
 * blank lines are ignored; other bad lines are counted in t->malformed. */
int trace_next(trace_file *t, trace_rec *out);
void trace_close(trace_file *t);

/* A 64-bit hash of a key: the harness's key identity (two distinct keys of a trace
 * colliding has probability about n^2 / 2^65). */
uint64_t trace_key_hash(const char *key, size_t len);

/* Sizes of every object written by a trace (set/add/replace/cas, and the size an
 * append/prepend grows an existing object to): key_size + value_size when
 * item_mode is 0, memcached's item size 48 + key+1 + value+2 + 8 when it is 1.
 * 0 ok (malformed lines are skipped), -1 with err. */
int trace_size_hist(const char *path, int item_mode, size_hist *out, char *err, size_t errlen);

#endif /* KVBENCH_TRACE_H */
