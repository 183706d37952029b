/* report_cmd.c - `allocbench report`: the default workloads x configurations, written
 * to results/ as CSVs, SVG plots (gnuplot) and a README that says what they show. */
#include "commands.h"

#include "config_spec.h"
#include "gnuplot.h"
#include "parse_num.h"
#include "proc_stats.h"
#include "report.h"
#include "run_cells.h"
#include "workloads.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KVBENCH_PLOTS_DIR
#define KVBENCH_PLOTS_DIR "bench/plots"
#endif

/* Operation counts chosen so the whole default run stays within 3 minutes on two
 * cores (measured: see results/README.md for the time it took). */
static const struct {
    const char *spec;
    unsigned long long ops;
    size_t mem_limit;
    const char *label; /* row name in the README and plots */
} report_workloads[] = {
    {"fixed:100", 500000, 0, "fixed:100"},
    {"etc", 2000000, 0, "etc"},
    {"etc:redis", 2000000, 0, "etc:redis"},
    {"redis-strings", 2000000, 0, "redis-strings"},
    {"churn", 2000000, 0, "churn"},
    {"phase-shift", 1000000, 0, "phase-shift"},
    /* the same shift under a limit below the small fill's footprint: slab evicts within
     * the large classes while its small-class pages sit idle */
    {"phase-shift", 1000000, 48u << 20, "phase-shift@48MiB"},
};

static const char *const report_configs[] = {
    "slab:factor=1.08",
    "slab:factor=1.25",
    "slab:factor=2.0",
    "zmalloc:base=libc",
    "zmalloc:base=libc,prefix=1",
    "zmalloc:base=jemalloc",
    "zmalloc:base=jemalloc,prefix=1",
    "glibc",
    "jemalloc",
};

#define NWL (sizeof report_workloads / sizeof report_workloads[0])
#define NCFG (sizeof report_configs / sizeof report_configs[0])

static void usage(FILE *f)
{
    fprintf(f,
"usage: allocbench report [--out DIR] [--scale F] [--seed S] [--jobs N]\n"
"                         [--plots-dir DIR] [--no-plots] [--quiet]\n"
"Runs the default set (workloads fixed:100, etc, etc:redis, redis-strings, churn,\n"
"phase-shift (also under a 48 MiB limit) on slab factors 1.08/1.25/2.0, zmalloc over libc and jemalloc with and\n"
"without the prefix, and plain glibc and jemalloc) and writes into DIR:\n"
"  fragmentation.csv, slab_pages.csv, efficiency.svg, phase_shift.svg, README.md\n"
"  --out DIR        output directory (default results)\n"
"  --scale F        multiply every workload's operation count (default 1)\n"
"  --seed S         seed (default 1)\n"
"  --jobs N         cells at once (default: online CPUs)\n"
"  --plots-dir DIR  where efficiency.gp and phase_shift.gp are (default %s)\n"
"  --no-plots       skip gnuplot\n", KVBENCH_PLOTS_DIR);
}

const cell_result *report_cell(const report_run *r, size_t w, size_t k)
{
    size_t i = w * r->nconfigs + k;
    return i < r->n && r->res[i].ok ? &r->res[i] : NULL;
}

const cell_row *report_final(const cell_result *res)
{
    if (res == NULL)
        return NULL;
    for (size_t i = res->nrows; i > 0; i--)
        if (res->rows[i - 1].final)
            return &res->rows[i - 1];
    return NULL;
}

