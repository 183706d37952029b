/* report.c - one input's factor sweep, recommendation and optimal tables (report.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define DEFAULT_FACTOR "1.25"

/* Decimals needed to print x exactly enough that strtod gives back the same grid
 * point: the grid is from + i * step, printed and re-read, so the factor a row
 * reports is the very double memcached would parse from its -f flag. */
static int decimals_of(double x)
{
    for (int d = 0; d < 6; d++) {
        double scaled = x * pow(10, d);
        if (fabs(scaled - round(scaled)) < 1e-9 * (scaled > 1 ? scaled : 1))
            return d;
    }
    return 6;
}

static void fill_row(const factor_opts *o, const size_hist *h, const char *label,
                     sweep_row *row)
{
    class_table t;
    snprintf(row->label, sizeof row->label, "%s", label);
    row->f = strtod(label, NULL);
    class_table_from_factor(&o->geom, row->f, &t);
    row->classes = t.n;
    row->below_max = t.n > 1 ? t.chunk[t.n - 2] : 0;
    /* The cap ended the table if memcached's loop would otherwise have gone on. */
    row->capped = 0;
    if (t.n == o->geom.max_classes && t.n > 1) {
        unsigned int next = (unsigned int)(t.chunk[t.n - 2] * row->f);
        row->capped = (double)next < (double)o->geom.chunk_max / row->f;
    }
    table_eval_run(&t, &o->geom, h, o->memory, &row->e);
}

static double score(const factor_opts *o, const table_eval *e)
{
    return o->rank_memory ? e->memory_efficiency : e->chunk_efficiency;
}

int factor_report_run(const factor_opts *o, const char *name, const size_hist *h,
                      factor_report *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->name = name;
    r->h = h;
    if (!factor_hist_fits(&o->geom, h)) {
        snprintf(err, errlen, "%s: count times largest size passes 2^64 bytes", name);
        return -1;
    }
    int d = decimals_of(o->step);
    if (decimals_of(o->from) > d)
        d = decimals_of(o->from);
    size_t n = (size_t)floor((o->to - o->from) / o->step + 1e-9) + 1;
    r->rows = calloc(n, sizeof *r->rows);
    if (!r->rows) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->nrows = n;
    for (size_t i = 0; i < n; i++) {
        char label[24];
        snprintf(label, sizeof label, "%.*f", d, o->from + (double)i * o->step);
        fill_row(o, h, label, &r->rows[i]);
        /* Ties go to the larger factor: fewer classes, fewer pages tied up. */
        if (score(o, &r->rows[i].e) >= score(o, &r->rows[r->best].e))
            r->best = i;
    }
    fill_row(o, h, DEFAULT_FACTOR, &r->dflt);
    r->kbest = r->rows[r->best].classes;
    unsigned kmax = o->geom.max_classes;
    if (kmax > FACTOR_MAX_CLASSES)
        kmax = FACTOR_MAX_CLASSES;
    r->curve = calloc(kmax + 1, sizeof *r->curve);
    if (!r->curve || factor_optimal_run(&o->geom, h, kmax, &r->opt)) {
        snprintf(err, errlen, "%s: out of memory in the optimal-table search", name);
        return -1;
    }
    for (unsigned k = 1; k <= kmax; k++) {
        class_table t;
        factor_optimal_table(&r->opt, &o->geom, k, &t);
        table_eval_run(&t, &o->geom, h, o->memory, &r->curve[k]);
    }
    factor_optimal_table(&r->opt, &o->geom, r->kbest, &r->tbest_opt);
    r->ebest_opt = r->curve[r->kbest];
    if (o->optimal_k) {
        factor_optimal_table(&r->opt, &o->geom, o->optimal_k, &r->tuser_opt);
        r->euser_opt = r->curve[o->optimal_k];
    }
    return 0;
}

void factor_report_free(factor_report *r)
{
    free(r->rows);
    free(r->curve);
    factor_optimal_free(&r->opt);
    memset(r, 0, sizeof *r);
}

/* "12.3% less waste" or "4.5% more waste": wasted bytes per requested byte,
 * (1 - e) / e, of the new table against the old one's. */
static const char *waste_change(double eff_new, double eff_old, char *buf, size_t len)
{
    double w_old = eff_old > 0 ? (1 - eff_old) / eff_old : 0;
    double w_new = eff_new > 0 ? (1 - eff_new) / eff_new : 0;
    double pct = w_old > 0 ? 100 * (w_old - w_new) / w_old : 0;
    snprintf(buf, len, "%.1f%% %s waste", pct >= 0 ? pct : -pct, pct >= 0 ? "less" : "more");
    return buf;
}

