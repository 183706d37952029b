/* redis_names.c - code written against Redis's zmalloc.h runs unchanged on kvalloc:
 * a small key-value workload shaped like Redis's string keys, then the INFO memory
 * lines computed the way Redis 7.0's server computes them, from zmalloc's functions. */
#include "zmalloc.h"

#include <stdio.h>
#include <string.h>

#define NKEYS 20000

/* Per string key Redis 7.0 makes four allocations: dict entry (24 B), key sds (20 B
 * for a 16-byte key), robj (16 B) and value sds (3 + 100 + 1 = 104 B). */
struct entry {
    void *dict_entry, *robj;
    char *key, *val;
};

static struct entry table[NKEYS];

static void human(char *s, size_t len, size_t n)
{
    if (n < 1024)
        snprintf(s, len, "%zuB", n);
    else if (n < 1024 * 1024)
        snprintf(s, len, "%.2fK", (double)n / 1024);
    else if (n < 1024UL * 1024 * 1024)
        snprintf(s, len, "%.2fM", (double)n / (1024 * 1024));
    else
        snprintf(s, len, "%.2fG", (double)n / (1024.0 * 1024 * 1024));
}

static double ratio(size_t a, size_t b) { return b ? (double)a / (double)b : 0.0; }

int main(void)
{
    size_t peak = 0;
    char val[101];
    memset(val, 'v', 100);
    val[100] = '\0';
    for (int i = 0; i < NKEYS; i++) {
        char key[17];
        snprintf(key, sizeof key, "key:%012d", i);
        table[i].dict_entry = zcalloc(24);
        table[i].robj = zmalloc(16);
        table[i].key = zmalloc(20);
        memcpy(table[i].key + 3, key, 17);
        table[i].val = zstrdup(val);
        table[i].val = zrealloc(table[i].val, 104);
        if (zmalloc_used_memory() > peak)
            peak = zmalloc_used_memory();
    }
    /* Delete three keys in four, as in the fragmentation measurement. */
    for (int i = 0; i < NKEYS; i++) {
        if (i % 4 == 0)
            continue;
        zfree(table[i].dict_entry);
        zfree(table[i].robj);
        zfree(table[i].key);
        zfree(table[i].val);
    }

    size_t used = zmalloc_used_memory(), rss = zmalloc_get_rss();
    size_t allocated, active, resident;
    if (!zmalloc_get_allocator_info(&allocated, &active, &resident)) {
        /* As Redis's server does without allocator statistics. */
        allocated = used;
        active = resident = rss;
    }
    char h_used[32], h_rss[32], h_peak[32];
    human(h_used, sizeof h_used, used);
    human(h_rss, sizeof h_rss, rss);
    human(h_peak, sizeof h_peak, peak);
    printf("# Memory\n");
    printf("used_memory:%zu\nused_memory_human:%s\n", used, h_used);
    printf("used_memory_rss:%zu\nused_memory_rss_human:%s\n", rss, h_rss);
    printf("used_memory_peak:%zu\nused_memory_peak_human:%s\n", peak, h_peak);
    printf("allocator_allocated:%zu\nallocator_active:%zu\nallocator_resident:%zu\n",
           allocated, active, resident);
    printf("allocator_frag_ratio:%.2f\nallocator_frag_bytes:%lld\n", ratio(active, allocated),
           (long long)active - (long long)allocated);
    printf("allocator_rss_ratio:%.2f\nallocator_rss_bytes:%lld\n", ratio(resident, active),
           (long long)resident - (long long)active);
    printf("rss_overhead_ratio:%.2f\nrss_overhead_bytes:%lld\n", ratio(rss, resident),
           (long long)rss - (long long)resident);
    printf("mem_fragmentation_ratio:%.2f\nmem_fragmentation_bytes:%lld\n",
           zmalloc_get_fragmentation_ratio(rss), (long long)rss - (long long)used);

    for (int i = 0; i < NKEYS; i += 4) {
        zfree(table[i].dict_entry);
        zfree(table[i].robj);
        zfree(table[i].key);
        zfree(table[i].val);
    }
    printf("# after freeing every key\nused_memory:%zu\n", zmalloc_used_memory());
    return zmalloc_used_memory() == 0 ? 0 : 1;
}
