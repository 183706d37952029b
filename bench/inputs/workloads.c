/* workloads.c - parsing and generating the built-in workloads (see workloads.h). */
#include "workloads.h"

#include "bench_error.h"
#include "etc_dist.h"
#include "parse_num.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_DELETE 0.1
#define DEFAULT_SHIFT_DELETE 0.9
/* phase-shift: small objects land in memcached's first few classes, large ones a
 * dozen classes higher, so pages of the first are useless to the second. */
#define SHIFT_SMALL_LO 64
#define SHIFT_SMALL_HI 128
#define SHIFT_LARGE_LO 1024
#define SHIFT_LARGE_HI 2048
/* redis-strings with an explicit value size uses redis-benchmark's 16-byte keys
 * ("key:" and 12 digits). */
#define BENCHMARK_KEY_SIZE 16

enum { PH_RUN = 0, PH_FILL = 0, PH_CHURN = 1, PH_SMALL = 0, PH_DELETE = 1, PH_LARGE = 2 };

static const char *const kind_names[] = {
    [WL_FIXED] = "fixed", [WL_UNIFORM] = "uniform", [WL_ETC] = "etc",
    [WL_REDIS_STRINGS] = "redis-strings", [WL_CHURN] = "churn",
    [WL_PHASE_SHIFT] = "phase-shift", [WL_SIZES] = "sizes",
};

#define KNOWN_WORKLOADS \
    "fixed:SIZE, uniform:MIN-MAX, etc[:item|redis|raw], redis-strings[:V|:MIN-MAX], " \
    "churn[:MIN-MAX], phase-shift"

static int parse_mode(const char *v, layout_kind *out)
{
    if (strcmp(v, "item") == 0)
        *out = LAYOUT_ITEM;
    else if (strcmp(v, "redis") == 0)
        *out = LAYOUT_REDIS_KV;
    else if (strcmp(v, "raw") == 0)
        *out = LAYOUT_RAW;
    else
        return -1;
    return 0;
}

/* The ARG after the colon, per workload. */
static int parse_arg(workload_spec *s, const char *arg, char *err, size_t errlen)
{
    const char *name = kind_names[s->kind];
    switch (s->kind) {
    case WL_FIXED:
        if (arg == NULL || parse_bytes(arg, &s->lo) != 0 || s->lo == 0 || s->lo > UINT32_MAX)
            return bench_error(err, errlen, "workload '%s': fixed needs a size in bytes, e.g. fixed:100",
                        s->text);
        s->hi = s->lo;
        return 0;
    case WL_UNIFORM:
        if (arg == NULL || parse_range(arg, &s->lo, &s->hi) != 0 || s->hi > UINT32_MAX)
            return bench_error(err, errlen,
                        "workload '%s': uniform needs MIN-MAX with MIN <= MAX, e.g. uniform:64-512",
                        s->text);
        return 0;
    case WL_ETC:
        if (arg != NULL && parse_mode(arg, &s->layout) != 0)
            return bench_error(err, errlen, "workload '%s': etc takes item, redis or raw after the colon",
                        s->text);
        return 0;
    case WL_REDIS_STRINGS:
    case WL_CHURN:
        if (arg == NULL)
            return 0;
        if (parse_range(arg, &s->lo, &s->hi) != 0) {
            if (parse_bytes(arg, &s->lo) != 0)
                return bench_error(err, errlen,
                            "workload '%s': %s takes a value size or MIN-MAX after the colon",
                            s->text, name);
            s->hi = s->lo;
        }
        if (s->hi > UINT32_MAX)
            return bench_error(err, errlen, "workload '%s': sizes must be below 4 GiB", s->text);
        s->etc_sizes = 0;
        if (s->kind == WL_CHURN)
            s->layout = LAYOUT_RAW;
        return 0;
    case WL_PHASE_SHIFT:
    case WL_SIZES:
        if (arg != NULL)
            return bench_error(err, errlen, "workload '%s': %s takes no argument after the colon "
                        "(use small=MIN-MAX,large=MIN-MAX)", s->text, name);
        return 0;
    }
    return 0;
}

