/* slab_tcache.c - per-thread chunk caches for thread_safe = 1: a pthread key per
 * instance, the list of its caches, the handshake that lets another thread take a
 * cache's bins (quiesce), and the flushes that return cached chunks to their classes. */
#include "slab_internal.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/membarrier.h>
#include <sys/syscall.h>
#endif

#if defined(__SANITIZE_THREAD__)
#define SLAB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SLAB_TSAN 1
#endif
#endif

__thread slab_tc_memo slab_tc_last __attribute__((tls_model("initial-exec")));

/* Whether membarrier(2) can order the owners' plain stores for us.  ThreadSanitizer
 * does not know the call, so it gets the seq_cst store instead. */
static bool asym_available(void)
{
#if defined(__linux__) && defined(SYS_membarrier) && !defined(SLAB_TSAN)
    return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
#else
    return false;
#endif
}

/* A forked child starts unregistered (the registration belongs to the address space):
 * register again and retry. */
static void asym_barrier(const slab_t *s)
{
#if defined(__linux__) && defined(SYS_membarrier)
    if (s->tc_asym && syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0) {
        syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
        if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
            abort(); /* cannot happen once registered; never proceed unordered */
    }
#else
    (void)s;
#endif
}

static void fold_bin(slab_class *c, slab_bin *b)
{
    c->allocs += atomic_load_explicit(&b->allocs, memory_order_relaxed);
    c->frees += atomic_load_explicit(&b->frees, memory_order_relaxed);
    c->unsized_frees += atomic_load_explicit(&b->unsized_frees, memory_order_relaxed);
    c->req_in += atomic_load_explicit(&b->req_in, memory_order_relaxed);
    c->req_out += atomic_load_explicit(&b->req_out, memory_order_relaxed);
    atomic_store_explicit(&b->allocs, 0, memory_order_relaxed);
    atomic_store_explicit(&b->frees, 0, memory_order_relaxed);
    atomic_store_explicit(&b->unsized_frees, 0, memory_order_relaxed);
    atomic_store_explicit(&b->req_in, 0, memory_order_relaxed);
    atomic_store_explicit(&b->req_out, 0, memory_order_relaxed);
}

/* Puts bin b's chunks on c's stack (the bin's top on top) and folds its counters;
 * c->lock held, b's owner not in its active window (or the caller). */
static void do_flush_bin(slab_class *c, slab_bin *b)
{
    fold_bin(c, b);
    if (b->n == 0)
        return; /* a class that never had a page has no stack to point into */
    memcpy(c->stack + c->top, b->slots, b->n * sizeof *b->slots);
    c->top += b->n;
    b->n = 0;
}

/* tc_lock held: blocks every cache and waits until no owner is in its active window. */
static void do_block(slab_t *s)
{
    for (slab_tcache *tc = s->tc_list; tc != NULL; tc = tc->next)
        atomic_fetch_add_explicit(&tc->blocked, 1, memory_order_seq_cst);
    asym_barrier(s);
    for (slab_tcache *tc = s->tc_list; tc != NULL; tc = tc->next) {
        for (unsigned spins = 0; atomic_load_explicit(&tc->active, memory_order_seq_cst);) {
            if (++spins > 64) {
                sched_yield();
                spins = 0;
            }
        }
    }
}

static void do_unblock(slab_t *s)
{
    for (slab_tcache *tc = s->tc_list; tc != NULL; tc = tc->next)
        atomic_fetch_sub_explicit(&tc->blocked, 1, memory_order_release);
}

void slab_tc_quiesce(slab_t *s)
{
    if (!s->tc_on)
        return;
    pthread_mutex_lock(&s->tc_lock);
    do_block(s);
}

void slab_tc_resume(slab_t *s)
{
    if (!s->tc_on)
        return;
    do_unblock(s);
    pthread_mutex_unlock(&s->tc_lock);
}

void slab_do_tc_flush_class(slab_t *s, slab_class *c)
{
    if (!s->tc_on)
        return;
    for (slab_tcache *tc = s->tc_list; tc != NULL; tc = tc->next)
        do_flush_bin(c, &tc->bins[c->id]);
}

void slab_class_counts(const slab_t *s, const slab_class *c, slab_counts *out)
{
    out->allocs = c->allocs;
    out->frees = c->frees;
    out->unsized_frees = c->unsized_frees;
    out->req_in = c->req_in;
    out->req_out = c->req_out;
    if (!s->tc_on)
        return;
    for (const slab_tcache *tc = s->tc_list; tc != NULL; tc = tc->next) {
        const slab_bin *b = &tc->bins[c->id];
        out->allocs += atomic_load_explicit(&b->allocs, memory_order_relaxed);
        out->frees += atomic_load_explicit(&b->frees, memory_order_relaxed);
        out->unsized_frees += atomic_load_explicit(&b->unsized_frees, memory_order_relaxed);
        out->req_in += atomic_load_explicit(&b->req_in, memory_order_relaxed);
        out->req_out += atomic_load_explicit(&b->req_out, memory_order_relaxed);
    }
}

