/* gen_trace.c - `allocbench gen-trace`: a synthetic trace in Twitter's cache-trace
 * format, seeded, for tests and examples (bench/data/sample_trace.csv was made with
 * `allocbench gen-trace --requests 2000 --seed 1 --out bench/data/sample_trace.csv`).  Keys have ETC key sizes and
 * values ETC value sizes; the operation mix and TTLs are illustrative, not fitted. */
#include "commands.h"

#include "etc_dist.h"
#include "parse_num.h"
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
"Writes a synthetic cache trace in Twitter's format\n"
"(timestamp,key,key_size,value_size,client_id,operation,ttl), %d requests per second\n"
"of trace time, ETC key and value sizes.\n"
"  --requests N  lines to write (default %d)\n"
"  --seed S      seed (default 1)\n"
"  --keys N      distinct keys (default requests / 8)\n"
"  --out FILE    write to FILE (default stdout)\n", REQUESTS_PER_SECOND, DEFAULT_REQUESTS);
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

int gen_trace_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"requests", required_argument, NULL, 'n'}, {"seed", required_argument, NULL, 's'},
        {"keys", required_argument, NULL, 'k'},     {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    unsigned long long requests = DEFAULT_REQUESTS, seed = 1, keys = 0;
    const char *path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:s:k:o:h", opts, NULL)) != -1) {
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
        default: usage(stderr); return 2;
        }
    }
    if (keys == 0)
        keys = requests / 8 ? requests / 8 : 1;
    FILE *out = path ? fopen(path, "w") : stdout;
    if (out == NULL) {
        perror(path);
        return 1;
    }
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
    if (out != stdout && fclose(out) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}