static int parse_option(workload_spec *s, const char *opt, char *err, size_t errlen)
{
    const char *eq = strchr(opt, '=');
    if (eq == NULL)
        return bench_error(err, errlen, "workload '%s': option '%s' needs KEY=VALUE", s->text, opt);
    char key[32];
    size_t klen = (size_t)(eq - opt);
    if (klen >= sizeof key)
        klen = sizeof key - 1;
    memcpy(key, opt, klen);
    key[klen] = '\0';
    const char *v = eq + 1;
    if (strcmp(key, "keys") == 0) {
        if (parse_count(v, &s->keys) != 0 || s->keys == 0 || s->keys > UINT32_MAX)
            return bench_error(err, errlen, "workload '%s': keys=%s must be a count from 1 to 2^32-1",
                        s->text, v);
    } else if (strcmp(key, "delete") == 0) {
        if (parse_double(v, &s->del_frac) != 0 || s->del_frac < 0 || s->del_frac > 1)
            return bench_error(err, errlen, "workload '%s': delete=%s must be a fraction in [0, 1]",
                        s->text, v);
    } else if (strcmp(key, "mode") == 0) {
        if (parse_mode(v, &s->layout) != 0)
            return bench_error(err, errlen, "workload '%s': mode=%s must be item, redis or raw", s->text,
                        v);
        if (s->kind != WL_ETC && s->kind != WL_CHURN && s->kind != WL_REDIS_STRINGS)
            return bench_error(err, errlen, "workload '%s': mode= applies to etc, churn and "
                        "redis-strings only", s->text);
        if (s->kind == WL_REDIS_STRINGS && s->layout == LAYOUT_REDIS_KV)
            s->layout = LAYOUT_REDIS_STRINGS;
    } else if (strcmp(key, "small") == 0 || strcmp(key, "large") == 0) {
        int small = key[0] == 's';
        unsigned long long lo, hi;
        if (s->kind != WL_PHASE_SHIFT)
            return bench_error(err, errlen, "workload '%s': %s= applies to phase-shift only", s->text,
                        key);
        if (parse_range(v, &lo, &hi) != 0 || lo == 0 || hi > UINT32_MAX)
            return bench_error(err, errlen, "workload '%s': %s=%s must be MIN-MAX bytes, MIN >= 1",
                        s->text, key, v);
        *(small ? &s->small_lo : &s->large_lo) = lo;
        *(small ? &s->small_hi : &s->large_hi) = hi;
    } else {
        return bench_error(err, errlen, "workload '%s': unknown option '%s' (known: keys=N, delete=F, "
                    "mode=item|redis|raw, small=MIN-MAX, large=MIN-MAX)", s->text, key);
    }
    return 0;
}

