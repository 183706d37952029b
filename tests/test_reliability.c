/* test_reliability.c - what a trusted allocator must survive, on both backends: every
 * kind of bad call on every configuration that promises to detect it (status, pointer
 * and message reach on_error, the instance is unchanged), SIZE_MAX through every entry
 * point, invalid configurations, the default handler's message and abort, memory-limit
 * failures at every point of a workload, and two threads doing millions of operations
 * with cross-thread frees.  Check suites: bad_input, limits, threads. */
#include "alloc_api.h"

#include <check.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_support.h"

/* ---- configurations ------------------------------------------------------------- */

typedef struct conf {
    const char *name;
    const char *backend;
    const char *base;      /* zmalloc.base */
    int prefix, track;     /* zmalloc */
    double growth;         /* slab.growth_factor, 0 = default */
    size_t page_size;      /* slab.page_size, 0 = default */
    int thread_safe;
    int detects;           /* the contract promises bad-call detection */
    /* A second free is always ALLOC_EDOUBLEFREE; 0 where ALLOC_EFOREIGN may stand in
     * (zmalloc's prefix on glibc: the tcache link overwrites the freed header). */
    int double_free_exact;
} conf;

static const conf confs[] = {
    {"slab-f1.25", "slab", NULL, 0, 0, 0, 0, 1, 1, 1},
    {"slab-st", "slab", NULL, 0, 0, 2.0, 0, 0, 1, 1},
    {"slab-64k-pages", "slab", NULL, 0, 0, 1.5, 64 * 1024, 1, 1, 1},
    {"zmalloc-libc-prefix", "zmalloc", "libc", 1, 0, 0, 0, 1, 1, 0},
    {"zmalloc-jemalloc-prefix", "zmalloc", "jemalloc", 1, 0, 0, 0, 1, 1, 1},
    {"zmalloc-libc-track", "zmalloc", "libc", -1, 1, 0, 0, 1, 1, 1},
    {"zmalloc-jemalloc-track", "zmalloc", "jemalloc", -1, 1, 0, 0, 1, 1, 1},
    {"zmalloc-jemalloc-prefix-track-st", "zmalloc", "jemalloc", 1, 1, 0, 0, 0, 1, 1},
    /* Without prefix or table bad calls are the base's undefined behaviour (as in
     * Redis): these take part in everything but the bad-call cases. */
    {"zmalloc-libc", "zmalloc", "libc", -1, 0, 0, 0, 1, 0, 0},
    {"zmalloc-jemalloc", "zmalloc", "jemalloc", -1, 0, 0, 0, 1, 0, 0},
};
enum { NCONFS = sizeof confs / sizeof confs[0], NDETECT = 8 };

static void config_of(const conf *c, alloc_config *cfg, size_t mem_limit)
{
    ck_assert_int_eq(alloc_config_init(cfg, c->backend), ALLOC_OK);
    cfg->mem_limit = mem_limit;
    cfg->thread_safe = c->thread_safe;
    if (c->base != NULL) {
        cfg->zmalloc.base = c->base;
        cfg->zmalloc.prefix = c->prefix;
        cfg->zmalloc.track = c->track;
    }
    if (c->growth != 0)
        cfg->slab.growth_factor = c->growth;
    if (c->page_size != 0)
        cfg->slab.page_size = c->page_size;
}

static alloc_t *make(const conf *c, size_t mem_limit, recorder *rec)
{
    alloc_config cfg;
    config_of(c, &cfg, mem_limit);
    if (rec != NULL) {
        memset(rec, 0, sizeof *rec);
        cfg.on_error = record;
        cfg.on_error_ud = rec;
    }
    alloc_t *a = NULL;
    ck_assert_int_eq(alloc_create(&cfg, &a), ALLOC_OK);
    return a;
}

static alloc_stats stats_of(const alloc_t *a)
{
    alloc_stats s;
    alloc_get_stats(a, &s);
    return s;
}

static void fill(void *p, size_t n, unsigned tag)
{
    unsigned char *c = p;
    for (size_t k = 0; k < n; k++)
        c[k] = (unsigned char)(tag * 31u + k * 7u + 1u);
}

static int intact(const void *p, size_t n, unsigned tag)
{
    const unsigned char *c = p;
    for (size_t k = 0; k < n; k++)
        if (c[k] != (unsigned char)(tag * 31u + k * 7u + 1u))
            return 0;
    return 1;
}

