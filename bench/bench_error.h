/* bench_error.h - the one idiom for reporting a failure to a caller: a sentence in a
 * caller-supplied buffer and -1 returned. */
#ifndef KVBENCH_BENCH_ERROR_H
#define KVBENCH_BENCH_ERROR_H

#include <stddef.h>

#include "alloc_api.h" /* ALLOC_ATTR_FORMAT */

/* Formats into err (when not NULL) and returns -1. */
int bench_error(char *err, size_t errlen, const char *fmt, ...) ALLOC_ATTR_FORMAT(3, 4);

#endif /* KVBENCH_BENCH_ERROR_H */
