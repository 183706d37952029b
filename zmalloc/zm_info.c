/* zm_info.c - Redis 7.0's INFO memory section for a zmalloc instance: the instance's
 * counters beside the process's RSS and, with the jemalloc base, jemalloc's own view. */
#include "zm_internal.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Field 24 of /proc/self/stat is the resident set in pages.  Field 2 (the command
 * name) may hold spaces and parentheses, so counting starts after its last ')'. */
#define ZM_STAT_RSS_FIELD 24
#define ZM_STAT_FIRST_AFTER_COMM 3

size_t zm_process_rss(void)
{
    char buf[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *s = strrchr(buf, ')');
    if (s == NULL)
        return 0;
    s++;
    for (int field = ZM_STAT_FIRST_AFTER_COMM; field <= ZM_STAT_RSS_FIELD; field++) {
        while (*s == ' ')
            s++;
        if (*s == '\0')
            return 0;
        if (field == ZM_STAT_RSS_FIELD) {
            unsigned long long pages = 0;
            if (sscanf(s, "%llu", &pages) != 1)
                return 0;
            return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
        }
        while (*s != ' ' && *s != '\0')
            s++;
    }
    return 0;
}

int zm_jemalloc_stats(size_t *allocated, size_t *active, size_t *resident)
{
    *allocated = *active = *resident = 0;
    /* jemalloc's statistics are a snapshot refreshed by writing "epoch". */
    uint64_t epoch = 1;
    size_t esz = sizeof epoch, sz = sizeof(size_t);
    if (mallctl("epoch", &epoch, &esz, &epoch, esz) != 0)
        return 0;
    if (mallctl("stats.allocated", allocated, &sz, NULL, 0) != 0 ||
        mallctl("stats.active", active, &sz, NULL, 0) != 0 ||
        mallctl("stats.resident", resident, &sz, NULL, 0) != 0) {
        *allocated = *active = *resident = 0;
        return 0;
    }
    return 1;
}

static double zm_ratio(size_t num, size_t den)
{
    return den == 0 ? 0.0 : (double)num / (double)den;
}

static long long zm_diff(size_t a, size_t b) { return (long long)a - (long long)b; }

alloc_status zm_info_memory_fill(const alloc_t *a, zm_info_memory *m)
{
    memset(m, 0, sizeof *m);
    if (!zm_is_instance(a))
        return ALLOC_EINVAL;
    const zm_instance *z = (const zm_instance *)a;
    zm_totals t;
    zm_totals_read(z, &t);
    m->used_memory = (size_t)t.used;
    m->used_memory_peak = (size_t)atomic_load_explicit(&z->peak_used, memory_order_relaxed);
    m->used_memory_rss = zm_process_rss();
    if (z->base.kind == ZM_BASE_JEMALLOC)
        m->allocator_stats = zm_jemalloc_stats(&m->allocator_allocated,
                                               &m->allocator_active,
                                               &m->allocator_resident);
    if (!m->allocator_stats) {
        m->allocator_allocated = m->used_memory;
        m->allocator_active = m->allocator_resident = m->used_memory_rss;
    }
    if (z->base.kind == ZM_BASE_JEMALLOC)
        snprintf(m->mem_allocator, sizeof m->mem_allocator, "jemalloc-%d.%d.%d",
                 JEMALLOC_VERSION_MAJOR, JEMALLOC_VERSION_MINOR, JEMALLOC_VERSION_BUGFIX);
    else
        snprintf(m->mem_allocator, sizeof m->mem_allocator, "libc");
    m->allocator_frag_ratio = zm_ratio(m->allocator_active, m->allocator_allocated);
    m->allocator_frag_bytes = zm_diff(m->allocator_active, m->allocator_allocated);
    m->allocator_rss_ratio = zm_ratio(m->allocator_resident, m->allocator_active);
    m->allocator_rss_bytes = zm_diff(m->allocator_resident, m->allocator_active);
    m->rss_overhead_ratio = zm_ratio(m->used_memory_rss, m->allocator_resident);
    m->rss_overhead_bytes = zm_diff(m->used_memory_rss, m->allocator_resident);
    m->mem_fragmentation_ratio = zm_ratio(m->used_memory_rss, m->used_memory);
    m->mem_fragmentation_bytes = zm_diff(m->used_memory_rss, m->used_memory);
    return ALLOC_OK;
}

/* Redis's bytesToHuman: B below 1 KiB, then K, M, G, T, P with two decimals. */
static void zm_human(char *s, size_t len, size_t n)
{
    static const char units[] = "KMGTP";
    if (n < 1024) {
        snprintf(s, len, "%zuB", n);
        return;
    }
    double v = (double)n / 1024;
    int u = 0;
    while (v >= 1024 && units[u + 1] != '\0') {
        v /= 1024;
        u++;
    }
    snprintf(s, len, "%.2f%c", v, units[u]);
}

void zm_info_memory_print(FILE *out, const zm_info_memory *m)
{
    char h1[32], h2[32], h3[32];
    zm_human(h1, sizeof h1, m->used_memory);
    zm_human(h2, sizeof h2, m->used_memory_rss);
    zm_human(h3, sizeof h3, m->used_memory_peak);
    fprintf(out,
            "# Memory\n"
            "used_memory:%zu\n"
            "used_memory_human:%s\n"
            "used_memory_rss:%zu\n"
            "used_memory_rss_human:%s\n"
            "used_memory_peak:%zu\n"
            "used_memory_peak_human:%s\n"
            "allocator_allocated:%zu\n"
            "allocator_active:%zu\n"
            "allocator_resident:%zu\n"
            "allocator_frag_ratio:%.2f\n"
            "allocator_frag_bytes:%lld\n"
            "allocator_rss_ratio:%.2f\n"
            "allocator_rss_bytes:%lld\n"
            "rss_overhead_ratio:%.2f\n"
            "rss_overhead_bytes:%lld\n"
            "mem_fragmentation_ratio:%.2f\n"
            "mem_fragmentation_bytes:%lld\n"
            "mem_allocator:%s\n",
            m->used_memory, h1, m->used_memory_rss, h2, m->used_memory_peak, h3,
            m->allocator_allocated, m->allocator_active, m->allocator_resident,
            m->allocator_frag_ratio, m->allocator_frag_bytes, m->allocator_rss_ratio,
            m->allocator_rss_bytes, m->rss_overhead_ratio, m->rss_overhead_bytes,
            m->mem_fragmentation_ratio, m->mem_fragmentation_bytes, m->mem_allocator);
}