static int names_pointer(const char *msg, const void *p)
{
    char text[32];
    snprintf(text, sizeof text, "%p", p);
    return strstr(msg, text) != NULL;
}

/* ---- bad calls -------------------------------------------------------------------- */

enum bad_kind {
    BAD_DOUBLE_FREE,
    BAD_DOUBLE_FREE_SIZED,
    BAD_DOUBLE_FREE_LARGE,
    BAD_REALLOC_FREED,
    BAD_OTHER_INSTANCE,
    BAD_OTHER_BACKEND,
    BAD_INTERIOR_8,
    BAD_INTERIOR_16,
    BAD_INTERIOR_SIZED,
    BAD_INTERIOR_REALLOC,
    BAD_INTERIOR_USABLE,
    BAD_USABLE_FREED,
    BAD_STACK,
    BAD_PROCESS_MALLOC,
    BAD_LARGE_INTERIOR,
    BAD_WRONG_SIZE_SMALLER,
    BAD_WRONG_SIZE_LARGER,
    BAD_WRONG_SIZE_MAX,
    BAD_KINDS
};

static const char *const bad_names[BAD_KINDS] = {
    "double free",          "double free_sized",      "double free of a large block",
    "realloc of a freed block",
    "other instance",       "other backend",          "interior +8",
    "interior +16",         "interior free_sized",    "interior realloc",
    "interior usable_size", "usable_size of a freed block", "stack address",          "process malloc block",
    "interior of a large block", "free_sized too small", "free_sized too large",
    "free_sized SIZE_MAX",
};

/* One bad call of kind `kind` on configuration `_i / BAD_KINDS`: the handler gets the
 * right status and the pointer, the message names the pointer and the backend, the
 * stats are byte for byte what they were, alloc_check passes, and every live block
 * (this instance's and the other instances') keeps its content. */
