/* csv_out.c - see csv_out.h. */
#include "csv_out.h"

#include <inttypes.h>
#include <string.h>

void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void csv_frag_header(FILE *f)
{
    fputs("workload,config,seed,mem_limit,phase,final,ops,live_objects,live_blocks,"
          "requested_bytes,header_bytes,alignment_bytes,class_rounding_bytes,external_bytes,"
          "held_bytes,efficiency,peak_held_bytes,rss_bytes,ops_per_sec,evictions,failed_sets,"
          "expired,malformed_lines,used_bytes,"
          "used_memory,allocator_allocated,allocator_active,allocator_resident,"
          "mem_fragmentation_ratio,allocator_frag_ratio,allocator_rss_ratio,"
          "rss_overhead_ratio\n", f);
}

static void prefix(FILE *f, const csv_cell *c)
{
    csv_field(f, c->workload);
    fputc(',', f);
    csv_field(f, c->config);
    fprintf(f, ",%" PRIu64, c->seed);
}

void csv_frag_row(FILE *f, const csv_cell *c, const cell_row *r)
{
    prefix(f, c);
    double eff = r->held ? (double)r->requested / (double)r->held : 0;
    fprintf(f, ",%zu,%s,%d,%" PRIu64 ",%" PRIu64 ",%" PRIu64, c->mem_limit, r->phase, r->final,
            r->ops, r->live_objects, r->live_blocks);
    fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRId64 ",%" PRIu64,
            r->requested, r->header, r->alignment, r->rounding, r->external, r->held);
    fprintf(f, ",%.6f,%" PRIu64 ",%" PRIu64 ",%.0f,%" PRIu64 ",%" PRIu64 ",%" PRIu64
            ",%" PRIu64 ",%" PRIu64, eff, r->peak_held, r->rss, r->ops_per_sec, r->evictions,
            r->failed_sets, r->expired, r->malformed, r->used);
    if (r->has_info)
        fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.4f,%.4f,%.4f,%.4f\n",
                r->used, r->info_allocated, r->info_active, r->info_resident,
                r->mem_fragmentation_ratio, r->allocator_frag_ratio, r->allocator_rss_ratio,
                r->rss_overhead_ratio);
    else
        fputs(",,,,,,,,\n", f);
}

void csv_pages_header(FILE *f)
{
    fputs("workload,config,seed,phase,ops,class,chunk_size,chunks_per_page,total_pages,"
          "total_chunks,used_chunks,free_chunks,requested_bytes,page_bytes,waste_bytes\n", f);
}

void csv_pages_row(FILE *f, const csv_cell *c, const class_row *r)
{
    prefix(f, c);
    /* memcached's waste per class: chunk bytes of its pages not asked for */
    uint64_t chunk_bytes = r->total_chunks * r->chunk_size;
    fprintf(f, ",%s,%" PRIu64 ",%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
            ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
            r->phase, r->ops, r->id, r->chunk_size, r->chunks_per_page, r->total_pages,
            r->total_chunks, r->used_chunks, r->free_chunks, r->requested,
            r->total_pages * r->page_size, chunk_bytes - r->requested);
}
