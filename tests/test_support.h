/* test_support.h - what every suite needs to observe an allocator from outside: an
 * error handler that records instead of aborting, and an assertion for long loops. */
#ifndef KVALLOC_TEST_SUPPORT_H
#define KVALLOC_TEST_SUPPORT_H

#include "alloc_api.h"

#include <check.h>
#include <stdio.h>

/* For loops of many thousand steps: Check's ck_assert records every passing assertion
 * (a write to its pipe in fork mode), which would dominate the run time. */
#define REQUIRE(cond)                                                                  \
    do {                                                                               \
        if (!(cond))                                                                   \
            ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #cond);                      \
    } while (0)

/* The last bad call an instance reported, and how many there were. */
typedef struct recorder {
    int calls;
    alloc_status status;
    const void *ptr;
    char msg[512];
} recorder;

/* An alloc_error_fn: install with cfg.on_error = record, cfg.on_error_ud = &rec. */
static inline void record(void *ud, alloc_status st, const void *ptr, const char *msg)
{
    recorder *r = ud;
    r->calls++;
    r->status = st;
    r->ptr = ptr;
    snprintf(r->msg, sizeof r->msg, "%s", msg);
}

#endif /* KVALLOC_TEST_SUPPORT_H */