START_TEST(bad_call_reported)
{
    const conf *c = &confs[_i / BAD_KINDS];
    int kind = _i % BAD_KINDS;
    const char *what = bad_names[kind];
    recorder rec, rec_other;
    alloc_t *a = make(c, 0, &rec);
    alloc_t *b = make(c, 0, &rec_other);
    const conf *other_backend = strcmp(c->backend, "slab") == 0 ? &confs[6] : &confs[0];
    alloc_t *ob = make(other_backend, 0, NULL);

    /* Everything foreign is taken before anything is freed, so that no base can hand
     * out an address this instance just gave back. */
    unsigned char *keep = alloc_malloc(a, 100), *large = alloc_malloc(a, 3 << 20);
    unsigned char *theirs = alloc_malloc(b, 100), *obk = alloc_malloc(ob, 100);
    unsigned char *libc = malloc(100);
    ck_assert(keep && large && theirs && obk && libc);
    fill(keep, 100, 1);
    fill(large, 4096, 2);
    fill(theirs, 100, 3);
    fill(obk, 100, 4);
    memset(libc, 0, 100);
    unsigned char *freed = alloc_malloc(a, 200), *freed_large = alloc_malloc(a, 1 << 20);
    ck_assert_ptr_nonnull(freed);
    ck_assert_ptr_nonnull(freed_large);
    alloc_free(a, freed);
    alloc_free(a, freed_large);
    _Alignas(16) unsigned char stackbuf[64];
    memset(stackbuf, 0, sizeof stackbuf);

    alloc_stats before = stats_of(a);
    alloc_status want = ALLOC_EFOREIGN;
    int exact = 1;
    void *bad = NULL;
    switch (kind) {
    case BAD_DOUBLE_FREE:
        bad = freed, want = ALLOC_EDOUBLEFREE, exact = c->double_free_exact;
        alloc_free(a, bad);
        break;
    case BAD_DOUBLE_FREE_SIZED:
        bad = freed, want = ALLOC_EDOUBLEFREE, exact = c->double_free_exact;
        alloc_free_sized(a, bad, 200);
        break;
    case BAD_DOUBLE_FREE_LARGE:
        /* Its memory may be unmapped already: either status will do. */
        bad = freed_large, want = ALLOC_EDOUBLEFREE, exact = 0;
        alloc_free(a, bad);
        break;
    case BAD_REALLOC_FREED:
        bad = freed, want = ALLOC_EDOUBLEFREE, exact = c->double_free_exact;
        ck_assert_ptr_null(alloc_realloc(a, bad, 300));
        break;
    case BAD_OTHER_INSTANCE: bad = theirs; alloc_free(a, bad); break;
    case BAD_OTHER_BACKEND: bad = obk; alloc_free(a, bad); break;
    case BAD_INTERIOR_8: bad = keep + 8; alloc_free(a, bad); break;
    case BAD_INTERIOR_16: bad = keep + 16; alloc_free(a, bad); break;
    case BAD_INTERIOR_SIZED: bad = keep + 24; alloc_free_sized(a, bad, 76); break;
    case BAD_INTERIOR_REALLOC:
        bad = keep + 32;
        ck_assert_ptr_null(alloc_realloc(a, bad, 10));
        break;
    case BAD_INTERIOR_USABLE:
        bad = keep + 48;
        ck_assert_uint_eq(alloc_usable_size(a, bad), 0);
        break;
    case BAD_USABLE_FREED:
        bad = freed, want = ALLOC_EDOUBLEFREE, exact = c->double_free_exact;
        ck_assert_uint_eq(alloc_usable_size(a, bad), 0);
        break;
    case BAD_STACK: bad = stackbuf + 24; alloc_free(a, bad); break;
    case BAD_PROCESS_MALLOC: bad = libc; alloc_free(a, bad); break;
    case BAD_LARGE_INTERIOR: bad = large + 4096; alloc_free(a, bad); break;
    case BAD_WRONG_SIZE_SMALLER:
        /* A slab chunk keeps no size, only its class: the wrong size it can catch is
         * one of another class (10 bytes is in the first).  zmalloc's header or
         * table holds the exact size, so one byte off is caught. */
        bad = keep, want = ALLOC_EINVAL;
        alloc_free_sized(a, bad, strcmp(c->backend, "slab") == 0 ? 10 : 99);
        break;
    case BAD_WRONG_SIZE_LARGER:
        bad = keep, want = ALLOC_EINVAL;
        alloc_free_sized(a, bad, 5000);
        break;
    case BAD_WRONG_SIZE_MAX:
        bad = keep, want = ALLOC_EINVAL;
        alloc_free_sized(a, bad, SIZE_MAX);
        break;
    }
    ck_assert_msg(rec.calls == 1, "%s, %s: on_error called %d times", c->name, what, rec.calls);
    if (exact)
        ck_assert_msg(rec.status == want, "%s, %s: status %s, wanted %s: %s", c->name, what,
                      alloc_strerror(rec.status), alloc_strerror(want), rec.msg);
    else
        ck_assert_msg(rec.status == ALLOC_EDOUBLEFREE || rec.status == ALLOC_EFOREIGN,
                      "%s, %s: status %s: %s", c->name, what, alloc_strerror(rec.status), rec.msg);
    ck_assert_ptr_eq(rec.ptr, bad);
    ck_assert_msg(names_pointer(rec.msg, bad), "%s, %s: message does not name %p: %s", c->name,
                  what, bad, rec.msg);
    ck_assert_msg(strstr(rec.msg, c->backend) != NULL, "%s, %s: message does not name %s: %s",
                  c->name, what, c->backend, rec.msg);
    alloc_stats after = stats_of(a);
    ck_assert_msg(memcmp(&before, &after, sizeof before) == 0, "%s, %s: stats changed",
                  c->name, what);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    ck_assert_int_eq(alloc_check(b), ALLOC_OK);
    ck_assert_int_eq(alloc_check(ob), ALLOC_OK);

    /* Nothing was disturbed, and everything still works. */
    ck_assert(intact(keep, 100, 1));
    ck_assert(intact(large, 4096, 2));
    ck_assert(intact(theirs, 100, 3));
    ck_assert(intact(obk, 100, 4));
    ck_assert_uint_ge(alloc_usable_size(a, keep), 100);
    void *again = alloc_malloc(a, 200);
    ck_assert_ptr_nonnull(again);
    alloc_free(a, again);
    alloc_free_sized(a, keep, 100);
    alloc_free(a, large);
    alloc_free(b, theirs);
    alloc_free(ob, obk);
    free(libc);
    ck_assert_int_eq(rec.calls, 1);
    ck_assert_int_eq(rec_other.calls, 0);
    after = stats_of(a);
    ck_assert_uint_eq(after.live_blocks, 0);
    ck_assert_uint_eq(after.used_bytes, 0);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
    alloc_destroy(b);
    alloc_destroy(ob);
}
END_TEST

/* SIZE_MAX (and its neighbours) through every entry point that takes a size, on every
 * configuration: NULL or 0, counted as failed allocations, no handler call, nothing
 * else changes, and a block passed to a failing realloc stays intact. */
