/* tp_report.c - turns the JSON Google Benchmark writes into throughput.csv (one median
 * per benchmark) and the ratios against the targets.  The JSON reader is a
 * small recursive-descent parser: it accepts any valid JSON, and keeps only the members
 * of the objects in the top-level "benchmarks" array that the report needs. */
#include "tp.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 128
#define JSON_MAX_DEPTH 64

/* One object of "benchmarks": an iteration run or an aggregate of repetitions. */
typedef struct bm_row {
    char run_name[NAME_MAX_LEN];
    char aggregate[16];  /* "" for a run, else "mean", "median", "stddev", "cv" */
    double real_time;    /* per iteration, in time_unit */
    char time_unit[8];
    double items_per_second;
    int error;
} bm_row;

/* One benchmark of the report: the median over its rows. */
typedef struct cell {
    char name[NAME_MAX_LEN];
    char workload[NAME_MAX_LEN], allocator[NAME_MAX_LEN], param[NAME_MAX_LEN];
    double ns;
    double ips;
    int error;
} cell;

typedef struct jp {
    const char *s, *end;
    int failed;
} jp;

static void jp_ws(jp *j)
{
    while (j->s < j->end && isspace((unsigned char)*j->s))
        j->s++;
}

static int jp_fail(jp *j)
{
    j->failed = 1;
    return -1;
}

static int jp_expect(jp *j, char c)
{
    jp_ws(j);
    if (j->s >= j->end || *j->s != c)
        return jp_fail(j);
    j->s++;
    return 0;
}

static int jp_peek(jp *j)
{
    jp_ws(j);
    return j->s < j->end ? (unsigned char)*j->s : -1;
}

/* A string into out (truncated to cap - 1; \u escapes outside ASCII become '?'). */
static int jp_string(jp *j, char *out, size_t cap)
{
    size_t n = 0;
    if (jp_expect(j, '"') != 0)
        return -1;
    while (j->s < j->end && *j->s != '"') {
        char c = *j->s++;
        if (c == '\\') {
            if (j->s >= j->end)
                return jp_fail(j);
            char e = *j->s++;
            switch (e) {
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u': {
                if (j->end - j->s < 4)
                    return jp_fail(j);
                char hex[5] = {j->s[0], j->s[1], j->s[2], j->s[3], 0};
                long v = strtol(hex, NULL, 16);
                j->s += 4;
                c = v > 0 && v < 128 ? (char)v : '?';
                break;
            }
            default: c = e; break; /* \" \\ \/ */
            }
        }
        if (out != NULL && n + 1 < cap)
            out[n++] = c;
    }
    if (out != NULL && cap > 0)
        out[n] = '\0';
    return jp_expect(j, '"');
}

static int jp_number(jp *j, double *v)
{
    jp_ws(j);
    char buf[64];
    size_t n = 0;
    while (j->s < j->end && n + 1 < sizeof buf && *j->s != '\0' &&
           strchr("+-0123456789.eE", *j->s))
        buf[n++] = *j->s++;
    buf[n] = '\0';
    char *endp;
    *v = strtod(buf, &endp);
    if (n == 0 || *endp != '\0')
        return jp_fail(j);
    return 0;
}

static int jp_word(jp *j, const char *w)
{
    size_t n = strlen(w);
    jp_ws(j);
    if ((size_t)(j->end - j->s) < n || memcmp(j->s, w, n) != 0)
        return jp_fail(j);
    j->s += n;
    return 0;
}

static int jp_skip(jp *j, int depth)
{
    if (depth > JSON_MAX_DEPTH)
        return jp_fail(j);
    switch (jp_peek(j)) {
    case '"':
        return jp_string(j, NULL, 0);
    case 't':
        return jp_word(j, "true");
    case 'f':
        return jp_word(j, "false");
    case 'n':
        return jp_word(j, "null");
    case '{':
    case '[': {
        char close = *j->s == '{' ? '}' : ']';
        int object = close == '}';
        j->s++;
        if (jp_peek(j) == close) {
            j->s++;
            return 0;
        }
        for (;;) {
            if (object && (jp_string(j, NULL, 0) != 0 || jp_expect(j, ':') != 0))
                return -1;
            if (jp_skip(j, depth + 1) != 0)
                return -1;
            if (jp_peek(j) == ',') {
                j->s++;
                continue;
            }
            return jp_expect(j, close);
        }
    }
    default: {
        double v;
        return jp_number(j, &v);
    }
    }
}

