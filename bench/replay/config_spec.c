/* config_spec.c - parsing configuration strings (see config_spec.h). */
#include "config_spec.h"

#include "bench_error.h"
#include "parse_num.h"

#include <stdio.h>
#include <string.h>

#define SLAB_KEYS "factor, min_chunk, page_size, chunk_max, max_classes, prealloc, sizes, " \
                  "thread_safe, mem_limit"
#define ZMALLOC_KEYS "base, prefix, round_to_long, track, thread_safe, mem_limit"
#define KNOWN_CONFIGS "slab[:key=value,...], zmalloc[:key=value,...], glibc, jemalloc"

const char *bench_kind_name(bench_kind k)
{
    switch (k) {
    case BENCH_SLAB: return "slab";
    case BENCH_ZMALLOC: return "zmalloc";
    case BENCH_GLIBC: return "glibc";
    case BENCH_JEMALLOC: return "jemalloc";
    }
    return "?";
}

static int want_flag(const char *cfg, const char *key, const char *v, int lo, int *out,
                     char *err, size_t errlen)
{
    if ((v[0] == '0' || v[0] == '1') && v[1] == '\0') {
        *out = v[0] - '0';
        return 0;
    }
    if (lo == -1 && strcmp(v, "-1") == 0) {
        *out = -1;
        return 0;
    }
    return bench_error(err, errlen, "config '%s': %s=%s must be %s", cfg, key, v,
                       lo == -1 ? "-1, 0 or 1" : "0 or 1");
}

static int want_bytes(const char *cfg, const char *key, const char *v, size_t *out, char *err,
                      size_t errlen)
{
    unsigned long long b;
    if (parse_bytes(v, &b) != 0 || b > (size_t)-1)
        return bench_error(err, errlen,
                           "config '%s': %s=%s must be a byte count (suffixes k, m, g allowed)",
                           cfg, key, v);
    *out = (size_t)b;
    return 0;
}

static int slab_key(bench_config *c, const char *key, const char *v, char *err, size_t errlen)
{
    const char *t = c->text;
    alloc_config *a = &c->acfg;
    if (strcmp(key, "factor") == 0) {
        if (parse_double(v, &a->slab.growth_factor) != 0 || !(a->slab.growth_factor > 1.0))
            return bench_error(err, errlen, "config '%s': factor=%s must be a number above 1, "
                               "e.g. factor=1.25", t, v);
        return 0;
    }
    if (strcmp(key, "min_chunk") == 0)
        return want_bytes(t, key, v, &a->slab.min_chunk, err, errlen);
    if (strcmp(key, "page_size") == 0)
        return want_bytes(t, key, v, &a->slab.page_size, err, errlen);
    if (strcmp(key, "chunk_max") == 0)
        return want_bytes(t, key, v, &a->slab.chunk_max, err, errlen);
    if (strcmp(key, "max_classes") == 0) {
        unsigned long long n;
        if (parse_count(v, &n) != 0 || n == 0 || n > 255)
            return bench_error(err, errlen, "config '%s': max_classes=%s must be 1..255", t, v);
        a->slab.max_classes = (unsigned)n;
        return 0;
    }
    if (strcmp(key, "prealloc") == 0)
        return want_flag(t, key, v, 0, &a->slab.prealloc, err, errlen);
    if (strcmp(key, "sizes") == 0) {
        if (parse_size_list(v, c->sizes, CONFIG_MAX_SIZES, &c->nsizes) != 0)
            return bench_error(err, errlen, "config '%s': sizes=%s must be increasing byte "
                               "counts joined by '-', e.g. sizes=96-120-152", t, v);
        for (unsigned i = 1; i < c->nsizes; i++)
            if (c->sizes[i] <= c->sizes[i - 1])
                return bench_error(err, errlen, "config '%s': sizes=%s is not increasing "
                                   "(%zu after %zu)", t, v, c->sizes[i], c->sizes[i - 1]);
        return 0;
    }
    return bench_error(err, errlen, "config '%s': unknown key '%s' for slab (keys: " SLAB_KEYS
                       ")", t, key);
}

