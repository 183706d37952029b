/* zm_base.c - setting up a base: finding glibc's own malloc_usable_size, and building
 * jemalloc's size table (checked against nallocx in debug builds). */
#include "zm_base.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

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
    return ALLOC_OK;
}

static void zm_base_init_jemalloc(zm_base *b)
{
    b->je_usable[0] = (uint16_t)nallocx(1, 0);
    for (size_t i = 1; i < ZM_JE_TABLE_LEN; i++)
        b->je_usable[i] = (uint16_t)nallocx(i * 8, 0);
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
    b->libc_handle = NULL;
}
