/* fuzz_alloc.c - libFuzzer target: the input is a configuration byte and a sequence of
 * operations (malloc, calloc, realloc, free, free_sized, usable_size, check, and bad
 * calls on configurations that detect them) run against one instance and a shadow
 * model.  After every step: each live block keeps its fill pattern, usable size >=
 * request, the counts in alloc_stats equal the shadow's, alloc_check passes, and the
 * error handler was called exactly when a bad call was made.  Any difference aborts.
 *
 * KVALLOC_FUZZ_BACKEND=slab|zmalloc picks the backend whose configurations the first
 * byte chooses from; unset, the input runs on one configuration of each backend.
 *
 * Input: byte 0 = configuration; then 4 bytes per operation:
 *   op     bits 0-2 operation, bits 3-4 size scale, bits 5-7 argument
 *   slot   which of the shadow's slots
 *   lo, hi a 16-bit size, scaled: %256, %4096, as is, *61 (up to 4 MiB);
 *          0xffff at the largest scale means SIZE_MAX. */
#include "alloc_api.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fz_conf {
    const char *name;
    const char *backend;
    void (*tune)(alloc_config *cfg);
    int detects;      /* bad calls reach on_error (slab; zmalloc with prefix or track) */
    int knows_freed;  /* a second free is safe to make: nothing reads the freed block */
    int usable_checks_freed; /* usable_size of a freed block is reported */
} fz_conf;

static void sl_default(alloc_config *c) { (void)c; }
static void sl_small_limited(alloc_config *c)
{
    c->slab.page_size = 64 * 1024;
    c->slab.growth_factor = 1.5;
    c->mem_limit = 2u << 20;
}
static const size_t fz_sizes[] = {64, 128, 256, 512, 1024, 4096, 16384, 65536};
static void sl_sizes_st(alloc_config *c)
{
    c->slab.sizes = fz_sizes;
    c->slab.nsizes = sizeof fz_sizes / sizeof fz_sizes[0];
    c->thread_safe = 0;
}
static void sl_memcached_limited(alloc_config *c)
{
    c->slab.min_chunk = 96;
    c->slab.growth_factor = 1.08;
    c->mem_limit = 4u << 20;
}
static void zm_libc_prefix(alloc_config *c) { c->zmalloc.base = "libc", c->zmalloc.prefix = 1; }
static void zm_je_track(alloc_config *c) { c->zmalloc.base = "jemalloc", c->zmalloc.track = 1; }
static void zm_libc_track_limited(alloc_config *c)
{
    c->zmalloc.base = "libc";
    c->zmalloc.track = 1;
    c->mem_limit = 1u << 20;
}
static void zm_je_prefix_round(alloc_config *c)
{
    c->zmalloc.base = "jemalloc";
    c->zmalloc.prefix = 1;
    c->zmalloc.round_to_long = 1;
}
static void zm_libc(alloc_config *c) { c->zmalloc.base = "libc"; }
static void zm_je_st_limited(alloc_config *c)
{
    c->zmalloc.base = "jemalloc";
    c->zmalloc.prefix = 0;
    c->thread_safe = 0;
    c->mem_limit = 1u << 20;
}

static const fz_conf fz_slab[] = {
    {"slab", "slab", sl_default, 1, 1, 1},
    {"slab-64k-limited", "slab", sl_small_limited, 1, 1, 1},
    {"slab-sizes-st", "slab", sl_sizes_st, 1, 1, 1},
    {"slab-memcached-limited", "slab", sl_memcached_limited, 1, 1, 1},
};
static const fz_conf fz_zmalloc[] = {
    {"zmalloc-libc-prefix", "zmalloc", zm_libc_prefix, 1, 0, 1},
    {"zmalloc-jemalloc-track", "zmalloc", zm_je_track, 1, 1, 1},
    {"zmalloc-libc-track-limited", "zmalloc", zm_libc_track_limited, 1, 1, 1},
    {"zmalloc-jemalloc-prefix-round", "zmalloc", zm_je_prefix_round, 1, 0, 1},
    {"zmalloc-libc", "zmalloc", zm_libc, 0, 0, 0},
    {"zmalloc-jemalloc-st-limited", "zmalloc", zm_je_st_limited, 0, 0, 0},
};
#define FZ_N(a) (sizeof(a) / sizeof((a)[0]))