static FILE *open_in(const char *dir, const char *name, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        fprintf(stderr, "allocbench report: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

static int write_efficiency_tsv(const report_run *r, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fputs("workload", f);
    for (size_t k = 0; k < r->nconfigs; k++)
        fprintf(f, "\t\"%s\"", r->configs[k]);
    fputc('\n', f);
    for (size_t w = 0; w < r->nworkloads; w++) {
        fprintf(f, "\"%s\"", r->workloads[w]);
        for (size_t k = 0; k < r->nconfigs; k++) {
            const cell_row *row = report_final(report_cell(r, w, k));
            double eff = row && row->held ? (double)row->requested / (double)row->held : 0;
            fprintf(f, "\t%.4f", eff);
        }
        fputc('\n', f);
    }
    return fclose(f);
}

/* Blocks per configuration of (ops, held MiB); *fill_end and *delete_end get the
 * operation counts at the phase boundaries. */
static int write_shift_tsv(const report_run *r, size_t w, const char *path,
                           unsigned long long *fill_end, unsigned long long *delete_end)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    *fill_end = *delete_end = 0;
    int first = 1;
    for (size_t k = 0; k < r->nconfigs; k++) {
        const cell_result *res = report_cell(r, w, k);
        if (res == NULL)
            continue;
        if (!first)
            fputs("\n\n", f);
        first = 0;
        fprintf(f, "ops\t\"%s\"\n0\t0\n", r->configs[k]);
        for (size_t i = 0; i < res->nrows; i++) {
            const cell_row *row = &res->rows[i];
            fprintf(f, "%llu\t%.3f\n", (unsigned long long)row->ops,
                    (double)row->held / 1048576.0);
            if (strcmp(row->phase, "fill-small") == 0 && row->ops > *fill_end)
                *fill_end = row->ops;
            if (strcmp(row->phase, "delete") == 0 && row->ops > *delete_end)
                *delete_end = row->ops;
        }
    }
    return fclose(f);
}

static int plot(const report_run *r, const char *dir, const char *plots_dir)
{
    char tsv[512], svg[512], script[512], vars[1600];
    snprintf(tsv, sizeof tsv, "%s/efficiency.tsv", dir);
    if (write_efficiency_tsv(r, tsv) != 0)
        return -1;
    size_t shift = r->nworkloads;
    for (size_t w = 0; w < r->nworkloads; w++)
        if (strcmp(r->workloads[w], "phase-shift") == 0)
            shift = w;
    char shift_tsv[512];
    unsigned long long fill_end = 0, delete_end = 0;
    snprintf(shift_tsv, sizeof shift_tsv, "%s/phase_shift.tsv", dir);
    if (shift < r->nworkloads &&
        write_shift_tsv(r, shift, shift_tsv, &fill_end, &delete_end) != 0)
        return -1;
    if (!gnuplot_available()) {
        fprintf(stderr, "allocbench report: gnuplot not found, plots skipped (install Debian's "
                "gnuplot-nox); the data is in %s and %s\n", tsv, shift_tsv);
        return 1;
    }
    int rc = 0;
    snprintf(svg, sizeof svg, "%s/efficiency.svg", dir);
    snprintf(script, sizeof script, "%s/efficiency.gp", plots_dir);
    snprintf(vars, sizeof vars, "datafile=\"%s\"; outfile=\"%s\"; ncols=%zu", tsv, svg,
             r->nconfigs + 1);
    rc |= gnuplot_run("allocbench report", script, vars);
    if (shift < r->nworkloads) {
        snprintf(svg, sizeof svg, "%s/phase_shift.svg", dir);
        snprintf(script, sizeof script, "%s/phase_shift.gp", plots_dir);
        size_t blocks = 0;
        for (size_t k = 0; k < r->nconfigs; k++)
            blocks += report_cell(r, shift, k) != NULL;
        snprintf(vars, sizeof vars,
                 "datafile=\"%s\"; outfile=\"%s\"; nblocks=%zu; fill_end=%llu; delete_end=%llu",
                 shift_tsv, svg, blocks, fill_end, delete_end);
        rc |= gnuplot_run("allocbench report", script, vars);
    }
    return rc;
}

static void join_args(int argc, char **argv, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "allocbench");
    for (int i = 0; i < argc && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, " %s", argv[i]);
}

