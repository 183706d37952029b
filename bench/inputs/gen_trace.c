/* gen_trace.c - `allocbench gen-trace`: a synthetic trace in Twitter's cache-trace
 * format, seeded, for tests and examples (bench/data/sample_trace.csv was made with
 * `allocbench gen-trace --requests 2000 --seed 1 --out bench/data/sample_trace.csv`).  Keys have ETC key sizes and
 * values ETC value sizes; the operation mix and TTLs are illustrative, not fitted. */
#include "commands.h"

#include "etc_dist.h"
#include "parse_num.h"
#include "reqgen.h"
#include "rng.h"
#include "trace.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_REQUESTS 2000
#define REQUESTS_PER_SECOND 10
#define CLIENTS 8
#define KEY_CHARS 10

/* Operation weights (per mille) in trace_op order. */
static const unsigned op_weight[TRACE_OP_COUNT] = {
    [TRACE_GET] = 600, [TRACE_GETS] = 30, [TRACE_SET] = 200, [TRACE_ADD] = 30,
    [TRACE_REPLACE] = 20, [TRACE_CAS] = 20, [TRACE_APPEND] = 10, [TRACE_PREPEND] = 10,
    [TRACE_DELETE] = 50, [TRACE_INCR] = 20, [TRACE_DECR] = 10,
};

/* TTLs of stored objects, seconds, and their weights (per mille): short ones expire
 * inside a small trace, so both lazy and active expiry happen. */
static const unsigned ttl_value[] = {0, 30, 60, 300, 3600};
static const unsigned ttl_weight[] = {200, 200, 300, 200, 100};

static void usage(FILE *f)
{
    fprintf(f,
"usage: allocbench gen-trace [--requests N] [--seed S] [--keys N] [--out FILE]\n"
"                            [--workload SPEC | --mix get --zipf A --rate R ...]\n"
"Writes a synthetic cache trace in Twitter's format\n"
"(timestamp,key,key_size,value_size,client_id,operation,ttl).\n"
"  --requests N  lines to write (default %d)\n"
"  --seed S      seed (default 1)\n"
"  --keys N      distinct keys (default requests / 8; with a request stream, 100k)\n"
"  --out FILE    write to FILE (default stdout)\n"
"Without the options below: the mixed operation stream (gets, sets, adds, deletes,\n"
"appends, incrs, TTLs of 0-3600 s) at %d requests per second, uniform keys, ETC sizes.\n"
"With any of them: a request stream as `allocbench sim --workload` replays it\n"
"(allocbench sim --help explains the spec; the same stream, request for request):\n"
"  --workload SPEC          the stream as a spec, e.g. zipf:0.9,keys=50k,rate=5k\n"
"  --mix get                every request a get (the default of a stream); --mix F: a\n"
"                           share F of gets, the rest sets\n"
"  --zipf ALPHA             Zipf popularity (default 1.0); --zipf 0: uniform\n"
"  --rate R                 requests per trace second (default 10k)\n"
"  --value-size MIN-MAX     value sizes, fixed per key (default ETC)\n"
"  --key-size N             key sizes (default ETC)\n"
"  --ttl S                  every store's TTL in seconds (default 0: none)\n"
"  --shift-at F             from request F x N on, keys come from a second key space\n"
"  --shift-value-size MIN-MAX  value sizes of that key space (default 1k-4k)\n",
            DEFAULT_REQUESTS, REQUESTS_PER_SECOND);
}

static trace_op draw_op(rng *r)
{
    unsigned x = (unsigned)rng_below(r, 1000), acc = 0;
    for (unsigned i = 0; i < TRACE_OP_COUNT; i++) {
        acc += op_weight[i];
        if (x < acc)
            return (trace_op)i;
    }
    return TRACE_GET;
}

