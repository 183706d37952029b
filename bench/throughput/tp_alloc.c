/* tp_alloc.c - the allocators under test, each reached through its own entry points:
 * kvalloc instances through alloc_api.h (and the slab backend's typed API), the others
 * through functions looked up with dlsym in their own library: glibc's malloc/free/
 * realloc in libc.so.6, jemalloc's malloc/sdallocx/realloc in libjemalloc, mi_* in
 * libmimalloc and tc_* in libtcmalloc_minimal.
 *
 * Why: libjemalloc, libmimalloc and libtcmalloc_minimal all export malloc, free and
 * operator new, and the last two also __libc_malloc (tcmalloc also nallocx).  Whichever
 * comes first in link order becomes the whole process's malloc, and a linked mimalloc
 * or tcmalloc takes __libc_malloc from glibc, which would silently turn the
 * "zmalloc-libc" row (zmalloc's libc base calls __libc_malloc) into mimalloc or
 * tcmalloc.  So mimalloc and tcmalloc are never linked, only loaded RTLD_LOCAL, and
 * looking every row's functions up in its own library makes each row measure the
 * allocator it names whoever wins `malloc` (jemalloc, linked through kvalloc; or a
 * sanitizer's interceptor).  A dlsym'd pointer costs what a PLT call costs: one
 * indirect jump.  tp_env_check reports the winners. */
#define _GNU_SOURCE
#include "tp.h"

#include "alloc_api.h"
#include "slab.h"

#include <dlfcn.h>
#include <gperftools/tcmalloc.h>
#include <jemalloc/jemalloc.h>
#include <mimalloc.h>
#include <stdio.h>
#include <string.h>

extern void *__libc_malloc(size_t size);

/* ---- kvalloc instances ------------------------------------------------------------ */

static int kv_open(void **ctx, const char *backend, const char *base, int thread_safe,
                   char *msg, size_t msglen)
{
    alloc_config cfg;
    if (alloc_config_init(&cfg, backend) != ALLOC_OK) {
        snprintf(msg, msglen, "this kvalloc build has no backend \"%s\"", backend);
        return -1;
    }
    cfg.thread_safe = thread_safe;
    if (base != NULL)
        cfg.zmalloc.base = base;
    alloc_t *a = NULL;
    alloc_status st = alloc_create(&cfg, &a);
    if (st != ALLOC_OK) {
        snprintf(msg, msglen, "alloc_create(%s%s%s) failed: %s", backend, base ? ", " : "",
                 base ? base : "", alloc_strerror(st));
        return -1;
    }
    *ctx = a;
    return 0;
}

/* slab and slab-direct share a configuration (defaults, thread_safe = 0) so that
 * the two differ only in the dispatch layer. */
static int slab_st_open(void **ctx, char *msg, size_t msglen)
{
    return kv_open(ctx, "slab", NULL, 0, msg, msglen);
}

static int slab_mt_open(void **ctx, char *msg, size_t msglen)
{
    return kv_open(ctx, "slab", NULL, 1, msg, msglen);
}

/* zmalloc keeps its default thread_safe = 1: it is compared with the base allocators,
 * which are thread-safe too. */
static int zm_libc_open(void **ctx, char *msg, size_t msglen)
{
    return kv_open(ctx, "zmalloc", "libc", 1, msg, msglen);
}

static int zm_je_open(void **ctx, char *msg, size_t msglen)
{
    return kv_open(ctx, "zmalloc", "jemalloc", 1, msg, msglen);
}

static void kv_close(void *ctx) { alloc_destroy(ctx); }

static void *kv_malloc(void *ctx, size_t n) { return alloc_malloc(ctx, n); }
static void kv_free(void *ctx, void *p, size_t n) { alloc_free_sized(ctx, p, n); }
static void *kv_realloc(void *ctx, void *p, size_t n) { return alloc_realloc(ctx, p, n); }

static void *sd_malloc(void *ctx, size_t n) { return slab_malloc(ctx, n); }
static void sd_free(void *ctx, void *p, size_t n) { slab_free_sized(ctx, p, n); }
static void *sd_realloc(void *ctx, void *p, size_t n) { return slab_realloc(ctx, p, n); }

/* ---- process-wide allocators ------------------------------------------------------ */

static void no_close(void *ctx) { (void)ctx; }

/* A library whose functions the table calls through pointers.  Handles are kept for
 * the life of the process: neither mimalloc nor tcmalloc supports being unloaded. */
typedef struct dl_lib {
    const char *path;
    int flags;     /* RTLD_NOLOAD for the libraries the program links anyway */
    const char *package;
    int tried, ok;
} dl_lib;

typedef struct dl_sym {
    const char *name;
    void *fnptr;   /* where the function pointer goes */
    size_t fnsize;
} dl_sym;

#ifndef TP_MIMALLOC_PATH
#define TP_MIMALLOC_PATH "libmimalloc.so.2"
#endif
#ifndef TP_TCMALLOC_PATH
#define TP_TCMALLOC_PATH "libtcmalloc_minimal.so.4"
#endif