static void print_row(const sweep_row *row, FILE *out)
{
    const table_eval *e = &row->e;
    fprintf(out, "%7s %5u %5u %8.4f %8.4f %7llu  %8zu %8.4f %5.1f%%", row->label,
            row->classes, e->classes_used, e->chunk_efficiency, e->memory_efficiency,
            e->pages, e->worst_chunk, e->worst_efficiency, 100 * e->worst_waste_share);
    if (row->hr.done)
        fprintf(out, " %8.3f %10llu %8.1f", 100 * row->hr.hit_ratio, row->hr.evictions,
                (double)row->hr.counted_bytes / (1 << 20));
    fprintf(out, "%s\n", row->capped ? "  cap" : "");
}

/* memcached's flags for a geometry, or why it cannot take them. */
static void print_geom_flags(const factor_geom *g, FILE *out)
{
    if (g->min_chunk > FACTOR_ITEM_HEADER)
        fprintf(out, " -n %zu", g->min_chunk - FACTOR_ITEM_HEADER);
    fprintf(out, " -o slab_chunk_max=%zu", g->chunk_max);
    if (g->max_classes != FACTOR_MEMCACHED_CLASSES)
        fprintf(out, "   (memcached has exactly %u classes at most)",
                FACTOR_MEMCACHED_CLASSES);
    if (g->page_size != ((size_t)1 << 20))
        fprintf(out, "   (memcached 1.6 pages are always 1 MiB)");
    if (g->min_chunk <= FACTOR_ITEM_HEADER)
        fprintf(out, "   (min_chunk %zu is below memcached's 48 + n, n >= 1)", g->min_chunk);
    if (((size_t)1 << 20) % g->chunk_max)
        fprintf(out, "   (memcached needs -I a multiple of slab_chunk_max)");
    fputc('\n', out);
}

static void print_optimal(const factor_opts *o, const factor_report *r, unsigned k,
                          const class_table *t, const table_eval *e, FILE *out)
{
    const sweep_row *b = &r->rows[r->best];
    char *list = malloc(FACTOR_MAX_CLASSES * 24 + 1);
    size_t first = 0;
    char wbuf[48];
    fprintf(out, "optimal table of %u classes: chunk efficiency %.4f (best factor %.4f: "
                 "%+.2f points, %s), memory efficiency %.4f\n",
            k, e->chunk_efficiency, b->e.chunk_efficiency,
            100 * (e->chunk_efficiency - b->e.chunk_efficiency),
            waste_change(e->chunk_efficiency, b->e.chunk_efficiency, wbuf, sizeof wbuf),
            e->memory_efficiency);
    if (!list)
        return;
    fprintf(out, "  chunks:");
    for (unsigned i = 0; i < t->n; i++)
        fprintf(out, " %zu", t->chunk[i]);
    fputc('\n', out);
    class_table tv;
    unsigned dropped = factor_table_expressible(t, &tv);
    if (dropped) {
        table_eval ev;
        table_eval_run(&tv, &o->geom, r->h, o->memory, &ev);
        fprintf(out, "  memcached and the slab backend want slab_sizes entries more than 8 "
                     "apart, which allows at most 7 gaps of 8 bytes in a row: the lists below "
                     "drop %u class(es), chunk efficiency %.4f\n",
                dropped, ev.chunk_efficiency);
        t = &tv;
    }
    int ok = factor_slab_sizes_arg(t, list, FACTOR_MAX_CLASSES * 24 + 1, &first);
    if (t->n > 1) {
        fprintf(out, "  memcached:");
        if (o->geom.min_chunk <= FACTOR_ITEM_HEADER ||
            first < o->geom.min_chunk - FACTOR_ITEM_HEADER)
            fprintf(out, " -n %zu", first); /* -n is slab_sizes' lower bound */
        fprintf(out, " -o slab_chunk_max=%zu,slab_sizes=%s\n", o->geom.chunk_max, list);
        if (ok)
            fprintf(out, "  (internal error: the list above breaks memcached's rule)\n");
        for (char *p = list; *p; p++)
            if (*p == '-')
                *p = ',';
        fprintf(out, "  slab backend: size_t sizes[] = {%s}; "
                     "cfg.slab.sizes = sizes; cfg.slab.nsizes = %u; "
                     "cfg.slab.chunk_max = %zu; cfg.slab.page_size = %zu;\n",
                list, t->n - 1, o->geom.chunk_max, o->geom.page_size);
    } else {
        fprintf(out, "  (one class: everything in chunk_max)\n");
    }
    free(list);
}