static int jp_row(jp *j, bm_row *row)
{
    memset(row, 0, sizeof *row);
    row->items_per_second = NAN;
    if (jp_expect(j, '{') != 0)
        return -1;
    if (jp_peek(j) == '}') {
        j->s++;
        return 0;
    }
    for (;;) {
        char key[64];
        if (jp_string(j, key, sizeof key) != 0 || jp_expect(j, ':') != 0)
            return -1;
        int rc;
        if (strcmp(key, "run_name") == 0)
            rc = jp_string(j, row->run_name, sizeof row->run_name);
        else if (strcmp(key, "aggregate_name") == 0)
            rc = jp_string(j, row->aggregate, sizeof row->aggregate);
        else if (strcmp(key, "time_unit") == 0)
            rc = jp_string(j, row->time_unit, sizeof row->time_unit);
        else if (strcmp(key, "real_time") == 0)
            rc = jp_number(j, &row->real_time);
        else if (strcmp(key, "items_per_second") == 0)
            rc = jp_number(j, &row->items_per_second);
        else if (strcmp(key, "error_occurred") == 0) {
            row->error = jp_peek(j) == 't';
            rc = jp_skip(j, 1);
        } else
            rc = jp_skip(j, 1);
        if (rc != 0)
            return -1;
        if (jp_peek(j) == ',') {
            j->s++;
            continue;
        }
        return jp_expect(j, '}');
    }
}

/* Every row of the "benchmarks" array, in file order, into *rows (malloc'd). */
static int jp_document(jp *j, bm_row **rows, size_t *nrows)
{
    size_t cap = 0;
    *rows = NULL;
    *nrows = 0;
    if (jp_expect(j, '{') != 0)
        return -1;
    if (jp_peek(j) == '}')
        return 0;
    for (;;) {
        char key[64];
        if (jp_string(j, key, sizeof key) != 0 || jp_expect(j, ':') != 0)
            return -1;
        if (strcmp(key, "benchmarks") == 0) {
            if (jp_expect(j, '[') != 0)
                return -1;
            while (jp_peek(j) != ']') {
                if (*nrows == cap) {
                    cap = cap ? 2 * cap : 256;
                    bm_row *grown = realloc(*rows, cap * sizeof *grown);
                    if (grown == NULL)
                        return jp_fail(j);
                    *rows = grown;
                }
                if (jp_row(j, &(*rows)[*nrows]) != 0)
                    return -1;
                ++*nrows;
                if (jp_peek(j) == ',')
                    j->s++;
                else if (jp_peek(j) != ']')
                    return jp_fail(j);
            }
            j->s++;
        } else if (jp_skip(j, 1) != 0) {
            return -1;
        }
        if (jp_peek(j) == ',') {
            j->s++;
            continue;
        }
        return jp_expect(j, '}');
    }
}

