/* hit_ratio.c - the growth-factor sweep replayed on the simulator's memcached preset
 * (hit_ratio.h). */
#include "hit_ratio.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_run.h"

#define DEFAULT_FACTOR 1.25
#define MC_PAGE ((size_t)1 << 20)     /* memcached 1.6's slab_page_size */
#define MC_DEFAULT_N 48u              /* -n */
#define MC_DEFAULT_CHUNK_MAX (MC_PAGE / 2)
#define CONFIG_MAX 640 /* "memcached:sizes=" + 62 entries of at most 7 digits + options */

/* Appends the geometry options the preset would otherwise take at their defaults. */
static int geom_opts(const factor_geom *g, int with_min_chunk, char *buf, size_t len)
{
    size_t used = strlen(buf);
    int w = 0;
    if (with_min_chunk && g->min_chunk != FACTOR_ITEM_HEADER + MC_DEFAULT_N)
        w = snprintf(buf + used, len - used, ",min_chunk=%zu", g->min_chunk);
    if (w < 0 || (size_t)w >= len - used)
        return -1;
    used += (size_t)w;
    w = 0;
    if (g->chunk_max != MC_DEFAULT_CHUNK_MAX)
        w = snprintf(buf + used, len - used, ",chunk_max=%zu", g->chunk_max);
    return w < 0 || (size_t)w >= len - used ? -1 : 0;
}

int factor_hr_config_factor(const factor_geom *g, const char *label, char *buf, size_t len)
{
    int w = snprintf(buf, len, "memcached:factor=%s", label);
    if (w < 0 || (size_t)w >= len)
        return -1;
    return geom_opts(g, 1, buf, len);
}

int factor_hr_config_sizes(const factor_geom *g, const class_table *t, char *buf,
                           size_t len)
{
    char list[CONFIG_MAX];
    size_t first = 0;
    if (t->n < 2 || factor_slab_sizes_arg(t, list, sizeof list, &first) != 0)
        return -1;
    int w = snprintf(buf, len, "memcached:sizes=%s", list);
    if (w < 0 || (size_t)w >= len)
        return -1;
    /* memcached takes -n as the least slab_sizes entry: only a first entry below the
     * default 48 needs it lowered (the table itself is the list) */
    if (first < MC_DEFAULT_N) {
        size_t used = (size_t)w;
        w = snprintf(buf + used, len - used, ",n=%zu", first ? first : 1);
        if (w < 0 || (size_t)w >= len - used)
            return -1;
    }
    return geom_opts(g, 0, buf, len);
}

/* Creates and destroys the preset for `config`: 0, or -1 with the preset's sentence. */
static int try_config(const char *config, unsigned long long memory, char *err,
                      size_t errlen)
{
    const char *opts;
    const sim_preset *p = sim_preset_find(config, &opts);
    sim_params prm = {.memory_limit = memory ? memory : 1, .budget = SIM_BUDGET_OWN};
    sim_server *s;
    char why[256];
    if (p == NULL || p->create(opts, &prm, &s, why, sizeof why) != 0) {
        snprintf(err, errlen, "the memcached preset refuses '%s': %s", config,
                 p ? why : "no memcached preset");
        return -1;
    }
    p->destroy(s);
    return 0;
}

int factor_hr_geom_check(const factor_geom *g, char *err, size_t errlen)
{
    if (g->page_size != MC_PAGE) {
        snprintf(err, errlen, "--by hit-ratio replays on memcached 1.6, whose pages are "
                              "always 1 MiB: drop --page");
        return -1;
    }
    if (g->max_classes != FACTOR_MEMCACHED_CLASSES) {
        snprintf(err, errlen, "--by hit-ratio replays on memcached, which has at most %u "
                              "classes: drop --max-classes", FACTOR_MEMCACHED_CLASSES);
        return -1;
    }
    char config[CONFIG_MAX];
    if (factor_hr_config_factor(g, "1.25", config, sizeof config) != 0) {
        snprintf(err, errlen, "internal error: the memcached config does not fit");
        return -1;
    }
    return try_config(config, 64ULL << 20, err, errlen);
}

