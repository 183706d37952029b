/* reqgen.h - seeded request streams for the cache simulator and for trace files: who
 * asks for which key, how often (uniform or Zipf popularity), at what rate of trace
 * time, with what sizes and TTLs, and an optional phase shift to a second key space.
 *
 * Spec syntax (`allocbench sim --workload`): NAME[:ALPHA][,KEY=VALUE]...
 *   zipf[:ALPHA]   key popularity Zipf with exponent ALPHA (default 1.0)
 *   uniform        every key equally likely
 *   phase-shift[:ALPHA]  Zipf; from shift_at on, keys come from a second, disjoint key
 *                  space whose values have sizes shift_values (default 1-4 KiB)
 * Keys: keys=N (key space, default 100k), rate=R (requests per trace second, default
 * 10k), values=MIN-MAX or values=etc (value sizes, fixed per key; default etc),
 * key_size=N (default: ETC key sizes, fixed per key), ttl=S (every store's TTL,
 * default 0 = none), get=F (share of gets; the rest are sets; default 1: a read-only
 * stream that cache-aside fills), shift_at=F (default 0.5 for phase-shift),
 * shift_values=MIN-MAX.
 *
 * The same stream written by `allocbench gen-trace` and read back as a trace gives
 * the simulator exactly the same requests (keys hash the same way). */
#ifndef KVBENCH_REQGEN_H
#define KVBENCH_REQGEN_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "trace.h"

#define REQGEN_KEY_CHARS 10 /* length of a key's anonymised name (its text in a trace) */

typedef struct reqgen_spec {
    char text[160];       /* as given: the `workload` column */
    double alpha;         /* 0: uniform */
    unsigned long long keys;
    unsigned long long rate;
    unsigned long long vlo, vhi; /* 0,0: ETC value sizes */
    unsigned key_size;    /* 0: ETC key sizes */
    unsigned ttl;
    double get_frac;
    double shift_at;      /* 0: no shift; else share of the requests before the shift */
    unsigned long long shift_vlo, shift_vhi;
} reqgen_spec;

/* Defaults: zipf 1.0 over 100k keys at 10k requests/s, ETC sizes, gets only. */
void reqgen_spec_default(reqgen_spec *s);
/* 0 ok; -1 with a sentence in err saying what is wrong and what is accepted. */
int reqgen_parse(const char *text, reqgen_spec *out, char *err, size_t errlen);

/* A running stream.  Its tables come from mmap (mmap_vec.h), so it can run inside a
 * measured heap. */
typedef struct reqgen {
    reqgen_spec spec;
    rng r;
    uint64_t seed;
    unsigned long long requests, done, shift_from;
    uint8_t *ksize;  /* per key of both key spaces: key size */
    uint32_t *vsize; /* per key: value size */
    size_t table_bytes;
    double zh_x1, zh_n, zs;  /* Zipf rejection-inversion constants */
    char name[REQGEN_KEY_CHARS + 1];
} reqgen;

int reqgen_start(reqgen *g, const reqgen_spec *s, unsigned long long requests, uint64_t seed,
                 char *err, size_t errlen);
/* 1 and *out filled (out->key points into g, valid until the next call), 0 at the end. */
int reqgen_next(reqgen *g, trace_rec *out);
void reqgen_end(reqgen *g);

#endif /* KVBENCH_REQGEN_H */
