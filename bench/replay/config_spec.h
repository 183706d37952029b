/* config_spec.h - allocator configurations named on the command line:
 *   slab[:factor=F,min_chunk=N,page_size=N,chunk_max=N,max_classes=N,prealloc=0|1,
 *         sizes=a-b-c]
 *   zmalloc[:base=libc|jemalloc,prefix=-1|0|1,round_to_long=0|1,track=0|1]
 *   glibc, jemalloc       the peers: plain glibc malloc, plain jemalloc, no wrapper
 * Every form also takes thread_safe=0|1 (library configs) and mem_limit=BYTES.  Byte
 * values accept k/m/g suffixes. */
#ifndef KVBENCH_CONFIG_SPEC_H
#define KVBENCH_CONFIG_SPEC_H

#include <stddef.h>

#include "alloc_api.h"

#define CONFIG_MAX_SIZES 255

typedef enum bench_kind {
    BENCH_SLAB,
    BENCH_ZMALLOC,
    BENCH_GLIBC,    /* __libc_malloc / __libc_free */
    BENCH_JEMALLOC, /* mallocx / sdallocx */
} bench_kind;

typedef struct bench_config {
    char text[200]; /* as given: the `config` column */
    bench_kind kind;
    alloc_config acfg; /* BENCH_SLAB, BENCH_ZMALLOC; acfg.slab.sizes is NULL here:
                          bench_config_alloc fills it from `sizes` */
    size_t sizes[CONFIG_MAX_SIZES];
    unsigned nsizes;
    size_t mem_limit; /* every kind; 0 = none */
} bench_config;

/* 0 ok; -1 with a sentence in err naming the key and what is accepted.  Library
 * configurations are also checked with alloc_config_check. */
int bench_config_parse(const char *text, bench_config *out, char *err, size_t errlen);

/* The alloc_config to create the instance from (points into c). */
alloc_config bench_config_alloc(const bench_config *c);

const char *bench_kind_name(bench_kind k);

#endif /* KVBENCH_CONFIG_SPEC_H */
