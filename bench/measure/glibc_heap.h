/* glibc_heap.h - glibc's own allocator inside a process where jemalloc owns `malloc`:
 * blocks from __libc_malloc, and glibc's own malloc_usable_size and mallinfo2 looked
 * up in libc.so.6 (the global names are weak and jemalloc's definitions win). */
#ifndef KVBENCH_GLIBC_HEAP_H
#define KVBENCH_GLIBC_HEAP_H

#include <stddef.h>

typedef struct glibc_heap {
    void *handle;
    size_t (*usable)(void *p);
    size_t in_use_at_start; /* uordblks + hblkhd when the cell began */
} glibc_heap;

int glibc_heap_open(glibc_heap *g, char *err, size_t errlen);
void glibc_heap_close(glibc_heap *g);

void *glibc_malloc(size_t n);
void glibc_free(void *p);

/* The block's chunk as glibc lays it out (malloc.c: the size word before the user
 * pointer, low bits flags, IS_MMAPPED = 2): *chunk is what the block takes from the
 * heap, *hdr the part of it before the block (8 for a heap chunk, whose prev_size
 * field belongs to the previous chunk; 16 for an mmapped one). */
void glibc_chunk(const void *p, size_t *chunk, size_t *hdr);

/* Marks the start of a cell: glibc's in-use bytes now are not the cell's. */
void glibc_heap_begin(glibc_heap *g);
/* Bytes glibc holds from the system (sbrk'd arena + mmapped chunks) minus what was
 * in use when the cell began: free chunks left by earlier work count as the cell's,
 * since it may reuse them, but blocks of earlier work do not. */
size_t glibc_heap_held(const glibc_heap *g);

#endif /* KVBENCH_GLIBC_HEAP_H */
