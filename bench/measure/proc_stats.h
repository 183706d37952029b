/* proc_stats.h - what the process holds, read without allocating (a cell reads it
 * while its malloc is the allocator under measurement). */
#ifndef KVBENCH_PROC_STATS_H
#define KVBENCH_PROC_STATS_H

#include <stddef.h>

/* Resident set size in bytes (/proc/self/statm, second field); 0 if unreadable. */
size_t proc_rss_bytes(void);
/* Monotonic seconds. */
double proc_now(void);

#endif /* KVBENCH_PROC_STATS_H */
