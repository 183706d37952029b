/* factor.c - `allocbench factor`: reads the inputs and options, runs a report per
 * input (report.c) and writes the text, CSV and SVG outputs. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fill_hist.h"
#include "hit_ratio.h"
#include "report.h"

#include "trace.h"     /* trace_size_hist: the harness's trace reader */
#include "workloads.h" /* workload_size_hist: its built-in workloads */

/* memcached's item: sizeof(item) 48 + key + 1 + value + 2 (the "\r\n") + 8 (CAS). */
#define ITEM_OVERHEAD(key) (FACTOR_ITEM_HEADER + (key) + 1 + 2 + 8)

typedef struct cli {
    factor_opts o;
    const char *sizes, *trace, *workload, *csv, *curve_csv, *svg;
    int item_memcached, item_given;
    size_t key_size;
    unsigned long long ops, seed, jobs;
    int memory_given;
    const char *by; /* NULL, "chunk", "memory" or "hit-ratio" */
} cli;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: allocbench factor [INPUT] [options]\n"
            "INPUT (default: the built-in workloads etc and redis-strings):\n"
            "  --sizes FILE      `size,count` CSV or memcached `stats sizes` output\n"
            "  --trace FILE      a request trace (see allocbench frag)\n"
            "  --workload NAME   a built-in workload (also as a bare NAME): etc,\n"
            "                    redis-strings, fixed:N, uniform:A-B, churn, phase-shift\n"
            "  --ops N --seed S  for built-in workloads (default 1000000, 1)\n"
            "  --item raw|memcached  memcached: model items, 48 + key+1 + value+2 bytes\n"
            "                    (--sizes: values, with --key-size, default 30; `stats\n"
            "                    sizes` output already counts whole items)\n"
            "sweep:\n"
            "  --from F --to F --step F   factors (default 1.01 2.00 0.01)\n"
            "  --min-chunk B | -n N       first class before alignment (default 96 = 48+n)\n"
            "  --page B --chunk-max B --max-classes N (default 1 MiB, 512 KiB, 63)\n"
            "  --memory B        cache size for memory efficiency (default 64m; given,\n"
            "                    the best factor is chosen by memory efficiency unless\n"
            "                    --by says otherwise); with --by hit-ratio, memcached's -m\n"
            "  --optimal K       also print the optimal table of K classes\n"
            "  --by chunk|memory|hit-ratio  what picks the best factor (default: chunk\n"
            "                    efficiency, memory efficiency when --memory is given)\n"
            "hit ratio (--by hit-ratio, needs --trace):\n"
            "                    replays the trace, cache-aside, on the simulator's memcached\n"
            "                    1.6.18 (allocbench sim) for every factor, the default 1.25\n"
            "                    and the --optimal K table, at --memory as memcached's -m;\n"
            "                    recommends the factor with the most hits (ties: within one\n"
            "                    standard error of the best, the factor nearest 1.25) beside\n"
            "                    the chunk-efficiency one.  Sizes are memcached items of the\n"
            "                    objects the replay stores (fills of missed gets included).\n"
            "  --jobs N          replays at once (default: online CPUs); --seed S seeds them\n"
            "outputs:\n"
            "  --csv FILE        one row per factor (hit_ratio, evictions with --by\n"
            "                    hit-ratio);  --curve-csv FILE  optimum per K\n"
            "  --svg FILE        efficiency against factor (gnuplot)\n");
}

/* Parses a byte count with an optional k/m/g suffix (powers of 1024). */
static int parse_bytes(const char *s, unsigned long long *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return -1;
    unsigned shift = 0;
    if (*end == 'k' || *end == 'K')
        shift = 10;
    else if (*end == 'm' || *end == 'M')
        shift = 20;
    else if (*end == 'g' || *end == 'G')
        shift = 30;
    if (shift)
        end++;
    if (*end || (shift && x > (ULLONG_MAX >> shift)))
        return -1;
    *v = x << shift;
    return 0;
}

static int parse_double(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return (errno || end == s || *end) ? -1 : 0;
}

