/* test_redis_compat.c - Redis's zmalloc names over the process-default instance:
 * Redis's semantics (malloc(0), realloc to 0, OOM handler, ztry*), its queries, and a
 * configuration chosen before first use.  Check forks a process per test, so every
 * test meets a fresh default instance (run with the default CK_FORK). */
#include "zm_api.h"
#include "zmalloc.h"

#include <check.h>
#include <jemalloc/jemalloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Impossible sizes reach the library at run time only: as constants, gcc rightly
 * warns that no object can be that large. */
static volatile size_t huge_size = SIZE_MAX;
#define HUGE_SIZE ((size_t)huge_size)

#define REQUIRE(cond)                                                                  \
    do {                                                                               \
        if (!(cond))                                                                   \
            ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #cond);                      \
    } while (0)

START_TEST(redis_names_count_like_redis_on_jemalloc)
{
    ck_assert_uint_eq(zmalloc_used_memory(), 0);
    char *s = zstrdup("hello, world");
    ck_assert_str_eq(s, "hello, world");
    void *p = zmalloc(100), *z = zcalloc(24);
    ck_assert_uint_eq(zmalloc_size(p), nallocx(100, 0));
    ck_assert_uint_eq(zmalloc_usable_size(p), nallocx(100, 0));
    ck_assert_uint_eq(zmalloc_used_memory(), nallocx(13, 0) + nallocx(100, 0) + nallocx(24, 0));
    for (int i = 0; i < 24; i++)
        ck_assert_int_eq(((char *)z)[i], 0);
    p = zrealloc(p, 5000);
    ck_assert_uint_eq(zmalloc_size(p), nallocx(5000, 0));
    size_t usable = 0;
    zfree_usable(p, &usable);
    ck_assert_uint_eq(usable, nallocx(5000, 0));
    void *q = zmalloc_usable(40, &usable);
    ck_assert_uint_eq(usable, nallocx(40, 0));
    zfree(q);
    zfree(s);
    zfree(z);
    zfree(NULL);
    ck_assert_uint_eq(zmalloc_used_memory(), 0);
    ck_assert_int_eq(alloc_check(zmalloc_instance()), ALLOC_OK);
}
END_TEST

START_TEST(zero_sizes_as_redis)
{
    void *a = zmalloc(0), *b = zmalloc(0);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_ne(a, b);
    ck_assert_uint_eq(zmalloc_used_memory(), 2 * nallocx(sizeof(long), 0));
    void *c = zrealloc(NULL, 10); /* zmalloc */
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_null(zrealloc(c, 0)); /* frees; not an out-of-memory */
    zfree(a);
    zfree(b);
    ck_assert_uint_eq(zmalloc_used_memory(), 0);
}
END_TEST

START_TEST(ztry_forms_return_null)
{
    ck_assert_ptr_null(ztrymalloc(HUGE_SIZE));
    ck_assert_ptr_null(ztrymalloc(HUGE_SIZE / 2));
    ck_assert_ptr_null(ztrycalloc(HUGE_SIZE));
    size_t usable = 7;
    ck_assert_ptr_null(ztrymalloc_usable(HUGE_SIZE, &usable));
    ck_assert_uint_eq(usable, 0);
    char *p = zstrdup("kept");
    ck_assert_ptr_null(ztryrealloc(p, HUGE_SIZE));
    ck_assert_str_eq(p, "kept");
    zfree(p);
    alloc_stats st;
    alloc_get_stats(zmalloc_instance(), &st);
    ck_assert_uint_eq(st.failed_allocs, 5);
    ck_assert_uint_eq(zmalloc_used_memory(), 0);
}
END_TEST

static size_t oom_seen;
static int oom_calls;

static void record_oom(size_t size)
{
    oom_seen = size;
    oom_calls++;
}

/* A handler that returns lets zmalloc return NULL, as in Redis. */
START_TEST(oom_handler_called_with_size)
{
    zmalloc_set_oom_handler(record_oom);
    ck_assert_ptr_null(zmalloc(HUGE_SIZE));
    ck_assert_int_eq(oom_calls, 1);
    ck_assert_uint_eq(oom_seen, SIZE_MAX);
    ck_assert_ptr_null(zcalloc(HUGE_SIZE / 2));
    ck_assert_uint_eq(oom_seen, SIZE_MAX / 2);
    void *p = zmalloc(10);
    ck_assert_ptr_null(zrealloc(p, HUGE_SIZE - 1));
    ck_assert_uint_eq(oom_seen, SIZE_MAX - 1);
    ck_assert_int_eq(oom_calls, 3);
    zfree(p);
    ck_assert_ptr_null(ztrymalloc(HUGE_SIZE)); /* ztry* never call it */
    ck_assert_int_eq(oom_calls, 3);
}
END_TEST

static void exit_oom(size_t size)
{
    (void)size;
    exit(42);
}

