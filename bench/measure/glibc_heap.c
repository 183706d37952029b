/* glibc_heap.c - see glibc_heap.h. */
#include "glibc_heap.h"

#include "bench_error.h"

#include <dlfcn.h>
#include <malloc.h>
#include <string.h>

/* Exported by glibc (GLIBC_2.2.5) and never interposed by another allocator. */
extern void *__libc_malloc(size_t size);
extern void __libc_free(void *p);

#define GLIBC_SIZE_BITS 7ul /* PREV_INUSE | IS_MMAPPED | NON_MAIN_ARENA */
#define GLIBC_IS_MMAPPED 2ul
#define GLIBC_HEAP_HDR 8
#define GLIBC_MMAP_HDR 16

typedef struct mallinfo2 (*mallinfo2_fn)(void);

static mallinfo2_fn glibc_mallinfo2(const glibc_heap *g)
{
    mallinfo2_fn f;
    void *sym = dlsym(g->handle, "mallinfo2");
    /* POSIX: a dlsym result converts to a function pointer */
    memcpy(&f, &sym, sizeof f);
    return f;
}

int glibc_heap_open(glibc_heap *g, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    g->handle = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
    if (g->handle == NULL)
        return bench_error(err, errlen, "glibc (libc.so.6) is not loaded: the glibc peer and "
                           "zmalloc:base=libc need glibc");
    void *u = dlsym(g->handle, "malloc_usable_size");
    if (u == NULL || dlsym(g->handle, "mallinfo2") == NULL) {
        dlclose(g->handle);
        g->handle = NULL;
        return bench_error(err, errlen, "libc.so.6 lacks malloc_usable_size or mallinfo2 "
                           "(glibc 2.33 or later is needed)");
    }
    memcpy(&g->usable, &u, sizeof g->usable);
    return 0;
}

void glibc_heap_close(glibc_heap *g)
{
    if (g->handle != NULL)
        dlclose(g->handle);
    g->handle = NULL;
}

void *glibc_malloc(size_t n) { return __libc_malloc(n); }

void glibc_free(void *p) { __libc_free(p); }

void glibc_chunk(const void *p, size_t *chunk, size_t *hdr)
{
    size_t word;
    memcpy(&word, (const char *)p - sizeof word, sizeof word);
    *chunk = word & ~GLIBC_SIZE_BITS;
    *hdr = (word & GLIBC_IS_MMAPPED) ? GLIBC_MMAP_HDR : GLIBC_HEAP_HDR;
}

void glibc_heap_begin(glibc_heap *g)
{
    struct mallinfo2 m = glibc_mallinfo2(g)();
    g->in_use_at_start = m.uordblks + m.hblkhd;
}

size_t glibc_heap_held(const glibc_heap *g)
{
    struct mallinfo2 m = glibc_mallinfo2(g)();
    size_t system = m.arena + m.hblkhd;
    return system > g->in_use_at_start ? system - g->in_use_at_start : 0;
}