/* With caches the peak is sampled: here (stats reads, large blocks, a refill that took
 * a page), from the class counters and every cache's. */
void slab_tc_peak_sample(slab_t *s)
{
    pthread_mutex_lock(&s->tc_lock);
    size_t used = atomic_load_explicit(&s->used_total, memory_order_relaxed);
    for (unsigned id = 1; id <= s->nclasses; id++) {
        slab_class *c = &s->classes[id];
        slab_counts k;
        slab_lock(s, &c->lock);
        slab_class_counts(s, c, &k);
        slab_unlock(s, &c->lock);
        used += (size_t)(k.allocs - k.frees) * c->size;
    }
    pthread_mutex_unlock(&s->tc_lock);
    slab_peak_raise(&s->peak_used, used);
}

/* Thread exit: the cache's chunks and counters go back to their classes. */
static void tc_exit_thread(void *v)
{
    slab_tcache *tc = v;
    slab_t *s = tc->s;
    if (slab_tc_last.tc == tc)
        slab_tc_last = (slab_tc_memo){NULL, 0, NULL};
    pthread_mutex_lock(&s->tc_lock);
    for (unsigned id = 1; id <= s->nclasses; id++) {
        slab_class *c = &s->classes[id];
        slab_lock(s, &c->lock);
        do_flush_bin(c, &tc->bins[id]);
        slab_unlock(s, &c->lock);
    }
    if (tc->prev != NULL)
        tc->prev->next = tc->next;
    else
        s->tc_list = tc->next;
    if (tc->next != NULL)
        tc->next->prev = tc->prev;
    pthread_mutex_unlock(&s->tc_lock);
    free(tc);
}

static slab_tcache *tc_make(slab_t *s);

slab_tcache *slab_tc_lookup(slab_t *s)
{
    slab_tcache *tc = pthread_getspecific(s->tc_key);
    if (tc == NULL)
        tc = tc_make(s);
    if (tc != NULL)
        slab_tc_last = (slab_tc_memo){s, s->tc_nonce, tc};
    return tc;
}

/* One allocation: the cache, its bins, then every bin's slots (a few KiB: at most
 * SLAB_TC_MAX pointers per class, fewer for big chunks). */
static slab_tcache *tc_make(slab_t *s)
{
    size_t head = sizeof(slab_tcache) + (s->nclasses + 1) * sizeof(slab_bin), slots = 0;
    for (unsigned id = 1; id <= s->nclasses; id++)
        slots += s->classes[id].tc_cap;
    size_t bytes = alloc_align_up(head + slots * sizeof(slab_entry), SLAB_CACHE_LINE);
    slab_tcache *tc = aligned_alloc(SLAB_CACHE_LINE, bytes);
    if (tc == NULL)
        return NULL;
    memset(tc, 0, bytes);
    tc->s = s;
    slab_entry *next = (slab_entry *)(void *)((char *)tc + head);
    for (unsigned id = 1; id <= s->nclasses; id++) {
        tc->bins[id].slots = next;
        next += s->classes[id].tc_cap;
    }
    if (pthread_setspecific(s->tc_key, tc) != 0) {
        free(tc);
        return NULL;
    }
    pthread_mutex_lock(&s->tc_lock);
    tc->next = s->tc_list;
    if (s->tc_list != NULL)
        s->tc_list->prev = tc;
    s->tc_list = tc;
    pthread_mutex_unlock(&s->tc_lock);
    return tc;
}

bool slab_tc_init(slab_t *s)
{
    for (unsigned id = 1; id <= s->nclasses; id++) {
        slab_class *c = &s->classes[id];
        size_t cap = SLAB_TC_BYTES / c->size;
        c->tc_cap = cap > SLAB_TC_MAX ? SLAB_TC_MAX : cap < 2 ? 2 : (unsigned)cap;
    }
    if (!s->ts)
        return true;
    if (pthread_mutex_init(&s->tc_lock, NULL) != 0)
        return true;
    if (pthread_key_create(&s->tc_key, tc_exit_thread) != 0) {
        pthread_mutex_destroy(&s->tc_lock);
        return true;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    s->tc_nonce = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    s->tc_asym = asym_available();
    s->tc_on = true;
    return true;
}

/* The caller guarantees no thread uses the instance any more; threads still holding a
 * cache never run its destructor once the key is deleted. */
void slab_tc_destroy(slab_t *s)
{
    if (!s->tc_on)
        return;
    if (slab_tc_last.s == s)
        slab_tc_last = (slab_tc_memo){NULL, 0, NULL};
    pthread_key_delete(s->tc_key);
    for (slab_tcache *tc = s->tc_list, *next; tc != NULL; tc = next) {
        next = tc->next;
        free(tc);
    }
    s->tc_list = NULL;
    pthread_mutex_destroy(&s->tc_lock);
    s->tc_on = false;
}
