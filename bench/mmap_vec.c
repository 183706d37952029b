/* mmap_vec.c - see mmap_vec.h. */
#define _GNU_SOURCE /* mremap */
#include "mmap_vec.h"

#include <sys/mman.h>
#include <unistd.h>

static size_t page_round(size_t bytes)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (bytes == 0)
        bytes = 1;
    return (bytes + page - 1) & ~(page - 1);
}

void *mvec_alloc(size_t bytes)
{
    void *p = mmap(NULL, page_round(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void *mvec_grow(void *p, size_t old_bytes, size_t new_bytes)
{
    if (p == NULL)
        return mvec_alloc(new_bytes);
    /* mremap keeps the pages and maps fresh zero pages after them */
    void *q = mremap(p, page_round(old_bytes), page_round(new_bytes), MREMAP_MAYMOVE);
    return q == MAP_FAILED ? NULL : q;
}

void mvec_free(void *p, size_t bytes)
{
    if (p != NULL)
        munmap(p, page_round(bytes));
}
