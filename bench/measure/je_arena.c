/* je_arena.c - see je_arena.h. */
#include "je_arena.h"

#include "bench_error.h"

#include <jemalloc/jemalloc.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void refresh_epoch(void)
{
    uint64_t epoch = 1;
    size_t sz = sizeof epoch;
    mallctl("epoch", &epoch, &sz, &epoch, sz);
}

int je_arena_bind(je_arena *ar, char *err, size_t errlen)
{
    memset(ar, 0, sizeof *ar);
    size_t sz = sizeof ar->index;
    if (mallctl("arenas.create", &ar->index, &sz, NULL, 0) != 0)
        return bench_error(err, errlen, "jemalloc refused to create an arena (arenas.create)");
    sz = sizeof ar->page;
    if (mallctl("arenas.page", &ar->page, &sz, NULL, 0) != 0)
        ar->page = 4096;
    char name[64];
    snprintf(name, sizeof name, "stats.arenas.%u.pactive", ar->index);
    refresh_epoch(); /* a new arena's statistics exist only after the next epoch */
    ar->mib_pactive_len = sizeof ar->mib_pactive / sizeof ar->mib_pactive[0];
    if (mallctlnametomib(name, ar->mib_pactive, &ar->mib_pactive_len) != 0)
        return bench_error(err, errlen, "this jemalloc has no statistics (%s); it must be "
                           "built with --enable-stats", name);
    mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
    sz = sizeof ar->previous;
    if (mallctl("thread.arena", &ar->previous, &sz, &ar->index, sizeof ar->index) != 0)
        return bench_error(err, errlen, "jemalloc refused to bind the thread to arena %u",
                           ar->index);
    ar->bound = 1;
    return 0;
}

size_t je_arena_active(const je_arena *ar)
{
    refresh_epoch();
    size_t pages = 0, sz = sizeof pages;
    if (mallctlbymib(ar->mib_pactive, ar->mib_pactive_len, &pages, &sz, NULL, 0) != 0)
        return 0;
    return pages * ar->page;
}

void je_arena_release(je_arena *ar)
{
    if (!ar->bound)
        return;
    mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
    mallctl("thread.arena", NULL, NULL, &ar->previous, sizeof ar->previous);
    char name[64];
    snprintf(name, sizeof name, "arena.%u.destroy", ar->index);
    mallctl(name, NULL, NULL, NULL, 0);
    ar->bound = 0;
}

void je_process_stats(size_t *allocated, size_t *active, size_t *resident)
{
    refresh_epoch();
    size_t sz = sizeof(size_t);
    *allocated = *active = *resident = 0;
    mallctl("stats.allocated", allocated, &sz, NULL, 0);
    mallctl("stats.active", active, &sz, NULL, 0);
    mallctl("stats.resident", resident, &sz, NULL, 0);
}