size_t factor_hr_pick(const sweep_row *rows, size_t n, double tie)
{
    double top = 0;
    for (size_t i = 0; i < n; i++)
        if (rows[i].hr.hit_ratio > top)
            top = rows[i].hr.hit_ratio;
    size_t pick = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        const hr_cell *c = &rows[i].hr;
        if (c->hit_ratio < top - tie)
            continue;
        if (pick == SIZE_MAX) {
            pick = i;
            continue;
        }
        /* 1.20 and 1.30 are equally far from 1.25 although their doubles are not */
        double di = fabs(rows[i].f - DEFAULT_FACTOR), dp = fabs(rows[pick].f - DEFAULT_FACTOR);
        if (di < dp - 1e-9 || (fabs(di - dp) <= 1e-9 && c->hit_ratio > rows[pick].hr.hit_ratio))
            pick = i; /* a later row with the same distance and hit ratio: larger f, kept out */
    }
    return pick == SIZE_MAX ? 0 : pick;
}

double factor_hr_tie(double h, unsigned long long gets)
{
    return gets ? sqrt(h * (1 - h) / (double)gets) : 0;
}

static void take(const sim_result *res, hr_cell *c)
{
    c->done = 1;
    c->hit_ratio = res->row.hit_ratio;
    c->gets = res->row.gets;
    c->evictions = res->row.st.evictions;
    c->counted_bytes = res->row.st.counted_bytes;
}

int factor_hr_run(const factor_opts *o, const factor_hr_opts *h, factor_report *r,
                  char *err, size_t errlen)
{
    /* cells: the rows, then the default 1.25 (r->dflt), then the --optimal K table */
    typedef char config_text[CONFIG_MAX];
    size_t nrows = r->nrows, n = nrows + 1 + (o->optimal_k ? 1 : 0);
    config_text *config = calloc(n, sizeof *config);
    sim_cell *cells = calloc(n, sizeof *cells);
    sim_result *res = calloc(n, sizeof *res);
    char label[300];
    const char *base = strrchr(h->trace, '/');
    snprintf(label, sizeof label, "trace:%s", base ? base + 1 : h->trace);
    int rc = 0;
    if (!config || !cells || !res) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i <= nrows; i++) {
        const char *f = i < nrows ? r->rows[i].label : r->dflt.label;
        if (factor_hr_config_factor(&o->geom, f, config[i], CONFIG_MAX) != 0) {
            snprintf(err, errlen, "internal error: the config of -f %s does not fit", f);
            rc = -1;
        }
    }
    if (rc == 0 && o->optimal_k) {
        factor_table_expressible(&r->tuser_opt, &r->tuser_hr);
        if (factor_hr_config_sizes(&o->geom, &r->tuser_hr, config[n - 1], CONFIG_MAX)) {
            snprintf(err, errlen, "the optimal table of %u classes has no slab_sizes list "
                                  "memcached accepts", o->optimal_k);
            rc = -1;
        }
    }
    /* a config the preset refuses fails here with its sentence, not once per cell */
    if (rc == 0)
        rc = try_config(config[0], o->memory, err, errlen);
    if (rc == 0 && o->optimal_k)
        rc = try_config(config[n - 1], o->memory, err, errlen);
    for (size_t i = 0; rc == 0 && i < n; i++)
        cells[i] = (sim_cell){.workload = label, .trace = h->trace, .config = config[i],
                              .memory = o->memory, .budget = SIM_BUDGET_OWN,
                              .time_scale = 1, .seed = h->seed};
    if (rc == 0 && sim_cells(cells, n, h->jobs, 1, res) != 0) {
        for (size_t i = 0; i < n; i++)
            if (!res[i].ok) {
                snprintf(err, errlen, "replaying %s on %s failed: %s", h->trace, config[i],
                         res[i].err);
                break;
            }
        rc = -1;
    }
    if (rc == 0 && res[0].row.gets == 0) {
        snprintf(err, errlen, "%s has no gets: a hit ratio needs reads to count", h->trace);
        rc = -1;
    }
    if (rc == 0) {
        for (size_t i = 0; i < nrows; i++)
            take(&res[i], &r->rows[i].hr);
        take(&res[nrows], &r->dflt.hr);
        if (o->optimal_k)
            take(&res[n - 1], &r->user_hr);
        size_t top = 0;
        for (size_t i = 1; i < nrows; i++)
            if (r->rows[i].hr.hit_ratio > r->rows[top].hr.hit_ratio)
                top = i;
        r->hr_tie = factor_hr_tie(r->rows[top].hr.hit_ratio, r->rows[top].hr.gets);
        r->best_hr = factor_hr_pick(r->rows, nrows, r->hr_tie);
        r->hr = 1;
    }
    free(config);
    free(cells);
    free(res);
    return rc;
}