static int zmalloc_key(bench_config *c, const char *key, const char *v, char *err, size_t errlen)
{
    const char *t = c->text;
    alloc_config *a = &c->acfg;
    if (strcmp(key, "base") == 0) {
        if (strcmp(v, "libc") == 0 || strcmp(v, "glibc") == 0)
            a->zmalloc.base = "libc";
        else if (strcmp(v, "jemalloc") == 0)
            a->zmalloc.base = "jemalloc";
        else
            return bench_error(err, errlen, "config '%s': base=%s must be libc or jemalloc", t, v);
        return 0;
    }
    if (strcmp(key, "prefix") == 0)
        return want_flag(t, key, v, -1, &a->zmalloc.prefix, err, errlen);
    if (strcmp(key, "round_to_long") == 0)
        return want_flag(t, key, v, 0, &a->zmalloc.round_to_long, err, errlen);
    if (strcmp(key, "track") == 0)
        return want_flag(t, key, v, 0, &a->zmalloc.track, err, errlen);
    return bench_error(err, errlen, "config '%s': unknown key '%s' for zmalloc (keys: "
                       ZMALLOC_KEYS ")", t, key);
}

static int apply_key(bench_config *c, const char *key, const char *v, char *err, size_t errlen)
{
    if (strcmp(key, "mem_limit") == 0)
        return want_bytes(c->text, key, v, &c->mem_limit, err, errlen);
    if (c->kind == BENCH_GLIBC || c->kind == BENCH_JEMALLOC)
        return bench_error(err, errlen, "config '%s': the %s peer takes only mem_limit=BYTES "
                           "(got '%s')", c->text, bench_kind_name(c->kind), key);
    if (strcmp(key, "thread_safe") == 0)
        return want_flag(c->text, key, v, 0, &c->acfg.thread_safe, err, errlen);
    return c->kind == BENCH_SLAB ? slab_key(c, key, v, err, errlen)
                                 : zmalloc_key(c, key, v, err, errlen);
}

int bench_config_parse(const char *text, bench_config *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (text == NULL || *text == '\0')
        return bench_error(err, errlen, "empty configuration; known: " KNOWN_CONFIGS);
    if (strlen(text) >= sizeof c->text)
        return bench_error(err, errlen, "config '%.40s...' is too long", text);
    strcpy(c->text, text);
    char buf[sizeof c->text];
    strcpy(buf, text);
    char *opts = strchr(buf, ':');
    if (opts != NULL)
        *opts++ = '\0';
    if (strcmp(buf, "slab") == 0)
        c->kind = BENCH_SLAB;
    else if (strcmp(buf, "zmalloc") == 0)
        c->kind = BENCH_ZMALLOC;
    else if (strcmp(buf, "glibc") == 0 || strcmp(buf, "libc") == 0)
        c->kind = BENCH_GLIBC;
    else if (strcmp(buf, "jemalloc") == 0)
        c->kind = BENCH_JEMALLOC;
    else
        return bench_error(err, errlen, "config '%s': unknown allocator '%s'; known: "
                           KNOWN_CONFIGS, text, buf);
    if (c->kind == BENCH_SLAB || c->kind == BENCH_ZMALLOC) {
        if (alloc_config_init(&c->acfg, bench_kind_name(c->kind)) != ALLOC_OK)
            return bench_error(err, errlen, "config '%s': this build has no %s backend", text,
                               bench_kind_name(c->kind));
    }
    while (opts != NULL && *opts != '\0') {
        char *next = strchr(opts, ',');
        if (next != NULL)
            *next++ = '\0';
        char *eq = strchr(opts, '=');
        if (eq == NULL || eq == opts || eq[1] == '\0')
            return bench_error(err, errlen, "config '%s': '%s' should be key=value", text, opts);
        *eq = '\0';
        if (apply_key(c, opts, eq + 1, err, errlen) != 0)
            return -1;
        opts = next;
    }
    if (c->kind == BENCH_SLAB || c->kind == BENCH_ZMALLOC) {
        alloc_config a = bench_config_alloc(c);
        char msg[256];
        if (alloc_config_check(&a, msg, sizeof msg) != ALLOC_OK)
            return bench_error(err, errlen, "config '%s': %s", text, msg);
    }
    return 0;
}

alloc_config bench_config_alloc(const bench_config *c)
{
    alloc_config a = c->acfg;
    a.mem_limit = c->mem_limit;
    if (c->kind == BENCH_SLAB && c->nsizes > 0) {
        a.slab.sizes = c->sizes;
        a.slab.nsizes = c->nsizes;
    }
    return a;
}