static unsigned draw_ttl(rng *r)
{
    unsigned x = (unsigned)rng_below(r, 1000), acc = 0;
    for (unsigned i = 0; i < sizeof ttl_value / sizeof ttl_value[0]; i++) {
        acc += ttl_weight[i];
        if (x < acc)
            return ttl_value[i];
    }
    return 0;
}

/* An anonymised key name, as in the published traces: letters, digits, '-', '_'. */
static void key_name(uint64_t id, uint64_t seed, char *out)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint64_t x = id ^ (seed << 32);
    uint64_t h = rng_splitmix(&x);
    for (int i = 0; i < KEY_CHARS; i++) {
        out[i] = alphabet[h & 63];
        h >>= 6; /* 10 characters x 6 bits: 60 of the hash's 64 */
    }
    out[KEY_CHARS] = '\0';
}

/* The mixed operation stream of sample_trace.csv: every operation kind, uniform keys. */
static int write_mixed(FILE *out, unsigned long long requests, unsigned long long keys,
                       uint64_t seed)
{
    /* per key: its key size, and its last stored value size (what a get returns) */
    uint32_t *ksize = calloc(keys, sizeof *ksize), *vsize = calloc(keys, sizeof *vsize);
    if (ksize == NULL || vsize == NULL) {
        fprintf(stderr, "allocbench gen-trace: out of memory for %llu keys\n", keys);
        free(ksize);
        free(vsize);
        return 1;
    }
    rng r;
    rng_seed(&r, seed, 4);
    for (unsigned long long k = 0; k < keys; k++)
        ksize[k] = etc_key_size(&r);
    for (unsigned long long i = 0; i < requests; i++) {
        uint64_t k = rng_below(&r, keys);
        trace_op op = draw_op(&r);
        uint32_t value = 0, ttl = 0;
        if (trace_op_stores(op)) {
            value = vsize[k] = etc_value_size(&r);
            ttl = draw_ttl(&r);
        } else if (op == TRACE_APPEND || op == TRACE_PREPEND) {
            value = 1 + (uint32_t)rng_below(&r, 64);
        } else if (op == TRACE_INCR || op == TRACE_DECR) {
            value = 1 + (uint32_t)rng_below(&r, 8);
        } else if (op != TRACE_DELETE) {
            value = vsize[k];
        }
        char name[KEY_CHARS + 1];
        key_name(k, seed, name);
        fprintf(out, "%llu,%s,%u,%u,%u,%s,%u\n", i / REQUESTS_PER_SECOND, name, ksize[k],
                value, 1 + (unsigned)rng_below(&r, CLIENTS), trace_op_name(op), ttl);
    }
    free(ksize);
    free(vsize);
    return 0;
}

