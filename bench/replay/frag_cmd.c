/* frag_cmd.c - `allocbench frag`: replay workloads on configurations, one CSV row per
 * (workload, configuration, sample point). */
#include "commands.h"

#include "config_spec.h"
#include "parse_num.h"
#include "run_cells.h"
#include "trace.h"
#include "workloads.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 64
#define DEFAULT_OPS 200000

static void usage(FILE *f)
{
    fprintf(f,
"usage: allocbench frag (--workload W | --sizes FILE | --trace FILE)... --config C...\n"
"                       [--ops N] [--seed S] [--mem-limit BYTES] [--csv FILE]\n"
"                       [--pages-csv FILE] [--samples N] [--mode item|raw|redis]\n"
"                       [--jobs N] [--quiet]\n"
"Replays each workload on each configuration, each pair in its own process, and writes\n"
"one CSV row per sample point (header first):\n"
"  held = requested + header + alignment + class_rounding + external, to the byte.\n"
"  --workload W    fixed:SIZE, uniform:MIN-MAX, etc[:item|redis|raw],\n"
"                  redis-strings[:V|:MIN-MAX], churn[:MIN-MAX], phase-shift; options\n"
"                  after commas: keys=N, delete=F, mode=..., small=A-B, large=A-B\n"
"  --sizes FILE    sizes drawn from a histogram: `size,count` CSV or the output of\n"
"                  memcached's `stats sizes`\n"
"  --trace FILE    a Twitter cache trace (timestamp,key,key_size,value_size,client,op,ttl)\n"
"  --config C      slab[:factor=F,min_chunk=N,page_size=N,chunk_max=N,max_classes=N,\n"
"                  sizes=a-b-c,...], zmalloc[:base=libc|jemalloc,prefix=0|1,\n"
"                  round_to_long=0|1], glibc, jemalloc; every form takes mem_limit=BYTES\n"
"  --ops N         operations per cell (default %d; k/m suffixes); for a trace, the\n"
"                  most lines to replay (default: all)\n"
"  --seed S        seed of the workload and of eviction sampling (default 1)\n"
"  --mem-limit B   memory limit for every configuration (k/m/g suffixes): a refused\n"
"                  allocation evicts as a cache would and is counted in `evictions`\n"
"  --csv FILE      rows to FILE (default stdout)\n"
"  --pages-csv F   slab configurations: pages per class at the end (and at phase ends)\n"
"  --samples N     periodic sample points per cell (default 10; phase-shift 40)\n"
"  --mode M        object layout for --trace (default item: memcached's 48 + key+1 +\n"
"                  value+2 + 8; raw: key+value; redis: key sds + value sds)\n"
"  --jobs N        cells at once (default: online CPUs)\n", DEFAULT_OPS);
}

/* Malformed lines never stop a replay; they are said once per trace here (the rows
 * carry the count too). */
static void report_malformed(const char *path)
{
    trace_file t;
    trace_rec r;
    if (trace_open(&t, path, NULL, 0) != 0)
        return;
    while (trace_next(&t, &r))
        ;
    if (t.malformed > 0)
        fprintf(stderr, "allocbench frag: trace %s: %llu malformed line%s skipped (first at "
                "line %llu: %s)\n", path, t.malformed, t.malformed == 1 ? "" : "s",
                t.first_bad_line, t.first_bad_why);
    trace_close(&t);
}

static int bad(const char *fmt, const char *arg)
{
    fprintf(stderr, "allocbench frag: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(allocbench frag --help lists the options)\n");
    return 2;
}

