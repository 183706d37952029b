/* reqgen.c - seeded request streams with uniform or Zipf popularity (see reqgen.h). */
#include "reqgen.h"

#include "bench_error.h"
#include "etc_dist.h"
#include "mmap_vec.h"
#include "parse_num.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_KEYS 100000ULL
#define DEFAULT_RATE 10000ULL
#define DEFAULT_SHIFT_AT 0.5
#define DEFAULT_SHIFT_LO 1024ULL
#define DEFAULT_SHIFT_HI 4096ULL

void reqgen_spec_default(reqgen_spec *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->text, sizeof s->text, "zipf");
    s->alpha = 1.0;
    s->keys = DEFAULT_KEYS;
    s->rate = DEFAULT_RATE;
    s->get_frac = 1.0;
}

static int bad(char *err, size_t errlen, const char *key, const char *val, const char *want)
{
    return bench_error(err, errlen, "workload option %s=%s: %s", key, val, want);
}

int reqgen_parse(const char *text, reqgen_spec *out, char *err, size_t errlen)
{
    reqgen_spec s;
    reqgen_spec_default(&s);
    if (strlen(text) >= sizeof s.text)
        return bench_error(err, errlen, "workload '%.40s...' is too long", text);
    snprintf(s.text, sizeof s.text, "%s", text);

    char buf[sizeof s.text];
    snprintf(buf, sizeof buf, "%s", text);
    char *save = NULL;
    char *head = strtok_r(buf, ",", &save);
    if (head == NULL)
        return bench_error(err, errlen, "empty workload: use zipf[:ALPHA], uniform or "
                                        "phase-shift[:ALPHA]");
    char *arg = strchr(head, ':');
    if (arg != NULL)
        *arg++ = '\0';
    if (strcmp(head, "zipf") == 0 || strcmp(head, "phase-shift") == 0) {
        if (arg != NULL && (parse_double(arg, &s.alpha) != 0 || !(s.alpha > 0) || s.alpha > 10))
            return bench_error(err, errlen, "workload %s: ALPHA must be a number in (0, 10], "
                               "got '%s'", head, arg);
        if (strcmp(head, "phase-shift") == 0) {
            s.shift_at = DEFAULT_SHIFT_AT;
            s.shift_vlo = DEFAULT_SHIFT_LO;
            s.shift_vhi = DEFAULT_SHIFT_HI;
        }
    } else if (strcmp(head, "uniform") == 0) {
        if (arg != NULL)
            return bench_error(err, errlen, "workload uniform takes no argument, got '%s'", arg);
        s.alpha = 0;
    } else {
        return bench_error(err, errlen, "unknown workload '%s': use zipf[:ALPHA], uniform or "
                           "phase-shift[:ALPHA] (then ,keys=N,rate=R,values=MIN-MAX|etc,"
                           "key_size=N,ttl=S,get=F,shift_at=F,shift_values=MIN-MAX)", head);
    }
    for (char *kv = strtok_r(NULL, ",", &save); kv != NULL; kv = strtok_r(NULL, ",", &save)) {
        char *val = strchr(kv, '=');
        if (val == NULL)
            return bench_error(err, errlen, "workload option '%s' has no value: write key=value",
                               kv);
        *val++ = '\0';
        unsigned long long n;
        double d;
        if (strcmp(kv, "keys") == 0) {
            if (parse_count(val, &s.keys) != 0 || s.keys == 0 || s.keys > (1ULL << 31))
                return bad(err, errlen, kv, val, "a key count in 1..2^31");
        } else if (strcmp(kv, "rate") == 0) {
            if (parse_count(val, &s.rate) != 0 || s.rate == 0)
                return bad(err, errlen, kv, val, "requests per trace second, > 0");
        } else if (strcmp(kv, "values") == 0) {
            if (strcmp(val, "etc") == 0) {
                s.vlo = s.vhi = 0;
            } else if (parse_range(val, &s.vlo, &s.vhi) != 0 || s.vhi > ETC_VALUE_MAX) {
                return bad(err, errlen, kv, val, "MIN-MAX value bytes (at most 1 MiB - 512) or etc");
            }
        } else if (strcmp(kv, "key_size") == 0) {
            if (parse_count(val, &n) != 0 || n == 0 || n > ETC_KEY_MAX)
                return bad(err, errlen, kv, val, "key bytes in 1..250");
            s.key_size = (unsigned)n;
        } else if (strcmp(kv, "ttl") == 0) {
            if (parse_count(val, &n) != 0 || n > 30u * 24 * 3600)
                return bad(err, errlen, kv, val, "seconds, 0 (none) to 30 days");
            s.ttl = (unsigned)n;
        } else if (strcmp(kv, "get") == 0) {
            if (parse_double(val, &d) != 0 || d < 0 || d > 1)
                return bad(err, errlen, kv, val, "a share of gets in [0, 1]");
            s.get_frac = d;
        } else if (strcmp(kv, "shift_at") == 0) {
            if (parse_double(val, &d) != 0 || !(d > 0) || !(d < 1))
                return bad(err, errlen, kv, val, "a share of the requests in (0, 1)");
            s.shift_at = d;
            if (s.shift_vhi == 0) {
                s.shift_vlo = DEFAULT_SHIFT_LO;
                s.shift_vhi = DEFAULT_SHIFT_HI;
            }
        } else if (strcmp(kv, "shift_values") == 0) {
            if (parse_range(val, &s.shift_vlo, &s.shift_vhi) != 0 || s.shift_vhi > ETC_VALUE_MAX)
                return bad(err, errlen, kv, val, "MIN-MAX value bytes (at most 1 MiB - 512)");
        } else {
            return bench_error(err, errlen, "unknown workload option '%s': use keys, rate, "
                               "values, key_size, ttl, get, shift_at, shift_values", kv);
        }
    }
    *out = s;
    return 0;
}