/* memcached's -m for o->memory: whole MiB. */
static void print_mem_flag(unsigned long long memory, FILE *out)
{
    if (memory % (1 << 20) == 0)
        fprintf(out, " -m %llu", memory >> 20);
    else
        fprintf(out, " -m %.2f (memcached takes whole MiB)", (double)memory / (1 << 20));
}

/* The hit-ratio recommendation (r->hr), its gap to the efficiency one and to the
 * default, the tie rule, and the --optimal K table's replay. */
static void print_hit_ratio(const factor_opts *o, const factor_report *r, FILE *out)
{
    const sweep_row *h = &r->rows[r->best_hr], *b = &r->rows[r->best], *d = &r->dflt;
    size_t top = 0;
    for (size_t i = 1; i < r->nrows; i++)
        if (r->rows[i].hr.hit_ratio > r->rows[top].hr.hit_ratio)
            top = i;
    fprintf(out, "recommendation (by hit ratio): -f %s, %u classes, hit ratio %.3f%%, %llu "
                 "evictions, at -m %.1f MiB on the simulated memcached 1.6.18\n",
            h->label, h->classes, 100 * h->hr.hit_ratio, h->hr.evictions,
            (double)o->memory / (1 << 20));
    fprintf(out, "  by %s efficiency -f %s: hit ratio %.3f%% -> the two recommendations are "
                 "%.2f points of hit ratio apart\n",
            o->rank_memory ? "memory" : "chunk", b->label, 100 * b->hr.hit_ratio,
            100 * (h->hr.hit_ratio - b->hr.hit_ratio));
    fprintf(out, "  default -f 1.25: hit ratio %.3f%% -> the best factor gains %+.2f points\n",
            100 * d->hr.hit_ratio, 100 * (h->hr.hit_ratio - d->hr.hit_ratio));
    fprintf(out, "  ties: hit ratios within %.3f points of the highest (%.3f%% at -f %s; one "
                 "standard error over %llu gets) count as equal, and the factor nearest 1.25 "
                 "wins\n",
            100 * r->hr_tie, 100 * r->rows[top].hr.hit_ratio, r->rows[top].label,
            r->rows[top].hr.gets);
    fprintf(out, "  memcached: -f %s", h->label);
    print_mem_flag(o->memory, out);
    print_geom_flags(&o->geom, out);
    /* a page or two past -m is memcached's ordinary overshoot; more, and the factors
     * were not compared at equal memory */
    if (h->hr.counted_bytes > o->memory + o->memory / 20)
        fprintf(out, "  note: memcached gives every class in use its first page even past -m: "
                     "-f %s ended holding %.1f MiB of pages, more than -m\n",
                h->label, (double)h->hr.counted_bytes / (1 << 20));
    if (r->user_hr.done)
        fprintf(out, "  optimal table of %u classes (%u as memcached takes it): hit ratio "
                     "%.3f%%, %llu evictions -> %+.2f points against -f %s\n",
                o->optimal_k, r->tuser_hr.n, 100 * r->user_hr.hit_ratio,
                r->user_hr.evictions, 100 * (r->user_hr.hit_ratio - h->hr.hit_ratio),
                h->label);
    fputc('\n', out);
}