static double unit_ns(const char *unit)
{
    if (strcmp(unit, "us") == 0)
        return 1e3;
    if (strcmp(unit, "ms") == 0)
        return 1e6;
    if (strcmp(unit, "s") == 0)
        return 1e9;
    return 1.0; /* "ns", Google Benchmark's default */
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* `<workload>/<allocator>[/<param>]` into its parts. */
static void split_name(cell *c)
{
    const char *s1 = strchr(c->name, '/');
    const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
    size_t wl = s1 ? (size_t)(s1 - c->name) : strlen(c->name);
    snprintf(c->workload, sizeof c->workload, "%.*s", (int)wl, c->name);
    if (s1 == NULL)
        c->allocator[0] = '\0';
    else if (s2 == NULL)
        snprintf(c->allocator, sizeof c->allocator, "%s", s1 + 1);
    else
        snprintf(c->allocator, sizeof c->allocator, "%.*s", (int)(s2 - s1 - 1), s1 + 1);
    snprintf(c->param, sizeof c->param, "%s", s2 ? s2 + 1 : "");
}

/* The median aggregate when Google Benchmark reported one, else the median of the
 * iteration rows (a run without --benchmark_repetitions has one). */
static size_t build_cells(const bm_row *rows, size_t nrows, cell *cells)
{
    size_t ncells = 0;
    double *vals = malloc((nrows + 1) * sizeof *vals);
    double *ips = malloc((nrows + 1) * sizeof *ips);
    if (vals == NULL || ips == NULL) {
        free(vals);
        free(ips);
        return 0;
    }
    for (size_t i = 0; i < nrows; i++) {
        size_t k = 0;
        while (k < ncells && strcmp(cells[k].name, rows[i].run_name) != 0)
            k++;
        if (k < ncells)
            continue; /* already summarised */
        cell *c = &cells[ncells++];
        memset(c, 0, sizeof *c);
        snprintf(c->name, sizeof c->name, "%s", rows[i].run_name);
        split_name(c);
        size_t nv = 0, ni = 0;
        int have_median = 0;
        for (size_t r = i; r < nrows; r++) {
            const bm_row *row = &rows[r];
            if (strcmp(row->run_name, c->name) != 0)
                continue;
            c->error |= row->error;
            if (strcmp(row->aggregate, "median") == 0) {
                have_median = 1;
                c->ns = row->real_time * unit_ns(row->time_unit);
                c->ips = row->items_per_second;
            } else if (row->aggregate[0] == '\0') {
                vals[nv++] = row->real_time * unit_ns(row->time_unit);
                if (!isnan(row->items_per_second))
                    ips[ni++] = row->items_per_second;
            }
        }
        if (!have_median) {
            c->ns = nv ? median_of(vals, nv) : NAN;
            c->ips = ni ? median_of(ips, ni) : NAN;
        }
        if (isnan(c->ns))
            c->error = 1;
    }
    free(vals);
    free(ips);
    return ncells;
}

/* Cells in the benchmark matrix's order (workload, size, allocator), whatever order the
 * JSON lists them in: with interleaved repetitions Google Benchmark writes each
 * benchmark's aggregates when its last repetition ends, in random order.  Names the
 * matrix does not have (a JSON from another build) follow, in file order. */
typedef struct ranked {
    size_t rank;
    cell c;
} ranked;

static int cmp_rank(const void *a, const void *b)
{
    size_t x = ((const ranked *)a)->rank, y = ((const ranked *)b)->rank;
    return (x > y) - (x < y);
}

static void order_cells(cell *cells, size_t n)
{
    ranked *r = malloc((n + 1) * sizeof *r);
    if (r == NULL)
        return; /* file order, then */
    size_t nb = tp_bench_count();
    for (size_t i = 0; i < n; i++) {
        r[i].rank = nb + i;
        for (size_t k = 0; k < nb; k++)
            if (strcmp(tp_bench_at(k)->name, cells[i].name) == 0) {
                r[i].rank = k;
                break;
            }
        r[i].c = cells[i];
    }
    qsort(r, n, sizeof *r, cmp_rank);
    for (size_t i = 0; i < n; i++)
        cells[i] = r[i].c;
    free(r);
}

static const cell *find_cell(const cell *cells, size_t n, const char *workload,
                             const char *allocator, const char *param)
{
    for (size_t i = 0; i < n; i++)
        if (!cells[i].error && strcmp(cells[i].workload, workload) == 0 &&
            strcmp(cells[i].allocator, allocator) == 0 && strcmp(cells[i].param, param) == 0)
            return &cells[i];
    return NULL;
}

static void ratio_line(FILE *out, const char *target, const char *cellname,
                       const cell *num, const cell *den, const char *numname,
                       const char *denname, double limit, double *worst)
{
    if (num == NULL || den == NULL) {
        fprintf(out, "%s,%s,%s,%s,,,,%.2f,n/a\n", target, cellname, numname, denname, limit);
        if (worst != NULL)
            *worst = INFINITY;
        return;
    }
    double ratio = num->ns / den->ns;
    fprintf(out, "%s,%s,%s,%s,%.3f,%.3f,%.3f,%.2f,%s\n", target, cellname, numname, denname,
            num->ns, den->ns, ratio, limit, ratio <= limit ? "pass" : "miss");
    if (worst != NULL && ratio > *worst)
        *worst = ratio;
}

/* One "<allocator> / <baseline> on every workload" target: a line per cell the baseline
 * was measured in, then the worst ratio. */
static void every_workload(FILE *out, const cell *cells, size_t n, const char *target,
                           const char *allocator, const char *baseline, double limit)
{
    double worst = 0;
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(cells[i].allocator, baseline) != 0 || cells[i].error)
            continue;
        char cellname[2 * NAME_MAX_LEN + 2];
        snprintf(cellname, sizeof cellname, "%s%s%s", cells[i].workload,
                 cells[i].param[0] ? "/" : "", cells[i].param);
        ratio_line(out, target, cellname,
                   find_cell(cells, n, cells[i].workload, allocator, cells[i].param),
                   &cells[i], allocator, baseline, limit, &worst);
        any = 1;
    }
    if (!any || isinf(worst))
        fprintf(out, "%s,worst,%s,%s,,,,%.2f,n/a\n", target, allocator, baseline, limit);
    else
        fprintf(out, "%s,worst,%s,%s,,,%.3f,%.2f,%s\n", target, allocator, baseline, worst,
                limit, worst <= limit ? "pass" : "miss");
}

/* slab-mt against the fastest other row of xthread/64: "stays the fastest row" is a
 * ratio of at most 1 to it. */
static void fastest_row(FILE *out, const cell *cells, size_t n, const char *target,
                        const char *workload, const char *param, const char *allocator)
{
    const cell *best = NULL;
    for (size_t i = 0; i < n; i++)
        if (!cells[i].error && strcmp(cells[i].workload, workload) == 0 &&
            strcmp(cells[i].param, param) == 0 && strcmp(cells[i].allocator, allocator) != 0 &&
            (best == NULL || cells[i].ns < best->ns))
            best = &cells[i];
    char cellname[2 * NAME_MAX_LEN + 2];
    snprintf(cellname, sizeof cellname, "%s/%s", workload, param);
    ratio_line(out, target, cellname, find_cell(cells, n, workload, allocator, param), best,
               allocator, best != NULL ? best->allocator : "fastest-other", 1.0, NULL);
}