/* ---- Zipf by rejection-inversion (Hörmann and Derflinger 1996): O(1) per draw and
 * no table, so a million keys cost nothing to set up. ---------------------------- */

static double helper1(double x) /* log1p(x) / x */
{
    return fabs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
}

static double helper2(double x) /* expm1(x) / x */
{
    return fabs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x * (1.0 / 3) * (1 + 0.25 * x));
}

static double zh(double s, double x) /* x^-s */
{
    return exp(-s * log(x));
}

static double zh_integral(double s, double x)
{
    double lx = log(x);
    return helper2((1 - s) * lx) * lx;
}

static double zh_integral_inv(double s, double x)
{
    double t = x * (1 - s);
    if (t < -1)
        t = -1; /* rounding at the edge */
    return exp(helper1(t) * x);
}

/* A rank in 1..n with P(k) proportional to k^-s. */
static uint64_t zipf_draw(reqgen *g, uint64_t n)
{
    double s = g->spec.alpha;
    for (;;) {
        double u = g->zh_n + rng_unit(&g->r) * (g->zh_x1 - g->zh_n);
        double x = zh_integral_inv(s, u);
        double kf = floor(x + 0.5);
        if (kf < 1)
            kf = 1;
        else if (kf > (double)n)
            kf = (double)n;
        if (kf - x <= g->zs || u >= zh_integral(s, kf + 0.5) - zh(s, kf))
            return (uint64_t)kf;
    }
}

static uint32_t draw_value(rng *r, unsigned long long lo, unsigned long long hi)
{
    if (hi == 0)
        return etc_value_size(r);
    return (uint32_t)(lo + rng_below(r, hi - lo + 1));
}

int reqgen_start(reqgen *g, const reqgen_spec *s, unsigned long long requests, uint64_t seed,
                 char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    g->spec = *s;
    g->seed = seed;
    g->requests = requests;
    g->shift_from = s->shift_at > 0 ? (unsigned long long)(s->shift_at * (double)requests)
                                     : requests;
    uint64_t total = s->shift_at > 0 ? 2 * s->keys : s->keys;
    g->table_bytes = (size_t)total * (sizeof *g->ksize + sizeof *g->vsize);
    uint8_t *t = mvec_alloc(g->table_bytes);
    if (t == NULL)
        return bench_error(err, errlen, "out of memory for a workload of %llu keys",
                           (unsigned long long)total);
    g->vsize = (uint32_t *)(void *)t;
    g->ksize = t + (size_t)total * sizeof *g->vsize;
    rng_seed(&g->r, seed, 7);
    /* every key's sizes are fixed up front, so a get always names the size its fill
     * stores, whatever order keys are first seen in */
    for (uint64_t k = 0; k < total; k++) {
        g->ksize[k] = (uint8_t)(s->key_size ? s->key_size : etc_key_size(&g->r));
        g->vsize[k] = k < s->keys ? draw_value(&g->r, s->vlo, s->vhi)
                                  : draw_value(&g->r, s->shift_vlo, s->shift_vhi);
    }
    if (s->alpha > 0) {
        double a = s->alpha;
        g->zh_x1 = zh_integral(a, 1.5) - 1;
        g->zh_n = zh_integral(a, (double)s->keys + 0.5);
        g->zs = 2 - zh_integral_inv(a, zh_integral(a, 2.5) - zh(a, 2));
    }
    return 0;
}

/* A key's anonymised name, as in the published traces: letters, digits, '-', '_'. */
static void key_name(uint64_t id, uint64_t seed, char *out)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint64_t x = id ^ (seed << 32) ^ 0x5eedULL;
    uint64_t h = rng_splitmix(&x);
    for (int i = 0; i < REQGEN_KEY_CHARS; i++) {
        out[i] = alphabet[h & 63];
        h >>= 6; /* 10 characters x 6 bits: 60 of the hash's 64 */
    }
    out[REQGEN_KEY_CHARS] = '\0';
}

int reqgen_next(reqgen *g, trace_rec *out)
{
    if (g->done >= g->requests)
        return 0;
    const reqgen_spec *s = &g->spec;
    uint64_t rank = s->alpha > 0 ? zipf_draw(g, s->keys) - 1 : rng_below(&g->r, s->keys);
    /* the rank is the key id: names and sizes are drawn independently of it */
    uint64_t k = rank;
    if (g->done >= g->shift_from)
        k += s->keys;
    int is_get = s->get_frac >= 1 || rng_unit(&g->r) < s->get_frac;
    key_name(k, g->seed, g->name);
    memset(out, 0, sizeof *out);
    out->time = g->done / s->rate;
    out->key = g->name;
    out->key_len = REQGEN_KEY_CHARS;
    out->key_size = g->ksize[k];
    out->value_size = g->vsize[k];
    out->client = 1;
    out->op = is_get ? TRACE_GET : TRACE_SET;
    out->ttl = s->ttl;
    g->done++;
    return 1;
}

void reqgen_end(reqgen *g)
{
    if (g->vsize != NULL)
        mvec_free(g->vsize, g->table_bytes);
    memset(g, 0, sizeof *g);
}
