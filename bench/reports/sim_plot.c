/* sim_plot.c - the simulator's plots: miss-ratio curves (miss ratio against memory per
 * input and configuration) and hit ratio over trace time, drawn by gnuplot from TSV
 * blocks written next to the SVG. */
#include "sim_run.h"

#include "gnuplot.h"

#include <stdio.h>
#include <string.h>

#ifndef KVBENCH_PLOTS_DIR
#define KVBENCH_PLOTS_DIR "bench/reports/plots"
#endif

/* name of a line: "input config" without the input when there is only one */
static void line_name(const sim_cell *c, int one_input, char *buf, size_t len)
{
    if (one_input)
        snprintf(buf, len, "%s", c->config);
    else
        snprintf(buf, len, "%s %s", c->workload, c->config);
}

static int same_line(const sim_cell *a, const sim_cell *b)
{
    return strcmp(a->workload, b->workload) == 0 && strcmp(a->config, b->config) == 0;
}

static int one_input(const sim_cell *cells, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (strcmp(cells[i].workload, cells[0].workload) != 0)
            return 0;
    return 1;
}

static int finish(const char *svg, const char *tsv, const char *script, size_t blocks,
                  const char *extra)
{
    if (!gnuplot_available()) {
        fprintf(stderr, "allocbench sim: gnuplot not found, %s not drawn (install Debian's "
                "gnuplot-nox); the data is in %s\n", svg, tsv);
        return -1;
    }
    char path[512], vars[1600];
    snprintf(path, sizeof path, "%s/%s", KVBENCH_PLOTS_DIR, script);
    snprintf(vars, sizeof vars, "datafile=\"%s\"; outfile=\"%s\"; nblocks=%zu%s", tsv, svg,
             blocks, extra);
    return gnuplot_run("allocbench sim", path, vars);
}

int sim_plot_mrc(const char *svg, const sim_cell *cells, const sim_result *res, size_t n)
{
    char tsv[512];
    snprintf(tsv, sizeof tsv, "%s.tsv", svg);
    FILE *f = fopen(tsv, "w");
    if (f == NULL) {
        perror(tsv);
        return -1;
    }
    int single = one_input(cells, n);
    size_t blocks = 0;
    /* cells come grouped by input, then config, then memory: a run of equal
     * (input, config) is one line */
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && same_line(&cells[i], &cells[j]))
            j++;
        char name[400];
        line_name(&cells[i], single, name, sizeof name);
        fprintf(f, "%smemory_mib\t%s\n", blocks ? "\n\n" : "", name);
        for (size_t k = i; k < j; k++)
            if (res[k].ok)
                fprintf(f, "%.4f\t%.6f\n", (double)cells[k].memory / 1048576.0,
                        1 - res[k].row.hit_ratio);
        blocks++;
        i = j;
    }
    if (fclose(f) != 0) {
        perror(tsv);
        return -1;
    }
    char extra[64];
    snprintf(extra, sizeof extra, "; budget=\"%s\"",
             n && cells[0].budget == SIM_BUDGET_HELD ? "held" : "own");
    return finish(svg, tsv, "sim_mrc.gp", blocks, extra);
}

int sim_plot_timeline(const char *svg, const sim_cell *cells, const sim_result *res, size_t n)
{
    char tsv[512];
    snprintf(tsv, sizeof tsv, "%s.tsv", svg);
    FILE *f = fopen(tsv, "w");
    if (f == NULL) {
        perror(tsv);
        return -1;
    }
    int single = one_input(cells, n);
    size_t blocks = 0;
    for (size_t i = 0; i < n; i++) {
        if (!res[i].ok)
            continue;
        char name[400], label[480];
        line_name(&cells[i], single, name, sizeof name);
        snprintf(label, sizeof label, "%s @ %.0f MiB", name, (double)cells[i].memory / 1048576.0);
        fprintf(f, "%strace_s\t%s\n", blocks ? "\n\n" : "", label);
        const sim_row *r = &res[i].row;
        for (unsigned p = 0; p < r->npoints; p++)
            fprintf(f, "%llu\t%.6f\n", (unsigned long long)r->point[p].t_end,
                    r->point[p].gets ? (double)r->point[p].hits / (double)r->point[p].gets : 0);
        blocks++;
    }
    if (fclose(f) != 0) {
        perror(tsv);
        return -1;
    }
    return finish(svg, tsv, "sim_timeline.gp", blocks, "");
}