/* The targets, as ratios of medians measured in the same run. */
static void write_ratios(FILE *out, const cell *cells, size_t n)
{
    fprintf(out, "target,cell,allocator,baseline,ns_per_op,baseline_ns_per_op,ratio,limit,"
                 "result\n");
    ratio_line(out, "slab_hot_pair_64", "hot_pair/64",
               find_cell(cells, n, "hot_pair", "slab", "64"),
               find_cell(cells, n, "hot_pair", "jemalloc", "64"), "slab", "jemalloc", 1.0,
               NULL);
    ratio_line(out, "slab_random_ws", "random_ws", find_cell(cells, n, "random_ws", "slab", ""),
               find_cell(cells, n, "random_ws", "jemalloc", ""), "slab", "jemalloc", 1.0, NULL);
    ratio_line(out, "slab_batch_256", "batch/256", find_cell(cells, n, "batch", "slab", "256"),
               find_cell(cells, n, "batch", "jemalloc", "256"), "slab", "jemalloc", 0.5, NULL);
    ratio_line(out, "slab_mt_hot_pair_64", "hot_pair/64",
               find_cell(cells, n, "hot_pair", "slab-mt", "64"),
               find_cell(cells, n, "hot_pair", "jemalloc", "64"), "slab-mt", "jemalloc", 1.2,
               NULL);
    ratio_line(out, "slab_mt_random_ws", "random_ws",
               find_cell(cells, n, "random_ws", "slab-mt", ""),
               find_cell(cells, n, "random_ws", "jemalloc", ""), "slab-mt", "jemalloc", 1.2,
               NULL);
    fastest_row(out, cells, n, "slab_mt_xthread_fastest", "xthread", "64", "slab-mt");
    every_workload(out, cells, n, "zmalloc_jemalloc_every", "zmalloc-jemalloc", "jemalloc",
                   1.15);
    every_workload(out, cells, n, "zmalloc_libc_every", "zmalloc-libc", "glibc", 1.15);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *grown = realloc(buf, cap *= 2);
        if (grown == NULL)
            free(buf);
        buf = grown;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

int tp_report_convert(const char *json_path, const char *csv_path, const char *ratios_path)
{
    size_t len = 0;
    char *text = read_file(json_path, &len);
    if (text == NULL) {
        fprintf(stderr, "alloc_throughput: cannot read %s\n", json_path);
        return -1;
    }
    jp j = {text, text + len, 0};
    bm_row *rows = NULL;
    size_t nrows = 0;
    int rc = jp_document(&j, &rows, &nrows);
    free(text);
    if (rc != 0 || j.failed) {
        fprintf(stderr, "alloc_throughput: %s is not Google Benchmark JSON (parse error)\n",
                json_path);
        free(rows);
        return -1;
    }
    cell *cells = calloc(nrows + 1, sizeof *cells);
    size_t ncells = cells ? build_cells(rows, nrows, cells) : 0;
    free(rows);
    if (cells != NULL)
        order_cells(cells, ncells);
    if (cells == NULL || (ncells == 0 && nrows > 0)) {
        fprintf(stderr, "alloc_throughput: out of memory\n");
        free(cells);
        return -1;
    }
    rc = 0;
    if (csv_path != NULL) {
        FILE *out = fopen(csv_path, "w");
        if (out == NULL) {
            fprintf(stderr, "alloc_throughput: cannot write %s\n", csv_path);
            rc = -1;
        } else {
            fprintf(out, "name,workload,allocator,param,ns_per_op,items_per_second\n");
            for (size_t i = 0; i < ncells; i++) {
                const cell *c = &cells[i];
                if (c->error) {
                    fprintf(stderr, "alloc_throughput: %s reported an error; left out of %s\n",
                            c->name, csv_path);
                    continue;
                }
                fprintf(out, "%s,%s,%s,%s,%.3f,%.0f\n", c->name, c->workload, c->allocator,
                        c->param, c->ns, isnan(c->ips) ? 0.0 : c->ips);
            }
            if (fclose(out) != 0)
                rc = -1;
        }
    }
    if (ratios_path != NULL) {
        FILE *out = fopen(ratios_path, "w");
        if (out == NULL) {
            fprintf(stderr, "alloc_throughput: cannot write %s\n", ratios_path);
            rc = -1;
        } else {
            write_ratios(out, cells, ncells);
            if (fclose(out) != 0)
                rc = -1;
        }
    }
    free(cells);
    return rc;
}