int workload_parse(const char *text, workload_spec *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (text == NULL || *text == '\0')
        return bench_error(err, errlen, "empty workload; known workloads: " KNOWN_WORKLOADS);
    if (strlen(text) >= sizeof s->text)
        return bench_error(err, errlen, "workload '%.40s...' is too long", text);
    strcpy(s->text, text);
    s->del_frac = -1;
    s->small_lo = SHIFT_SMALL_LO;
    s->small_hi = SHIFT_SMALL_HI;
    s->large_lo = SHIFT_LARGE_LO;
    s->large_hi = SHIFT_LARGE_HI;

    char buf[sizeof s->text];
    strcpy(buf, text);
    char *opts = strchr(buf, ',');
    if (opts != NULL)
        *opts++ = '\0';
    char *arg = strchr(buf, ':');
    if (arg != NULL)
        *arg++ = '\0';

    int found = 0;
    for (unsigned k = 0; k < sizeof kind_names / sizeof kind_names[0]; k++)
        if (k != WL_SIZES && strcmp(buf, kind_names[k]) == 0) {
            s->kind = (wl_kind)k;
            found = 1;
        }
    if (!found)
        return bench_error(err, errlen, "unknown workload '%s'; known workloads: " KNOWN_WORKLOADS
                    " (or --sizes FILE, --trace FILE)", buf);
    switch (s->kind) {
    case WL_ETC: s->layout = LAYOUT_ITEM; s->etc_sizes = 1; break;
    case WL_REDIS_STRINGS: s->layout = LAYOUT_REDIS_STRINGS; s->etc_sizes = 1; break;
    case WL_CHURN: s->layout = LAYOUT_ITEM; s->etc_sizes = 1; break;
    default: s->layout = LAYOUT_RAW; break;
    }
    if (parse_arg(s, arg, err, errlen) != 0)
        return -1;
    while (opts != NULL && *opts != '\0') {
        char *next = strchr(opts, ',');
        if (next != NULL)
            *next++ = '\0';
        if (parse_option(s, opts, err, errlen) != 0)
            return -1;
        opts = next;
    }
    return 0;
}

void workload_spec_sizes(workload_spec *s, const size_hist *hist, const char *path)
{
    memset(s, 0, sizeof *s);
    const char *base = strrchr(path, '/');
    snprintf(s->text, sizeof s->text, "sizes:%s", base ? base + 1 : path);
    s->kind = WL_SIZES;
    s->layout = LAYOUT_RAW;
    s->del_frac = -1;
    s->hist = hist;
}

void workload_set_item_mode(workload_spec *s, int item_mode)
{
    int kv = s->kind == WL_ETC || s->kind == WL_REDIS_STRINGS ||
             (s->kind == WL_CHURN && s->etc_sizes);
    if (!kv)
        return;
    if (item_mode)
        s->layout = LAYOUT_ITEM;
    else
        s->layout = s->kind == WL_REDIS_STRINGS ? LAYOUT_REDIS_STRINGS : LAYOUT_REDIS_KV;
}

static uint32_t uniform_in(rng *r, unsigned long long lo, unsigned long long hi)
{
    return (uint32_t)(lo + rng_below(r, hi - lo + 1));
}