START_TEST(oom_handler_may_exit)
{
    zmalloc_set_oom_handler(exit_oom);
    zmalloc(HUGE_SIZE);
}
END_TEST

START_TEST(default_oom_handler_aborts)
{
    zmalloc(HUGE_SIZE / 2);
}
END_TEST

/* The default handler's words, read from the child's stderr. */
START_TEST(default_oom_handler_message)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        zmalloc(HUGE_SIZE);
        _exit(0);
    }
    close(fds[1]);
    char buf[256] = {0};
    size_t n = 0;
    ssize_t k;
    while (n < sizeof buf - 1 && (k = read(fds[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)k;
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    ck_assert(WIFSIGNALED(status));
    ck_assert_int_eq(WTERMSIG(status), SIGABRT);
    char want[128];
    snprintf(want, sizeof want, "zmalloc: Out of memory trying to allocate %zu bytes\n",
             (size_t)SIZE_MAX);
    ck_assert_str_eq(buf, want);
}
END_TEST

START_TEST(memory_queries)
{
    void *blocks[1000];
    for (int i = 0; i < 1000; i++)
        blocks[i] = zmalloc(200);
    size_t rss = zmalloc_get_rss(), used = zmalloc_used_memory();
    ck_assert_uint_gt(rss, 0);
    ck_assert_uint_eq(used, 1000 * nallocx(200, 0));
    ck_assert_float_eq_tol(zmalloc_get_fragmentation_ratio(rss), (float)rss / (float)used,
                           1e-6f);
    size_t allocated, active, resident;
    ck_assert_int_eq(zmalloc_get_allocator_info(&allocated, &active, &resident), 1);
    ck_assert_uint_ge(allocated, used);
    ck_assert_uint_ge(active, allocated);
    ck_assert_uint_ge(resident, active);
    for (int i = 0; i < 1000; i++)
        zfree(blocks[i]);
    ck_assert_uint_eq(zmalloc_used_memory(), 0);
}
END_TEST

START_TEST(configure_before_first_use)
{
    alloc_config cfg;
    alloc_config_init(&cfg, "zmalloc");
    cfg.zmalloc.base = "libc";
    cfg.zmalloc.prefix = 1; /* Redis without malloc_size */
    cfg.zmalloc.round_to_long = 5;
    ck_assert_int_eq(zmalloc_configure(&cfg), -1); /* invalid */
    cfg.zmalloc.round_to_long = 0;
    ck_assert_int_eq(zmalloc_configure(&cfg), 0);
    char *p = zmalloc(10);
    ck_assert_uint_eq((uintptr_t)p % 16, 8);
    ck_assert_uint_eq(zmalloc_used_memory(), 18);
    ck_assert_uint_eq(zmalloc_size(p), 18);
    ck_assert_uint_eq(zmalloc_usable_size(p), 10);
    ck_assert_int_eq(zmalloc_configure(&cfg), -1); /* too late */
    ck_assert_int_eq(zmalloc_get_allocator_info(&(size_t){0}, &(size_t){0}, &(size_t){0}), 0);
    zfree(p);
    ck_assert_uint_eq(zmalloc_used_memory(), 0);
}
END_TEST

#define THREAD_OPS 100000

static void *churn(void *arg)
{
    void *keep[64] = {0};
    uint64_t s = (uintptr_t)arg | 1;
    for (int i = 0; i < THREAD_OPS; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        int j = (int)(s % 64);
        zfree(keep[j]);
        keep[j] = zmalloc((size_t)(s >> 40) % 500);
        REQUIRE(keep[j] != NULL);
    }
    for (int j = 0; j < 64; j++)
        zfree(keep[j]);
    return NULL;
}

START_TEST(threads_share_the_default_instance)
{
    pthread_t t[2];
    for (uintptr_t i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, churn, (void *)(i + 17)), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    ck_assert_uint_eq(zmalloc_used_memory(), 0);
    alloc_stats st;
    alloc_get_stats(zmalloc_instance(), &st);
    ck_assert_uint_eq(st.allocs, 2 * THREAD_OPS);
    ck_assert_uint_eq(st.frees, st.allocs);
}
END_TEST

static Suite *compat_suite(void)
{
    Suite *s = suite_create("redis_compat");
    TCase *tc = tcase_create("names");
    tcase_add_test(tc, redis_names_count_like_redis_on_jemalloc);
    tcase_add_test(tc, zero_sizes_as_redis);
    tcase_add_test(tc, memory_queries);
    tcase_add_test(tc, configure_before_first_use);
    tcase_add_test(tc, threads_share_the_default_instance);
    suite_add_tcase(s, tc);

    tc = tcase_create("oom");
    tcase_add_test(tc, ztry_forms_return_null);
    tcase_add_test(tc, oom_handler_called_with_size);
    tcase_add_exit_test(tc, oom_handler_may_exit, 42);
    tcase_add_test_raise_signal(tc, default_oom_handler_aborts, SIGABRT);
    tcase_add_test(tc, default_oom_handler_message);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(compat_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