/* Looks syms up once.  dlsym returns an object pointer; copying it into a function
 * pointer with memcpy is the conversion POSIX guarantees without tripping ISO C's
 * pedantic rule.  dlsym with a handle finds the library's own definition even where
 * another library's interposes for the rest of the process. */
static int dl_load(dl_lib *lib, const dl_sym *syms, size_t n, char *msg, size_t msglen)
{
    if (!lib->tried) {
        lib->tried = 1;
        void *h = dlopen(lib->path, RTLD_NOW | RTLD_LOCAL | lib->flags);
        lib->ok = h != NULL;
        for (size_t i = 0; lib->ok && i < n; i++) {
            void *sym = dlsym(h, syms[i].name);
            if (sym == NULL)
                lib->ok = 0;
            else
                memcpy(syms[i].fnptr, &sym, syms[i].fnsize);
        }
    }
    if (!lib->ok) {
        snprintf(msg, msglen, "%s or one of its functions (%s, ...) cannot be loaded; "
                 "install %s", lib->path, syms[0].name, lib->package);
        return -1;
    }
    return 0;
}

/* glibc's own allocator; it has no sized free. */
static struct {
    void *(*malloc)(size_t);
    void (*free)(void *);
    void *(*realloc)(void *, size_t);
} gl_fn;
static dl_lib gl_lib = {"libc.so.6", RTLD_NOLOAD, "libc6", 0, 0};

static int gl_open(void **ctx, char *msg, size_t msglen)
{
    const dl_sym syms[] = {{"malloc", &gl_fn.malloc, sizeof gl_fn.malloc},
                           {"free", &gl_fn.free, sizeof gl_fn.free},
                           {"realloc", &gl_fn.realloc, sizeof gl_fn.realloc}};
    *ctx = NULL;
    return dl_load(&gl_lib, syms, 3, msg, msglen);
}

static void *gl_malloc(void *ctx, size_t n)
{
    (void)ctx;
    return gl_fn.malloc(n);
}
static void gl_free(void *ctx, void *p, size_t n)
{
    (void)ctx;
    (void)n;
    gl_fn.free(p);
}
static void *gl_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    return gl_fn.realloc(p, n);
}

/* jemalloc's malloc rather than mallocx because only malloc has jemalloc 5.3's
 * allocation fast path.  sdallocx is the sized free every other row gets too,
 * although on this machine plain free is faster (3.1 against 4.7 ns per 64-byte pair
 * in a bare loop): jemalloc's free fast path finds the size class in its per-thread
 * rtree cache, so the size saves nothing here. */
static struct {
    void *(*malloc)(size_t);
    void (*sdallocx)(void *, size_t, int);
    void *(*realloc)(void *, size_t);
} je_fn;
static dl_lib je_lib = {"libjemalloc.so.2", RTLD_NOLOAD, "libjemalloc-dev", 0, 0};

static int je_open(void **ctx, char *msg, size_t msglen)
{
    const dl_sym syms[] = {{"malloc", &je_fn.malloc, sizeof je_fn.malloc},
                           {"sdallocx", &je_fn.sdallocx, sizeof je_fn.sdallocx},
                           {"realloc", &je_fn.realloc, sizeof je_fn.realloc}};
    *ctx = NULL;
    return dl_load(&je_lib, syms, 3, msg, msglen);
}

static void *je_malloc(void *ctx, size_t n)
{
    (void)ctx;
    return je_fn.malloc(n);
}
static void je_free(void *ctx, void *p, size_t n)
{
    (void)ctx;
    je_fn.sdallocx(p, n, 0);
}
static void *je_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    return je_fn.realloc(p, n);
}

/* mimalloc and tcmalloc, each with its sized free.  In Debian's mimalloc 2.0
 * mi_free_size is a jump to mi_free (the size is only checked in debug builds);
 * tcmalloc's tc_free_sized takes the size class from the size and skips its page-map
 * lookup. */
typedef struct dl_api {
    void *(*malloc)(size_t);
    void (*free_sized)(void *, size_t);
    void *(*realloc)(void *, size_t);
} dl_api;

static dl_api mi_fn, tc_fn;
static dl_lib mi_lib = {TP_MIMALLOC_PATH, 0, "libmimalloc-dev", 0, 0};
static dl_lib tc_lib = {TP_TCMALLOC_PATH, 0, "libgoogle-perftools-dev", 0, 0};

/* The pointer types must match the libraries' own prototypes. */
#define TP_SAME_TYPE(fn, ptr) __builtin_types_compatible_p(__typeof__(&fn), __typeof__(ptr))
_Static_assert(TP_SAME_TYPE(mi_malloc, mi_fn.malloc) && TP_SAME_TYPE(tc_malloc, tc_fn.malloc) &&
                   TP_SAME_TYPE(sdallocx, je_fn.sdallocx),
               "allocation entry point types");
_Static_assert(TP_SAME_TYPE(mi_free_size, mi_fn.free_sized) &&
                   TP_SAME_TYPE(tc_free_sized, tc_fn.free_sized),
               "sized free entry point types");