static uint32_t hist_draw(workload *w)
{
    const size_hist *h = w->spec.hist;
    unsigned long long x = rng_below(&w->r, h->total);
    size_t lo = 0, hi = h->n - 1; /* first i with cdf[i] > x */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->cdf[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return h->size[lo] > UINT32_MAX ? UINT32_MAX : (uint32_t)h->size[lo];
}

/* Key and value sizes of a fresh object for the workloads with one size law. */
static void draw_kv(workload *w, uint32_t *k, uint32_t *v)
{
    const workload_spec *s = &w->spec;
    *k = 0;
    if (s->etc_sizes) {
        *k = etc_key_size(&w->r);
        *v = etc_value_size(&w->r);
        return;
    }
    switch (s->kind) {
    case WL_SIZES:
        *v = hist_draw(w);
        break;
    case WL_REDIS_STRINGS:
        *k = BENCHMARK_KEY_SIZE;
        *v = uniform_in(&w->r, s->lo, s->hi);
        break;
    default:
        *v = uniform_in(&w->r, s->lo, s->hi);
        break;
    }
}

static double mean_of(unsigned long long lo, unsigned long long hi) { return (lo + hi) / 2.0; }

int workload_start(workload *w, const workload_spec *s, unsigned long long ops, uint64_t seed,
                   char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->spec = *s;
    w->ops = ops;
    rng_seed(&w->r, seed, 1);
    if (s->kind == WL_SIZES) {
        if (s->hist == NULL || s->hist->n == 0 || s->hist->total == 0)
            return bench_error(err, errlen, "workload '%s': the size histogram is empty", s->text);
        w->cdf = malloc(s->hist->n * sizeof *w->cdf);
        if (w->cdf == NULL)
            return bench_error(err, errlen, "out of memory for the size histogram");
        unsigned long long acc = 0;
        for (size_t i = 0; i < s->hist->n; i++)
            w->cdf[i] = acc += s->hist->count[i];
    }
    switch (s->kind) {
    case WL_CHURN:
        w->nkeys = s->keys ? s->keys : (ops / 5 ? ops / 5 : 1);
        if (w->nkeys > ops)
            w->nkeys = ops ? ops : 1;
        w->order = malloc(w->nkeys * sizeof *w->order);
        if (w->order == NULL)
            return bench_error(err, errlen, "out of memory for churn's live set of %llu keys", w->nkeys);
        for (unsigned long long i = 0; i < w->nkeys; i++)
            w->order[i] = i;
        w->n_fill = w->nkeys;
        w->next_key = w->nkeys;
        break;
    case WL_PHASE_SHIFT: {
        double d = s->del_frac >= 0 ? s->del_frac : DEFAULT_SHIFT_DELETE;
        double ratio = mean_of(s->small_lo, s->small_hi) / mean_of(s->large_lo, s->large_hi);
        /* the large fill stores as many bytes as the deletes removed, so an
         * allocator that reused memory perfectly would hold no more than after the
         * small fill */
        w->n_fill = (unsigned long long)(ops / (1.0 + d + d * ratio));
        if (w->n_fill == 0)
            w->n_fill = ops;
        w->n_del = (unsigned long long)(w->n_fill * d);
        if (w->n_fill + w->n_del > ops)
            w->n_del = ops - w->n_fill;
        w->n_large = ops - w->n_fill - w->n_del;
        w->nkeys = w->n_fill;
        w->order = malloc((w->n_fill ? w->n_fill : 1) * sizeof *w->order);
        if (w->order == NULL)
            return bench_error(err, errlen, "out of memory for phase-shift's %llu keys", w->n_fill);
        for (unsigned long long i = 0; i < w->n_fill; i++)
            w->order[i] = i;
        /* the deletion order: a seeded shuffle (Fisher-Yates) of the small keys */
        rng shuf;
        rng_seed(&shuf, seed, 2);
        for (unsigned long long i = w->n_fill; i > 1; i--) {
            unsigned long long j = rng_below(&shuf, i);
            uint64_t t = w->order[i - 1];
            w->order[i - 1] = w->order[j];
            w->order[j] = t;
        }
        w->next_key = w->n_fill;
        break;
    }
    default:
        w->nkeys = s->keys ? s->keys : (ops / 4 ? ops / 4 : 1);
        break;
    }
    return 0;
}

static int next_cache(workload *w, wl_op *op)
{
    double d = w->spec.del_frac >= 0 ? w->spec.del_frac : DEFAULT_DELETE;
    op->key = rng_below(&w->r, w->nkeys);
    if (d > 0 && rng_unit(&w->r) < d) {
        op->kind = OP_DEL;
        return 1;
    }
    op->kind = OP_SET;
    draw_kv(w, &op->ksize, &op->vsize);
    return 1;
}

static int next_churn(workload *w, wl_op *op)
{
    if (w->done < w->n_fill) {
        op->phase = PH_FILL;
        op->kind = OP_SET;
        op->key = w->order[w->done];
        draw_kv(w, &op->ksize, &op->vsize);
        return 1;
    }
    op->phase = PH_CHURN;
    if (!w->churn_pending) {
        w->churn_slot = rng_below(&w->r, w->nkeys);
        op->kind = OP_DEL;
        op->key = w->order[w->churn_slot];
        w->churn_pending = 1;
        return 1;
    }
    w->churn_pending = 0;
    op->kind = OP_SET;
    op->key = w->order[w->churn_slot] = w->next_key++;
    draw_kv(w, &op->ksize, &op->vsize);
    return 1;
}

static int next_shift(workload *w, wl_op *op)
{
    const workload_spec *s = &w->spec;
    unsigned long long i = w->done;
    if (i < w->n_fill) {
        op->phase = PH_SMALL;
        op->kind = OP_SET;
        op->key = i;
        op->vsize = uniform_in(&w->r, s->small_lo, s->small_hi);
    } else if (i < w->n_fill + w->n_del) {
        op->phase = PH_DELETE;
        op->kind = OP_DEL;
        op->key = w->order[i - w->n_fill];
    } else {
        op->phase = PH_LARGE;
        op->kind = OP_SET;
        op->key = w->next_key++;
        op->vsize = uniform_in(&w->r, s->large_lo, s->large_hi);
    }
    return 1;
}

int workload_next(workload *w, wl_op *op)
{
    if (w->done >= w->ops)
        return 0;
    memset(op, 0, sizeof *op);
    switch (w->spec.kind) {
    case WL_CHURN: next_churn(w, op); break;
    case WL_PHASE_SHIFT: next_shift(w, op); break;
    default: next_cache(w, op); break;
    }
    w->done++;
    return 1;
}

const char *workload_phase_name(const workload *w, unsigned phase)
{
    if (w->spec.kind == WL_CHURN)
        return phase == PH_FILL ? "fill" : "churn";
    if (w->spec.kind == WL_PHASE_SHIFT)
        return phase == PH_SMALL ? "fill-small" : phase == PH_DELETE ? "delete" : "fill-large";
    return "run";
}

uint64_t workload_key_bound(const workload *w)
{
    if (w->spec.kind == WL_CHURN || w->spec.kind == WL_PHASE_SHIFT)
        return w->nkeys + w->ops;
    return w->nkeys;
}

void workload_end(workload *w)
{
    free(w->order);
    free(w->cdf);
    w->order = NULL;
    w->cdf = NULL;
}

int workload_size_hist(const char *text, unsigned long long ops, uint64_t seed, int item_mode,
                       size_hist *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    workload_spec s;
    if (workload_parse(text, &s, err, errlen) != 0)
        return -1;
    workload_set_item_mode(&s, item_mode);
    workload w;
    if (workload_start(&w, &s, ops, seed, err, errlen) != 0) {
        workload_end(&w);
        return -1;
    }
    /* Which keys hold an object, so an overwrite in a Redis layout reallocates only
     * the value blocks. */
    uint64_t bound = workload_key_bound(&w);
    unsigned char *present = calloc(bound ? bound : 1, 1);
    size_t cap = ops < 1024 ? 1024 : (size_t)ops, n = 0;
    size_t *sizes = malloc(cap * sizeof *sizes);
    int rc = -1;
    if (present == NULL || sizes == NULL) {
        bench_error(err, errlen, "out of memory for %llu operations of '%s'", ops, text);
        goto out;
    }
    wl_op op;
    while (workload_next(&w, &op)) {
        if (op.kind == OP_DEL) {
            present[op.key] = 0;
            continue;
        }
        if (op.kind != OP_SET)
            continue;
        layout_blocks b;
        layout_make(s.layout, op.ksize, op.vsize, &b);
        unsigned first = present[op.key] ? b.key_blocks : 0;
        present[op.key] = 1;
        for (unsigned i = first; i < b.n; i++) {
            if (n == cap) {
                size_t *grown = realloc(sizes, 2 * cap * sizeof *sizes);
                if (grown == NULL) {
                    bench_error(err, errlen, "out of memory for the sizes of '%s'", text);
                    goto out;
                }
                sizes = grown;
                cap *= 2;
            }
            sizes[n++] = b.size[i];
        }
    }
    if (size_hist_from_sizes(sizes, n, out) != 0) {
        bench_error(err, errlen, "out of memory aggregating the sizes of '%s'", text);
        goto out;
    }
    rc = 0;
out:
    free(sizes);
    free(present);
    workload_end(&w);
    return rc;
}