int frag_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"workload", required_argument, NULL, 'w'}, {"sizes", required_argument, NULL, 'S'},
        {"trace", required_argument, NULL, 't'},    {"config", required_argument, NULL, 'c'},
        {"ops", required_argument, NULL, 'n'},      {"seed", required_argument, NULL, 's'},
        {"mem-limit", required_argument, NULL, 'm'}, {"csv", required_argument, NULL, 'o'},
        {"pages-csv", required_argument, NULL, 'p'}, {"samples", required_argument, NULL, 'N'},
        {"mode", required_argument, NULL, 'M'},     {"jobs", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},          {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *wl_text[MAX_ITEMS], *cfg_text[MAX_ITEMS], *sizes_path = NULL;
    const char *trace_path[MAX_ITEMS];
    size_t nwl = 0, ncfg = 0, ntrace = 0;
    unsigned long long ops = 0, seed = 1, limit = 0, samples = 0, jobs = 0;
    const char *csv = NULL, *pages_csv = NULL;
    layout_kind trace_layout = LAYOUT_ITEM;
    int quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "w:S:t:c:n:s:m:o:p:N:M:j:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'w':
            if (nwl == MAX_ITEMS)
                return bad("at most %s workloads", "64");
            wl_text[nwl++] = optarg;
            break;
        case 'S': sizes_path = optarg; break;
        case 't':
            if (ntrace == MAX_ITEMS)
                return bad("at most %s traces", "64");
            trace_path[ntrace++] = optarg;
            break;
        case 'c':
            if (ncfg == MAX_ITEMS)
                return bad("at most %s configurations", "64");
            cfg_text[ncfg++] = optarg;
            break;
        case 'n':
            if (parse_count(optarg, &ops) != 0 || ops == 0)
                return bad("--ops %s: want a positive count such as 200000 or 200k", optarg);
            break;
        case 's':
            if (parse_count(optarg, &seed) != 0)
                return bad("--seed %s: want a non-negative integer", optarg);
            break;
        case 'm':
            if (parse_bytes(optarg, &limit) != 0)
                return bad("--mem-limit %s: want bytes such as 67108864 or 64m", optarg);
            break;
        case 'o': csv = optarg; break;
        case 'p': pages_csv = optarg; break;
        case 'N':
            if (parse_count(optarg, &samples) != 0 || samples == 0 || samples > 100000)
                return bad("--samples %s: want 1..100000", optarg);
            break;
        case 'M':
            if (strcmp(optarg, "item") == 0)
                trace_layout = LAYOUT_ITEM;
            else if (strcmp(optarg, "raw") == 0)
                trace_layout = LAYOUT_RAW;
            else if (strcmp(optarg, "redis") == 0)
                trace_layout = LAYOUT_REDIS_KV;
            else
                return bad("--mode %s: want item, raw or redis", optarg);
            break;
        case 'j':
            if (parse_count(optarg, &jobs) != 0 || jobs == 0 || jobs > 256)
                return bad("--jobs %s: want 1..256", optarg);
            break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc)
        return bad("unexpected argument '%s'", argv[optind]);
    if (nwl + ntrace == 0 && sizes_path == NULL)
        return bad("%sgive a workload: --workload W, --sizes FILE or --trace FILE", "");
    if (ncfg == 0)
        return bad("%sgive at least one --config, e.g. --config slab:factor=1.25 "
                   "--config jemalloc", "");

    char err[320];
    workload_spec *wls = calloc(nwl + 1, sizeof *wls);
    bench_config *cfgs = calloc(ncfg, sizeof *cfgs);
    size_t nsrc = nwl + (sizes_path != NULL) + ntrace;
    cell_spec *cells = calloc(nsrc * ncfg, sizeof *cells);
    cell_result *res = calloc(nsrc * ncfg, sizeof *res);
    size_hist hist = {0};
    int rc = 1;
    if (wls == NULL || cfgs == NULL || cells == NULL || res == NULL) {
        fprintf(stderr, "allocbench frag: out of memory\n");
        goto out;
    }
    for (size_t i = 0; i < nwl; i++)
        if (workload_parse(wl_text[i], &wls[i], err, sizeof err) != 0) {
            rc = bad("%s", err);
            goto out;
        }
    if (sizes_path != NULL) {
        if (size_hist_load(sizes_path, &hist, err, sizeof err) != 0) {
            fprintf(stderr, "allocbench frag: --sizes: %s\n", err);
            goto out;
        }
        workload_spec_sizes(&wls[nwl++], &hist, sizes_path);
    }
    for (size_t i = 0; i < ncfg; i++)
        if (bench_config_parse(cfg_text[i], &cfgs[i], err, sizeof err) != 0) {
            rc = bad("%s", err);
            goto out;
        }
    size_t n = 0;
    for (size_t s = 0; s < nwl + ntrace; s++)
        for (size_t k = 0; k < ncfg; k++) {
            cell_spec *cs = &cells[n++];
            if (s < nwl) {
                cs->wl = &wls[s];
                cs->ops = ops ? ops : DEFAULT_OPS;
            } else {
                cs->trace = trace_path[s - nwl];
                cs->trace_layout = trace_layout;
                cs->ops = ops;
            }
            cs->cfg = &cfgs[k];
            cs->seed = seed;
            cs->mem_limit = (size_t)limit;
            cs->samples = (unsigned)samples;
        }
    FILE *out = csv ? fopen(csv, "w") : stdout;
    if (out == NULL) {
        perror(csv);
        goto out;
    }
    FILE *pages = pages_csv ? fopen(pages_csv, "w") : NULL;
    if (pages_csv && pages == NULL) {
        perror(pages_csv);
        if (out != stdout)
            fclose(out);
        goto out;
    }
    for (size_t i = 0; i < ntrace; i++)
        report_malformed(trace_path[i]);
    size_t failed = run_cells(cells, n, (unsigned)jobs, quiet, res);
    write_cells_csv(out, pages, cells, res, n);
    if (out != stdout)
        fclose(out);
    if (pages)
        fclose(pages);
    rc = failed ? 1 : 0;
    for (size_t i = 0; i < n; i++)
        cell_result_free(&res[i]);
out:
    size_hist_free(&hist);
    free(wls);
    free(cfgs);
    free(cells);
    free(res);
    return rc;
}