_Static_assert(TP_SAME_TYPE(mi_realloc, mi_fn.realloc) && TP_SAME_TYPE(tc_realloc, tc_fn.realloc),
               "realloc entry point types");

static int mi_open(void **ctx, char *msg, size_t msglen)
{
    const dl_sym syms[] = {{"mi_malloc", &mi_fn.malloc, sizeof mi_fn.malloc},
                           {"mi_free_size", &mi_fn.free_sized, sizeof mi_fn.free_sized},
                           {"mi_realloc", &mi_fn.realloc, sizeof mi_fn.realloc}};
    *ctx = NULL;
    return dl_load(&mi_lib, syms, 3, msg, msglen);
}

static int tc_open(void **ctx, char *msg, size_t msglen)
{
    const dl_sym syms[] = {{"tc_malloc", &tc_fn.malloc, sizeof tc_fn.malloc},
                           {"tc_free_sized", &tc_fn.free_sized, sizeof tc_fn.free_sized},
                           {"tc_realloc", &tc_fn.realloc, sizeof tc_fn.realloc}};
    *ctx = NULL;
    return dl_load(&tc_lib, syms, 3, msg, msglen);
}

static void *mi_malloc_op(void *ctx, size_t n)
{
    (void)ctx;
    return mi_fn.malloc(n);
}
static void mi_free_op(void *ctx, void *p, size_t n)
{
    (void)ctx;
    mi_fn.free_sized(p, n);
}
static void *mi_realloc_op(void *ctx, void *p, size_t n)
{
    (void)ctx;
    return mi_fn.realloc(p, n);
}

static void *tc_malloc_op(void *ctx, size_t n)
{
    (void)ctx;
    return tc_fn.malloc(n);
}
static void tc_free_op(void *ctx, void *p, size_t n)
{
    (void)ctx;
    tc_fn.free_sized(p, n);
}
static void *tc_realloc_op(void *ctx, void *p, size_t n)
{
    (void)ctx;
    return tc_fn.realloc(p, n);
}

/* ---- the table -------------------------------------------------------------------- */

const tp_allocator tp_allocators[] = {
    {"slab", 0, slab_st_open, kv_close, {kv_malloc, kv_free, kv_realloc}},
    {"slab-direct", 0, slab_st_open, kv_close, {sd_malloc, sd_free, sd_realloc}},
    {"slab-mt", 1, slab_mt_open, kv_close, {kv_malloc, kv_free, kv_realloc}},
    {"zmalloc-libc", 1, zm_libc_open, kv_close, {kv_malloc, kv_free, kv_realloc}},
    {"zmalloc-jemalloc", 1, zm_je_open, kv_close, {kv_malloc, kv_free, kv_realloc}},
    {"glibc", 1, gl_open, no_close, {gl_malloc, gl_free, gl_realloc}},
    {"jemalloc", 1, je_open, no_close, {je_malloc, je_free, je_realloc}},
    {"mimalloc", 1, mi_open, no_close, {mi_malloc_op, mi_free_op, mi_realloc_op}},
    {"tcmalloc", 1, tc_open, no_close, {tc_malloc_op, tc_free_op, tc_realloc_op}},
};

const size_t tp_nallocators = sizeof tp_allocators / sizeof tp_allocators[0];

const tp_allocator *tp_allocator_find(const char *name)
{
    for (size_t i = 0; i < tp_nallocators; i++)
        if (strcmp(tp_allocators[i].name, name) == 0)
            return &tp_allocators[i];
    return NULL;
}

/* The file name of the library that defines the function at fn. */
static const char *lib_of(const void *fnptr, size_t fnsize)
{
    void *addr = NULL;
    memcpy(&addr, fnptr, fnsize < sizeof addr ? fnsize : sizeof addr);
    Dl_info info;
    if (dladdr(addr, &info) == 0 || info.dli_fname == NULL)
        return "(unknown)";
    const char *slash = strrchr(info.dli_fname, '/');
    return slash ? slash + 1 : info.dli_fname;
}

int tp_env_check(char *origin, size_t originlen, char *msg, size_t msglen)
{
    /* Through volatile pointers so the addresses are the ones the PLT resolves to, not
     * something the compiler folds. */
    void *(*volatile m)(size_t) = malloc;
    void *(*volatile lm)(size_t) = __libc_malloc;
    void *(*mv)(size_t) = m, *(*lmv)(size_t) = lm;
    const char *mlib = lib_of(&mv, sizeof mv);
    const char *lmlib = lib_of(&lmv, sizeof lmv);
    snprintf(origin, originlen, "malloc from %s, __libc_malloc from %s", mlib, lmlib);
    if (strncmp(lmlib, "libc.so", 7) != 0) {
        snprintf(msg, msglen,
                 "__libc_malloc resolves to %s, not glibc: the \"zmalloc-libc\" row would "
                 "measure another allocator; do not link mimalloc or tcmalloc",
                 lmlib);
        return -1;
    }
    return 0;
}
