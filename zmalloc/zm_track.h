/* zm_track.h - the live-block table of a tracking instance: pointer -> requested size,
 * open addressing with linear probing.  Freed pointers stay as tombstones so that a
 * second free of the same pointer is told apart from a pointer never handed out.
 * Not synchronised: the instance holds its lock around every call. */
#ifndef KVALLOC_ZM_TRACK_H
#define KVALLOC_ZM_TRACK_H

#include <stddef.h>
#include <stdint.h>

/* A slot is empty (ptr 0), live (size < ZM_TRACK_FREED) or a tombstone.
 * Invariant: live + tombs == number of non-empty slots, and
 *            (live + tombs) * 4 <= cap * 3 after every zm_track_reserve. */
#define ZM_TRACK_FREED SIZE_MAX

typedef struct zm_track_slot {
    uintptr_t ptr;
    size_t size;
} zm_track_slot;

typedef struct zm_track {
    zm_track_slot *slots;
    size_t cap; /* power of two */
    size_t live, tombs;
} zm_track;

typedef enum zm_track_state { ZM_TRACK_ABSENT, ZM_TRACK_LIVE, ZM_TRACK_DEAD } zm_track_state;

int zm_track_init(zm_track *t); /* 0 when the first slots cannot be had */
void zm_track_fini(zm_track *t);

/* Makes room for one more pointer; 0 when the table cannot grow.  Growing drops
 * tombstones beyond what keeps the new table half full: those pointers' double frees
 * are then reported as foreign. */
int zm_track_reserve(zm_track *t);

/* p must not be live; a tombstone of p comes back to life.  Call zm_track_reserve first. */
void zm_track_insert(zm_track *t, const void *p, size_t size);

zm_track_state zm_track_find(const zm_track *t, const void *p, size_t *size);

/* p must be live. */
void zm_track_set_size(zm_track *t, const void *p, size_t size);
void zm_track_kill(zm_track *t, const void *p);

typedef void (*zm_track_visit_fn)(void *ud, void *p, size_t size);
void zm_track_each_live(const zm_track *t, zm_track_visit_fn fn, void *ud);

#endif /* KVALLOC_ZM_TRACK_H */
