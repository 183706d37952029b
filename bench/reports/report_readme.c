/* report_readme.c - results/README.md: what machine and command produced the
 * results, and what they show, computed from the rows themselves. */
#include "report.h"

#include <gnu/libc-version.h>
#include <jemalloc/jemalloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024.0 * 1024.0)

/* The value of the first "key: value" line of a /proc file starting with key. */
static void proc_field(const char *file, const char *key, char *out, size_t len)
{
    snprintf(out, len, "unknown");
    FILE *f = fopen(file, "r");
    if (f == NULL)
        return;
    char line[512];
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) != 0)
            continue;
        char *v = strchr(line, ':');
        if (v == NULL)
            continue;
        v++;
        while (*v == ' ' || *v == '\t')
            v++;
        v[strcspn(v, "\n")] = '\0';
        snprintf(out, len, "%s", v);
        break;
    }
    fclose(f);
}

static double eff(const cell_row *r)
{
    return r && r->held ? (double)r->requested / (double)r->held : 0;
}

static void machine(FILE *f, const report_run *r)
{
    struct utsname u;
    char cpu[256], mem[64], date[64];
    const char *je = "unknown";
    size_t sz = sizeof je;
    mallctl("version", &je, &sz, NULL, 0);
    proc_field("/proc/cpuinfo", "model name", cpu, sizeof cpu);
    proc_field("/proc/meminfo", "MemTotal", mem, sizeof mem);
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    uname(&u);
    fprintf(f, "Produced by `%s` on %s: %zu cells in %.1f s, %u at a time.\n\n", r->command,
            date, r->n, r->seconds, r->jobs);
    fprintf(f, "## Machine\n\n- %s %s %s (%s)\n- CPU: %s, %ld online\n- memory: %s\n"
            "- glibc %s, jemalloc %s\n\n", u.sysname, u.release, u.machine, u.version, cpu,
            sysconf(_SC_NPROCESSORS_ONLN), mem, gnu_get_libc_version(), je);
}

static void files(FILE *f, const report_run *r)
{
    fprintf(f,
"## Files\n\n"
"- `fragmentation.csv`: one row per (workload, configuration, sample point).  Each row\n"
"  keeps the identity `held = requested + header + alignment + class_rounding +\n"
"  external` to the byte; `efficiency = requested / held`; `rss_bytes` is the RSS of\n"
"  the cell's own process (the harness's tables included, the same for every\n"
"  configuration of a workload); zmalloc rows add Redis's INFO-memory figures.\n"
"- `slab_pages.csv`: for slab configurations, pages per class at the end (and at\n"
"  phase-shift's phase ends); `waste_bytes` is memcached's total_chunks x chunk_size -\n"
"  requested.\n");
    if (r->plotted)
        fprintf(f, "- `efficiency.svg`: efficiency at the end per workload and configuration.\n"
                   "- `phase_shift.svg`: held bytes over time in phase-shift.\n");
    else
        fprintf(f, "- plots were not drawn (gnuplot missing or --no-plots); their data is in "
                   "`efficiency.tsv` and `phase_shift.tsv`.\n");
    fprintf(f, "\nHow held is measured: slab, its pages plus large mappings; zmalloc over "
               "jemalloc and plain jemalloc, the active pages of a jemalloc arena private to "
               "the cell; zmalloc over libc and plain glibc, glibc's arena and mmapped bytes "
               "(mallinfo2) beyond what was in use when the cell began.\n\n");
}

static void efficiency_table(FILE *f, const report_run *r)
{
    fprintf(f, "## Efficiency at the end (requested / held)\n\n| workload |");
    for (size_t k = 0; k < r->nconfigs; k++)
        fprintf(f, " %s |", r->configs[k]);
    fprintf(f, "\n|---|");
    for (size_t k = 0; k < r->nconfigs; k++)
        fprintf(f, "---:|");
    fputc('\n', f);
    for (size_t w = 0; w < r->nworkloads; w++) {
        fprintf(f, "| %s |", r->workloads[w]);
        for (size_t k = 0; k < r->nconfigs; k++) {
            const cell_row *row = report_final(report_cell(r, w, k));
            if (row)
                fprintf(f, " %.3f |", eff(row));
            else
                fprintf(f, " failed |");
        }
        fputc('\n', f);
    }
    fputc('\n', f);
}

