/* optimal.c - the class table of K classes that wastes least for a distribution.
 *
 * Classes are chosen among the distinct 8-aligned sizes a_1 < ... < a_m from
 * min_chunk (aligned; smaller sizes count as that) to below chunk_max (a class between
 * two such sizes could shrink to the lower one and waste less), and the last class is always chunk_max, as memcached appends it to any
 * slab_sizes list.  With W_i the count at a_i and P_j = W_1 + ... + W_j, the chunk
 * bytes of k free classes ending at a_j obey
 *     F_k(j) = min_{i<j} F_{k-1}(i) + a_j (P_j - P_i).
 * The cost C(i, j) = a_j (P_j - P_i) satisfies the quadrangle inequality
 * (C(a,c) + C(b,d) - C(a,d) - C(b,c) = (a_c - a_d)(P_b - P_a) <= 0), so the best i
 * is nondecreasing in j and each layer is solved by divide and conquer in
 * O(m log m) instead of O(m^2). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "factor.h"

#define COST_INF UINT64_MAX

typedef struct layer_ctx {
    const size_t *a;              /* candidate chunk sizes, 1-based */
    const unsigned long long *P;  /* prefix counts, P[0] = 0 */
    const unsigned long long *prev; /* F_{k-1}, COST_INF where impossible */
    unsigned long long *cur;      /* F_k being filled */
    unsigned *from;               /* argmin i for each j */
} layer_ctx;

/* Fills cur[j] for j in [lo, hi], knowing the argmin lies in [optlo, opthi]. */
static void solve(const layer_ctx *x, size_t lo, size_t hi, size_t optlo, size_t opthi)
{
    while (lo <= hi) {
        size_t mid = lo + (hi - lo) / 2;
        size_t best_i = optlo, end = opthi < mid ? opthi : mid - 1;
        unsigned long long best = COST_INF;
        for (size_t i = optlo; i <= end; i++) {
            if (x->prev[i] == COST_INF)
                continue;
            unsigned long long v = x->prev[i] + x->a[mid] * (x->P[mid] - x->P[i]);
            if (v < best) {
                best = v;
                best_i = i;
            }
        }
        x->cur[mid] = best;
        x->from[mid] = (unsigned)best_i;
        if (mid > lo)
            solve(x, lo, mid - 1, optlo, best_i);
        /* the right half continues in this loop rather than recursing */
        lo = mid + 1;
        optlo = best_i;
    }
}

void factor_optimal_free(factor_optimal *o)
{
    free(o->waste);
    free(o->cand);
    free(o->from);
    free(o->best_end);
    free(o->best_free);
    memset(o, 0, sizeof *o);
}

int factor_optimal_run(const factor_geom *g, const size_hist *h, unsigned kmax,
                       factor_optimal *out)
{
    memset(out, 0, sizeof *out);
    if (kmax < 1 || kmax > FACTOR_MAX_CLASSES || !factor_hist_fits(g, h))
        return -1;
    size_t n = h->n, m = 0;
    size_t *a = malloc((n + 1) * sizeof *a);
    unsigned long long *P = malloc((n + 1) * sizeof *P);
    unsigned long long requested = 0, placed = 0;
    if (!a || !P)
        goto fail;
    a[0] = 0;
    P[0] = 0;
    /* No class below min_chunk, as in the factor tables: smaller sizes share the
     * first class, so both kinds of table are compared on the same terms. */
    size_t floor_chunk = (g->min_chunk + FACTOR_ALIGN - 1) / FACTOR_ALIGN * FACTOR_ALIGN;
    for (size_t i = 0; i < n && h->size[i] <= g->chunk_max; i++) {
        size_t s = h->size[i];
        size_t al = (s + FACTOR_ALIGN - 1) / FACTOR_ALIGN * FACTOR_ALIGN;
        if (al < floor_chunk)
            al = floor_chunk;
        requested += h->count[i] * (unsigned long long)s;
        placed += h->count[i];
        if (al >= g->chunk_max)
            continue; /* only the final chunk_max class can hold it */
        if (m && a[m] == al) {
            P[m] += h->count[i];
        } else {
            m++;
            a[m] = al;
            P[m] = P[m - 1] + h->count[i];
        }
    }
    unsigned layers = kmax - 1;
    if (layers > m)
        layers = (unsigned)m; /* more free classes than sizes cannot help */
    out->kmax = kmax;
    out->m = m;
    out->cand = a;
    a = NULL;
    out->waste = calloc(kmax + 1, sizeof *out->waste);
    out->best_end = calloc(kmax + 1, sizeof *out->best_end);
    out->best_free = calloc(kmax + 1, sizeof *out->best_free);
    out->from = malloc(((size_t)layers * (m + 1) + 1) * sizeof *out->from);
    unsigned long long *prev = malloc((m + 1) * sizeof *prev);
    unsigned long long *cur = malloc((m + 1) * sizeof *cur);
    if (!out->waste || !out->best_end || !out->best_free || !out->from || !prev || !cur) {
        free(prev);
        free(cur);
        goto fail;
    }
    /* K = 1: everything in the chunk_max class. */
    unsigned long long best = placed * (unsigned long long)g->chunk_max;
    out->waste[1] = best - requested;
    for (unsigned k = 1; k < kmax; k++) {
        if (k <= layers) {
            unsigned *from = out->from + (size_t)(k - 1) * (m + 1);
            if (k == 1) {
                for (size_t j = 0; j <= m; j++) {
                    cur[j] = j ? out->cand[j] * P[j] : COST_INF;
                    from[j] = 0;
                }
            } else {
                for (size_t j = 0; j < k; j++)
                    cur[j] = COST_INF;
                layer_ctx x = {out->cand, P, prev, cur, from};
                solve(&x, k, m, k - 1, m - 1);
            }
            for (size_t j = k; j <= m; j++) {
                if (cur[j] == COST_INF)
                    continue;
                unsigned long long total =
                    cur[j] + (placed - P[j]) * (unsigned long long)g->chunk_max;
                if (total < best) {
                    best = total;
                    out->best_end[k + 1] = j;
                    out->best_free[k + 1] = k;
                }
            }
            unsigned long long *tmp = prev;
            prev = cur;
            cur = tmp;
        }
        if (out->best_free[k + 1] == 0) { /* no gain from one more class */
            out->best_end[k + 1] = out->best_end[k];
            out->best_free[k + 1] = out->best_free[k];
        }
        out->waste[k + 1] = best - requested;
    }
    free(prev);
    free(cur);
    free(P);
    return 0;
fail:
    free(a);
    free(P);
    factor_optimal_free(out);
    return -1;
}

void factor_optimal_table(const factor_optimal *o, const factor_geom *g, unsigned k,
                          class_table *t)
{
    size_t chosen[FACTOR_MAX_CLASSES];
    unsigned nfree = (k >= 1 && k <= o->kmax) ? o->best_free[k] : 0;
    size_t j = nfree ? o->best_end[k] : 0;
    for (unsigned layer = nfree; layer >= 1; layer--) {
        chosen[layer - 1] = o->cand[j];
        j = o->from[(size_t)(layer - 1) * (o->m + 1) + j];
    }
    t->n = 0;
    for (unsigned i = 0; i < nfree; i++)
        t->chunk[t->n++] = chosen[i];
    t->chunk[t->n++] = g->chunk_max;
}
