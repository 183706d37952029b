/* zm_base.c - setting up a base: finding glibc's own malloc_usable_size and checking
 * its chunk header formula, finding jemalloc's own malloc / realloc / sdallocx, and
 * building jemalloc's size table (checked against nallocx in debug builds) and
 * checking its class rule above the table. */
#define _GNU_SOURCE /* dladdr */
#include "zm_base.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#ifdef ZM_TSAN
char zm_tsan_base_sync;
#endif

const char *zm_base_name(zm_base_kind kind)
{
    return kind == ZM_BASE_JEMALLOC ? "jemalloc" : "libc";
}

/* glibc attaches the thread that makes its allocator's first call to main_arena
 * without counting it, assuming that thread is the main one (at start-up something
 * always calls malloc).  With jemalloc linked nothing calls glibc's allocator at
 * start-up, so the first __libc_malloc could come from a worker thread, and two such
 * threads exiting trip glibc's "attached_threads > 0" assertion.  Making that first
 * call while the program (or dlopen) is still single-threaded avoids it. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((constructor)) static void zm_base_glibc_warm_up(void)
{
    __libc_free(__libc_malloc(1));
}
#endif

/* The library object that defines `fn`, or NULL. */
static const void *zm_object_of(void *fn)
{
    Dl_info info;
    return dladdr(fn, &info) != 0 ? info.dli_fbase : NULL;
}

/* 1 when zm_glibc_hdr_usable may stand in for glibc's malloc_usable_size.  Nothing is
 * read before a block until two things say glibc really serves __libc_malloc: the
 * symbol this library calls is defined in glibc itself (a replacement by symbol, a
 * sanitizer's, would not be), and a 1-byte block has more than 1 usable byte (a
 * replacement by redirection, as Valgrind's, keeps glibc's addresses but reports the
 * size asked for, and its blocks are fenced by redzones that must not be read).  Then
 * the formula must give glibc's answer for heap chunks of several sizes and for a
 * mapped one. */
static int zm_glibc_hdr_checks(void *libc, size_t (*usable)(void *))
{
    void *own = dlsym(libc, "__libc_malloc"), *sym;
    void *(*fn)(size_t) = __libc_malloc;
    memcpy(&sym, &fn, sizeof sym);
    if (own == NULL || zm_object_of(own) == NULL || zm_object_of(own) != zm_object_of(sym))
        return 0;
    void *one = __libc_malloc(1);
    if (one == NULL)
        return 0;
    size_t got = usable(one);
    __libc_free(one);
    if (got <= 1)
        return 0;
    static const size_t sizes[] = {1, 8, 24, 25, 100, 1000, 4096, 70000, (size_t)4 << 20};
    int ok = 1;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        void *p = __libc_malloc(sizes[i]);
        if (p == NULL)
            return 0;
        ok &= zm_glibc_hdr_usable(p) == usable(p);
        __libc_free(p);
    }
    return ok;
}

static alloc_status zm_base_init_libc(zm_base *b, char *msg, size_t msglen)
{
    /* RTLD_NOLOAD: only the libc already mapped into the process will do; loading a
     * second copy would give a second, unrelated heap. */
    void *h = dlopen("libc.so.6", RTLD_NOLOAD | RTLD_LAZY);
    if (h == NULL)
        return alloc_config_error(msg, msglen,
                                  "zmalloc.base \"libc\" needs glibc (libc.so.6 is not "
                                  "loaded in this process); use \"jemalloc\"");
    void *sym = dlsym(h, "malloc_usable_size");
    if (sym == NULL) {
        dlclose(h);
        return alloc_config_error(msg, msglen,
                                  "zmalloc.base \"libc\": libc.so.6 has no "
                                  "malloc_usable_size; use \"jemalloc\"");
    }
    /* POSIX guarantees dlsym's object pointer converts to a function pointer; the
     * copy keeps -Wpedantic quiet about the ISO C conversion. */
    memcpy(&b->libc_usable, &sym, sizeof b->libc_usable);
    b->libc_handle = h;
    /* The symbols as this library resolves them, as zm_base_malloc calls them (an
     * interposer, if any, sees every block): their addresses, taken once. */
    b->libc_malloc = __libc_malloc;
    b->libc_free = __libc_free;
    b->libc_hdr = zm_glibc_hdr_checks(h, b->libc_usable);
    return ALLOC_OK;
}