START_TEST(size_max_everywhere)
{
    const conf *c = &confs[_i];
    recorder rec;
    alloc_t *a = make(c, 0, &rec);
    unsigned char *p = alloc_malloc(a, 100);
    ck_assert_ptr_nonnull(p);
    fill(p, 100, 9);
    alloc_stats before = stats_of(a);
    /* Through volatiles: the alloc_size attributes make compilers reject these
     * constants, and here they are the point. */
    volatile size_t max = SIZE_MAX, half = SIZE_MAX / 2, two = 2;
    const size_t huge[] = {max, max - 1, max - 4095, half + 1, half};
    size_t fails = 0;
    for (size_t k = 0; k < sizeof huge / sizeof huge[0]; k++) {
        size_t n = huge[k];
        ck_assert_ptr_null(alloc_malloc(a, n));
        ck_assert_ptr_null(alloc_calloc(a, n, 1));
        ck_assert_ptr_null(alloc_calloc(a, 1, n));
        ck_assert_ptr_null(alloc_realloc(a, NULL, n));
        ck_assert_ptr_null(alloc_realloc(a, p, n));
        ck_assert_uint_eq(alloc_good_size(a, n), 0);
        fails += 5;
    }
    ck_assert_ptr_null(alloc_calloc(a, max, max));
    ck_assert_ptr_null(alloc_calloc(a, two, half + 1)); /* overflows to 0 */
    ck_assert_ptr_null(alloc_calloc(a, half + 1, two));
    volatile size_t four_g = (size_t)1 << 32;
    ck_assert_ptr_null(alloc_calloc(a, four_g, four_g + 1));
    fails += 4;
    ck_assert_int_eq(rec.calls, 0);
    ck_assert(intact(p, 100, 9));
    alloc_stats after = stats_of(a);
    ck_assert_uint_eq(after.failed_allocs, before.failed_allocs + fails);
    after.failed_allocs = before.failed_allocs;
    ck_assert_msg(memcmp(&before, &after, sizeof before) == 0,
                  "%s: stats changed: used %zu/%zu held %zu/%zu peak_held %zu/%zu live %zu/%zu "
                  "allocs %llu/%llu frees %llu/%llu peak_used %zu/%zu large %zu/%zu",
                  c->name, before.used_bytes, after.used_bytes, before.held_bytes,
                  after.held_bytes, before.peak_held_bytes, after.peak_held_bytes,
                  before.live_blocks, after.live_blocks, before.allocs, after.allocs,
                  before.frees, after.frees, before.peak_used_bytes, after.peak_used_bytes,
                  before.large_bytes, after.large_bytes);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_free(a, p);
    ck_assert_uint_eq(stats_of(a).used_bytes, 0);
    alloc_destroy(a);
}
END_TEST

/* Configuration fields the backend suites do not already break, on both backends:
 * alloc_config_check names the field, alloc_create returns ALLOC_EINVAL with *out NULL,
 * calls the handler once (pointer NULL, message naming the field) and allocates
 * nothing (LeakSanitizer and Valgrind would see it). */
typedef struct bad_cfg {
    const char *backend;
    const char *field;
    void (*breaks)(alloc_config *cfg);
} bad_cfg;

static void no_backend(alloc_config *c) { c->backend = NULL; }
static void empty_backend(alloc_config *c) { c->backend = ""; }
static void thread_safe_neg(alloc_config *c) { c->thread_safe = -1; }
static void growth_neg_inf(alloc_config *c) { c->slab.growth_factor = -INFINITY; }
static void growth_zero(alloc_config *c) { c->slab.growth_factor = 0; }
static void page_zero(alloc_config *c) { c->slab.page_size = 0; }
static void page_max(alloc_config *c) { c->slab.page_size = SIZE_MAX; }
static void min_chunk_max(alloc_config *c) { c->slab.min_chunk = SIZE_MAX; }
static void chunk_max_max(alloc_config *c) { c->slab.chunk_max = SIZE_MAX; }
static void classes_zero(alloc_config *c) { c->slab.max_classes = 0; }
static void prealloc_neg(alloc_config *c) { c->slab.prealloc = -1; }
static void sizes_null(alloc_config *c) { c->slab.sizes = NULL, c->slab.nsizes = 2; }
static void base_empty(alloc_config *c) { c->zmalloc.base = ""; }
static void prefix_big(alloc_config *c) { c->zmalloc.prefix = 1000; }
static void round_big(alloc_config *c) { c->zmalloc.round_to_long = 1000; }
static void track_neg(alloc_config *c) { c->zmalloc.track = -1000; }

