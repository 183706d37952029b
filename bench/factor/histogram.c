/* histogram.c - loading and aggregating size distributions (see histogram.h). */
#include "histogram.h"

#include "alloc_api.h" /* ALLOC_ATTR_FORMAT */

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pair {
    size_t size;
    unsigned long long count;
} pair;

/* A growable array of pairs, filled by the loader before aggregation. */
typedef struct pair_vec {
    pair *v;
    size_t n, cap;
} pair_vec;

static int pair_vec_push(pair_vec *pv, size_t size, unsigned long long count)
{
    if (pv->n == pv->cap) {
        size_t cap = pv->cap ? pv->cap * 2 : 1024;
        pair *v = realloc(pv->v, cap * sizeof *v);
        if (!v)
            return -1;
        pv->v = v;
        pv->cap = cap;
    }
    pv->v[pv->n].size = size;
    pv->v[pv->n].count = count;
    pv->n++;
    return 0;
}

static int pair_cmp(const void *a, const void *b)
{
    size_t x = ((const pair *)a)->size, y = ((const pair *)b)->size;
    return (x > y) - (x < y);
}

/* Sorts pv in place and merges it into *out; pv keeps ownership of its array. */
static int aggregate(pair_vec *pv, size_hist *out)
{
    memset(out, 0, sizeof *out);
    if (pv->n == 0)
        return 0;
    qsort(pv->v, pv->n, sizeof *pv->v, pair_cmp);
    size_t distinct = 0;
    for (size_t i = 0; i < pv->n; i++)
        if (pv->v[i].count && (i == 0 || pv->v[i].size != pv->v[i - 1].size))
            distinct++;
    if (distinct == 0)
        return 0;
    out->size = malloc(distinct * sizeof *out->size);
    out->count = malloc(distinct * sizeof *out->count);
    if (!out->size || !out->count) {
        size_hist_free(out);
        return -1;
    }
    size_t k = 0;
    unsigned long long total = 0;
    for (size_t i = 0; i < pv->n; i++) {
        unsigned long long c = pv->v[i].count;
        if (!c)
            continue;
        if (c > ULLONG_MAX - total) {
            size_hist_free(out);
            return -1;
        }
        total += c;
        if (k && out->size[k - 1] == pv->v[i].size) {
            out->count[k - 1] += c;
        } else {
            out->size[k] = pv->v[i].size;
            out->count[k] = c;
            k++;
        }
    }
    out->n = k;
    out->total = total;
    return 0;
}

int size_hist_from_pairs(const size_t *sizes, const unsigned long long *counts, size_t n,
                         size_hist *out)
{
    pair_vec pv = {malloc((n ? n : 1) * sizeof(pair)), 0, n ? n : 1};
    if (!pv.v) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        pair_vec_push(&pv, sizes[i], counts[i]); /* cannot fail: cap == n */
    int rc = aggregate(&pv, out);
    free(pv.v);
    return rc;
}

int size_hist_from_sizes(const size_t *sizes, size_t n, size_hist *out)
{
    pair_vec pv = {malloc((n ? n : 1) * sizeof(pair)), 0, n ? n : 1};
    if (!pv.v) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        pair_vec_push(&pv, sizes[i], 1);
    int rc = aggregate(&pv, out);
    free(pv.v);
    return rc;
}

int size_hist_shift(const size_hist *in, size_t delta, size_hist *out)
{
    memset(out, 0, sizeof *out);
    if (in->n == 0)
        return 0;
    if (in->size[in->n - 1] > SIZE_MAX - delta)
        return -1;
    out->size = malloc(in->n * sizeof *out->size);
    out->count = malloc(in->n * sizeof *out->count);
    if (!out->size || !out->count) {
        size_hist_free(out);
        return -1;
    }
    for (size_t i = 0; i < in->n; i++) {
        out->size[i] = in->size[i] + delta; /* order is kept: the shift is uniform */
        out->count[i] = in->count[i];
    }
    out->n = in->n;
    out->total = in->total;
    return 0;
}