void factor_report_print(const factor_opts *o, const factor_report *r, FILE *out)
{
    const size_hist *h = r->h;
    const factor_geom *g = &o->geom;
    const sweep_row *b = &r->rows[r->best], *d = &r->dflt;
    long double bytes = 0;
    for (size_t i = 0; i < h->n; i++)
        bytes += (long double)h->size[i] * h->count[i];
    fprintf(out, "== %s: %zu distinct sizes, %llu items, mean %.1f B, %zu..%zu B\n", r->name,
            h->n, h->total, (double)(bytes / h->total), h->size[0], h->size[h->n - 1]);
    fprintf(out, "geometry: min_chunk %zu, page %zu, chunk_max %zu, at most %u classes; "
                 "memory %llu bytes (%llu pages)\n",
            g->min_chunk, g->page_size, g->chunk_max, g->max_classes, o->memory,
            o->memory / g->page_size);
    if (d->e.oversize_count)
        fprintf(out, "above chunk_max (%zu): %llu items (%.3f%%), %llu bytes (%.2f%%): in no "
                     "class, left out of every efficiency below (memcached chains them)\n",
                g->chunk_max, d->e.oversize_count, 100.0 * d->e.oversize_count / h->total,
                d->e.oversize_bytes, (double)(100.0L * d->e.oversize_bytes / bytes));
    fprintf(out, "\n factor class  used chunk_ef   mem_ef   pages  worst: chunk      eff waste%s\n",
            r->hr ? "     hit%  evictions MiB held" : "");
    for (size_t i = 0; i < r->nrows; i++)
        print_row(&r->rows[i], out);
    fprintf(out, "(cap: the %u-class cap ended the table; its last step jumps to chunk_max)\n",
            g->max_classes);
    if (r->hr)
        fprintf(out, "(hit%%, evictions: the trace replayed on memcached with that -f at -m %.1f "
                     "MiB; MiB held: its pages at the end, where every class in use has one "
                     "even past -m)\n",
                (double)o->memory / (1 << 20));
    fputc('\n', out);

    char wbuf[48];
    const char *by = o->rank_memory ? "memory" : "chunk";
    double sb = o->rank_memory ? b->e.memory_efficiency : b->e.chunk_efficiency;
    double sd = o->rank_memory ? d->e.memory_efficiency : d->e.chunk_efficiency;
    fprintf(out, "recommendation (by %s efficiency): -f %s, %u classes, chunk efficiency "
                 "%.4f, memory efficiency %.4f\n",
            by, b->label, b->classes, b->e.chunk_efficiency, b->e.memory_efficiency);
    fprintf(out, "  default -f 1.25: %u classes, chunk %.4f, memory %.4f -> the best factor "
                 "gains %+.2f points (%s)\n",
            d->classes, d->e.chunk_efficiency, d->e.memory_efficiency, 100 * (sb - sd),
            waste_change(sb, sd, wbuf, sizeof wbuf));
    if (b->capped)
        fprintf(out, "  note: -f %s hits the %u-class cap: sizes from %zu to %zu all take "
                     "%zu-byte chunks\n",
                b->label, g->max_classes, b->below_max + 1, g->chunk_max, g->chunk_max);
    fprintf(out, "  memcached: -f %s", b->label);
    print_geom_flags(g, out);
    fprintf(out, "  slab backend: cfg.slab.growth_factor = %s; cfg.slab.min_chunk = %zu; "
                 "cfg.slab.page_size = %zu; cfg.slab.chunk_max = %zu;\n\n",
            b->label, g->min_chunk, g->page_size, g->chunk_max);

    if (r->hr)
        print_hit_ratio(o, r, out);

    print_optimal(o, r, r->kbest, &r->tbest_opt, &r->ebest_opt, out);
    if (o->optimal_k && o->optimal_k != r->kbest)
        print_optimal(o, r, o->optimal_k, &r->tuser_opt, &r->euser_opt, out);

    fprintf(out, "\noptimum against the number of classes K (chunk_max included):\n"
                 "    K chunk_ef   mem_ef   pages\n");
    for (unsigned k = 1; k <= r->opt.kmax; k++) {
        int show = k <= 8 || k % 4 == 0 || k == r->kbest || k == o->optimal_k ||
                   k == r->opt.kmax;
        if (show)
            fprintf(out, "  %3u %8.4f %8.4f %7llu%s\n", k, r->curve[k].chunk_efficiency,
                    r->curve[k].memory_efficiency, r->curve[k].pages,
                    k == r->kbest ? "  <- classes of the best factor" : "");
    }
    fputc('\n', out);
}

void factor_report_csv(const factor_report *r, FILE *out, int header)
{
    if (header)
        fprintf(out, "input,factor,classes,classes_used,chunk_efficiency,memory_efficiency,"
                     "pages,requested_bytes,chunk_bytes,oversize_items,largest_below_max,"
                     "capped,worst_chunk,worst_efficiency,worst_waste_share,hit_ratio,"
                     "evictions\n");
    for (size_t i = 0; i < r->nrows; i++) {
        const sweep_row *row = &r->rows[i];
        const table_eval *e = &row->e;
        fprintf(out, "%s,%s,%u,%u,%.6f,%.6f,%llu,%llu,%llu,%llu,%zu,%d,%zu,%.6f,%.6f,", r->name,
                row->label, row->classes, e->classes_used, e->chunk_efficiency,
                e->memory_efficiency, e->pages, e->requested, e->chunk_bytes,
                e->oversize_count, row->below_max, row->capped, e->worst_chunk,
                e->worst_efficiency, e->worst_waste_share);
        if (row->hr.done)
            fprintf(out, "%.6f,%llu\n", row->hr.hit_ratio, row->hr.evictions);
        else
            fprintf(out, ",\n");
    }
}

void factor_report_curve_csv(const factor_report *r, FILE *out, int header)
{
    if (header)
        fprintf(out, "input,K,chunk_efficiency,memory_efficiency,pages,waste_bytes\n");
    for (unsigned k = 1; k <= r->opt.kmax; k++)
        fprintf(out, "%s,%u,%.6f,%.6f,%llu,%llu\n", r->name, k, r->curve[k].chunk_efficiency,
                r->curve[k].memory_efficiency, r->curve[k].pages, r->opt.waste[k]);
}
