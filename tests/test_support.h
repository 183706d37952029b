/* test_support.h - what every suite needs to observe an allocator from outside: an
 * error handler that records instead of aborting, and an assertion for long loops. */
#ifndef KVALLOC_TEST_SUPPORT_H
#define KVALLOC_TEST_SUPPORT_H

#include "alloc_api.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

/* Check records the place of every passing ck_assert with a write() to its pipe, so a
 * loop asserting on every byte or operation spends its time in the kernel.  Loops test
 * first and call Check only on a failure: EXPECT with a message, REQUIRE with the
 * condition's text, EXPECT_EQ / EXPECT_GE with both values. */
#define EXPECT(cond, ...)                                                              \
    do {                                                                               \
        if (!(cond))                                                                   \
            ck_abort_msg(__VA_ARGS__);                                                 \
    } while (0)
#define REQUIRE(cond) EXPECT(cond, "%s:%d: %s", __FILE__, __LINE__, #cond)
#define EXPECT_EQ(x, y)                                                                \
    do {                                                                               \
        unsigned long long x_ = (x), y_ = (y);                                         \
        EXPECT(x_ == y_, "%s == %s: %llu != %llu", #x, #y, x_, y_);                    \
    } while (0)
#define EXPECT_GE(x, y)                                                                \
    do {                                                                               \
        unsigned long long x_ = (x), y_ = (y);                                         \
        EXPECT(x_ >= y_, "%s >= %s: %llu < %llu", #x, #y, x_, y_);                     \
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

/* cfg is invalid in `field`: alloc_config_check says so naming the field, and
 * alloc_create refuses it, creates nothing, and tells a handler once with the same
 * field named. */
static inline void expect_config_rejected(alloc_config cfg, const char *field)
{
    char msg[256];
    ck_assert_int_eq(alloc_config_check(&cfg, msg, sizeof msg), ALLOC_EINVAL);
    ck_assert_msg(strstr(msg, field) != NULL, "\"%s\" does not name %s", msg, field);
    recorder rec = {0};
    cfg.on_error = record;
    cfg.on_error_ud = &rec;
    alloc_t *a = (alloc_t *)&rec;
    ck_assert_int_eq(alloc_create(&cfg, &a), ALLOC_EINVAL);
    ck_assert_ptr_null(a);
    ck_assert_int_eq(rec.calls, 1);
    ck_assert_int_eq(rec.status, ALLOC_EINVAL);
    ck_assert_ptr_null(rec.ptr);
    ck_assert_msg(strstr(rec.msg, field) != NULL, "handler got \"%s\"", rec.msg);
}

#endif /* KVALLOC_TEST_SUPPORT_H */