enum { SLOTS = 32, FREED = 8 };
#define LIVE_CAP ((size_t)64 << 20) /* shadow bytes kept live at most */

typedef struct shadow {
    alloc_t *a;
    const fz_conf *conf;
    int limited;
    unsigned char *p[SLOTS];
    size_t n[SLOTS];
    unsigned tag[SLOTS];
    size_t live, requested;
    unsigned long long allocs, frees, failed;
    void *freed[FREED]; /* recently freed pointers not handed out again since */
    unsigned nfreed;
    int errors;         /* on_error calls */
    alloc_status last_status;
    const void *last_ptr;
    char last_msg[512];
    unsigned step;
} shadow;

static void fz_fail(const shadow *s, const char *what)
{
    fprintf(stderr, "fuzz_alloc: %s, step %u: %s\n", s->conf->name, s->step, what);
    abort();
}

#define FZ_REQUIRE(s, cond)                                                                \
    do {                                                                                   \
        if (!(cond))                                                                       \
            fz_fail((s), #cond);                                                           \
    } while (0)

static void fz_on_error(void *ud, alloc_status st, const void *ptr, const char *msg)
{
    shadow *s = ud;
    s->errors++;
    s->last_status = st;
    s->last_ptr = ptr;
    snprintf(s->last_msg, sizeof s->last_msg, "%s", msg);
}

static unsigned char fz_byte(unsigned tag, size_t k)
{
    return (unsigned char)(tag * 167u + k * 13u + 5u);
}

static void fz_fill(unsigned char *p, size_t n, unsigned tag)
{
    for (size_t k = 0; k < n; k++)
        p[k] = fz_byte(tag, k);
}

static int fz_intact(const unsigned char *p, size_t n, unsigned tag)
{
    for (size_t k = 0; k < n; k++)
        if (p[k] != fz_byte(tag, k))
            return 0;
    return 1;
}

/* A pointer the instance hands out again is no longer "freed". */
static void fz_forget_freed(shadow *s, const void *p)
{
    for (unsigned k = 0; k < s->nfreed; k++)
        if (s->freed[k] == p) {
            s->freed[k] = s->freed[--s->nfreed];
            return;
        }
}

static void fz_remember_freed(shadow *s, void *p)
{
    if (s->nfreed == FREED)
        memmove(s->freed, s->freed + 1, (FREED - 1) * sizeof s->freed[0]), s->nfreed--;
    s->freed[s->nfreed++] = p;
}

static void fz_stats(shadow *s)
{
    alloc_stats st;
    alloc_get_stats(s->a, &st);
    FZ_REQUIRE(s, st.live_blocks == s->live);
    FZ_REQUIRE(s, st.allocs == s->allocs);
    FZ_REQUIRE(s, st.frees == s->frees);
    FZ_REQUIRE(s, st.failed_allocs == s->failed);
    FZ_REQUIRE(s, st.used_bytes >= s->requested);
    FZ_REQUIRE(s, st.header_bytes <= st.used_bytes);
    FZ_REQUIRE(s, st.held_bytes >= st.used_bytes);
    FZ_REQUIRE(s, st.peak_used_bytes >= st.used_bytes);
    FZ_REQUIRE(s, st.peak_held_bytes >= st.held_bytes);
    if (s->live == 0)
        FZ_REQUIRE(s, st.used_bytes == 0 && st.header_bytes == 0);
    FZ_REQUIRE(s, alloc_check(s->a) == ALLOC_OK);
}

static size_t fz_size(uint8_t op, uint8_t lo, uint8_t hi)
{
    size_t v = (size_t)lo | (size_t)hi << 8;
    switch ((op >> 3) & 3) {
    case 0: return v % 256;
    case 1: return v % 4096;
    case 2: return v;
    default: return v == 0xffff ? SIZE_MAX : v * 61;
    }
}

/* A new block in slot k (empty), or a failure the shadow accepts. */
static void fz_new(shadow *s, unsigned k, size_t n, int zero, unsigned arg)
{
    if (n != SIZE_MAX && s->requested + n > LIVE_CAP)
        return;
    unsigned char *p;
    size_t count = 1, each = n;
    if (zero && n != SIZE_MAX && arg > 0 && n % (arg + 1) == 0)
        count = arg + 1, each = n / count;
    if (zero)
        p = alloc_calloc(s->a, count, each);
    else if (arg & 1)
        p = alloc_realloc(s->a, NULL, n);
    else
        p = alloc_malloc(s->a, n);
    if (p == NULL) {
        /* Only a limit, or a request no machine can serve, may refuse. */
        FZ_REQUIRE(s, s->limited || n == SIZE_MAX);
        s->failed++;
        return;
    }
    FZ_REQUIRE(s, n != SIZE_MAX);
    FZ_REQUIRE(s, (uintptr_t)p % alloc_alignment(s->a) == 0);
    FZ_REQUIRE(s, alloc_usable_size(s->a, p) >= n);
    if (zero)
        for (size_t j = 0; j < n; j++)
            FZ_REQUIRE(s, p[j] == 0);
    fz_forget_freed(s, p);
    s->p[k] = p;
    s->n[k] = n;
    s->tag[k] = s->step;
    fz_fill(p, n, s->step);
    s->live++;
    s->allocs++;
    s->requested += n;
}

static void fz_release(shadow *s, unsigned k, int sized)
{
    FZ_REQUIRE(s, fz_intact(s->p[k], s->n[k], s->tag[k]));
    if (sized)
        alloc_free_sized(s->a, s->p[k], s->n[k]);
    else
        alloc_free(s->a, s->p[k]);
    fz_remember_freed(s, s->p[k]);
    s->p[k] = NULL;
    s->live--;
    s->frees++;
    s->requested -= s->n[k];
}

static void fz_resize(shadow *s, unsigned k, size_t n)
{
    if (n != SIZE_MAX && s->requested - s->n[k] + n > LIVE_CAP)
        return;
    unsigned char *old = s->p[k];
    FZ_REQUIRE(s, fz_intact(old, s->n[k], s->tag[k]));
    unsigned char *q = alloc_realloc(s->a, old, n);
    if (n == 0) {
        /* realloc(p, 0) frees p and returns NULL. */
        FZ_REQUIRE(s, q == NULL);
        fz_remember_freed(s, old);
        s->p[k] = NULL;
        s->live--;
        s->frees++;
        s->requested -= s->n[k];
        return;
    }
    if (q == NULL) {
        FZ_REQUIRE(s, s->limited || n == SIZE_MAX);
        FZ_REQUIRE(s, fz_intact(old, s->n[k], s->tag[k]));
        s->failed++;
        return;
    }
    FZ_REQUIRE(s, n != SIZE_MAX);
    FZ_REQUIRE(s, alloc_usable_size(s->a, q) >= n);
    FZ_REQUIRE(s, fz_intact(q, s->n[k] < n ? s->n[k] : n, s->tag[k]));
    if (q != old)
        fz_remember_freed(s, old);
    fz_forget_freed(s, q);
    s->p[k] = q;
    s->requested += n;
    s->requested -= s->n[k];
    s->n[k] = n;
    s->tag[k] = s->step;
    fz_fill(q, n, s->step);
}

/* A bad call the configuration promises to catch: reported once, with the pointer,
 * the message names it, and nothing changes. */
static void fz_bad(shadow *s, unsigned k, unsigned arg)
{
    alloc_stats before, after;
    alloc_get_stats(s->a, &before);
    int errors = s->errors;
    void *bad;
    size_t req = s->p[k] != NULL ? s->n[k] : 0;
    unsigned call = arg >> 1 & 3;
    if ((arg & 1) == 0 && s->conf->knows_freed && s->nfreed > 0 &&
        (call != 3 || s->conf->usable_checks_freed)) {
        bad = s->freed[arg % s->nfreed]; /* a second free */
    } else if (s->p[k] != NULL && s->n[k] > 8) {
        /* An interior pointer inside the requested bytes: past them it could be the
         * start of a neighbouring block, which would rightly be freed. */
        size_t off = 8 * (1 + arg % 4);
        while (off >= s->n[k])
            off -= 8;
        bad = s->p[k] + off;
    } else {
        return;
    }
    switch (call) {
    case 0: alloc_free(s->a, bad); break;
    case 1: alloc_free_sized(s->a, bad, req); break;
    case 2: FZ_REQUIRE(s, alloc_realloc(s->a, bad, req + 1) == NULL); break;
    default: FZ_REQUIRE(s, alloc_usable_size(s->a, bad) == 0); break;
    }
    FZ_REQUIRE(s, s->errors == errors + 1);
    FZ_REQUIRE(s, s->last_ptr == bad);
    FZ_REQUIRE(s, s->last_status == ALLOC_EDOUBLEFREE || s->last_status == ALLOC_EFOREIGN);
    char text[32];
    snprintf(text, sizeof text, "%p", bad);
    FZ_REQUIRE(s, strstr(s->last_msg, text) != NULL);
    alloc_get_stats(s->a, &after);
    FZ_REQUIRE(s, memcmp(&before, &after, sizeof before) == 0);
}

static void fz_run(const fz_conf *conf, const uint8_t *data, size_t size)
{
    static shadow s; /* large: not on the stack */
    memset(&s, 0, sizeof s);
    s.conf = conf;
    alloc_config cfg;
    if (alloc_config_init(&cfg, conf->backend) != ALLOC_OK)
        abort();
    conf->tune(&cfg);
    cfg.on_error = fz_on_error;
    cfg.on_error_ud = &s;
    s.limited = cfg.mem_limit != 0;
    if (alloc_create(&cfg, &s.a) != ALLOC_OK)
        fz_fail(&s, "alloc_create");
    for (size_t i = 0; i + 4 <= size; i += 4) {
        uint8_t op = data[i];
        unsigned k = data[i + 1] % SLOTS, arg = op >> 5;
        size_t n = fz_size(op, data[i + 2], data[i + 3]);
        s.step = (unsigned)(i / 4 + 1);
        int errors = s.errors;
        switch (op & 7) {
        case 0: case 1:
            if (s.p[k] == NULL)
                fz_new(&s, k, n, op & 1, arg);
            else
                fz_release(&s, k, 0);
            break;
        case 2:
            if (s.p[k] == NULL)
                fz_new(&s, k, n, 0, 1);
            else
                fz_resize(&s, k, n);
            break;
        case 3:
            if (s.p[k] != NULL)
                fz_release(&s, k, 0);
            break;
        case 4:
            if (s.p[k] != NULL)
                fz_release(&s, k, 1);
            break;
        case 5:
            if (s.p[k] != NULL)
                FZ_REQUIRE(&s, alloc_usable_size(s.a, s.p[k]) >= s.n[k]);
            FZ_REQUIRE(&s, alloc_good_size(s.a, n) >= (n == SIZE_MAX ? 0 : n) ||
                               alloc_good_size(s.a, n) == 0);
            break;
        case 6:
            /* Every live block, whole. */
            for (unsigned j = 0; j < SLOTS; j++)
                if (s.p[j] != NULL)
                    FZ_REQUIRE(&s, fz_intact(s.p[j], s.n[j], s.tag[j]));
            break;
        default:
            if (conf->detects)
                fz_bad(&s, k, arg);
            errors = s.errors;
            break;
        }
        FZ_REQUIRE(&s, s.errors == errors); /* no handler call for a good one */
        fz_stats(&s);
        /* The first bytes of every live block, every step. */
        for (unsigned j = 0; j < SLOTS; j++)
            if (s.p[j] != NULL)
                FZ_REQUIRE(&s, fz_intact(s.p[j], s.n[j] < 16 ? s.n[j] : 16, s.tag[j]));
    }
    /* Free what is left: untracked zmalloc's destroy does not free live blocks (as
     * Redis), and LeakSanitizer must see nothing left behind. */
    for (unsigned j = 0; j < SLOTS; j++)
        if (s.p[j] != NULL)
            fz_release(&s, j, j % 2);
    fz_stats(&s);
    alloc_destroy(s.a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *only = getenv("KVALLOC_FUZZ_BACKEND");
    if (only == NULL || strcmp(only, "slab") == 0)
        fz_run(&fz_slab[data[0] % FZ_N(fz_slab)], data + 1, size - 1);
    if (only == NULL || strcmp(only, "zmalloc") == 0)
        fz_run(&fz_zmalloc[data[0] % FZ_N(fz_zmalloc)], data + 1, size - 1);
    return 0;
}
