/* mmap_vec.h - arrays the harness grows while a cell runs.  They come straight from
 * mmap, never from malloc: in a cell, malloc is the allocator being measured, and
 * the harness's own tables must not show up in its footprint. */
#ifndef KVBENCH_MMAP_VEC_H
#define KVBENCH_MMAP_VEC_H

#include <stddef.h>

/* Zeroed memory of `bytes` (rounded up to pages); NULL on failure. */
void *mvec_alloc(size_t bytes);
/* Grows p from old_bytes to new_bytes, keeping the contents and zeroing the rest
 * (the block may move); NULL on failure, p then unchanged. */
void *mvec_grow(void *p, size_t old_bytes, size_t new_bytes);
void mvec_free(void *p, size_t bytes);

#endif /* KVBENCH_MMAP_VEC_H */