static void breakdown(FILE *f, const report_run *r, size_t w)
{
    fprintf(f, "## Where the bytes go in `%s` (share of held at the end)\n\n"
               "| config | requested | header | alignment | class rounding | external | "
               "held MiB | peak held MiB | RSS MiB | ops/s |\n"
               "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n", r->workloads[w]);
    for (size_t k = 0; k < r->nconfigs; k++) {
        const cell_row *x = report_final(report_cell(r, w, k));
        if (x == NULL || x->held == 0)
            continue;
        double h = (double)x->held / 100.0;
        fprintf(f, "| %s | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f | %.1f | %.1f | %.0f |\n",
                r->configs[k], x->requested / h, x->header / h, x->alignment / h,
                x->rounding / h, (double)x->external / h, x->held / MIB, x->peak_held / MIB,
                x->rss / MIB, x->ops_per_sec);
    }
    fputc('\n', f);
}

/* The last row of a phase. */
static const cell_row *phase_end(const cell_result *res, const char *phase)
{
    const cell_row *found = NULL;
    for (size_t i = 0; res && i < res->nrows; i++)
        if (strcmp(res->rows[i].phase, phase) == 0)
            found = &res->rows[i];
    return found;
}

static void phase_shift(FILE *f, const report_run *r, size_t w)
{
    fprintf(f, "## %s: held MiB at the phase ends\n\n"
               "| config | after small fill | after delete | after large fill | end / small "
               "fill | RSS at end MiB | evictions |\n|---|---:|---:|---:|---:|---:|---:|\n",
            r->workloads[w]);
    for (size_t k = 0; k < r->nconfigs; k++) {
        const cell_result *res = report_cell(r, w, k);
        const cell_row *a = phase_end(res, "fill-small"), *b = phase_end(res, "delete"),
                       *c = report_final(res);
        if (a == NULL || b == NULL || c == NULL)
            continue;
        fprintf(f, "| %s | %.1f | %.1f | %.1f | %.2f | %.1f | %llu |\n", r->configs[k],
                a->held / MIB, b->held / MIB, c->held / MIB,
                a->held ? (double)c->held / a->held : 0, c->rss / MIB,
                (unsigned long long)c->evictions);
    }
    fprintf(f, "\nThe large fill stores as many bytes as the delete removed, so an allocator "
               "that reused freed memory perfectly would end where the small fill ended "
               "(ratio 1).  Slab pages stay with the small classes (calcification); a general "
               "allocator reuses part of its sparse pages.\n\n");
}

static void findings(FILE *f, const report_run *r)
{
    fprintf(f, "## What the figures show\n\n");
    size_t rows = 0, exact = 0;
    for (size_t i = 0; i < r->n; i++)
        for (size_t k = 0; r->res[i].ok && k < r->res[i].nrows; k++) {
            const cell_row *x = &r->res[i].rows[k];
            rows++;
            exact += x->external >= 0 &&
                     x->requested + x->header + x->alignment + x->rounding +
                             (uint64_t)x->external == x->held;
        }
    fprintf(f, "- The identity holds with external >= 0 in %zu of %zu rows.\n", exact, rows);
    for (size_t w = 0; w < r->nworkloads; w++) {
        size_t best = r->nconfigs, worst = r->nconfigs;
        for (size_t k = 0; k < r->nconfigs; k++) {
            const cell_row *x = report_final(report_cell(r, w, k));
            if (x == NULL)
                continue;
            if (best == r->nconfigs ||
                eff(x) > eff(report_final(report_cell(r, w, best))))
                best = k;
            if (worst == r->nconfigs ||
                eff(x) < eff(report_final(report_cell(r, w, worst))))
                worst = k;
        }
        if (best == r->nconfigs)
            continue;
        fprintf(f, "- `%s`: most efficient %s (%.3f), least %s (%.3f).\n", r->workloads[w],
                r->configs[best], eff(report_final(report_cell(r, w, best))),
                r->configs[worst], eff(report_final(report_cell(r, w, worst))));
    }
    fputc('\n', f);
}

int report_write_readme(const report_run *r, const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/README.md", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    fprintf(f, "# allocbench results\n\n");
    machine(f, r);
    findings(f, r);
    efficiency_table(f, r);
    for (size_t w = 0; w < r->nworkloads; w++)
        if (strcmp(r->workloads[w], "etc") == 0 || strcmp(r->workloads[w], "redis-strings") == 0)
            breakdown(f, r, w);
    for (size_t w = 0; w < r->nworkloads; w++)
        if (strncmp(r->workloads[w], "phase-shift", 11) == 0)
            phase_shift(f, r, w);
    files(f, r);
    return fclose(f);
}
