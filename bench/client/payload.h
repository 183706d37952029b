/* payload.h - what the client puts on the wire for a trace record: the key's text
 * (exactly the trace's key size, derived from the key's 64-bit hash) and a value of
 * the trace's value size made of a fixed non-numeric filler. */
#ifndef KVBENCH_PAYLOAD_H
#define KVBENCH_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "conn.h"

/* memcached's key limit, applied to both servers so that they store the same keys. */
#define PAYLOAD_KEY_MAX 250
/* Base-64 digits of a 64-bit hash: 11 x 6 bits >= 64, so texts of 11 bytes or more are
 * distinct for distinct hashes; shorter ones keep only their first 6 x len bits. */
#define PAYLOAD_KEY_DIGITS 11
/* Values above this are not sent (counted as too large): beyond Redis's
 * proto-max-bulk-len and any memcached -I. */
#define PAYLOAD_VALUE_MAX (512u << 20)

/* The key text of a trace key with hash `hash` and size `key_size`: clamp(key_size,
 * 1, PAYLOAD_KEY_MAX) bytes, the hash's base-64 digits (A-Z a-z 0-9 - _) repeated.
 * Returns the length. */
size_t payload_key(uint64_t hash, uint32_t key_size, char out[PAYLOAD_KEY_MAX]);

/* A filler of PAYLOAD_FILL bytes of 'x' (never an integer, so Redis stores a string
 * as it would a real value).  Invariant: every byte of fill is 'x'. */
#define PAYLOAD_FILL (1u << 20)
typedef struct payload_filler {
    char *fill; /* PAYLOAD_FILL bytes from mmap */
} payload_filler;

int payload_filler_init(payload_filler *f, char *err, size_t errlen);
void payload_filler_free(payload_filler *f);
int payload_filler_check(const payload_filler *f);

/* Sends head, then vsize filler bytes, then tail, in as few writes as the iovec limit
 * allows.  0 ok; -1 with err. */
int payload_send(client_conn *c, const payload_filler *f, const char *head, size_t headlen,
                 uint64_t vsize, const char *tail, size_t taillen, char *err,
                 size_t errlen);

#endif /* KVBENCH_PAYLOAD_H */