static const bad_cfg bad_cfgs[] = {
    {"slab", "backend", no_backend},         {"zmalloc", "backend", no_backend},
    {"slab", "backend", empty_backend},      {"zmalloc", "backend", empty_backend},
    {"slab", "thread_safe", thread_safe_neg}, {"zmalloc", "thread_safe", thread_safe_neg},
    {"slab", "slab.growth_factor", growth_neg_inf},
    {"slab", "slab.growth_factor", growth_zero},
    {"slab", "slab.page_size", page_zero},   {"slab", "slab.page_size", page_max},
    {"slab", "slab.min_chunk", min_chunk_max}, {"slab", "slab.chunk_max", chunk_max_max},
    {"slab", "slab.max_classes", classes_zero}, {"slab", "slab.prealloc", prealloc_neg},
    {"slab", "slab.sizes", sizes_null},      {"zmalloc", "zmalloc.base", base_empty},
    {"zmalloc", "zmalloc.prefix", prefix_big}, {"zmalloc", "zmalloc.round_to_long", round_big},
    {"zmalloc", "zmalloc.track", track_neg},
};
enum { NBADCFGS = sizeof bad_cfgs / sizeof bad_cfgs[0] };

START_TEST(invalid_config_rejected)
{
    const bad_cfg *b = &bad_cfgs[_i];
    alloc_config cfg;
    ck_assert_int_eq(alloc_config_init(&cfg, b->backend), ALLOC_OK);
    b->breaks(&cfg);
    expect_config_rejected(cfg, b->field);
}
END_TEST

/* The default handler: a message on stderr that names the backend, the instance, the
 * pointer and what went wrong, then abort().  Run in a child whose stderr is a pipe,
 * so the message itself is checked, not only the signal. */
START_TEST(default_handler_message_and_abort)
{
    const conf *c = &confs[_i];
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        alloc_t *a = make(c, 0, NULL);
        void *keep = alloc_malloc(a, 64), *p = alloc_malloc(a, 64);
        (void)keep;
        alloc_free(a, p);
        dprintf(fds[1], "pointer=%p\n", p);
        alloc_free(a, p);
        _exit(0); /* not reached: the handler aborts */
    }
    close(fds[1]);
    char out[2048] = {0};
    size_t len = 0;
    ssize_t got;
    while (len < sizeof out - 1 && (got = read(fds[0], out + len, sizeof out - 1 - len)) > 0)
        len += (size_t)got;
    close(fds[0]);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
                  "%s: child did not abort (status %#x): %s", c->name, status, out);
    const char *ptr = strstr(out, "pointer=");
    ck_assert_ptr_nonnull(ptr);
    char text[32];
    ck_assert_int_eq(sscanf(ptr, "pointer=%31s", text), 1);
    const char *message = strchr(ptr, '\n') + 1;
    ck_assert_msg(strstr(message, text) != NULL, "%s: message does not name %s: %s", c->name,
                  text, message);
    ck_assert_msg(strstr(message, "kvalloc") != NULL && strstr(message, c->backend) != NULL,
                  "%s: message does not say who reports: %s", c->name, message);
    ck_assert_msg(strstr(message, "free") != NULL, "%s: message does not say what: %s",
                  c->name, message);
}
END_TEST

/* ---- memory limit ----------------------------------------------------------------- */

/* A fixed workload of mixed sizes (small, medium, large), callocs, reallocs both ways
 * and frees, run under limits from far too small to enough.  Every failure is a NULL
 * that counts once and changes nothing else (stats, alloc_check, a realloc's block);
 * at the end everything is freed, allocation works again, and destroy leaves nothing
 * behind (LeakSanitizer, Valgrind).  Untracked zmalloc's destroy does not free live
 * blocks (as Redis), so blocks are always freed before destroy. */
enum { W_SLOTS = 64, W_OPS = 1500 };

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static size_t w_size(uint64_t r)
{
    switch (r % 8) {
    case 0: return (r >> 8) % 300000 + 1;  /* large for slab's 64 KiB pages */
    case 1: case 2: return (r >> 8) % 8000;
    default: return (r >> 8) % 700;
    }
}

