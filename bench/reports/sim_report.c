/* sim_report.c - sim.csv: one row per (workload, config, memory) of the simulator.
 * The first nineteen columns are shared with `allocbench replay`, which fills them
 * from a live server's statistics, so the two files compare column by column. */
#include "sim_run.h"

#include "csv_out.h"

#include <inttypes.h>

void sim_csv_header(FILE *f)
{
    fputs("workload,config,memory_limit,budget,requests,gets,hits,hit_ratio,byte_hit_ratio,"
          "sets,evictions,expired,live_objects,requested_bytes,counted_bytes,held_bytes,"
          "efficiency,pages_moved,requests_per_sec,refused,time_scale,seed,clock_origin,"
          "structure_bytes,rounding_bytes,server_uptime\n", f);
}

void sim_csv_row(FILE *f, const sim_cell *c, const sim_row *r)
{
    csv_field(f, c->workload);
    fputc(',', f);
    csv_field(f, c->config);
    fprintf(f, ",%" PRIu64 ",%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.6f,%.6f,%" PRIu64
               ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
               ",%.6f,%" PRIu64 ",%.0f,%" PRIu64 ",%g,%" PRIu64 ",%.6f,%" PRIu64 ",%" PRIu64
               ",%g\n",
            c->memory, c->budget == SIM_BUDGET_HELD ? "held" : "own", r->requests, r->gets,
            r->hits, r->hit_ratio, r->byte_hit_ratio, r->sets, r->st.evictions, r->st.expired,
            r->st.live_objects, r->st.requested_bytes, r->st.counted_bytes, r->st.held_bytes,
            r->efficiency, r->st.pages_moved, r->requests_per_sec, r->st.refused, c->time_scale,
            c->seed, (double)c->clock_origin_us / 1e6, r->st.structure_bytes,
            r->st.rounding_bytes, (double)c->server_uptime_us / 1e6);
}

void sim_timeline_header(FILE *f)
{
    fputs("workload,config,memory_limit,budget,time_s,gets,hits,hit_ratio,pages_moved,"
          "evictions\n", f);
}

void sim_timeline_rows(FILE *f, const sim_cell *c, const sim_row *r)
{
    for (unsigned i = 0; i < r->npoints; i++) {
        const sim_point *p = &r->point[i];
        csv_field(f, c->workload);
        fputc(',', f);
        csv_field(f, c->config);
        fprintf(f, ",%" PRIu64 ",%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.6f,%" PRIu64
                   ",%" PRIu64 "\n",
                c->memory, c->budget == SIM_BUDGET_HELD ? "held" : "own",
                p->t_end, p->gets, p->hits,
                p->gets ? (double)p->hits / (double)p->gets : 0.0, p->pages_moved,
                p->evictions);
    }
}
