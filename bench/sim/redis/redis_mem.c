/* redis_mem.c - the memory figure maxmemory binds.  Budget OWN: used_memory, as Redis
 * (zmalloc's counter, every block at the allocator's usable size, plus the measured
 * baseline).  Budget HELD: what the allocator holds from the system, the private
 * jemalloc arena's active pages (or glibc's heap) plus the baseline's active bytes.
 * Reading the allocator's statistics costs microseconds, so the held figure is read
 * every REFRESH_REQUESTS commands, or once used_memory has moved by more than
 * held_refresh_bytes since the last reading, and estimated in between as
 *   held = last reading + (used_memory now - used_memory at that reading). */
#include "redis_server.h"

#include "zm_api.h"

#define REFRESH_REQUESTS 1000

uint64_t redis_used(const sim_server *s)
{
    return zm_used_memory(s->a) + REDIS_SIM_BASELINE;
}

static uint64_t held_read(sim_server *s)
{
    if (s->o.je_base)
        return je_arena_active(&s->arena);
    return glibc_heap_held(&s->glibc);
}

uint64_t redis_held_now(sim_server *s)
{
    return held_read(s) + REDIS_SIM_BASELINE_ACTIVE;
}

uint64_t redis_mem_figure(sim_server *s)
{
    if (s->budget == SIM_BUDGET_OWN)
        return redis_used(s);
    uint64_t used = zm_used_memory(s->a);
    uint64_t moved = used > s->held_used_at ? used - s->held_used_at : s->held_used_at - used;
    if (s->held_requests >= REFRESH_REQUESTS || moved > s->held_refresh_bytes) {
        s->held_last = held_read(s);
        s->held_used_at = used;
        s->held_requests = 0;
    }
    int64_t est = (int64_t)s->held_last + ((int64_t)used - (int64_t)s->held_used_at);
    return (est > 0 ? (uint64_t)est : 0) + REDIS_SIM_BASELINE_ACTIVE;
}

/* dictExpandAllowed / overMaxmemoryAfterAlloc: up to load 1.618
 * (HASHTABLE_MAX_LOAD_FACTOR) a doubling that would take the figure past maxmemory is
 * postponed; beyond it the table grows anyway. */
int redis_expand_allowed(void *ud, size_t more, double load)
{
    sim_server *s = ud;
    if (load > 1.618)
        return 1;
    return redis_mem_figure(s) + more <= s->maxmemory;
}