/* The fallbacks when jemalloc's plain entry points cannot be found: same blocks, same
 * heap, only without malloc's fast path. */
static void *zm_je_mallocx0(size_t n) { return mallocx(n, 0); }
static void *zm_je_rallocx0(void *p, size_t n) { return rallocx(p, n, 0); }

/* Looks up malloc and realloc in the object that defines mallocx and takes them only
 * if both are defined there: `malloc` in the process may be a sanitizer's
 * interceptor or another allocator, and a block must go back to the heap it came from. */
static void zm_base_find_jemalloc(zm_base *b)
{
    b->je_malloc = zm_je_mallocx0;
    b->je_realloc = zm_je_rallocx0;
    b->je_sdallocx = sdallocx;
    void *mallocx_sym;
    void *(*mx)(size_t, int) = mallocx;
    memcpy(&mallocx_sym, &mx, sizeof mallocx_sym);
    Dl_info info;
    if (dladdr(mallocx_sym, &info) == 0 || info.dli_fname == NULL)
        return;
    void *h = dlopen(info.dli_fname, RTLD_NOLOAD | RTLD_LAZY);
    if (h == NULL)
        return;
    void *m = dlsym(h, "malloc"), *r = dlsym(h, "realloc"), *d = dlsym(h, "sdallocx");
    if (m == NULL || r == NULL || d == NULL || zm_object_of(m) != info.dli_fbase ||
        zm_object_of(r) != info.dli_fbase || zm_object_of(d) != info.dli_fbase) {
        dlclose(h);
        return;
    }
    /* dlsym's object pointers into function pointers: the conversion POSIX
     * guarantees, copied to keep -Wpedantic quiet. */
    memcpy(&b->je_malloc, &m, sizeof b->je_malloc);
    memcpy(&b->je_realloc, &r, sizeof b->je_realloc);
    memcpy(&b->je_sdallocx, &d, sizeof b->je_sdallocx);
    b->je_handle = h;
}

/* 1 when zm_je_rule(n) == nallocx(n) at and around every class boundary from the
 * table's end to ZM_JE_RULE_MAX (both are step functions that only change at class
 * boundaries, so agreeing just below, at and just above each one is agreeing
 * everywhere between). */
static int zm_je_rule_holds(void)
{
    for (size_t base = ZM_JE_TABLE_MAX; base < ZM_JE_RULE_MAX; base *= 2) {
        size_t delta = base / 4;
        for (size_t c = base + delta; c <= 2 * base; c += delta) {
            size_t probe[] = {c - delta + 1, c - 1, c};
            for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++)
                if (zm_je_rule(probe[i]) != nallocx(probe[i], 0))
                    return 0;
        }
    }
    return 1;
}

static void zm_base_init_jemalloc(zm_base *b)
{
    zm_base_find_jemalloc(b);
    b->je_usable[0] = (uint16_t)nallocx(1, 0);
    for (size_t i = 1; i < ZM_JE_TABLE_LEN; i++)
        b->je_usable[i] = (uint16_t)nallocx(i * 8, 0);
    b->je_rule_max = zm_je_rule_holds() ? ZM_JE_RULE_MAX : 0;
#ifdef KVALLOC_DEBUG
    /* The table relies on every class boundary being a multiple of 8: prove it for
     * this jemalloc build rather than trust it. */
    for (size_t n = 1; n <= ZM_JE_TABLE_MAX; n++)
        if (zm_base_good(b, n) != nallocx(n, 0))
            abort();
#endif
}

alloc_status zm_base_init(zm_base *b, zm_base_kind kind, char *msg, size_t msglen)
{
    memset(b, 0, sizeof *b);
    b->kind = kind;
    if (kind == ZM_BASE_LIBC)
        return zm_base_init_libc(b, msg, msglen);
    zm_base_init_jemalloc(b);
    return ALLOC_OK;
}

void zm_base_fini(zm_base *b)
{
    if (b->libc_handle != NULL)
        dlclose(b->libc_handle);
    if (b->je_handle != NULL)
        dlclose(b->je_handle);
    b->libc_handle = NULL;
    b->je_handle = NULL;
}
