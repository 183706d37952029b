/* run_cells.c - see run_cells.h. */
#include "run_cells.h"

#include "csv_out.h"
#include "proc_stats.h"

#include <unistd.h>

typedef struct progress_state {
    int quiet;
    double start;
} progress_state;

static void progress(void *ud, size_t done, size_t total, const cell_spec *c,
                     const cell_result *r)
{
    progress_state *ps = ud;
    char wl[200];
    cell_workload_name(c, wl, sizeof wl);
    if (!r->ok)
        fprintf(stderr, "allocbench: cell %s x %s failed: %s\n", wl, c->cfg->text, r->err);
    if (ps->quiet)
        return;
    fprintf(stderr, "[%zu/%zu] %-22s %-40s %6.2fs  (elapsed %.0fs)\n", done, total, wl,
            c->cfg->text, r->seconds, proc_now() - ps->start);
}

size_t run_cells(const cell_spec *cells, size_t n, unsigned jobs, int quiet, cell_result *out)
{
    if (jobs == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = cpus > 0 ? (unsigned)cpus : 1;
    }
    progress_state ps = {quiet, proc_now()};
    return cells_run(cells, n, jobs, out, progress, &ps);
}

void write_cells_csv(FILE *frag, FILE *pages, const cell_spec *cells, const cell_result *res,
                     size_t n)
{
    csv_frag_header(frag);
    if (pages)
        csv_pages_header(pages);
    for (size_t i = 0; i < n; i++) {
        if (!res[i].ok)
            continue;
        char wl[200];
        cell_workload_name(&cells[i], wl, sizeof wl);
        size_t limit = cells[i].mem_limit ? cells[i].mem_limit : cells[i].cfg->mem_limit;
        csv_cell cc = {wl, cells[i].cfg->text, cells[i].seed, limit};
        for (size_t k = 0; k < res[i].nrows; k++)
            csv_frag_row(frag, &cc, &res[i].rows[k]);
        if (pages)
            for (size_t k = 0; k < res[i].nclasses; k++)
                csv_pages_row(pages, &cc, &res[i].classes[k]);
    }
}
