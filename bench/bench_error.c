/* bench_error.c - see bench_error.h. */
#include "bench_error.h"

#include <stdarg.h>
#include <stdio.h>

int bench_error(char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}
