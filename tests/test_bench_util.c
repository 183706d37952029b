/* test_bench_util.c - helpers the allocbench suites share: running a cell in this
 * process and checking the accounting identity in every row it produces. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "cell.h"
#include "config_spec.h"

#define MAX_ROWS 4096

typedef struct collected {
    cell_row rows[MAX_ROWS];
    size_t n;
    size_t classes;
} collected;

collected *bench_collect(void);
void bench_sink(collected *c, cell_sink *s);
int bench_run_cell(const char *wl_text, const char *trace, const char *config,
                   unsigned long long ops, unsigned long long seed, size_t mem_limit,
                   collected *out, char *err, size_t errlen);
const cell_row *bench_final(const collected *c);
void bench_check_identity(const collected *c, const char *what);

static collected the_rows;

collected *bench_collect(void) { return &the_rows; }

static void sink_row(void *ud, const cell_row *r)
{
    collected *c = ud;
    if (c->n < MAX_ROWS)
        c->rows[c->n++] = *r;
}

static void sink_class(void *ud, const class_row *r)
{
    collected *c = ud;
    (void)r;
    c->classes++;
}

void bench_sink(collected *c, cell_sink *s)
{
    memset(c, 0, sizeof *c);
    *s = (cell_sink){c, sink_row, sink_class};
}

int bench_run_cell(const char *wl_text, const char *trace, const char *config,
                   unsigned long long ops, unsigned long long seed, size_t mem_limit,
                   collected *out, char *err, size_t errlen)
{
    static workload_spec wl;
    static bench_config cfg;
    memset(out, 0, sizeof *out);
    if (bench_config_parse(config, &cfg, err, errlen) != 0)
        return -1;
    cell_spec cs = {.cfg = &cfg, .ops = ops, .seed = seed, .mem_limit = mem_limit};
    if (wl_text != NULL) {
        if (workload_parse(wl_text, &wl, err, errlen) != 0)
            return -1;
        cs.wl = &wl;
    } else {
        cs.trace = trace;
        cs.trace_layout = LAYOUT_ITEM;
    }
    cell_sink sink = {out, sink_row, sink_class};
    return cell_run(&cs, &sink, err, errlen);
}

const cell_row *bench_final(const collected *c)
{
    return c->n > 0 && c->rows[c->n - 1].final ? &c->rows[c->n - 1] : NULL;
}

void bench_check_identity(const collected *c, const char *what)
{
    ck_assert_msg(c->n >= 2, "%s: %zu rows, want periodic samples and a final row", what,
                  c->n);
    ck_assert_msg(bench_final(c) != NULL, "%s: no final row", what);
    for (size_t i = 0; i < c->n; i++) {
        const cell_row *r = &c->rows[i];
        ck_assert_msg(r->external >= 0, "%s row %zu: external %lld < 0 (held %llu)", what, i,
                      (long long)r->external, (unsigned long long)r->held);
        ck_assert_msg(r->requested + r->header + r->alignment + r->rounding +
                              (uint64_t)r->external == r->held,
                      "%s row %zu: identity broken", what, i);
        ck_assert_msg(r->held <= r->peak_held, "%s row %zu: held %llu above peak %llu", what,
                      i, (unsigned long long)r->held, (unsigned long long)r->peak_held);
    }
}