/* Fills c from argv; returns 0, or 2 after printing what is wrong. */
static int parse_args(int argc, char **argv, cli *c)
{
    memset(c, 0, sizeof *c);
    factor_geom_default(&c->o.geom);
    c->o.from = 1.01;
    c->o.to = 2.00;
    c->o.step = 0.01;
    c->o.memory = 64ULL << 20; /* memcached's -m default */
    c->key_size = 30;
    c->ops = 1000000;
    c->seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        char name[32];
        const char *eq = strchr(a, '=');
        if (a[0] == '-' && eq && (size_t)(eq - a) < sizeof name) {
            memcpy(name, a, (size_t)(eq - a));
            name[eq - a] = '\0';
            v = eq + 1;
            a = name;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 3;
        }
        if (a[0] != '-') {
            c->workload = a;
            continue;
        }
        if (!v) {
            if (i + 1 >= argc) {
                fprintf(stderr, "allocbench factor: %s needs a value\n", a);
                return 2;
            }
            v = argv[++i];
        }
        unsigned long long n = 0;
        int bad = 0;
        if (!strcmp(a, "--sizes"))
            c->sizes = v;
        else if (!strcmp(a, "--trace"))
            c->trace = v;
        else if (!strcmp(a, "--workload"))
            c->workload = v;
        else if (!strcmp(a, "--csv"))
            c->csv = v;
        else if (!strcmp(a, "--curve-csv"))
            c->curve_csv = v;
        else if (!strcmp(a, "--svg") || !strcmp(a, "--plot"))
            c->svg = v;
        else if (!strcmp(a, "--item")) {
            bad = strcmp(v, "raw") && strcmp(v, "memcached");
            c->item_memcached = !strcmp(v, "memcached");
            c->item_given = 1;
        } else if (!strcmp(a, "--by")) {
            bad = strcmp(v, "chunk") && strcmp(v, "memory") && strcmp(v, "hit-ratio");
            c->by = v;
        } else if (!strcmp(a, "--from"))
            bad = parse_double(v, &c->o.from);
        else if (!strcmp(a, "--to"))
            bad = parse_double(v, &c->o.to);
        else if (!strcmp(a, "--step"))
            bad = parse_double(v, &c->o.step);
        else if (!strcmp(a, "--memory")) {
            bad = parse_bytes(v, &c->o.memory);
            c->memory_given = 1;
        } else if (!parse_bytes(v, &n) && !strcmp(a, "--min-chunk"))
            c->o.geom.min_chunk = n;
        else if (!strcmp(a, "-n"))
            c->o.geom.min_chunk = FACTOR_ITEM_HEADER + n;
        else if (!strcmp(a, "--page"))
            c->o.geom.page_size = n;
        else if (!strcmp(a, "--chunk-max"))
            c->o.geom.chunk_max = n;
        else if (!strcmp(a, "--max-classes"))
            c->o.geom.max_classes = (unsigned)(n < 1000 ? n : 1000);
        else if (!strcmp(a, "--optimal"))
            c->o.optimal_k = (unsigned)(n < 1000 ? n : 1000);
        else if (!strcmp(a, "--key-size"))
            c->key_size = n;
        else if (!strcmp(a, "--ops"))
            c->ops = n;
        else if (!strcmp(a, "--seed"))
            c->seed = n;
        else if (!strcmp(a, "--jobs") && n >= 1 && n <= 256)
            c->jobs = n;
        else {
            bad = 1;
            if (strcmp(a, "--min-chunk") && strcmp(a, "-n") && strcmp(a, "--page") &&
                strcmp(a, "--chunk-max") && strcmp(a, "--max-classes") &&
                strcmp(a, "--optimal") && strcmp(a, "--key-size") && strcmp(a, "--ops") &&
                strcmp(a, "--seed") && strcmp(a, "--jobs")) {
                fprintf(stderr, "allocbench factor: unknown option %s (try --help)\n", a);
                return 2;
            }
        }
        if (bad && !strcmp(a, "--by")) {
            fprintf(stderr, "allocbench factor: --by takes chunk, memory or hit-ratio, not "
                            "'%s'\n", v);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "allocbench factor: bad value '%s' for %s\n", v, a);
            return 2;
        }
    }
    char msg[400];
    if (factor_geom_check(&c->o.geom, msg, sizeof msg)) {
        fprintf(stderr, "allocbench factor: %s\n", msg);
        return 2;
    }
    if (!(c->o.from > 1.0) || !(c->o.step > 0) || !(c->o.to >= c->o.from) ||
        (c->o.to - c->o.from) / c->o.step > 1e6) {
        fprintf(stderr, "allocbench factor: the sweep needs 1 < --from <= --to and a "
                        "positive --step giving at most a million factors\n");
        return 2;
    }
    if (c->o.optimal_k > c->o.geom.max_classes || c->o.optimal_k == 1000) {
        fprintf(stderr, "allocbench factor: --optimal K must be 1..%u (the class cap)\n",
                c->o.geom.max_classes);
        return 2;
    }
    if ((c->sizes != NULL) + (c->trace != NULL) + (c->workload != NULL) > 1) {
        fprintf(stderr, "allocbench factor: give one input: --sizes, --trace or a "
                        "workload\n");
        return 2;
    }
    c->o.rank_memory = c->by ? !strcmp(c->by, "memory") : c->memory_given;
    c->o.by_hit_ratio = c->by && !strcmp(c->by, "hit-ratio");
    if (c->o.by_hit_ratio) {
        if (!c->trace) {
            fprintf(stderr, "allocbench factor: --by hit-ratio replays requests: give "
                            "--trace FILE (allocbench gen-trace writes one)\n");
            return 2;
        }
        if (factor_hr_geom_check(&c->o.geom, msg, sizeof msg)) {
            fprintf(stderr, "allocbench factor: %s\n", msg);
            return 2;
        }
        /* the simulator stores memcached items: compare tables on those */
        if (!c->item_given)
            c->item_memcached = 1;
    }
    return 0;
}