/* Runs the workload; returns the number of failed allocations. */
static unsigned long long run_workload(alloc_t *a, uint64_t seed)
{
    unsigned char *p[W_SLOTS] = {0};
    size_t n[W_SLOTS] = {0};
    unsigned tag[W_SLOTS] = {0};
    unsigned long long failed = 0, allocs = 0, frees = 0;
    size_t live = 0;
    for (unsigned op = 0; op < W_OPS; op++) {
        uint64_t r = rng_next(&seed);
        size_t s = r % W_SLOTS, size = w_size(rng_next(&seed));
        alloc_stats before = stats_of(a);
        if (p[s] == NULL) {
            p[s] = (r >> 40) % 4 == 0 ? alloc_calloc(a, 1, size) : alloc_malloc(a, size);
            if (p[s] == NULL) {
                failed++;
                alloc_stats after = stats_of(a);
                EXPECT(after.failed_allocs == before.failed_allocs + 1, "op %u", op);
                after.failed_allocs = before.failed_allocs;
                EXPECT(after.live_blocks == before.live_blocks &&
                           after.used_bytes == before.used_bytes &&
                           after.allocs == before.allocs && after.held_bytes <= before.held_bytes,
                       "op %u: a failed allocation of %zu changed the stats", op, size);
                EXPECT(alloc_check(a) == ALLOC_OK, "op %u: check after a failure", op);
                continue;
            }
            n[s] = size;
            tag[s] = op;
            fill(p[s], size, op);
            live++, allocs++;
        } else if ((r >> 40) % 3 == 0) {
            unsigned char *q = alloc_realloc(a, p[s], size + 1);
            EXPECT(intact(p[s], q == NULL ? n[s] : 0, tag[s]), "op %u: block damaged", op);
            if (q == NULL) {
                failed++;
                alloc_stats after = stats_of(a);
                EXPECT(after.failed_allocs == before.failed_allocs + 1 &&
                           after.live_blocks == before.live_blocks &&
                           after.used_bytes == before.used_bytes,
                       "op %u: a failed realloc to %zu changed the stats", op, size + 1);
                EXPECT(alloc_check(a) == ALLOC_OK, "op %u: check after a failure", op);
                continue;
            }
            size_t keep = n[s] < size + 1 ? n[s] : size + 1;
            EXPECT(intact(q, keep, tag[s]), "op %u: realloc lost content", op);
            p[s] = q;
            n[s] = size + 1;
            tag[s] = op;
            fill(q, n[s], op);
        } else {
            EXPECT(intact(p[s], n[s], tag[s]), "op %u: block damaged", op);
            if (r & 1)
                alloc_free_sized(a, p[s], n[s]);
            else
                alloc_free(a, p[s]);
            p[s] = NULL;
            live--, frees++;
        }
        if (op % 64 == 0)
            EXPECT(alloc_check(a) == ALLOC_OK, "op %u: check", op);
    }
    alloc_stats st = stats_of(a);
    EXPECT(st.live_blocks == live && st.allocs == allocs && st.frees == frees &&
               st.failed_allocs == failed,
           "live %zu/%zu allocs %llu/%llu frees %llu/%llu failed %llu/%llu", st.live_blocks,
           live, st.allocs, allocs, st.frees, frees, st.failed_allocs, failed);
    for (size_t s = 0; s < W_SLOTS; s++)
        if (p[s] != NULL) {
            EXPECT(intact(p[s], n[s], tag[s]), "slot %zu damaged", s);
            alloc_free(a, p[s]);
        }
    return failed;
}

START_TEST(limit_failures_everywhere)
{
    const conf *c = &confs[_i];
    int slab = strcmp(c->backend, "slab") == 0;
    /* The peak the workload needs with no limit, in what the limit binds: pages and
     * large blocks for slab, used_memory for zmalloc. */
    alloc_t *a = make(c, 0, NULL);
    ck_assert_uint_eq(run_workload(a, 7), 0);
    alloc_stats free_run = stats_of(a);
    size_t peak = slab ? free_run.peak_held_bytes : free_run.peak_used_bytes;
    alloc_destroy(a);

    size_t step = peak / 24 + 1, tested = 0, with_failures = 0;
    for (size_t limit = slab ? (c->page_size ? c->page_size : (size_t)1 << 20) : 4096;
         limit < peak + step; limit += step) {
        recorder rec;
        a = make(c, limit, &rec);
        with_failures += run_workload(a, 7) > 0;
        alloc_stats s = stats_of(a);
        ck_assert_uint_eq(s.live_blocks, 0);
        ck_assert_uint_eq(s.used_bytes, 0);
        if (!slab)
            ck_assert_uint_le(s.peak_used_bytes, limit);
        ck_assert_int_eq(alloc_check(a), ALLOC_OK);
        /* Everything freed: a block of a size the limit allows is had again. */
        void *again = alloc_malloc(a, 500);
        ck_assert_msg(again != NULL, "%s, limit %zu: no allocation after freeing all", c->name,
                      limit);
        alloc_free(a, again);
        ck_assert_int_eq(rec.calls, 0);
        alloc_destroy(a);
        tested++;
    }
    ck_assert_uint_ge(tested, 10);
    /* Failures came at many points.  (Not every limit below the unlimited peak fails:
     * under a limit the slab backend reuses free pages it would otherwise not.) */
    ck_assert_msg(with_failures * 2 >= tested, "%s: failures in %zu of %zu runs", c->name,
                  with_failures, tested);
}
END_TEST

