/* test_slab.c - the slab backend's own specification: configuration, size classes,
 * block calls, mem_limit and prealloc, the pool and page moves, bad frees, threads,
 * statistics and the memcached-format printer.  (Comparisons with the real memcached
 * are in test_slab_memcached.c.) */
#include "slab.h"

#include <check.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#define MIB ((size_t)1 << 20)
#define KIB ((size_t)1 << 10)

/* ---- helpers ---------------------------------------------------------------------- */

static alloc_config slab_cfg(void)
{
    alloc_config cfg;
    ck_assert_int_eq(alloc_config_init(&cfg, "slab"), ALLOC_OK);
    return cfg;
}

/* memcached's defaults: sizeof(item) + -n 48, factor 1.25, 1 MiB pages. */
static alloc_config memcached_cfg(void)
{
    alloc_config cfg = slab_cfg();
    cfg.slab.min_chunk = 96;
    return cfg;
}

static alloc_t *make(const alloc_config *cfg)
{
    alloc_t *a = NULL;
    ck_assert_int_eq(alloc_create(cfg, &a), ALLOC_OK);
    ck_assert_ptr_nonnull(a);
    return a;
}

static alloc_t *make_recording(alloc_config cfg, recorder *r)
{
    memset(r, 0, sizeof *r);
    cfg.on_error = record;
    cfg.on_error_ud = r;
    return make(&cfg);
}

static slab_class_info class_info(const alloc_t *a, unsigned id)
{
    slab_class_info ci;
    ck_assert_int_eq(slab_class_get(a, id, &ci), 0);
    return ci;
}

static alloc_stats stats_of(const alloc_t *a)
{
    alloc_stats st;
    alloc_get_stats(a, &st);
    return st;
}

static void assert_stats_equal(const alloc_stats *x, const alloc_stats *y)
{
    ck_assert_uint_eq(x->used_bytes, y->used_bytes);
    ck_assert_uint_eq(x->held_bytes, y->held_bytes);
    ck_assert_uint_eq(x->live_blocks, y->live_blocks);
    ck_assert_uint_eq(x->allocs, y->allocs);
    ck_assert_uint_eq(x->frees, y->frees);
    ck_assert_uint_eq(x->failed_allocs, y->failed_allocs);
    ck_assert_uint_eq(x->large_bytes, y->large_bytes);
    ck_assert_uint_eq(x->large_blocks, y->large_blocks);
}

/* Fills n blocks of `size` bytes; returns how many succeeded. */
static size_t fill(alloc_t *a, size_t size, void **out, size_t n)
{
    size_t i = 0;
    for (; i < n; i++) {
        out[i] = alloc_malloc(a, size);
        if (out[i] == NULL)
            break;
    }
    return i;
}

/* ---- configuration ---------------------------------------------------------------- */

