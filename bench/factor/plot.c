/* plot.c - the SVG of efficiency against growth factor, drawn by gnuplot from data
 * written to temporary files; the script is generated because the marks (default,
 * best factor, optimal tables) move with the data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

/* Writes `factor chunk_eff mem_eff` rows of one report to a fresh temporary file. */
static int write_data(const factor_report *r, char *path, size_t pathlen)
{
    snprintf(path, pathlen, "/tmp/kvbench-factor-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(path);
        return -1;
    }
    for (size_t i = 0; i < r->nrows; i++)
        fprintf(f, "%.6f %.6f %.6f\n", r->rows[i].f, r->rows[i].e.chunk_efficiency,
                r->rows[i].e.memory_efficiency);
    return fclose(f) ? -1 : 0;
}

/* gnuplot's single-quoted strings end at a quote: keep names printable and safe. */
static void safe_title(const char *in, char *out, size_t outlen)
{
    size_t j = 0;
    for (size_t i = 0; in[i] && j + 1 < outlen; i++)
        out[j++] = (in[i] == '\'' || in[i] == '\\' || in[i] == '\n') ? '_' : in[i];
    out[j] = '\0';
}

/* Labels of different inputs side by side, so equal levels stay readable. */
static double label_x(size_t i)
{
    return 0.30 + 0.35 * (double)(i % 2);
}

/* Titles use the file name, not the whole path. */
static const char *base_name(const char *p)
{
    const char *slash = strrchr(p, '/');
    return slash ? slash + 1 : p;
}

int factor_plot_svg(const factor_report *r, size_t nreports, const char *path, char *err,
                    size_t errlen)
{
    char (*data)[64] = calloc(nreports ? nreports : 1, sizeof *data);
    if (!data) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    size_t written = 0;
    for (; written < nreports; written++)
        if (write_data(&r[written], data[written], sizeof data[written])) {
            snprintf(err, errlen, "cannot write plot data to /tmp");
            rc = -1;
            break;
        }
    FILE *gp = rc ? NULL : popen("gnuplot", "w");
    if (!rc && !gp) {
        snprintf(err, errlen, "cannot run gnuplot (install gnuplot-nox)");
        rc = -1;
    }
    if (gp) {
        char out[1024];
        safe_title(path, out, sizeof out);
        fprintf(gp, "set terminal svg size 1000,600 dynamic noenhanced font 'sans,12'\n"
                    "set output '%s'\n"
                    "set xlabel 'growth factor (-f)'\nset ylabel 'efficiency'\n"
                    "set key bottom right\nset grid\nset yrange [0:1.02]\n"
                    "set title 'slab efficiency against growth factor "
                    "(solid: chunk, dashed: memory; dotted level: optimal table)'\n"
                    "set arrow from 1.25, graph 0 to 1.25, graph 1 nohead dt 2 lc 'gray'\n"
                    "set label 'default 1.25' at 1.25, graph 0.03 offset 0.5,0\n",
                out);
        for (size_t i = 0; i < nreports; i++) {
            const factor_report *x = &r[i];
            const sweep_row *b = &x->rows[x->best];
            char name[128];
            safe_title(base_name(x->name), name, sizeof name);
            /* The optimal tables are not factors: a level line at their efficiency. */
            fprintf(gp, "set arrow from graph 0, first %.6f to graph 1, first %.6f nohead "
                        "dt 3 lw 2 lc %zu\n"
                        "set label '%s: optimal %u classes %.4f' at graph %.2f, first %.6f "
                        "offset 0,0.6 tc lt %zu\n",
                    x->ebest_opt.chunk_efficiency, x->ebest_opt.chunk_efficiency, i + 1,
                    name, x->kbest, x->ebest_opt.chunk_efficiency, label_x(i),
                    x->ebest_opt.chunk_efficiency, i + 1);
            if (x->tuser_opt.n && x->tuser_opt.n != x->kbest)
                fprintf(gp, "set arrow from graph 0, first %.6f to graph 1, first %.6f "
                            "nohead dt 3 lc %zu\n"
                            "set label '%s: optimal %u classes %.4f' at graph %.2f, first "
                            "%.6f offset 0,-1 tc lt %zu\n",
                        x->euser_opt.chunk_efficiency, x->euser_opt.chunk_efficiency, i + 1,
                        name, x->tuser_opt.n, x->euser_opt.chunk_efficiency, label_x(i),
                        x->euser_opt.chunk_efficiency, i + 1);
            fprintf(gp, "$marks%zu << EOD\n1.25 %.6f \"1.25\"\n%.6f %.6f \"best %s\"\nEOD\n",
                    i, x->dflt.e.chunk_efficiency, b->f, b->e.chunk_efficiency, b->label);
        }
        fprintf(gp, "plot ");
        for (size_t i = 0; i < nreports; i++) {
            char name[128];
            safe_title(base_name(r[i].name), name, sizeof name);
            fprintf(gp,
                    "%s'%s' using 1:2 with lines lw 2 lc %zu title '%s', "
                    "'%s' using 1:3 with lines dt 2 lc %zu notitle, "
                    "$marks%zu using 1:2 with points pt 7 ps 1.3 lc %zu notitle, "
                    "$marks%zu using 1:2:3 with labels offset 0,1 tc lt %zu notitle",
                    i ? ", " : "", data[i], i + 1, name, data[i], i + 1, i, i + 1, i,
                    i + 1);
        }
        fprintf(gp, "\n");
        if (pclose(gp) != 0) {
            snprintf(err, errlen, "gnuplot failed writing %s", path);
            rc = -1;
        }
    }
    for (size_t i = 0; i < written; i++)
        unlink(data[i]);
    free(data);
    return rc;
}