/* ---- threads ---------------------------------------------------------------------- */

/* Two threads on one thread_safe instance, each doing OPS operations: allocate
 * (malloc, calloc, realloc(NULL)), resize, free its own blocks (sized or not), and hand
 * blocks to the other thread, which checks their content and frees them.  The counts
 * every thread keeps add up exactly to the instance's stats. */
static size_t stress_ops(void)
{
    const char *env = getenv("KVALLOC_STRESS_OPS");
    return env != NULL ? strtoul(env, NULL, 10) : 1000000;
}

enum { Q_CAP = 4096, T_LIVE = 128 };

typedef struct queue {
    pthread_mutex_t mu;
    void *item[Q_CAP];
    size_t n;
} queue;

typedef struct stress {
    alloc_t *a;
    queue q[2]; /* q[i]: blocks handed to thread i */
    size_t ops;
} stress;

typedef struct worker {
    stress *st;
    unsigned id;
    unsigned long long allocs, frees, cross_frees;
} worker;

/* A block: its size in the first word, a check word, the last byte derived. */
static void *t_new(worker *w, uint64_t *rng)
{
    uint64_t r = rng_next(rng);
    size_t size = 17 + (r % 16 == 0 ? (r >> 8) % 20000 : (r >> 8) % 600);
    uint64_t *p;
    switch ((r >> 40) % 3) {
    case 0: p = alloc_malloc(w->st->a, size); break;
    case 1: p = alloc_calloc(w->st->a, 1, size); break;
    default: p = alloc_realloc(w->st->a, NULL, size); break;
    }
    EXPECT(p != NULL, "thread %u: allocation of %zu failed", w->id, size);
    p[0] = size;
    p[1] = (uint64_t)(uintptr_t)p ^ 0x5bd1e995u;
    ((unsigned char *)p)[size - 1] = (unsigned char)size;
    w->allocs++;
    return p;
}

static void t_check(const uint64_t *p)
{
    size_t size = p[0];
    EXPECT(p[1] == ((uint64_t)(uintptr_t)p ^ 0x5bd1e995u) &&
               ((const unsigned char *)p)[size - 1] == (unsigned char)size,
           "block %p of %zu bytes damaged", (const void *)p, size);
}

static void t_delete(worker *w, uint64_t *p)
{
    t_check(p);
    if (p[0] % 2)
        alloc_free_sized(w->st->a, p, p[0]);
    else
        alloc_free(w->st->a, p);
    w->frees++;
}

static void *t_resize(worker *w, uint64_t *p, uint64_t *rng)
{
    t_check(p);
    size_t size = 17 + rng_next(rng) % 3000;
    uint64_t *q = alloc_realloc(w->st->a, p, size);
    EXPECT(q != NULL, "thread %u: realloc to %zu failed", w->id, size);
    q[0] = size;
    q[1] = (uint64_t)(uintptr_t)q ^ 0x5bd1e995u;
    ((unsigned char *)q)[size - 1] = (unsigned char)size;
    return q;
}

