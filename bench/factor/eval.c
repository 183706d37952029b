/* eval.c - how a class table serves a size distribution: chunk efficiency by a merge
 * walk over sizes and classes (both sorted), memory efficiency from whole pages. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "factor.h"

int factor_hist_fits(const factor_geom *g, const size_hist *h)
{
    size_t biggest = g->chunk_max;
    if (h->n && h->size[h->n - 1] > biggest)
        biggest = h->size[h->n - 1];
    unsigned long long prod;
    return !__builtin_mul_overflow(h->total, (unsigned long long)biggest, &prod);
}

/* Pages class c needs to hold t copies of the distribution. */
static double pages_at(double t, unsigned long long cnt, size_t perslab)
{
    double p = ceil(t * (double)cnt / (double)perslab);
    return p < 1 ? 1 : p;
}

/* The largest scale t whose whole-page demand fits in `cap` pages (see factor.h).
 * Page demand is a step function of t; bisection finds a feasible t next to the
 * jump, and the exact jump point is then min over classes of p_c * perslab_c / cnt_c
 * for the page counts found there. */
static double fill_scale(const unsigned long long *cnt, const size_t *perslab, unsigned nc,
                         double cap, double *pages_out)
{
    double lo = INFINITY, hi = INFINITY;
    for (unsigned c = 0; c < nc; c++) {
        if (!cnt[c])
            continue;
        double one = (double)perslab[c] / (double)cnt[c];
        if (one < lo)
            lo = one; /* every class in use at one page: always allowed */
        double all = cap * one;
        if (all < hi)
            hi = all; /* no class may need more than every page */
    }
    if (lo == INFINITY) {
        *pages_out = 0;
        return 0;
    }
    for (int it = 0; it < 200 && lo < hi; it++) {
        double mid = lo + (hi - lo) / 2;
        if (mid <= lo || mid >= hi)
            break;
        double sum = 0;
        for (unsigned c = 0; c < nc; c++)
            if (cnt[c])
                sum += pages_at(mid, cnt[c], perslab[c]);
        if (sum <= cap)
            lo = mid;
        else
            hi = mid;
    }
    double t = INFINITY, sum = 0;
    for (unsigned c = 0; c < nc; c++) {
        if (!cnt[c])
            continue;
        double p = pages_at(lo, cnt[c], perslab[c]);
        double edge = p * (double)perslab[c] / (double)cnt[c];
        if (edge < t)
            t = edge;
        sum += p;
    }
    *pages_out = sum;
    return t;
}

int table_eval_run(const class_table *t, const factor_geom *g, const size_hist *h,
                   unsigned long long memory, table_eval *out)
{
    unsigned long long cnt[FACTOR_MAX_CLASSES] = {0}, req[FACTOR_MAX_CLASSES] = {0};
    size_t perslab[FACTOR_MAX_CLASSES];
    memset(out, 0, sizeof *out);
    out->classes = t->n;
    if (!factor_hist_fits(g, h))
        return -1;
    size_t largest = t->chunk[t->n - 1];
    unsigned c = 0;
    for (size_t i = 0; i < h->n; i++) {
        size_t s = h->size[i];
        if (s > largest) {
            out->oversize_count += h->count[i];
            out->oversize_bytes += h->count[i] * (unsigned long long)s;
            continue;
        }
        while (t->chunk[c] < s)
            c++;
        cnt[c] += h->count[i];
        req[c] += h->count[i] * (unsigned long long)s;
    }
    unsigned long long worst_waste = 0, total_waste = 0;
    for (c = 0; c < t->n; c++) {
        perslab[c] = g->page_size / t->chunk[c];
        if (!cnt[c])
            continue;
        unsigned long long bytes = cnt[c] * (unsigned long long)t->chunk[c];
        out->classes_used++;
        out->placed += cnt[c];
        out->requested += req[c];
        out->chunk_bytes += bytes;
        total_waste += bytes - req[c];
        if (bytes - req[c] > worst_waste || !out->worst_chunk) {
            worst_waste = bytes - req[c];
            out->worst_chunk = t->chunk[c];
            out->worst_efficiency = (double)req[c] / (double)bytes;
        }
    }
    if (!out->placed)
        return 0;
    out->chunk_efficiency = (double)out->requested / (double)out->chunk_bytes;
    out->worst_waste_share = total_waste ? (double)worst_waste / (double)total_waste : 0;
    double cap = (double)(memory / g->page_size);
    if (cap < out->classes_used)
        cap = out->classes_used; /* memcached grants every class its first page */
    double pages;
    out->scale = fill_scale(cnt, perslab, t->n, cap, &pages);
    out->pages = (unsigned long long)pages;
    out->memory_efficiency =
        out->scale * (double)out->requested / (pages * (double)g->page_size);
    return 0;
}
