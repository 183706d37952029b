/* je_arena.h - a private jemalloc arena for one measured cell.  The calling thread
 * is bound to a fresh arena, so every block the cell allocates through jemalloc
 * (plain mallocx, or zmalloc's base) comes from pages no one else uses, and the
 * arena's active pages are exactly the cell's footprint: no baseline to subtract and
 * nothing of the harness mixed in. */
#ifndef KVBENCH_JE_ARENA_H
#define KVBENCH_JE_ARENA_H

#include <stddef.h>

typedef struct je_arena {
    unsigned index, previous;
    int bound;
    size_t page;
    size_t mib_pactive[6], mib_pactive_len;
} je_arena;

/* Creates an arena and binds the calling thread to it (its thread cache flushed
 * first, so no block of another arena is handed out).  0 ok, -1 with err. */
int je_arena_bind(je_arena *ar, char *err, size_t errlen);
/* Bytes of the arena's active pages (after refreshing jemalloc's statistics). */
size_t je_arena_active(const je_arena *ar);
/* Rebinds the thread to its previous arena and destroys this one (every block in it
 * must have been freed). */
void je_arena_release(je_arena *ar);
/* jemalloc's process-wide stats.allocated / active / resident. */
void je_process_stats(size_t *allocated, size_t *active, size_t *resident);

#endif /* KVBENCH_JE_ARENA_H */