static void *t_main(void *arg)
{
    worker *w = arg;
    stress *st = w->st;
    queue *mine = &st->q[w->id], *theirs = &st->q[1 - w->id];
    uint64_t rng = 0xabcdefull * (w->id + 1), *live[T_LIVE];
    size_t n = 0;
    void *batch[64];
    for (size_t op = 0; op < st->ops; op++) {
        uint64_t r = rng_next(&rng) % 100;
        if (r < 45 && n < T_LIVE) {
            live[n++] = t_new(w, &rng);
        } else if (r < 75 && n > 0) {
            size_t k = rng_next(&rng) % n;
            t_delete(w, live[k]);
            live[k] = live[--n];
        } else if (r < 80 && n > 0) {
            size_t k = rng_next(&rng) % n;
            live[k] = t_resize(w, live[k], &rng);
        } else if (r < 92 && n > 0) {
            /* Hand one to the other thread, if its queue has room. */
            pthread_mutex_lock(&theirs->mu);
            if (theirs->n < Q_CAP)
                theirs->item[theirs->n++] = live[--n];
            pthread_mutex_unlock(&theirs->mu);
        } else {
            /* Free what the other thread handed over. */
            size_t got = 0;
            pthread_mutex_lock(&mine->mu);
            while (mine->n > 0 && got < 64)
                batch[got++] = mine->item[--mine->n];
            pthread_mutex_unlock(&mine->mu);
            for (size_t k = 0; k < got; k++) {
                t_delete(w, batch[k]);
                w->cross_frees++;
            }
        }
    }
    while (n > 0)
        t_delete(w, live[--n]);
    return NULL;
}

START_TEST(two_threads_millions_of_ops)
{
    const conf *c = &confs[_i];
    if (!c->thread_safe)
        return;
    static stress st;
    memset(&st, 0, sizeof st);
    st.ops = stress_ops();
    pthread_mutex_init(&st.q[0].mu, NULL);
    pthread_mutex_init(&st.q[1].mu, NULL);
    recorder rec;
    st.a = make(c, 0, &rec);
    worker w[2] = {{&st, 0, 0, 0, 0}, {&st, 1, 0, 0, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, t_main, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
    unsigned long long allocs = w[0].allocs + w[1].allocs, frees = w[0].frees + w[1].frees;
    ck_assert_uint_gt(w[0].cross_frees, 1000);
    ck_assert_uint_gt(w[1].cross_frees, 1000);
    alloc_stats s = stats_of(st.a);
    ck_assert_uint_eq(s.allocs, allocs);
    ck_assert_uint_eq(s.frees, frees);
    ck_assert_uint_eq(s.live_blocks, st.q[0].n + st.q[1].n);
    ck_assert_uint_eq(s.failed_allocs, 0);
    ck_assert_int_eq(alloc_check(st.a), ALLOC_OK);
    for (int i = 0; i < 2; i++)
        while (st.q[i].n > 0)
            t_delete(&w[i], st.q[i].item[--st.q[i].n]);
    s = stats_of(st.a);
    ck_assert_uint_eq(s.allocs, allocs);
    ck_assert_uint_eq(s.frees, w[0].frees + w[1].frees);
    ck_assert_uint_eq(s.allocs, s.frees);
    ck_assert_uint_eq(s.live_blocks, 0);
    ck_assert_uint_eq(s.used_bytes, 0);
    ck_assert_uint_eq(s.header_bytes, 0);
    ck_assert_uint_eq(s.large_blocks, 0);
    ck_assert_uint_eq(s.large_bytes, 0);
    ck_assert_int_eq(alloc_check(st.a), ALLOC_OK);
    ck_assert_int_eq(rec.calls, 0);
    alloc_destroy(st.a);
    pthread_mutex_destroy(&st.q[0].mu);
    pthread_mutex_destroy(&st.q[1].mu);
}
END_TEST

/* ---- registration ----------------------------------------------------------------- */

int main(void)
{
    Suite *bad = suite_create("bad_input");
    TCase *tc = tcase_create("bad_calls");
    tcase_add_loop_test(tc, bad_call_reported, 0, NDETECT * BAD_KINDS);
    tcase_add_loop_test(tc, size_max_everywhere, 0, NCONFS);
    tcase_add_loop_test(tc, invalid_config_rejected, 0, NBADCFGS);
    suite_add_tcase(bad, tc);
    tc = tcase_create("death");
    tcase_add_loop_test(tc, default_handler_message_and_abort, 0, NDETECT);
    suite_add_tcase(bad, tc);

    Suite *limits = suite_create("limits");
    tc = tcase_create("limits");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, limit_failures_everywhere, 0, NCONFS);
    suite_add_tcase(limits, tc);

    Suite *threads = suite_create("threads");
    tc = tcase_create("threads");
    tcase_set_tags(tc, "thread");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, two_threads_millions_of_ops, 0, NCONFS);
    suite_add_tcase(threads, tc);

    SRunner *sr = srunner_create(bad);
    srunner_add_suite(sr, limits);
    srunner_add_suite(sr, threads);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