void size_hist_free(size_hist *h)
{
    if (!h)
        return;
    free(h->size);
    free(h->count);
    memset(h, 0, sizeof *h);
}

static void set_err(char *err, size_t errlen, const char *fmt, ...) ALLOC_ATTR_FORMAT(3, 4);

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Parses an unsigned decimal at *p, skipping leading blanks; advances *p. */
static int parse_u64(const char **p, unsigned long long *v)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno == ERANGE)
        return -1;
    *v = x;
    *p = end;
    return 0;
}

static int only_blanks(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return *s == '\0';
}

/* One line of either format.  Returns 1 for a data pair, 0 for a line to skip,
 * -1 with `why` set for a bad line. */
static int parse_line(const char *line, unsigned long long *size, unsigned long long *count,
                      const char **why)
{
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (only_blanks(p) || *p == '#')
        return 0;
    if (strncmp(p, "STAT", 4) == 0 && (p[4] == ' ' || p[4] == '\t')) {
        p += 4;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, "sizes_status", 12) == 0) {
            if (strstr(p, "disabled")) {
                *why = "memcached reports \"sizes_status disabled\": start it with "
                       "-o track_sizes (or run `stats sizes_enable`) and read again";
                return -1;
            }
            return 0;
        }
        if (parse_u64(&p, size) || parse_u64(&p, count) || !only_blanks(p)) {
            *why = "expected \"STAT <size> <count>\" with two unsigned integers";
            return -1;
        }
        return 1;
    }
    if (strncmp(p, "END", 3) == 0 && only_blanks(p + 3))
        return 0;
    if (!isdigit((unsigned char)*p)) {
        *why = "expected \"size,count\" (two unsigned integers) or a memcached "
               "\"STAT <size> <count>\" line";
        return -1;
    }
    if (parse_u64(&p, size)) {
        *why = "size is not an unsigned integer that fits in 64 bits";
        return -1;
    }
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != ',') {
        *why = "expected a comma after the size (\"size,count\")";
        return -1;
    }
    p++;
    if (parse_u64(&p, count) || !only_blanks(p)) {
        *why = "count is not an unsigned integer (\"size,count\")";
        return -1;
    }
    return 1;
}

/* The first non-blank line may be a CSV header: letters, no digits at the start. */
static int is_header(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    return isalpha((unsigned char)*line) && strncmp(line, "STAT", 4) != 0 &&
           strncmp(line, "END", 3) != 0 && strchr(line, ',') != NULL;
}

int size_hist_load(const char *path, size_hist *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (!f) {
        set_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    pair_vec pv = {0};
    char line[4096];
    unsigned long lineno = 0;
    int seen_content = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n' && !feof(f)) {
            set_err(err, errlen, "%s:%lu: line longer than %zu characters", path, lineno,
                    sizeof line - 2);
            rc = -1;
            break;
        }
        if (!seen_content && !only_blanks(line)) {
            seen_content = 1;
            if (is_header(line))
                continue;
        }
        unsigned long long size = 0, count = 0;
        const char *why = NULL;
        int r = parse_line(line, &size, &count, &why);
        if (r < 0) {
            set_err(err, errlen, "%s:%lu: %s", path, lineno, why);
            rc = -1;
            break;
        }
        if (r == 0)
            continue;
        if (size > SIZE_MAX) {
            set_err(err, errlen, "%s:%lu: size %llu does not fit in size_t", path, lineno,
                    size);
            rc = -1;
            break;
        }
        if (pair_vec_push(&pv, (size_t)size, count)) {
            set_err(err, errlen, "%s:%lu: out of memory", path, lineno);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        set_err(err, errlen, "%s: read error: %s", path, strerror(errno));
        rc = -1;
    }
    fclose(f);
    if (rc == 0 && aggregate(&pv, out)) {
        set_err(err, errlen, "%s: out of memory or the counts sum past 2^64", path);
        rc = -1;
    }
    if (rc == 0 && out->n == 0) {
        set_err(err, errlen, "%s: no sizes with a positive count", path);
        rc = -1;
    }
    free(pv.v);
    return rc;
}