/* Writes a request stream (reqgen.h) as trace lines. */
static int write_stream(FILE *out, const reqgen_spec *spec, unsigned long long requests,
                        uint64_t seed)
{
    reqgen g;
    char err[256];
    if (reqgen_start(&g, spec, requests, seed, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench gen-trace: %s\n", err);
        return 1;
    }
    trace_rec r;
    while (reqgen_next(&g, &r))
        fprintf(out, "%llu,%.*s,%u,%u,%u,%s,%u\n", (unsigned long long)r.time, (int)r.key_len,
                r.key, r.key_size, r.value_size, r.client, trace_op_name(r.op), r.ttl);
    reqgen_end(&g);
    return 0;
}

/* Appends ",key=value" to a stream spec built from the command-line flags. */
static int spec_add(char *spec, size_t cap, const char *key, const char *val)
{
    size_t n = strlen(spec);
    int w = snprintf(spec + n, cap - n, ",%s=%s", key, val);
    return w < 0 || (size_t)w >= cap - n ? -1 : 0;
}

int gen_trace_main(int argc, char **argv)
{
    enum { O_WORKLOAD = 256, O_MIX, O_ZIPF, O_RATE, O_VSIZE, O_KSIZE, O_TTL, O_SHIFT_AT,
           O_SHIFT_VSIZE };
    static const struct option opts[] = {
        {"requests", required_argument, NULL, 'n'}, {"seed", required_argument, NULL, 's'},
        {"keys", required_argument, NULL, 'k'},     {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {"workload", required_argument, NULL, O_WORKLOAD},
        {"mix", required_argument, NULL, O_MIX},
        {"zipf", required_argument, NULL, O_ZIPF},
        {"rate", required_argument, NULL, O_RATE},
        {"value-size", required_argument, NULL, O_VSIZE},
        {"key-size", required_argument, NULL, O_KSIZE},
        {"ttl", required_argument, NULL, O_TTL},
        {"shift-at", required_argument, NULL, O_SHIFT_AT},
        {"shift-value-size", required_argument, NULL, O_SHIFT_VSIZE},
        {NULL, 0, NULL, 0},
    };
    unsigned long long requests = DEFAULT_REQUESTS, seed = 1, keys = 0;
    const char *path = NULL, *workload = NULL, *zipf = "1.0";
    char flags[160] = "", err[320];
    int stream = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:s:k:o:h", opts, NULL)) != -1) {
        const char *key = NULL, *val = optarg;
        switch (c) {
        case 'n':
            if (parse_count(optarg, &requests) != 0) {
                fprintf(stderr, "allocbench gen-trace: --requests wants a count, got '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 's':
            if (parse_count(optarg, &seed) != 0) {
                fprintf(stderr, "allocbench gen-trace: --seed wants an integer, got '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'k':
            if (parse_count(optarg, &keys) != 0 || keys == 0) {
                fprintf(stderr, "allocbench gen-trace: --keys wants a positive count, got "
                        "'%s'\n", optarg);
                return 2;
            }
            break;
        case 'o': path = optarg; break;
        case 'h': usage(stdout); return 0;
        case O_WORKLOAD: workload = optarg; stream = 1; break;
        case O_ZIPF: zipf = optarg; stream = 1; break;
        case O_MIX: key = "get"; val = strcmp(optarg, "get") == 0 ? "1" : optarg; break;
        case O_RATE: key = "rate"; break;
        case O_VSIZE: key = "values"; break;
        case O_KSIZE: key = "key_size"; break;
        case O_TTL: key = "ttl"; break;
        case O_SHIFT_AT: key = "shift_at"; break;
        case O_SHIFT_VSIZE: key = "shift_values"; break;
        default: usage(stderr); return 2;
        }
        if (key != NULL) {
            stream = 1;
            if (spec_add(flags, sizeof flags, key, val) != 0) {
                fprintf(stderr, "allocbench gen-trace: too many stream options\n");
                return 2;
            }
        }
    }
    if (optind < argc) {
        fprintf(stderr, "allocbench gen-trace: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    reqgen_spec spec;
    if (stream) {
        char text[320];
        if (workload != NULL)
            snprintf(text, sizeof text, "%s%s", workload, flags);
        else if (strcmp(zipf, "0") == 0)
            snprintf(text, sizeof text, "uniform%s", flags);
        else
            snprintf(text, sizeof text, "zipf:%s%s", zipf, flags);
        if (keys != 0) {
            char k[32];
            snprintf(k, sizeof k, "%llu", keys);
            spec_add(text, sizeof text, "keys", k);
        }
        if (reqgen_parse(text, &spec, err, sizeof err) != 0) {
            fprintf(stderr, "allocbench gen-trace: %s\n", err);
            return 2;
        }
    }
    if (keys == 0)
        keys = requests / 8 ? requests / 8 : 1;
    FILE *out = path ? fopen(path, "w") : stdout;
    if (out == NULL) {
        perror(path);
        return 1;
    }
    int rc = stream ? write_stream(out, &spec, requests, seed) : write_mixed(out, requests,
                                                                             keys, seed);
    if (out != stdout && fclose(out) != 0) {
        perror(path);
        return 1;
    }
    return rc;
}
