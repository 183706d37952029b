/* tp.h - alloc_throughput's C side: the allocators under test, the workloads, the
 * benchmark matrix the C++ shim registers with Google Benchmark, and the converter from
 * Google Benchmark's JSON to throughput.csv and the target ratios. */
#ifndef KVBENCH_TP_H
#define KVBENCH_TP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a workload reaches an allocator.  Every allocator is called through these three
 * pointers, so each pays the same one indirect call per operation and the differences
 * measured are the allocators' own.  `ctx` is the allocator's instance (a kvalloc
 * alloc_t) or NULL for a process-wide allocator.  free_sized gets the size last
 * requested for p; allocators with a sized free use it. */
typedef struct tp_ops {
    void *(*malloc)(void *ctx, size_t size);
    void (*free_sized)(void *ctx, void *p, size_t size);
    void *(*realloc)(void *ctx, void *p, size_t size);
} tp_ops;

typedef struct tp_allocator {
    const char *name;       /* the <allocator> part of a benchmark name */
    int thread_safe;        /* may be called from two threads (the xthread workload) */
    /* Makes a context for one benchmark run: 0 and *ctx set, or -1 with a sentence in
     * msg (allocator not available, instance not created). */
    int (*open)(void **ctx, char *msg, size_t msglen);
    void (*close)(void *ctx);
    tp_ops ops;
} tp_allocator;

extern const tp_allocator tp_allocators[];
extern const size_t tp_nallocators;

const tp_allocator *tp_allocator_find(const char *name);

/* Says where the process's `malloc` and `__libc_malloc` come from (the table does not
 * depend on who wins malloc, see tp_alloc.c).  0, or -1 with the finding in msg when
 * __libc_malloc is not glibc's: zmalloc's libc base calls it, so the "zmalloc-libc" row
 * would measure another allocator.  `origin` receives a line for the benchmark
 * context. */
int tp_env_check(char *origin, size_t originlen, char *msg, size_t msglen);


/* One cell of the matrix: `<workload>/<allocator>[/<param>]`. */
typedef struct tp_bench {
    char name[64];
    const struct tp_workload *wl;
    const tp_allocator *al;
    size_t param;           /* block size, or 0 for workloads without one */
    uint64_t batch;         /* operations per tp_run_step; one operation = one iteration */
} tp_bench;

size_t tp_bench_count(void);
const tp_bench *tp_bench_at(size_t i);

typedef struct tp_run tp_run;

/* Sets up a run of b outside the timed region (instance, working set, threads).
 * NULL with a sentence in msg when it cannot. */
tp_run *tp_run_open(const tp_bench *b, char *msg, size_t msglen);
/* Performs n operations (n is b->batch); this is the timed part. */
void tp_run_step(tp_run *r, uint64_t n);
/* NULL, or what went wrong during the steps (an allocation returned NULL). */
const char *tp_run_error(const tp_run *r);
void tp_run_close(tp_run *r);

/* Reads the JSON Google Benchmark wrote (--benchmark_out) and writes, when the path is
 * not NULL, csv_path (name,workload,allocator,param,ns_per_op,items_per_second: the
 * median of the repetitions, or of the runs when no aggregates were reported) and
 * ratios_path (the targets: measured ratio, limit, pass/miss).
 * 0 on success; -1 with a message on stderr. */
int tp_report_convert(const char *json_path, const char *csv_path, const char *ratios_path);

#ifdef __cplusplus
}
#endif

#endif /* KVBENCH_TP_H */