START_TEST(test_defaults)
{
    alloc_config cfg = slab_cfg();
    ck_assert(cfg.slab.growth_factor == 1.25);
    ck_assert_uint_eq(cfg.slab.min_chunk, 48);
    ck_assert_uint_eq(cfg.slab.page_size, MIB);
    ck_assert_uint_eq(cfg.slab.chunk_max, 0); /* page_size / 2, resolved at create */
    ck_assert_uint_eq(cfg.slab.max_classes, 63);
    ck_assert_int_eq(cfg.slab.prealloc, 0);
    ck_assert_ptr_null(cfg.slab.sizes);
    alloc_t *a = make(&cfg);
    ck_assert_str_eq(alloc_backend_name(a), "slab");
    ck_assert_uint_eq(alloc_get_config(a)->slab.chunk_max, MIB / 2);
    ck_assert_uint_eq(alloc_alignment(a), 8);
    /* 48 -> 48, 60 -> 64, 80, 100 -> 104, ... then 524288 last. */
    ck_assert_uint_eq(class_info(a, 1).chunk_size, 48);
    ck_assert_uint_eq(class_info(a, 2).chunk_size, 64);
    ck_assert_uint_eq(class_info(a, 3).chunk_size, 80);
    ck_assert_uint_eq(class_info(a, slab_class_count(a)).chunk_size, MIB / 2);
    ck_assert_int_ne(slab_class_get(a, 0, &(slab_class_info){0}), 0);
    ck_assert_int_ne(slab_class_get(a, slab_class_count(a) + 1, &(slab_class_info){0}), 0);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

/* Each case breaks one field; the check names it. */
static const char *break_field(alloc_config *cfg, int i)
{
    static const size_t bad_order[] = {200, 100};
    static const size_t bad_gap[] = {100, 108};
    static const size_t too_big[] = {100, 600000};
    static const size_t four[] = {100, 200, 300, 400};
    static const size_t zero[] = {0, 100};
    switch (i) {
    case 0: cfg->slab.growth_factor = 1.0; return "slab.growth_factor";
    case 1: cfg->slab.growth_factor = NAN; return "slab.growth_factor";
    case 2: cfg->slab.growth_factor = INFINITY; return "slab.growth_factor";
    case 3: cfg->slab.growth_factor = 0.5; return "slab.growth_factor";
    case 4: cfg->slab.page_size = 2048; return "slab.page_size";
    case 5: cfg->slab.page_size = (size_t)1 << 31; return "slab.page_size";
    case 6: cfg->slab.page_size = 12288; return "slab.page_size";
    case 7: cfg->slab.max_classes = 1; return "slab.max_classes";
    case 8: cfg->slab.max_classes = 256; return "slab.max_classes";
    case 9: cfg->slab.min_chunk = 0; return "slab.min_chunk";
    case 10: cfg->slab.chunk_max = 100004; return "slab.chunk_max";
    case 11: cfg->slab.chunk_max = 2 * MIB; return "slab.chunk_max";
    case 12: cfg->slab.min_chunk = 100; cfg->slab.chunk_max = 96; return "slab.chunk_max";
    case 13: cfg->slab.nsizes = 3; return "slab.nsizes";
    case 14: cfg->slab.sizes = bad_order; return "slab.sizes";
    case 15: cfg->slab.sizes = four; cfg->slab.nsizes = 4; cfg->slab.max_classes = 4;
        return "slab.nsizes";
    case 16: cfg->slab.sizes = bad_order; cfg->slab.nsizes = 2; return "slab.sizes[1]";
    case 17: cfg->slab.sizes = bad_gap; cfg->slab.nsizes = 2; return "slab.sizes[1]";
    case 18: cfg->slab.sizes = too_big; cfg->slab.nsizes = 2; return "slab.sizes[1]";
    case 19: cfg->slab.sizes = zero; cfg->slab.nsizes = 2; return "slab.sizes[0]";
    case 20: cfg->slab.prealloc = 2; return "slab.prealloc";
    case 21: cfg->slab.prealloc = 1; cfg->mem_limit = 0; return "slab.prealloc";
    case 22: cfg->slab.prealloc = 1; cfg->mem_limit = 8 * MIB; return "mem_limit";
    case 23: cfg->thread_safe = 2; return "thread_safe";
    }
    return NULL;
}
#define BROKEN_FIELDS 24

START_TEST(test_config_rejects_field)
{
    alloc_config cfg = slab_cfg();
    const char *field = break_field(&cfg, _i);
    char msg[256];
    ck_assert_int_eq(alloc_config_check(&cfg, msg, sizeof msg), ALLOC_EINVAL);
    ck_assert_msg(strstr(msg, field) != NULL, "case %d: '%s' does not name %s", _i, msg, field);
    if (strncmp(field, "slab.", 5) == 0) /* the table reads the slab section only */
        ck_assert_int_eq(slab_table_compute(&cfg, NULL, NULL, 0), -1);
    recorder r = {0};
    cfg.on_error = record;
    cfg.on_error_ud = &r;
    alloc_t *a = (alloc_t *)&r;
    ck_assert_int_eq(alloc_create(&cfg, &a), ALLOC_EINVAL);
    ck_assert_ptr_null(a);
    ck_assert_int_eq(r.calls, 1);
    ck_assert_int_eq(r.status, ALLOC_EINVAL);
    ck_assert_msg(strstr(r.msg, field) != NULL, "handler got '%s'", r.msg);
}
END_TEST

START_TEST(test_config_accepts_edges)
{
    alloc_config cfg = slab_cfg();
    cfg.slab.page_size = 4096;
    cfg.slab.chunk_max = 4096; /* a whole page, as memcached -o slab_chunk_max=page */
    cfg.slab.max_classes = 2;
    ck_assert_int_eq(alloc_config_check(&cfg, NULL, 0), ALLOC_OK);
    alloc_t *a = make(&cfg);
    ck_assert_uint_eq(slab_class_count(a), 2);
    ck_assert_uint_eq(class_info(a, 1).chunk_size, 48);
    ck_assert_uint_eq(class_info(a, 2).chunk_size, 4096);
    ck_assert_uint_eq(class_info(a, 2).chunks_per_page, 1);
    alloc_destroy(a);
    cfg = slab_cfg();
    cfg.slab.max_classes = 255;
    cfg.slab.growth_factor = 1.01;
    a = make(&cfg);
    ck_assert_uint_eq(slab_class_count(a), 255);
    alloc_destroy(a);
}
END_TEST

/* ---- size classes ----------------------------------------------------------------- */

static void check_lookup(const alloc_config *cfg)
{
    alloc_t *a = make(cfg);
    unsigned n = slab_class_count(a);
    size_t sizes[256];
    for (unsigned id = 1; id <= n; id++)
        sizes[id - 1] = class_info(a, id).chunk_size;
    size_t cmax = alloc_get_config(a)->slab.chunk_max;
    for (size_t size = 0; size <= cmax + 9000; size += size < 70000 ? 1 : 997) {
        unsigned want = 0;
        for (unsigned id = 1; id <= n && want == 0; id++)
            if (sizes[id - 1] >= size)
                want = id;
        ck_assert_msg(slab_size_class(a, size) == want, "size %zu: class %u, want %u", size,
                      slab_size_class(a, size), want);
        size_t good = want ? sizes[want - 1] : (size + 4095) / 4096 * 4096;
        ck_assert_uint_eq(alloc_good_size(a, size), good);
    }
    alloc_destroy(a);
}

START_TEST(test_size_to_class)
{
    alloc_config cfg = slab_cfg();
    check_lookup(&cfg);
    cfg = memcached_cfg();
    cfg.slab.growth_factor = 1.08; /* 63 classes, the cap's jump to 524288 */
    check_lookup(&cfg);
    cfg = slab_cfg();
    cfg.slab.page_size = 64 * KIB;
    cfg.slab.chunk_max = 16 * KIB;
    cfg.slab.growth_factor = 2.0;
    check_lookup(&cfg);
    static const size_t list[] = {100, 200, 300, 5000, 524288};
    cfg = slab_cfg();
    cfg.slab.sizes = list;
    cfg.slab.nsizes = 5;
    check_lookup(&cfg);
}
END_TEST

START_TEST(test_explicit_sizes)
{
    size_t list[] = {100, 200, 300};
    alloc_config cfg = slab_cfg();
    cfg.slab.sizes = list;
    cfg.slab.nsizes = 3;
    alloc_t *a = make(&cfg);
    list[0] = 1; /* the instance keeps its own copy */
    ck_assert_ptr_ne(alloc_get_config(a)->slab.sizes, list);
    ck_assert_uint_eq(alloc_get_config(a)->slab.sizes[0], 100);
    ck_assert_uint_eq(slab_class_count(a), 4);
    const size_t want[] = {104, 200, 304, 524288};
    for (unsigned id = 1; id <= 4; id++) {
        ck_assert_uint_eq(class_info(a, id).chunk_size, want[id - 1]);
        ck_assert_uint_eq(class_info(a, id).chunks_per_page, MIB / want[id - 1]);
        void *p = alloc_malloc(a, want[id - 1]);
        ck_assert_uint_eq(alloc_usable_size(a, p), want[id - 1]);
        ck_assert_uint_eq(class_info(a, id).used_chunks, 1);
    }
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

/* ---- block calls ------------------------------------------------------------------ */

START_TEST(test_block_calls)
{
    alloc_config cfg = memcached_cfg();
    cfg.thread_safe = _i;
    alloc_t *a = make(&cfg);
    /* malloc(0) takes the smallest class; memcached's split leaves the page's last
     * chunk on top, so a fresh page hands out chunks from its end downwards. */
    char *p0 = alloc_malloc(a, 0), *p1 = alloc_malloc(a, 1);
    ck_assert_uint_eq(alloc_usable_size(a, p0), 96);
    ck_assert_ptr_eq(p1, p0 - 96);
    ck_assert_uint_eq(((uintptr_t)p0 + 96 + 64) % MIB, 0); /* 10922 * 96 + 64 tail */
    ck_assert_uint_eq((uintptr_t)p0 % 8, 0);
    /* LIFO: the last freed is the first reused. */
    alloc_free(a, p1);
    alloc_free(a, p0);
    char *m = alloc_malloc(a, 90);
    ck_assert_ptr_eq(m, p0);
    ck_assert_ptr_eq(alloc_malloc(a, 90), p1);
    /* realloc stays in place inside the class (96 -> 96), moves across classes. */
    memcpy(m, "0123456789", 10);
    ck_assert_ptr_eq(alloc_realloc(a, m, 96), m);
    ck_assert_ptr_eq(alloc_realloc(a, m, 50), m);
    char *q = alloc_realloc(a, m, 100);
    ck_assert_ptr_ne(q, m);
    ck_assert_uint_eq(alloc_usable_size(a, q), 120);
    ck_assert_mem_eq(q, "0123456789", 10);
    char *r = alloc_realloc(a, q, 40);
    ck_assert_uint_eq(alloc_usable_size(a, r), 96);
    ck_assert_mem_eq(r, "0123456789", 10);
    ck_assert_ptr_null(alloc_realloc(a, r, 0)); /* frees, as Redis's zrealloc */
    char *n = alloc_realloc(a, NULL, 96);
    ck_assert_uint_eq(alloc_usable_size(a, n), 96);
    /* calloc zeroes a reused chunk; overflow is a failed allocation. */
    memset(n, 0xff, 96);
    alloc_free(a, n);
    unsigned char *z = alloc_calloc(a, 12, 8);
    ck_assert_ptr_eq(z, n);
    for (int i = 0; i < 96; i++)
        ck_assert_uint_eq(z[i], 0);
    alloc_stats before = stats_of(a);
    volatile size_t huge = SIZE_MAX / 2;
    ck_assert_ptr_null(alloc_calloc(a, huge, 3));
    ck_assert_uint_eq(stats_of(a).failed_allocs, before.failed_allocs + 1);
    alloc_free(a, NULL);
    alloc_free(a, z);
    alloc_free(a, p1);
    alloc_stats st = stats_of(a);
    ck_assert_uint_eq(st.used_bytes, 0);
    ck_assert_uint_eq(st.live_blocks, 0);
    ck_assert_uint_eq(st.allocs, st.frees);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

START_TEST(test_typed_api)
{
    alloc_config cfg = memcached_cfg();
    alloc_t *a = make(&cfg);
    void *p = slab_malloc(a, 500);
    ck_assert_uint_eq(slab_usable_size(a, p), 600);
    ck_assert_uint_eq(slab_good_size(a, 500), 600);
    p = slab_realloc(a, p, 590);
    ck_assert_uint_eq(slab_usable_size(a, p), 600);
    slab_free_sized(a, p, 590);
    p = slab_calloc(a, 2, 300);
    ck_assert_uint_eq(slab_usable_size(a, p), 600);
    slab_free(a, p);
    slab_free(a, NULL);
    ck_assert_uint_eq(stats_of(a).used_bytes, 0);
    alloc_destroy(a);
}
END_TEST

START_TEST(test_large_path)
{
    alloc_config cfg = memcached_cfg();
    alloc_t *a = make(&cfg);
    size_t big = MIB / 2 + 1;
    ck_assert_uint_eq(slab_size_class(a, big), 0);
    ck_assert_uint_eq(alloc_good_size(a, big), MIB / 2 + 4096);
    ck_assert_uint_eq(alloc_good_size(a, SIZE_MAX), 0);
    char *p = alloc_malloc(a, big);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq((uintptr_t)p % 4096, 0);
    ck_assert_uint_eq(alloc_usable_size(a, p), MIB / 2 + 4096);
    p[big - 1] = 'x';
    char *q = alloc_malloc(a, 3 * MIB);
    alloc_stats st = stats_of(a);
    ck_assert_uint_eq(st.large_blocks, 2);
    ck_assert_uint_eq(st.large_bytes, MIB / 2 + 4096 + 3 * MIB);
    ck_assert_uint_eq(st.used_bytes, st.large_bytes);
    ck_assert_uint_eq(st.held_bytes, st.large_bytes); /* no page yet */
    slab_totals t;
    slab_totals_get(a, &t);
    ck_assert_uint_eq(t.large_blocks, 2);
    ck_assert_uint_eq(t.total_malloced, 0);
    /* In place while the mapped length is the same; to a class when it fits one. */
    ck_assert_ptr_eq(alloc_realloc(a, p, big + 100), p);
    char *s = alloc_realloc(a, p, 1000);
    ck_assert_uint_eq(alloc_usable_size(a, s), 1184);
    char *g = alloc_realloc(a, s, 2 * MIB);
    ck_assert_uint_eq(alloc_usable_size(a, g), 2 * MIB);
    alloc_free(a, g);
    alloc_free_sized(a, q, 3 * MIB);
    st = stats_of(a);
    ck_assert_uint_eq(st.large_blocks, 0);
    ck_assert_uint_eq(st.large_bytes, 0);
    ck_assert_uint_eq(st.used_bytes, 0);
    ck_assert_uint_eq(st.held_bytes, MIB); /* the page of class 1184 stays */
    ck_assert_uint_eq(st.peak_used_bytes, 3 * MIB + 1184 + 2 * MIB); /* q, s and g */
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    /* Many large blocks: the table grows and shrinks. */
    void *v[100];
    for (int i = 0; i < 100; i++)
        v[i] = alloc_malloc(a, MIB / 2 + 1 + (size_t)i * 5000);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    for (int i = 0; i < 100; i += 2)
        alloc_free(a, v[i]);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    for (int i = 1; i < 100; i += 2)
        alloc_free(a, v[i]);
    ck_assert_uint_eq(stats_of(a).large_blocks, 0);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

START_TEST(test_stats_exact)
{
    alloc_config cfg = memcached_cfg();
    alloc_t *a = make(&cfg);
    void *p[10];
    for (int i = 0; i < 10; i++)
        p[i] = alloc_malloc(a, 100); /* class 2, 120 bytes */
    void *b = alloc_malloc(a, 5000); /* class 19, 5680 bytes */
    alloc_stats st = stats_of(a);
    ck_assert_uint_eq(st.used_bytes, 10 * 120 + 5680);
    ck_assert_uint_eq(st.held_bytes, 2 * MIB);
    ck_assert_uint_eq(st.peak_held_bytes, 2 * MIB);
    ck_assert_uint_eq(st.live_blocks, 11);
    ck_assert_uint_eq(st.allocs, 11);
    ck_assert_uint_eq(st.header_bytes, 0);
    slab_class_info ci = class_info(a, 2);
    ck_assert_uint_eq(ci.chunk_size, 120);
    ck_assert_uint_eq(ci.total_pages, 1);
    ck_assert_uint_eq(ci.total_chunks, 8738);
    ck_assert_uint_eq(ci.used_chunks, 10);
    ck_assert_uint_eq(ci.free_chunks, 8728);
    ck_assert_uint_eq(ci.requested_bytes, 1000);
    /* Sized frees keep requested exact; unsized ones are counted. */
    alloc_free_sized(a, p[0], 100);
    ci = class_info(a, 2);
    ck_assert_uint_eq(ci.requested_bytes, 900);
    ck_assert_uint_eq(ci.unsized_frees, 0);
    alloc_free(a, p[1]);
    ci = class_info(a, 2);
    ck_assert_uint_eq(ci.unsized_frees, 1);
    ck_assert_uint_eq(ci.used_chunks, 8);
    ck_assert_uint_eq(ci.frees, 2);
    for (int i = 2; i < 10; i++)
        alloc_free_sized(a, p[i], 100);
    alloc_free(a, b);
    st = stats_of(a);
    ck_assert_uint_eq(st.used_bytes, 0);
    ck_assert_uint_eq(st.peak_used_bytes, 10 * 120 + 5680);
    ck_assert_uint_eq(st.held_bytes, 2 * MIB); /* pages are kept */
    ck_assert_uint_eq(st.frees, 11);
    ck_assert_uint_eq(class_info(a, 2).requested_bytes, 0);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

/* ---- mem_limit, prealloc, pool ---------------------------------------------------- */

START_TEST(test_mem_limit)
{
    alloc_config cfg = memcached_cfg();
    cfg.mem_limit = 2 * MIB;
    alloc_t *a = make(&cfg);
    unsigned top = slab_class_count(a); /* 524288: two per page */
    void *big[5];
    ck_assert_uint_eq(fill(a, MIB / 2, big, 5), 4); /* two pages, then refused */
    alloc_stats st = stats_of(a);
    ck_assert_uint_eq(st.held_bytes, 2 * MIB);
    ck_assert_uint_eq(st.failed_allocs, 1);
    ck_assert_uint_eq(class_info(a, top).total_pages, 2);
    /* A class with no page still gets its first one, beyond the limit (memcached). */
    void *s = alloc_malloc(a, 100);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(stats_of(a).held_bytes, 3 * MIB);
    /* ... but not a second one. */
    static void *small[8738 + 1];
    small[0] = s;
    ck_assert_uint_eq(fill(a, 100, small + 1, 8738), 8737);
    ck_assert_uint_eq(class_info(a, 2).total_pages, 1);
    ck_assert_uint_eq(stats_of(a).failed_allocs, 2);
    /* The large path is held to the limit too. */
    ck_assert_ptr_null(alloc_malloc(a, MIB));
    ck_assert_uint_eq(stats_of(a).failed_allocs, 3);
    /* Recovery: a freed chunk is reused without a new page. */
    alloc_free(a, big[3]);
    void *again = alloc_malloc(a, MIB / 2);
    ck_assert_ptr_eq(again, big[3]);
    ck_assert_uint_eq(stats_of(a).held_bytes, 3 * MIB);
    /* Emptied pages go to the pool; a full class may then take one even though
     * held > limit, since memcached's refusal needs an empty pool. */
    for (int i = 0; i < 3; i++)
        alloc_free(a, big[i]);
    alloc_free(a, again);
    ck_assert_uint_eq(slab_release_free_pages(a, 0), 2);
    slab_totals t;
    slab_totals_get(a, &t);
    ck_assert_uint_eq(t.pool_pages, 2);
    ck_assert_uint_eq(t.total_malloced, 3 * MIB);
    ck_assert_uint_eq(t.active_slabs, 1);
    ck_assert_ptr_nonnull(alloc_malloc(a, 100)); /* class 2's second page, from the pool */
    ck_assert_uint_eq(class_info(a, 2).total_pages, 2);
    slab_totals_get(a, &t);
    ck_assert_uint_eq(t.pool_pages, 1);
    ck_assert_uint_eq(stats_of(a).held_bytes, 3 * MIB);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

START_TEST(test_prealloc)
{
    alloc_config cfg = slab_cfg();
    cfg.slab.page_size = 64 * KIB;
    int n = slab_table_compute(&cfg, NULL, NULL, 0);
    cfg.mem_limit = (size_t)(n + 3) * 64 * KIB + 1000; /* the odd bytes are not a page */
    cfg.slab.prealloc = 1;
    alloc_t *a = make(&cfg);
    slab_totals t;
    slab_totals_get(a, &t);
    ck_assert_uint_eq(t.active_slabs, (unsigned)n);
    ck_assert_uint_eq(t.pool_pages, 3);
    ck_assert_uint_eq(t.total_malloced, (size_t)(n + 3) * 64 * KIB);
    for (int id = 1; id <= n; id++)
        ck_assert_uint_eq(class_info(a, (unsigned)id).total_pages, 1);
    alloc_stats st = stats_of(a);
    ck_assert_uint_eq(st.held_bytes, (size_t)(n + 3) * 64 * KIB);
    ck_assert_uint_eq(st.used_bytes, 0);
    /* The top class (32 KiB, two per page) takes the pool, then is refused. */
    void *v[16];
    ck_assert_uint_eq(fill(a, 32 * KIB, v, 16), 2 + 3 * 2);
    ck_assert_uint_eq(stats_of(a).held_bytes, st.held_bytes);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

/* ---- page moves ------------------------------------------------------------------- */

/* A config where class 1 holds 8 chunks of 8 KiB per 64 KiB page. */
static alloc_config move_cfg(void)
{
    static const size_t list[] = {8192, 16384};
    alloc_config cfg = slab_cfg();
    cfg.slab.page_size = 64 * KIB;
    cfg.slab.sizes = list;
    cfg.slab.nsizes = 2;
    return cfg;
}

START_TEST(test_reassign_status)
{
    alloc_config cfg = move_cfg();
    alloc_t *a = make(&cfg);
    ck_assert_uint_eq(slab_class_count(a), 3);
    ck_assert_int_eq(slab_reassign(a, 1, 1, NULL, NULL), SLAB_SAME);
    ck_assert_int_eq(slab_reassign(a, 4, 1, NULL, NULL), SLAB_BADCLASS);
    ck_assert_int_eq(slab_reassign(a, 1, 9, NULL, NULL), SLAB_BADCLASS);
    ck_assert_int_eq(slab_reassign(a, 1, 2, NULL, NULL), SLAB_NOSPARE); /* no page */
    ck_assert_int_eq(slab_reassign(a, 0, 2, NULL, NULL), SLAB_NOSPARE); /* empty pool */
    void *v[16];
    ck_assert_uint_eq(fill(a, 8000, v, 8), 8);
    ck_assert_int_eq(slab_reassign(a, 1, 2, NULL, NULL), SLAB_NOSPARE); /* one page only */
    ck_assert_uint_eq(fill(a, 8000, v + 8, 8), 8);
    /* Two full pages: the oldest has live chunks and nobody to move them. */
    ck_assert_int_eq(slab_reassign(a, 1, 2, NULL, NULL), SLAB_BUSY);
    for (int i = 0; i < 8; i++)
        alloc_free(a, v[i]); /* the oldest page's chunks (filled first) */
    alloc_stats before = stats_of(a);
    ck_assert_int_eq(slab_reassign(a, 1, 2, NULL, NULL), SLAB_OK);
    ck_assert_uint_eq(class_info(a, 1).total_pages, 1);
    ck_assert_uint_eq(class_info(a, 1).free_chunks, 0);
    ck_assert_uint_eq(class_info(a, 2).total_pages, 1);
    ck_assert_uint_eq(class_info(a, 2).free_chunks, 4);
    alloc_stats after = stats_of(a);
    assert_stats_equal(&before, &after); /* a move changes no block and no byte held */
    /* Into the pool and back out of it. */
    for (int i = 8; i < 12; i++)
        alloc_free(a, v[i]);
    void *w[8];
    ck_assert_uint_eq(fill(a, 16000, w, 8), 8); /* the moved page, then a new one */
    ck_assert_uint_eq(class_info(a, 2).total_pages, 2);
    for (int i = 0; i < 4; i++)
        alloc_free(a, w[i]);
    ck_assert_int_eq(slab_reassign(a, 2, 0, NULL, NULL), SLAB_OK);
    ck_assert_uint_eq(class_info(a, 2).total_pages, 1);
    ck_assert_uint_eq(class_info(a, 2).used_chunks, 4);
    slab_totals t;
    slab_totals_get(a, &t);
    ck_assert_uint_eq(t.pool_pages, 1);
    ck_assert_uint_eq(t.pages_moved, 2);
    ck_assert_int_eq(slab_reassign(a, 0, 3, NULL, NULL), SLAB_OK);
    ck_assert_uint_eq(class_info(a, 3).total_pages, 1);
    ck_assert_uint_eq(class_info(a, 3).free_chunks, 2); /* 32 KiB chunks */
    ck_assert_int_eq(slab_reassign(a, 0, 3, NULL, NULL), SLAB_NOSPARE);
    ck_assert_str_eq(slab_status_str(SLAB_NOSPARE), "NOSPARE source class has no spare pages");
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

/* The caller's side of a move: a table of its blocks, updated when one moves. */
typedef struct owner {
    void *blocks[64];
    unsigned n;
    unsigned calls, decline_at; /* decline_at: call number that declines, 0 = never */
} owner;

static int relocate(void *ud, void *old_block, void *new_block, size_t chunk_size)
{
    owner *o = ud;
    ck_assert_uint_eq(chunk_size, 8192);
    if (++o->calls == o->decline_at || new_block == NULL)
        return 1;
    for (unsigned i = 0; i < o->n; i++) {
        if (o->blocks[i] == old_block) {
            memcpy(new_block, old_block, chunk_size);
            o->blocks[i] = new_block;
            return 0;
        }
    }
    ck_abort_msg("relocate: %p is none of the owner's blocks", old_block);
    return 1;
}

static void stamp(void *p, unsigned i) { memset(p, (int)(i * 7 + 1), 8192); }

static void assert_stamps(const owner *o)
{
    for (unsigned i = 0; i < o->n; i++) {
        const unsigned char *p = o->blocks[i];
        if (p == NULL)
            continue;
        for (size_t k = 0; k < 8192; k += 511)
            ck_assert_uint_eq(p[k], (unsigned char)(i * 7 + 1));
    }
}

/* Three full pages of class 1; frees 2 chunks of the oldest page and 3 of each other:
 * the oldest page then has 6 live chunks and the others 6 free ones. */
static alloc_t *three_pages(owner *o)
{
    alloc_config cfg = move_cfg();
    alloc_t *a = make(&cfg);
    memset(o, 0, sizeof *o);
    o->n = 24;
    for (unsigned i = 0; i < 24; i++) {
        o->blocks[i] = alloc_malloc(a, 8192);
        stamp(o->blocks[i], i);
    }
    const unsigned drop[] = {0, 5, 8, 9, 10, 20, 21, 22};
    for (unsigned k = 0; k < 8; k++) {
        alloc_free(a, o->blocks[drop[k]]);
        o->blocks[drop[k]] = NULL;
    }
    ck_assert_uint_eq(class_info(a, 1).total_pages, 3);
    ck_assert_uint_eq(class_info(a, 1).free_chunks, 8);
    return a;
}

START_TEST(test_reassign_relocate)
{
    owner o;
    alloc_t *a = three_pages(&o);
    char *oldest_first = o.blocks[1];
    alloc_stats before = stats_of(a);
    ck_assert_int_eq(slab_reassign(a, 1, 2, relocate, &o), SLAB_OK);
    ck_assert_uint_eq(o.calls, 6);
    assert_stamps(&o);
    slab_class_info ci = class_info(a, 1);
    ck_assert_uint_eq(ci.total_pages, 2);
    ck_assert_uint_eq(ci.used_chunks, 16);
    ck_assert_uint_eq(ci.free_chunks, 0);
    ck_assert_uint_eq(class_info(a, 2).total_pages, 1);
    alloc_stats after = stats_of(a);
    assert_stats_equal(&before, &after);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    /* The moved page now serves class 2. */
    char *fresh = alloc_malloc(a, 16000);
    ck_assert_uint_eq((uintptr_t)fresh / (64 * KIB), (uintptr_t)oldest_first / (64 * KIB));
    for (unsigned i = 0; i < o.n; i++)
        alloc_free(a, o.blocks[i]);
    alloc_free(a, fresh);
    ck_assert_uint_eq(stats_of(a).used_bytes, 0);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

START_TEST(test_reassign_decline)
{
    owner o;
    alloc_t *a = three_pages(&o);
    o.decline_at = 3;
    alloc_stats before = stats_of(a);
    ck_assert_int_eq(slab_reassign(a, 1, 2, relocate, &o), SLAB_BUSY);
    ck_assert_uint_eq(o.calls, 3);
    assert_stamps(&o); /* two moved, the rest where they were */
    slab_class_info ci = class_info(a, 1);
    ck_assert_uint_eq(ci.total_pages, 3);
    ck_assert_uint_eq(ci.free_chunks, 8);
    ck_assert_uint_eq(ci.used_chunks, 16);
    ck_assert_uint_eq(class_info(a, 2).total_pages, 0);
    alloc_stats after = stats_of(a);
    assert_stats_equal(&before, &after);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    /* Declining again later is no obstacle to a move that is accepted. */
    o.decline_at = 0;
    o.calls = 0;
    ck_assert_int_eq(slab_reassign(a, 1, 0, relocate, &o), SLAB_OK);
    ck_assert_uint_eq(o.calls, 4);
    assert_stamps(&o);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

START_TEST(test_reassign_noroom)
{
    owner o;
    alloc_t *a = three_pages(&o);
    /* Take back the free chunks of the other pages: 6 live in the oldest, 0 room. */
    void *extra[6];
    ck_assert_uint_eq(fill(a, 8192, extra, 6), 6);
    ck_assert_uint_eq(class_info(a, 1).total_pages, 3);
    ck_assert_int_eq(slab_reassign(a, 1, 2, relocate, &o), SLAB_NOROOM);
    ck_assert_uint_eq(o.calls, 0);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

/* memcached's mover: a callback that drops every block for which there is no room
 * (new_block == NULL), and every second block otherwise (an expired item). */
typedef struct dropper {
    owner o;
    unsigned dropped_null, dropped_room, moved;
} dropper;

static int relocate_or_drop(void *ud, void *old_block, void *new_block, size_t chunk_size)
{
    dropper *d = ud;
    for (unsigned i = 0; i < d->o.n; i++) {
        if (d->o.blocks[i] != old_block)
            continue;
        d->o.calls++;
        if (new_block == NULL || d->o.calls % 2 == 0) {
            d->o.blocks[i] = NULL;
            if (new_block == NULL)
                d->dropped_null++;
            else
                d->dropped_room++;
            return SLAB_RELOCATE_DROPPED;
        }
        memcpy(new_block, old_block, chunk_size);
        d->o.blocks[i] = new_block;
        d->moved++;
        return 0;
    }
    ck_abort_msg("relocate_or_drop: %p is none of the owner's blocks", old_block);
    return 1;
}

START_TEST(test_reassign_evict)
{
    dropper d;
    memset(&d, 0, sizeof d);
    alloc_t *a = three_pages(&d.o);
    /* 6 live chunks in the oldest page, 6 free chunks elsewhere: every second call
     * drops, so 3 are copied and 3 dropped, and the 3 chunks the drops had been offered
     * go back: 6 - 3 copies = 3 free chunks left in the 2 remaining pages. */
    ck_assert_int_eq(slab_reassign_evict(a, 1, 2, relocate_or_drop, &d), SLAB_OK);
    ck_assert_uint_eq(d.o.calls, 6);
    ck_assert_uint_eq(d.moved, 3);
    ck_assert_uint_eq(d.dropped_room, 3);
    ck_assert_uint_eq(d.dropped_null, 0);
    assert_stamps(&d.o);
    slab_class_info ci = class_info(a, 1);
    ck_assert_uint_eq(ci.total_pages, 2);
    ck_assert_uint_eq(ci.used_chunks, 13);
    ck_assert_uint_eq(ci.free_chunks, 3);
    ck_assert_uint_eq(ci.unsized_frees, 8 + 3); /* three_pages' 8 frees, then the drops */
    ck_assert_uint_eq(class_info(a, 2).total_pages, 1);
    ck_assert_uint_eq(stats_of(a).used_bytes, 13 * 8192);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

START_TEST(test_reassign_evict_noroom)
{
    dropper d;
    memset(&d, 0, sizeof d);
    alloc_t *a = three_pages(&d.o);
    /* Take all 8 free chunks back: the 3 pages are full, so each of the oldest page's
     * 8 live chunks is offered with no new block and dropped; slab_reassign refuses
     * the same move with SLAB_NOROOM. */
    void *extra[8];
    ck_assert_uint_eq(fill(a, 8192, extra, 8), 8);
    ck_assert_uint_eq(class_info(a, 1).total_pages, 3);
    ck_assert_int_eq(slab_reassign(a, 1, 2, relocate_or_drop, &d), SLAB_NOROOM);
    for (unsigned k = 0; k < 8; k++)
        d.o.blocks[d.o.n++] = extra[k];
    ck_assert_int_eq(slab_reassign_evict(a, 1, 2, relocate_or_drop, &d), SLAB_OK);
    ck_assert_uint_eq(d.dropped_null, 8);
    ck_assert_uint_eq(d.moved + d.dropped_room, 0);
    slab_class_info ci = class_info(a, 1);
    ck_assert_uint_eq(ci.total_pages, 2);
    ck_assert_uint_eq(ci.used_chunks, 16);
    ck_assert_uint_eq(ci.free_chunks, 0);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    /* A callback that does not drop when offered no room declines the move. */
    owner o;
    memset(&o, 0, sizeof o);
    for (unsigned i = 0; i < d.o.n; i++)
        if (d.o.blocks[i] != NULL)
            o.blocks[o.n++] = d.o.blocks[i];
    ck_assert_uint_eq(o.n, 16);
    ck_assert_int_eq(slab_reassign_evict(a, 1, 2, relocate, &o), SLAB_BUSY);
    ck_assert_uint_eq(class_info(a, 1).total_pages, 2);
    ck_assert_uint_eq(class_info(a, 1).used_chunks, 16);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

/* memcached's memory_release: a page reclaimed to the pool while first pages keep the
 * instance above mem_limit is given back, and its mapping serves the next new page. */
START_TEST(test_pool_trim)
{
    alloc_config cfg = move_cfg();
    cfg.mem_limit = 2 * 64 * KIB;
    alloc_t *a = make(&cfg);
    void *v[16];
    ck_assert_uint_eq(fill(a, 8192, v, 16), 16); /* class 1: 2 pages, the limit */
    void *b = alloc_malloc(a, 16000);            /* class 2's first page, above it */
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(stats_of(a).held_bytes, 3 * 64 * KIB);
    ck_assert_uint_eq(slab_pool_trim(a), 0); /* nothing in the pool */
    for (int i = 0; i < 8; i++)
        alloc_free(a, v[i]); /* the oldest page of class 1, all free */
    ck_assert_int_eq(slab_reassign(a, 1, 0, NULL, NULL), SLAB_OK);
    slab_totals t;
    slab_totals_get(a, &t);
    ck_assert_uint_eq(t.pool_pages, 1);
    ck_assert_uint_eq(t.total_malloced, 3 * 64 * KIB);
    /* 3 pages held, 2 allowed: the pool's page goes */
    ck_assert_uint_eq(slab_pool_trim(a), 1);
    slab_totals_get(a, &t);
    ck_assert_uint_eq(t.pool_pages, 0);
    ck_assert_uint_eq(t.total_malloced, 2 * 64 * KIB);
    ck_assert_uint_eq(stats_of(a).held_bytes, 2 * 64 * KIB);
    ck_assert_uint_eq(slab_pool_trim(a), 0);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    /* class 3's first page is granted above the limit again, from the same mapping */
    char *c = alloc_malloc(a, 30000);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq((uintptr_t)c / (64 * KIB), (uintptr_t)v[0] / (64 * KIB));
    ck_assert_uint_eq(stats_of(a).held_bytes, 3 * 64 * KIB);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_free(a, c);
    alloc_free(a, b);
    for (int i = 8; i < 16; i++)
        alloc_free(a, v[i]);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

START_TEST(test_automove_free)
{
    alloc_config cfg = move_cfg();
    alloc_t *a = make(&cfg);
    owner o;
    memset(&o, 0, sizeof o);
    o.n = 32;
    for (unsigned i = 0; i < 32; i++) {
        o.blocks[i] = alloc_malloc(a, 8192);
        stamp(o.blocks[i], i);
    }
    for (unsigned i = 8; i < 32; i++) {
        alloc_free(a, o.blocks[i]);
        o.blocks[i] = NULL;
    }
    /* 24 free chunks > 2.5 pages of 8, but the oldest page is full of live ones. */
    ck_assert_uint_eq(slab_automove_free(a, NULL, NULL), 0);
    ck_assert_uint_eq(slab_automove_free(a, relocate, &o), 1);
    ck_assert_uint_eq(o.calls, 8);
    assert_stamps(&o);
    slab_class_info ci = class_info(a, 1);
    ck_assert_uint_eq(ci.total_pages, 3);
    ck_assert_uint_eq(ci.free_chunks, 16);
    slab_totals t;
    slab_totals_get(a, &t);
    ck_assert_uint_eq(t.pool_pages, 1);
    /* 16 free chunks are 2 pages' worth: no surplus left. */
    ck_assert_uint_eq(slab_automove_free(a, relocate, &o), 0);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

START_TEST(test_release_free_pages)
{
    alloc_config cfg = move_cfg();
    alloc_t *a = make(&cfg);
    void *v[24];
    ck_assert_uint_eq(fill(a, 8192, v, 24), 24);
    for (int i = 8; i < 24; i++)
        alloc_free(a, v[i]); /* pages 2 and 3 become entirely free */
    alloc_free(a, v[0]);     /* page 1 keeps 7 live chunks */
    ck_assert_uint_eq(slab_release_free_pages(a, 2), 0);
    ck_assert_uint_eq(slab_release_free_pages(a, 1), 2);
    slab_class_info ci = class_info(a, 1);
    ck_assert_uint_eq(ci.total_pages, 1);
    ck_assert_uint_eq(ci.free_chunks, 1);
    slab_totals t;
    slab_totals_get(a, &t);
    ck_assert_uint_eq(t.pool_pages, 2);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    /* A pointer into a pool page is nobody's block. */
    recorder r;
    alloc_destroy(a);
    a = make_recording(move_cfg(), &r);
    ck_assert_uint_eq(fill(a, 8192, v, 16), 16);
    for (int i = 0; i < 16; i++)
        alloc_free(a, v[i]);
    ck_assert_uint_eq(slab_release_free_pages(a, 0), 2);
    alloc_stats before = stats_of(a);
    alloc_free(a, v[3]);
    ck_assert_int_eq(r.calls, 1);
    ck_assert_int_eq(r.status, ALLOC_EFOREIGN);
    ck_assert_ptr_eq(r.ptr, v[3]);
    alloc_stats after = stats_of(a);
    assert_stats_equal(&before, &after);
    /* Both pool pages are used again before anything new is mapped. */
    ck_assert_uint_eq(fill(a, 16000, v, 8), 8);
    ck_assert_uint_eq(stats_of(a).held_bytes, 128 * KIB);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

/* ---- bad calls -------------------------------------------------------------------- */

enum bad_kind { BAD_DOUBLE, BAD_INTERIOR, BAD_TAIL, BAD_OTHER_INSTANCE, BAD_STACK, BAD_MALLOC,
                BAD_LARGE_INTERIOR, BAD_LARGE_DOUBLE, BAD_REALLOC_FREED, BAD_SIZED_INTERIOR,
                BAD_KINDS };

START_TEST(test_bad_free)
{
    recorder r;
    alloc_config cfg = memcached_cfg();
    cfg.thread_safe = _i % 2;
    alloc_t *a = make_recording(cfg, &r);
    alloc_t *other = make(&cfg);
    char *blocks[4];
    for (int i = 0; i < 4; i++)
        blocks[i] = alloc_malloc(a, 100);
    char *large = alloc_malloc(a, MIB);
    char *freed = alloc_malloc(a, 100);
    alloc_free(a, freed);
    char *theirs = alloc_malloc(other, 100);
    char *libc = malloc(64);
    int on_stack = 0;
    slab_class_info c2 = class_info(a, 2);
    /* The unused tail of a page: perslab * chunk_size bytes from its start. */
    char *page = (char *)((uintptr_t)blocks[0] & ~(uintptr_t)(MIB - 1));
    char *tail = page + (size_t)c2.chunks_per_page * c2.chunk_size;
    ck_assert((uintptr_t)tail < (uintptr_t)page + MIB);
    alloc_free(a, large);
    large = alloc_malloc(a, MIB);
    char *large_freed = alloc_malloc(a, 2 * MIB);
    alloc_free(a, large_freed);

    void *bad = NULL;
    alloc_status want = ALLOC_EFOREIGN;
    alloc_stats before = stats_of(a);
    switch (_i / 2) {
    case BAD_DOUBLE: bad = freed; want = ALLOC_EDOUBLEFREE; alloc_free(a, bad); break;
    case BAD_INTERIOR: bad = blocks[1] + 8; alloc_free(a, bad); break;
    case BAD_TAIL: bad = tail; alloc_free(a, bad); break;
    case BAD_OTHER_INSTANCE: bad = theirs; alloc_free(a, bad); break;
    case BAD_STACK: bad = &on_stack; alloc_free(a, bad); break;
    case BAD_MALLOC: bad = libc; alloc_free(a, bad); break;
    case BAD_LARGE_INTERIOR: bad = large + 4096; alloc_free(a, bad); break;
    case BAD_LARGE_DOUBLE: bad = large_freed; alloc_free(a, bad); break;
    case BAD_REALLOC_FREED:
        bad = freed;
        want = ALLOC_EDOUBLEFREE;
        ck_assert_ptr_null(alloc_realloc(a, bad, 5000));
        break;
    case BAD_SIZED_INTERIOR: bad = blocks[2] + 1; alloc_free_sized(a, bad, 100); break;
    }
    ck_assert_int_eq(r.calls, 1);
    ck_assert_int_eq(r.status, want);
    ck_assert_ptr_eq(r.ptr, bad);
    char hex[32];
    snprintf(hex, sizeof hex, "%p", bad);
    ck_assert_msg(strstr(r.msg, hex) != NULL, "message does not name %s: %s", hex, r.msg);
    ck_assert_msg(strstr(r.msg, "slab") != NULL, "message does not name the backend: %s",
                  r.msg);
    alloc_stats after = stats_of(a);
    assert_stats_equal(&before, &after);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    /* Nothing was disturbed: the other instance, libc's block and the live blocks. */
    alloc_free(other, theirs);
    free(libc);
    ck_assert_int_eq(alloc_check(other), ALLOC_OK);
    for (int i = 0; i < 4; i++)
        alloc_free(a, blocks[i]);
    alloc_free(a, large);
    ck_assert_int_eq(r.calls, 1);
    ck_assert_uint_eq(stats_of(a).used_bytes, 0);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(other);
    alloc_destroy(a);
}
END_TEST

/* A sized free takes a fast path when the size's class owns the pointer's page.
 * Blocks in an older page, a size naming another class, a size that takes the large
 * path, and a double or interior sized free must all behave as through free_block. */
START_TEST(test_sized_free_paths)
{
    recorder r;
    alloc_config cfg = memcached_cfg();
    cfg.thread_safe = _i;
    alloc_t *a = make_recording(cfg, &r);
    slab_class_info c2 = class_info(a, 2);
    size_t n = c2.chunks_per_page + 1; /* one chunk in a second page */
    char **v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = alloc_malloc(a, 100);
    ck_assert_uint_eq(class_info(a, 2).total_pages, 2);
    alloc_free_sized(a, v[0], 100);               /* the older page */
    alloc_free_sized(a, v[n - 1], 100);           /* the newer page */
    ck_assert_int_eq(r.calls, 0);
    /* A size no request for this block could have had: refused, the block stays. */
    alloc_free_sized(a, v[1], 5000);              /* another class's size */
    ck_assert_int_eq(r.calls, 1);
    ck_assert_int_eq(r.status, ALLOC_EINVAL);
    ck_assert_ptr_eq(r.ptr, v[1]);
    alloc_free_sized(a, v[2], MIB);               /* a large size */
    ck_assert_int_eq(r.calls, 2);
    ck_assert_int_eq(r.status, ALLOC_EINVAL);
    slab_class_info ci = class_info(a, 2);
    ck_assert_uint_eq(ci.used_chunks, n - 2);
    ck_assert_uint_eq(ci.unsized_frees, 0);
    ck_assert_uint_eq(ci.requested_bytes, (n - 2) * 100);
    alloc_free_sized(a, v[n - 1], 100);           /* double, in the newer page */
    ck_assert_int_eq(r.calls, 3);
    ck_assert_int_eq(r.status, ALLOC_EDOUBLEFREE);
    alloc_free_sized(a, v[0], 100);               /* double, in the older page */
    ck_assert_int_eq(r.calls, 4);
    ck_assert_int_eq(r.status, ALLOC_EDOUBLEFREE);
    alloc_free_sized(a, v[n - 2] + 8, 100);      /* interior, in the newer page */
    ck_assert_int_eq(r.calls, 5);
    ck_assert_int_eq(r.status, ALLOC_EFOREIGN);
    ck_assert_uint_eq(class_info(a, 2).used_chunks, n - 2);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    /* The newer page moved to the pool: its blocks are found through the directory. */
    for (size_t i = 1; i < n - 1; i++)
        alloc_free_sized(a, v[i], 100);
    ck_assert_uint_eq(slab_release_free_pages(a, 2), 2);
    v[0] = alloc_malloc(a, 100);
    alloc_free_sized(a, v[0], 100);
    ck_assert_int_eq(r.calls, 5);
    ck_assert_uint_eq(stats_of(a).used_bytes, 0);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    free(v);
    alloc_destroy(a);
}
END_TEST

/* The end of a page past its last chunk (where no chunk starts, and an offset divides to
 * chunk number perslab) is an interior pointer on every path, sized or not, with or
 * without thread caches. */
START_TEST(test_page_tail_pointer)
{
    recorder r;
    alloc_config cfg = memcached_cfg();
    cfg.thread_safe = _i;
    alloc_t *a = make_recording(cfg, &r);
    slab_class_info ci = class_info(a, 2);
    ck_assert_uint_ne((size_t)ci.chunks_per_page * ci.chunk_size, MIB); /* a tail exists */
    char *last = alloc_malloc(a, 100); /* a fresh page hands out its last chunk first */
    char *tail = last + ci.chunk_size;
    ck_assert_uint_eq((uintptr_t)tail % MIB, (size_t)ci.chunks_per_page * ci.chunk_size);
    alloc_free_sized(a, tail, 100);
    ck_assert_int_eq(r.calls, 1);
    ck_assert_int_eq(r.status, ALLOC_EFOREIGN);
    ck_assert_ptr_eq(r.ptr, tail);
    alloc_free(a, tail);
    ck_assert_int_eq(r.calls, 2);
    ck_assert_int_eq(r.status, ALLOC_EFOREIGN);
    ck_assert_uint_eq(alloc_usable_size(a, tail), 0);
    ck_assert_int_eq(r.calls, 3);
    ck_assert_ptr_null(alloc_realloc(a, tail, 200));
    ck_assert_int_eq(r.calls, 4);
    ck_assert_int_eq(r.status, ALLOC_EFOREIGN);
    ck_assert_uint_eq(class_info(a, 2).used_chunks, 1);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_free_sized(a, last, 100);
    ck_assert_int_eq(r.calls, 4);
    ck_assert_uint_eq(stats_of(a).used_bytes, 0);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

START_TEST(test_default_handler_aborts)
{
    alloc_config cfg = slab_cfg();
    alloc_t *a = make(&cfg);
    void *p = alloc_malloc(a, 10);
    alloc_free(a, p);
    alloc_free(a, p); /* no handler: message on stderr, abort() */
}
END_TEST

/* Free chunks are listed outside the pages (the class's stack, the thread's bin), so a
 * write after free, even over the first word an intrusive free list would link
 * through, changes nothing the allocator reads: the freed chunks come back in LIFO
 * order, nothing is reported, and the metadata checks out.  Both with and without
 * thread caches. */
START_TEST(test_write_after_free_harmless)
{
    recorder r;
    alloc_config cfg = memcached_cfg();
    cfg.thread_safe = _i;
    alloc_t *a = make_recording(cfg, &r);
    char *p = alloc_malloc(a, 100), *q = alloc_malloc(a, 100);
    alloc_free(a, p);
    alloc_free(a, q); /* q on top, p under it */
    static char elsewhere[256];
    *(void **)q = elsewhere + 8; /* writes after free over both blocks */
    memset(p, 0xff, 100);
    ck_assert_ptr_eq(alloc_malloc(a, 100), q);
    ck_assert_ptr_eq(alloc_malloc(a, 100), p);
    ck_assert_int_eq(r.calls, 0);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    ck_assert_int_eq(r.calls, 0);
    alloc_destroy(a);
}
END_TEST

/* ---- threads ---------------------------------------------------------------------- */

#define T_THREADS 4
#define T_OPS 150000
#define T_LIVE 256
#define T_RING 1024

typedef struct shared {
    alloc_t *a;
    pthread_mutex_t mu;
    uint64_t *ring[T_RING];
    size_t ring_n;
    unsigned long long allocs[T_THREADS];
} shared;

typedef struct worker {
    shared *sh;
    unsigned id;
} worker;

/* A block carries its size and a tag in its first words; checked when freed. */
static uint64_t *t_alloc(shared *sh, unsigned id, uint64_t *rng)
{
    *rng ^= *rng << 13, *rng ^= *rng >> 7, *rng ^= *rng << 17;
    uint64_t x = *rng;
    size_t size;
    if (x % 1000 == 0)
        size = MIB / 2 + 1 + x % 100000; /* the large path */
    else if (x % 2)
        size = 16 + x % 2000; /* classes every thread uses */
    else
        size = 3000 + id * 4000 + x % 1000; /* this thread's own classes */
    uint64_t *p = alloc_malloc(sh->a, size);
    ck_assert_ptr_nonnull(p);
    p[0] = size;
    p[1] = ((uint64_t)id << 32) ^ (uint64_t)(uintptr_t)p;
    ((unsigned char *)p)[size - 1] = (unsigned char)size;
    sh->allocs[id]++;
    return p;
}

static void t_free(shared *sh, uint64_t *p, unsigned owner_hint)
{
    (void)owner_hint;
    size_t size = p[0];
    ck_assert_uint_eq(((unsigned char *)p)[size - 1], (unsigned char)size);
    ck_assert_uint_eq(p[1] & 0xffffffffu, (uint64_t)(uintptr_t)p & 0xffffffffu);
    if (size % 3 == 0)
        alloc_free_sized(sh->a, p, size);
    else
        alloc_free(sh->a, p);
}

static void *t_main(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    uint64_t rng = 0x9E3779B97F4A7C15ull * (w->id + 1);
    uint64_t *live[T_LIVE];
    size_t n = 0;
    for (unsigned op = 0; op < T_OPS; op++) {
        uint64_t x = (rng = rng * 6364136223846793005ull + 1442695040888963407ull) >> 33;
        unsigned r = (unsigned)(x % 100);
        if (r < 50 && n < T_LIVE) {
            live[n++] = t_alloc(sh, w->id, &rng);
        } else if (r < 85 && n > 0) {
            size_t k = x % n;
            t_free(sh, live[k], w->id);
            live[k] = live[--n];
        } else {
            /* Hand a block to whoever comes next, or free one another thread left. */
            uint64_t *mine = n > 0 && x % 2 ? live[--n] : NULL, *theirs = NULL;
            pthread_mutex_lock(&sh->mu);
            if (mine != NULL && sh->ring_n < T_RING) {
                sh->ring[sh->ring_n++] = mine;
                mine = NULL;
            } else if (sh->ring_n > 0) {
                theirs = sh->ring[--sh->ring_n];
            }
            pthread_mutex_unlock(&sh->mu);
            if (mine != NULL)
                live[n++] = mine;
            if (theirs != NULL)
                t_free(sh, theirs, w->id);
        }
    }
    while (n > 0)
        t_free(sh, live[--n], w->id);
    return NULL;
}

START_TEST(test_threads)
{
    static shared sh;
    memset(&sh, 0, sizeof sh);
    pthread_mutex_init(&sh.mu, NULL);
    alloc_config cfg = slab_cfg();
    cfg.thread_safe = 1;
    sh.a = make(&cfg);
    pthread_t th[T_THREADS];
    worker w[T_THREADS];
    for (unsigned i = 0; i < T_THREADS; i++) {
        w[i] = (worker){&sh, i};
        ck_assert_int_eq(pthread_create(&th[i], NULL, t_main, &w[i]), 0);
    }
    for (unsigned i = 0; i < T_THREADS; i++)
        pthread_join(th[i], NULL);
    unsigned long long allocs = 0;
    for (unsigned i = 0; i < T_THREADS; i++)
        allocs += sh.allocs[i];
    alloc_stats mid = stats_of(sh.a);
    ck_assert_uint_eq(mid.allocs, allocs);
    ck_assert_uint_eq(mid.live_blocks, sh.ring_n);
    while (sh.ring_n > 0)
        t_free(&sh, sh.ring[--sh.ring_n], 0);
    ck_assert_int_eq(alloc_check(sh.a), ALLOC_OK);
    alloc_stats st = stats_of(sh.a);
    ck_assert_uint_eq(st.allocs, allocs);
    ck_assert_uint_eq(st.frees, allocs);
    ck_assert_uint_eq(st.live_blocks, 0);
    ck_assert_uint_eq(st.used_bytes, 0);
    ck_assert_uint_eq(st.large_bytes, 0);
    ck_assert_uint_eq(st.failed_allocs, 0);
    ck_assert_uint_ge(st.peak_used_bytes, 1);
    size_t pages = 0;
    for (unsigned id = 1; id <= slab_class_count(sh.a); id++) {
        slab_class_info ci = class_info(sh.a, id);
        ck_assert_uint_eq(ci.used_chunks, 0);
        ck_assert_uint_eq(ci.free_chunks, ci.total_chunks);
        ck_assert_uint_eq(ci.allocs, ci.frees);
        pages += ci.total_pages;
    }
    ck_assert_uint_eq(st.held_bytes, pages * MIB);
    alloc_destroy(sh.a);
}
END_TEST

/* ---- thread caches (thread_safe = 1) ---------------------------------------------- */

/* A freed chunk waits in the freeing thread's cache with its state free: a second free
 * of it (sized or not) is still a double free, and usable_size still reports it. */
START_TEST(test_tcache_double_free)
{
    recorder r;
    alloc_config cfg = memcached_cfg();
    cfg.thread_safe = 1;
    alloc_t *a = make_recording(cfg, &r);
    void *p = alloc_malloc(a, 100);
    alloc_free(a, p);
    ck_assert_int_eq(r.calls, 0);
    alloc_free(a, p);
    ck_assert_int_eq(r.calls, 1);
    ck_assert_int_eq(r.status, ALLOC_EDOUBLEFREE);
    alloc_free_sized(a, p, 100);
    ck_assert_int_eq(r.calls, 2);
    ck_assert_int_eq(r.status, ALLOC_EDOUBLEFREE);
    ck_assert_uint_eq(alloc_usable_size(a, p), 0);
    ck_assert_int_eq(r.calls, 3);
    ck_assert_int_eq(r.status, ALLOC_EDOUBLEFREE);
    ck_assert_ptr_eq(alloc_malloc(a, 100), p); /* LIFO through the cache */
    alloc_free_sized(a, p, 100);
    ck_assert_int_eq(r.calls, 3);
    slab_class_info ci = class_info(a, 2);
    ck_assert_uint_eq(ci.used_chunks, 0);
    ck_assert_uint_eq(ci.allocs, 2);
    ck_assert_uint_eq(ci.frees, 2);
    ck_assert_uint_eq(ci.unsized_frees, 1);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

#define TC_THREADS 4
#define TC_BLOCKS 3000

typedef struct tc_worker {
    alloc_t *a;
    unsigned id;
    void *kept[TC_BLOCKS];   /* every other block, left live for the main thread */
} tc_worker;

static void *tc_churn(void *v)
{
    tc_worker *w = v;
    for (unsigned i = 0; i < TC_BLOCKS; i++) {
        size_t size = 1 + (i * 37 + w->id * 11) % 2000;
        void *p = alloc_malloc(w->a, size);
        ck_assert_ptr_nonnull(p);
        memset(p, (int)i, size);
        if (i % 2)
            alloc_free_sized(w->a, p, size);
        else
            w->kept[i] = p;
    }
    return NULL;
}

/* Threads that exit hand their caches back (the key's destructor): the counters are
 * exact, every chunk they cached is a free chunk of its class again. */
START_TEST(test_tcache_thread_exit)
{
    alloc_config cfg = memcached_cfg();
    cfg.thread_safe = 1;
    static tc_worker w[TC_THREADS];
    alloc_t *a = make(&cfg);
    pthread_t th[TC_THREADS];
    for (unsigned t = 0; t < TC_THREADS; t++) {
        memset(&w[t], 0, sizeof w[t]);
        w[t].a = a;
        w[t].id = t;
        ck_assert_int_eq(pthread_create(&th[t], NULL, tc_churn, &w[t]), 0);
    }
    for (unsigned t = 0; t < TC_THREADS; t++)
        pthread_join(th[t], NULL);
    alloc_stats st = stats_of(a);
    ck_assert_uint_eq(st.allocs, TC_THREADS * TC_BLOCKS);
    ck_assert_uint_eq(st.frees, TC_THREADS * TC_BLOCKS / 2);
    ck_assert_uint_eq(st.live_blocks, TC_THREADS * TC_BLOCKS / 2);
    size_t used = 0;
    for (unsigned t = 0; t < TC_THREADS; t++)
        for (unsigned i = 0; i < TC_BLOCKS; i += 2)
            used += alloc_usable_size(a, w[t].kept[i]);
    ck_assert_uint_eq(st.used_bytes, used);
    ck_assert_uint_ge(st.peak_used_bytes, used);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    for (unsigned t = 0; t < TC_THREADS; t++)
        for (unsigned i = 0; i < TC_BLOCKS; i += 2)
            alloc_free(a, w[t].kept[i]);
    st = stats_of(a);
    ck_assert_uint_eq(st.used_bytes, 0);
    ck_assert_uint_eq(st.live_blocks, 0);
    ck_assert_uint_eq(st.frees, TC_THREADS * TC_BLOCKS);
    for (unsigned id = 1; id <= slab_class_count(a); id++) {
        slab_class_info ci = class_info(a, id);
        ck_assert_uint_eq(ci.used_chunks, 0);
        ck_assert_uint_eq(ci.free_chunks, ci.total_chunks);
        ck_assert_uint_eq(ci.requested_bytes, 0);
    }
    /* Every page is wholly free again, which needs every cached chunk back. */
    ck_assert_uint_eq(slab_release_free_pages(a, 0) * MIB, st.held_bytes);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

/* A thread that caches chunks and then waits (alive, idle) until told to go on. */
typedef struct tc_idle {
    alloc_t *a;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stage;              /* main -> thread: 1 go on, 2 exit; thread -> main: -1 idle */
    void *blocks[24];
} tc_idle;

static void tc_idle_wait(tc_idle *t, int stage)
{
    pthread_mutex_lock(&t->mu);
    t->stage = -stage;
    pthread_cond_broadcast(&t->cv);
    while (t->stage != stage)
        pthread_cond_wait(&t->cv, &t->mu);
    pthread_mutex_unlock(&t->mu);
}

static void tc_idle_tell(tc_idle *t, int stage)
{
    pthread_mutex_lock(&t->mu);
    while (t->stage != -stage)
        pthread_cond_wait(&t->cv, &t->mu);
    t->stage = stage;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

static void *tc_idle_main(void *v)
{
    tc_idle *t = v;
    /* Three full pages of class 1 (8 chunks of 8 KiB a page), all freed into this
     * thread's cache. */
    for (unsigned i = 0; i < 24; i++)
        t->blocks[i] = alloc_malloc(t->a, 8192);
    for (unsigned i = 0; i < 24; i++)
        alloc_free(t->a, t->blocks[i]);
    tc_idle_wait(t, 1);
    for (unsigned i = 0; i < 24; i++) {
        t->blocks[i] = alloc_malloc(t->a, 8192);
        ck_assert_ptr_nonnull(t->blocks[i]);
        memset(t->blocks[i], (int)i, 8192);
    }
    tc_idle_wait(t, 2);
    for (unsigned i = 0; i < 24; i++)
        alloc_free(t->a, t->blocks[i]);
    return NULL;
}

/* Starts the idle thread on a fresh thread-safe instance and waits until it has
 * filled its cache (stage -1). */
static pthread_t tc_idle_start(tc_idle *t, const alloc_config *cfg)
{
    memset(t, 0, sizeof *t);
    t->a = make(cfg);
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, tc_idle_main, t), 0);
    pthread_mutex_lock(&t->mu);
    while (t->stage != -1)
        pthread_cond_wait(&t->cv, &t->mu);
    pthread_mutex_unlock(&t->mu);
    return th;
}

/* slab_reassign takes the chunks another thread has cached back to their class before
 * it moves a page: that thread never hands out a chunk of the moved page. */
START_TEST(test_tcache_reassign_idle_thread)
{
    alloc_config cfg = move_cfg();
    cfg.thread_safe = 1;
    static tc_idle t;
    pthread_t th = tc_idle_start(&t, &cfg);
    slab_class_info ci = class_info(t.a, 1);
    ck_assert_uint_eq(ci.total_pages, 3);
    ck_assert_uint_eq(ci.used_chunks, 0);
    ck_assert_uint_eq(ci.free_chunks, 24);
    char *moved = t.blocks[0]; /* the first chunk of the oldest page is at its start */
    uintptr_t moved_page = (uintptr_t)moved / (64 * KIB);
    ck_assert_int_eq(slab_reassign(t.a, 1, 2, NULL, NULL), SLAB_OK);
    ck_assert_uint_eq(class_info(t.a, 1).total_pages, 2);
    ck_assert_uint_eq(class_info(t.a, 1).free_chunks, 16);
    ck_assert_uint_eq(class_info(t.a, 2).total_pages, 1);
    ck_assert_int_eq(alloc_check(t.a), ALLOC_OK);
    tc_idle_tell(&t, 1);
    pthread_mutex_lock(&t.mu);
    while (t.stage != -2)
        pthread_cond_wait(&t.cv, &t.mu);
    pthread_mutex_unlock(&t.mu);
    for (unsigned i = 0; i < 24; i++) {
        ck_assert_uint_ne((uintptr_t)t.blocks[i] / (64 * KIB), moved_page);
        ck_assert_uint_eq(alloc_usable_size(t.a, t.blocks[i]), 8192);
    }
    ci = class_info(t.a, 1);
    ck_assert_uint_eq(ci.total_pages, 3);
    ck_assert_uint_eq(ci.used_chunks, 24);
    /* A page of class 2 is handed out as class 2 chunks. */
    void *big = alloc_malloc(t.a, 16000);
    ck_assert_uint_eq((uintptr_t)big / (64 * KIB), moved_page);
    alloc_free(t.a, big);
    ck_assert_int_eq(alloc_check(t.a), ALLOC_OK);
    tc_idle_tell(&t, 2);
    pthread_join(th, NULL);
    alloc_stats st = stats_of(t.a);
    ck_assert_uint_eq(st.used_bytes, 0);
    ck_assert_uint_eq(st.allocs, 49);
    ck_assert_uint_eq(slab_release_free_pages(t.a, 1), 3);
    ck_assert_int_eq(alloc_check(t.a), ALLOC_OK);
    alloc_destroy(t.a);
    pthread_cond_destroy(&t.cv);
    pthread_mutex_destroy(&t.mu);
}
END_TEST

/* Destroy while another thread still holds a cache of the instance: the cache goes
 * with the instance, and that thread's exit touches nothing of it; a new instance
 * (perhaps at the same address) gets fresh caches. */
START_TEST(test_tcache_destroy_with_live_caches)
{
    alloc_config cfg = move_cfg();
    cfg.thread_safe = 1;
    static tc_idle t;
    pthread_t th = tc_idle_start(&t, &cfg);
    void *mine = alloc_malloc(t.a, 100);
    alloc_free(t.a, mine); /* this thread's cache too */
    alloc_destroy(t.a);
    t.a = make(&cfg);
    ck_assert_uint_eq(class_info(t.a, 1).total_pages, 0);
    tc_idle_tell(&t, 1);
    pthread_mutex_lock(&t.mu);
    while (t.stage != -2)
        pthread_cond_wait(&t.cv, &t.mu);
    pthread_mutex_unlock(&t.mu);
    ck_assert_uint_eq(class_info(t.a, 1).used_chunks, 24);
    ck_assert_uint_eq(class_info(t.a, 1).total_pages, 3);
    tc_idle_tell(&t, 2);
    pthread_join(th, NULL);
    alloc_stats st = stats_of(t.a);
    ck_assert_uint_eq(st.used_bytes, 0);
    ck_assert_uint_eq(st.allocs, 24);
    ck_assert_uint_eq(st.frees, 24);
    ck_assert_uint_eq(class_info(t.a, 1).free_chunks, 24);
    ck_assert_int_eq(alloc_check(t.a), ALLOC_OK);
    alloc_destroy(t.a);
    pthread_cond_destroy(&t.cv);
    pthread_mutex_destroy(&t.mu);
}
END_TEST

/* ---- printer ---------------------------------------------------------------------- */

START_TEST(test_printer)
{
    alloc_config cfg = memcached_cfg();
    alloc_t *a = make(&cfg);
    void *p[3];
    for (int i = 0; i < 3; i++)
        p[i] = alloc_malloc(a, 100);
    void *big = alloc_malloc(a, MIB);
    alloc_free_sized(a, p[2], 100);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    slab_print_stats(a, f);
    fclose(f);
    const char *want = "STAT 2:chunk_size 120\n"
                       "STAT 2:chunks_per_page 8738\n"
                       "STAT 2:total_pages 1\n"
                       "STAT 2:total_chunks 8738\n"
                       "STAT 2:used_chunks 2\n"
                       "STAT 2:free_chunks 8736\n"
                       "STAT 2:free_chunks_end 0\n"
                       "STAT 2:mem_requested 200\n"
                       "STAT active_slabs 1\n"
                       "STAT total_malloced 1048576\n"
                       "STAT pool_pages 0\n"
                       "STAT large_blocks 1\n"
                       "STAT large_bytes 1048576\n"
                       "STAT slabs_moved 0\n"
                       "END\n";
    ck_assert_str_eq(text, want);
    free(text);
    alloc_free(a, big);
    alloc_destroy(a);
}
END_TEST

static Suite *slab_suite(void)
{
    Suite *s = suite_create("slab");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, test_defaults);
    tcase_add_loop_test(tc, test_config_rejects_field, 0, BROKEN_FIELDS);
    tcase_add_test(tc, test_config_accepts_edges);
    suite_add_tcase(s, tc);

    tc = tcase_create("classes");
    tcase_add_test(tc, test_size_to_class);
    tcase_add_test(tc, test_explicit_sizes);
    suite_add_tcase(s, tc);

    tc = tcase_create("blocks");
    tcase_add_loop_test(tc, test_block_calls, 0, 2);
    tcase_add_test(tc, test_typed_api);
    tcase_add_test(tc, test_large_path);
    tcase_add_test(tc, test_stats_exact);
    tcase_add_test(tc, test_printer);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_test(tc, test_mem_limit);
    tcase_add_test(tc, test_prealloc);
    tcase_add_test(tc, test_release_free_pages);
    suite_add_tcase(s, tc);

    tc = tcase_create("reassign");
    tcase_add_test(tc, test_reassign_status);
    tcase_add_test(tc, test_reassign_relocate);
    tcase_add_test(tc, test_reassign_decline);
    tcase_add_test(tc, test_reassign_noroom);
    tcase_add_test(tc, test_reassign_evict);
    tcase_add_test(tc, test_reassign_evict_noroom);
    tcase_add_test(tc, test_pool_trim);
    tcase_add_test(tc, test_automove_free);
    suite_add_tcase(s, tc);

    tc = tcase_create("bad-calls");
    tcase_add_loop_test(tc, test_bad_free, 0, 2 * BAD_KINDS);
    tcase_add_test_raise_signal(tc, test_default_handler_aborts, SIGABRT);
    tcase_add_loop_test(tc, test_write_after_free_harmless, 0, 2);
    tcase_add_loop_test(tc, test_sized_free_paths, 0, 2);
    tcase_add_loop_test(tc, test_page_tail_pointer, 0, 2);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_tcache_double_free);
    tcase_add_test(tc, test_tcache_thread_exit);
    tcase_add_test(tc, test_tcache_reassign_idle_thread);
    tcase_add_test(tc, test_tcache_destroy_with_live_caches);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(slab_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
