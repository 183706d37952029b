/* alloc_impl.h - private contract between the dispatch layer (lib/alloc.c) and the
 * backends.  Not installed: programs see only alloc_api.h and the backends' headers. */
#ifndef KVALLOC_ALLOC_IMPL_H
#define KVALLOC_ALLOC_IMPL_H

#include "alloc_api.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* One backend: the functions behind alloc_api.h.  `create` receives a configuration
 * that alloc_config_check has accepted and returns an instance whose first member is a
 * struct alloc, made with alloc_init_head. */
typedef struct alloc_backend {
    alloc_ops ops;  /* the block calls for any configuration of the backend */
    const char *name;
    void (*defaults)(alloc_config *cfg);
    /* ALLOC_OK, or ALLOC_EINVAL with a sentence in msg naming the field. */
    alloc_status (*check_config)(const alloc_config *cfg, char *msg, size_t msglen);
    alloc_status (*create)(const alloc_config *cfg, alloc_t **out);
    void (*destroy)(alloc_t *a);
    size_t (*good_size)(const alloc_t *a, size_t size);
    alloc_status (*check)(const alloc_t *a);
    void (*get_stats)(const alloc_t *a, alloc_stats *out);
    size_t (*alignment)(const alloc_t *a);
} alloc_backend;

/* The common head of every instance.  Backends embed it as their first member, and it
 * begins with the public alloc_head, where the inline calls of alloc_api.h find the
 * block calls.  head.ops is the backend's `ops`, or a table of the same calls made for
 * the instance's configuration (a slab instance without locks, zmalloc over jemalloc
 * with nothing to check), chosen by create and never changed afterwards; vt is the
 * backend.  cfg.backend points at the backend's static name; cfg.zmalloc.base at a
 * static string; cfg.slab.sizes, when set, at a copy the backend owns. */
struct alloc {
    alloc_head head;
    const struct alloc_backend *vt;
    alloc_config cfg;
};

_Static_assert(offsetof(struct alloc, head) == 0, "alloc_head starts every instance");

/* The backend of an instance. */
static inline const alloc_backend *alloc_vt(const alloc_t *a)
{
    return a->vt;
}

/* Makes `a` an instance of backend `be` whose block calls are `ops` (&be->ops, or a
 * table of the same functions for one configuration); create calls it first. */
static inline void alloc_init_head(alloc_t *a, const alloc_backend *be, const alloc_ops *ops)
{
    a->head.ops = ops;
    a->vt = be;
}

/* The backends this library was built with (lib/registry.c, compiled once per
 * library target).  NULL-terminated. */
extern const alloc_backend *const alloc_backends[];

/* Each backend's vtable, defined in its own directory.  A backend's create sets
 * head.ops and cfg itself, so it may report errors from inside create. */
extern const alloc_backend alloc_backend_zmalloc;
extern const alloc_backend alloc_backend_slab;

/* Reports a bad call on `a`: formats "<backend> instance <addr>: <message>", then
 * calls the instance's on_error, or prints on stderr and aborts when it has none.
 * Returns only if the handler returns. */
void alloc_report(const alloc_t *a, alloc_status status, const void *ptr,
                  const char *fmt, ...) ALLOC_ATTR_FORMAT(4, 5);

/* Writes a formatted message into msg (if not NULL) and returns ALLOC_EINVAL: the
 * one-line idiom of check_config. */
alloc_status alloc_config_error(char *msg, size_t msglen, const char *fmt, ...)
    ALLOC_ATTR_FORMAT(3, 4);

/* n * size without overflow: 1 and *total set, or 0 when it does not fit. */
static inline int alloc_mul_ok(size_t n, size_t size, size_t *total)
{
    return !__builtin_mul_overflow(n, size, total);
}

static inline size_t alloc_align_up(size_t n, size_t align)
{
    return (n + align - 1) & ~(align - 1);
}

#if defined(__SANITIZE_THREAD__)
#define ALLOC_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ALLOC_TSAN 1
#endif
#endif

/* Adds d to the 64-bit atomic counter *c, whose only writer is the caller (others only
 * load it, relaxed): a load and a store suffice, no read-modify-write, since no other
 * writer can come between them.  On x86-64 a single `add` to memory is that load and
 * store in one instruction where the C form takes three (C's atomics cannot ask for
 * an unlocked read-modify-write); a reader still sees the old value or the new one.
 * The _release form also keeps the compiler from moving earlier memory accesses after
 * it (the hardware keeps stores in order).  ThreadSanitizer is given the C form, which
 * it understands. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(ALLOC_TSAN)
#define alloc_owned_add(c, d) \
    __asm__("addq %1, %0" : "+m"(*(volatile uint64_t *)(void *)(c)) : "er"((uint64_t)(d)))
#define alloc_owned_add_release(c, d) \
    __asm__ volatile("addq %1, %0" \
                     : "+m"(*(volatile uint64_t *)(void *)(c)) \
                     : "er"((uint64_t)(d)) \
                     : "memory")
#else
#define alloc_owned_add(c, d) \
    atomic_store_explicit((c), atomic_load_explicit((c), memory_order_relaxed) + (d), \
                          memory_order_relaxed)
#define alloc_owned_add_release(c, d) \
    atomic_store_explicit((c), atomic_load_explicit((c), memory_order_relaxed) + (d), \
                          memory_order_release)
#endif

#endif /* KVALLOC_ALLOC_IMPL_H */