int report_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},   {"scale", required_argument, NULL, 'x'},
        {"seed", required_argument, NULL, 's'},  {"jobs", required_argument, NULL, 'j'},
        {"plots-dir", required_argument, NULL, 'p'}, {"no-plots", no_argument, NULL, 'P'},
        {"quiet", no_argument, NULL, 'q'},       {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = "results", *plots_dir = KVBENCH_PLOTS_DIR;
    double scale = 1;
    unsigned long long seed = 1, jobs = 0;
    int no_plots = 0, quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:x:s:j:p:Pqh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': dir = optarg; break;
        case 'x':
            if (parse_double(optarg, &scale) != 0 || !(scale > 0) || scale > 100) {
                fprintf(stderr, "allocbench report: --scale wants a number in (0, 100], got "
                        "'%s'\n", optarg);
                return 2;
            }
            break;
        case 's':
            if (parse_count(optarg, &seed) != 0) {
                fprintf(stderr, "allocbench report: --seed wants an integer, got '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'j':
            if (parse_count(optarg, &jobs) != 0 || jobs == 0 || jobs > 256) {
                fprintf(stderr, "allocbench report: --jobs wants 1..256, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 'p': plots_dir = optarg; break;
        case 'P': no_plots = 1; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "allocbench report: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "allocbench report: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    static workload_spec wls[NWL];
    static bench_config cfgs[NCFG];
    static cell_spec cells[NWL * NCFG];
    static cell_result res[NWL * NCFG];
    const char *wl_names[NWL];
    char err[320];
    for (size_t w = 0; w < NWL; w++) {
        if (workload_parse(report_workloads[w].spec, &wls[w], err, sizeof err) != 0) {
            fprintf(stderr, "allocbench report: %s\n", err);
            return 1;
        }
        wl_names[w] = report_workloads[w].label;
    }
    for (size_t k = 0; k < NCFG; k++)
        if (bench_config_parse(report_configs[k], &cfgs[k], err, sizeof err) != 0) {
            fprintf(stderr, "allocbench report: %s\n", err);
            return 1;
        }
    size_t n = 0;
    for (size_t w = 0; w < NWL; w++)
        for (size_t k = 0; k < NCFG; k++) {
            unsigned long long ops = (unsigned long long)(report_workloads[w].ops * scale);
            cells[n++] = (cell_spec){.wl = &wls[w], .cfg = &cfgs[k], .seed = seed,
                                     .ops = ops ? ops : 1,
                                     .mem_limit = report_workloads[w].mem_limit};
        }
    if (!quiet)
        fprintf(stderr, "allocbench report: %zu cells (%zu workloads x %zu configurations) "
                "into %s/\n", n, NWL, NCFG, dir);
    double t0 = proc_now();
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned nj = jobs ? (unsigned)jobs : cpus > 0 ? (unsigned)cpus : 1;
    size_t failed = run_cells(cells, n, nj, quiet, res);
    double seconds = proc_now() - t0;

    char path[1024], pages_path[1024], command[1024];
    FILE *frag = open_in(dir, "fragmentation.csv", path, sizeof path);
    FILE *pages = open_in(dir, "slab_pages.csv", pages_path, sizeof pages_path);
    int rc = failed ? 1 : 0;
    if (frag == NULL || pages == NULL) {
        rc = 1;
    } else {
        write_cells_csv(frag, pages, cells, res, n);
    }
    if (frag)
        fclose(frag);
    if (pages)
        fclose(pages);
    join_args(argc, argv, command, sizeof command);
    report_run rr = {cells, res, n, wl_names, NWL, report_configs, NCFG, command, seconds, nj,
                     0};
    if (!no_plots)
        rr.plotted = plot(&rr, dir, plots_dir) == 0;
    if (report_write_readme(&rr, dir) != 0)
        rc = 1;
    if (!quiet)
        fprintf(stderr, "allocbench report: %zu cells in %.1f s, %zu failed; wrote %s/\n", n,
                seconds, failed, dir);
    for (size_t i = 0; i < n; i++)
        cell_result_free(&res[i]);
    return rc;
}