/* Loads one input into h; 0 ok, else 1 with the reason printed. */
static int load_input(const cli *c, const char *wl_name, size_hist *h)
{
    char err[512] = "";
    int rc;
    if (c->sizes) {
        rc = size_hist_load(c->sizes, h, err, sizeof err);
        if (!rc && c->item_memcached) {
            size_hist raw = *h;
            rc = size_hist_shift(&raw, ITEM_OVERHEAD(c->key_size), h);
            size_hist_free(&raw);
            if (rc)
                snprintf(err, sizeof err, "%s: out of memory", c->sizes);
        }
    } else if (c->trace && c->o.by_hit_ratio) {
        rc = fill_hist_load(c->trace, c->item_memcached, h, err, sizeof err);
    } else if (c->trace) {
        rc = trace_size_hist(c->trace, c->item_memcached, h, err, sizeof err);
        if (!rc && h->n == 0) {
            /* a trace of gets writes nothing itself; a cache in front of it stores
             * every object it misses, so those are the sizes to fit */
            size_hist_free(h);
            fprintf(stderr, "allocbench factor: %s has no writes; fitting the sizes a "
                            "cache-aside cache stores for its gets\n", c->trace);
            rc = fill_hist_load(c->trace, c->item_memcached, h, err, sizeof err);
        }
    } else {
        rc = workload_size_hist(wl_name, c->ops, c->seed, c->item_memcached, h, err,
                                sizeof err);
    }
    if (rc) {
        fprintf(stderr, "allocbench factor: %s\n", err[0] ? err : "cannot read the input");
        return 1;
    }
    if (h->n == 0) {
        fprintf(stderr, "allocbench factor: the input has no sizes\n");
        return 1;
    }
    return 0;
}

static FILE *open_out(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "allocbench factor: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

int factor_main(int argc, char **argv)
{
    cli c;
    int rc = parse_args(argc, argv, &c);
    if (rc)
        return rc == 3 ? 0 : rc;
    static const char *const defaults[] = {"etc", "redis-strings"};
    const char *const *names = defaults;
    size_t ninputs = 2;
    const char *one[1];
    if (c.sizes || c.trace || c.workload) {
        one[0] = c.sizes ? c.sizes : c.trace ? c.trace : c.workload;
        names = one;
        ninputs = 1;
    }
    size_hist *hs = calloc(ninputs, sizeof *hs);
    factor_report *rs = calloc(ninputs, sizeof *rs);
    FILE *csv = NULL, *curve = NULL;
    rc = (!hs || !rs) ? 1 : 0;
    if (!rc && c.csv && !(csv = open_out(c.csv)))
        rc = 1;
    if (!rc && c.curve_csv && !(curve = open_out(c.curve_csv)))
        rc = 1;
    size_t done = 0;
    for (; !rc && done < ninputs; done++) {
        char err[512];
        if (load_input(&c, names[done], &hs[done])) {
            rc = 1;
            break;
        }
        if (factor_report_run(&c.o, names[done], &hs[done], &rs[done], err, sizeof err)) {
            fprintf(stderr, "allocbench factor: %s\n", err);
            factor_report_free(&rs[done]);
            size_hist_free(&hs[done]);
            rc = 1;
            break;
        }
        factor_hr_opts hro = {c.trace, (unsigned)c.jobs, c.seed};
        if (c.o.by_hit_ratio)
            fprintf(stderr, "allocbench factor: replaying %s on the simulated memcached, once "
                            "per factor (%zu)%s...\n",
                    c.trace, rs[done].nrows, c.o.optimal_k ? " and for the optimal table" : "");
        if (c.o.by_hit_ratio && factor_hr_run(&c.o, &hro, &rs[done], err, sizeof err)) {
            fprintf(stderr, "allocbench factor: %s\n", err);
            factor_report_free(&rs[done]);
            size_hist_free(&hs[done]);
            rc = 1;
            break;
        }
        factor_report_print(&c.o, &rs[done], stdout);
        if (csv)
            factor_report_csv(&rs[done], csv, done == 0);
        if (curve)
            factor_report_curve_csv(&rs[done], curve, done == 0);
    }
    if (!rc && c.svg) {
        char err[256];
        if (factor_plot_svg(rs, done, c.svg, err, sizeof err)) {
            fprintf(stderr, "allocbench factor: %s\n", err);
            rc = 1;
        }
    }
    if (csv && fclose(csv))
        rc = 1;
    if (curve && fclose(curve))
        rc = 1;
    for (size_t i = 0; i < done; i++) {
        factor_report_free(&rs[i]);
        size_hist_free(&hs[i]);
    }
    free(rs);
    free(hs);
    return rc;
}
