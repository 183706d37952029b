/* slab_pages.c - where pages come from and how they are found again: mapping aligned
 * pages (or carving the prealloc region), the radix page directory, memcached's
 * mem_limit rule for a new page, the pool of free pages, the page lists, and the
 * classes' stacks of free chunks. */
#include "slab_internal.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void slab_lock_slow(slab_spinlock *l)
{
    for (unsigned spins = 0;; spins++) {
        while (atomic_load_explicit(&l->held, memory_order_relaxed) != 0) {
            if (++spins > 128) {
                sched_yield();
                spins = 0;
            } else {
#if defined(__x86_64__) || defined(__i386__)
                __builtin_ia32_pause();
#endif
            }
        }
        if (atomic_exchange_explicit(&l->held, 1, memory_order_acquire) == 0)
            return;
    }
}

bool slab_reserve(slab_t *s, size_t n, bool force)
{
    size_t cur = atomic_load_explicit(&s->held, memory_order_relaxed);
    for (;;) {
        if (!force && s->mem_limit != 0 && (cur > s->mem_limit || n > s->mem_limit - cur))
            return false;
        if (atomic_compare_exchange_weak_explicit(&s->held, &cur, cur + n,
                                                  memory_order_relaxed, memory_order_relaxed))
            return true;
    }
}

void slab_peak_note(slab_t *s)
{
    slab_peak_raise(&s->peak_held, atomic_load_explicit(&s->held, memory_order_relaxed));
}

void slab_unreserve(slab_t *s, size_t n)
{
    atomic_fetch_sub_explicit(&s->held, n, memory_order_relaxed);
}

/* The directory maps address >> page_shift to page metadata: the near window, centred
 * on the window's own mapping (later mappings land near it), then two levels for the
 * rest.  The radix key has SLAB_ADDR_BITS - page_shift bits, split evenly; all levels
 * are anonymous mappings, so their untouched parts cost no memory.  Without the
 * window (it could not be mapped), near_n stays 0 and every lookup takes the tree. */
bool slab_dir_init(slab_t *s)
{
    size_t near_bytes = sizeof(slab_dir_slot) << SLAB_NEAR_BITS;
    void *near = mmap(NULL, near_bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (near != MAP_FAILED) {
        uintptr_t n = (uintptr_t)1 << SLAB_NEAR_BITS, centre = (uintptr_t)near >> s->page_shift;
        s->dir_near = near;
        s->near_n = n;
        s->near_base = centre > n / 2 ? centre - n / 2 : 0;
    }
    unsigned bits = SLAB_ADDR_BITS - s->page_shift;
    s->dir_leaf_bits = bits / 2;
    s->dir_root_bits = bits - s->dir_leaf_bits;
    s->dir_root_shift = s->page_shift + s->dir_leaf_bits;
    s->dir_leaf_mask = ((uintptr_t)1 << s->dir_leaf_bits) - 1;
    s->dir_root_bytes = sizeof(s->dir_root[0]) << s->dir_root_bits;
    s->dir_leaf_bytes = sizeof(slab_dir_slot) << s->dir_leaf_bits;
    void *root = mmap(NULL, s->dir_root_bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (root == MAP_FAILED)
        return false;
    s->dir_root = root;
    return true;
}

/* The slot for page base `base`: in the near window or an existing leaf. */
static slab_dir_slot *dir_slot_at(const slab_t *s, uintptr_t base)
{
    uintptr_t near;
    if (slab_dir_near(s, base >> s->page_shift, &near))
        return &s->dir_near[near];
    slab_dir_slot *leaf =
        atomic_load_explicit(&s->dir_root[base >> s->dir_root_shift], memory_order_relaxed);
    return &leaf[(base >> s->page_shift) & s->dir_leaf_mask];
}

/* page_lock held. */
static bool do_dir_insert(slab_t *s, slab_page *pg)
{
    uintptr_t key = (uintptr_t)pg->base >> s->page_shift, near;
    if (slab_dir_near(s, key, &near)) {
        atomic_store_explicit(&s->dir_near[near], (uintptr_t)pg, memory_order_release);
        return true;
    }
    if (key >> (s->dir_root_bits + s->dir_leaf_bits))
        return false;
    _Atomic(slab_dir_slot *) *rs = &s->dir_root[key >> s->dir_leaf_bits];
    slab_dir_slot *leaf = atomic_load_explicit(rs, memory_order_relaxed);
    if (leaf == NULL) {
        void *m = mmap(NULL, s->dir_leaf_bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return false;
        leaf = m;
        atomic_store_explicit(rs, leaf, memory_order_release);
    }
    atomic_store_explicit(&leaf[key & (((uintptr_t)1 << s->dir_leaf_bits) - 1)],
                          (uintptr_t)pg, memory_order_release);
    return true;
}

/* The page's class changes under the old and new owners' locks, and with every thread
 * cache blocked, so a reader of either value that could act on it sees it stable; the
 * release stores publish the states written before. */
void slab_page_set_class(slab_t *s, slab_page *pg, unsigned id)
{
    atomic_store_explicit(&pg->class_id, id, memory_order_release);
    atomic_store_explicit(dir_slot_at(s, (uintptr_t)pg->base), (uintptr_t)pg | id,
                          memory_order_release);
}

/* A page_size-aligned page: map twice the size and trim both ends. */
static char *map_aligned(size_t size, size_t align)
{
    size_t len = size + align;
    char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    char *p = (char *)alloc_align_up((uintptr_t)m, align);
    if (p > m)
        munmap(m, (size_t)(p - m));
    size_t tail = (size_t)(m + len - (p + size));
    if (tail > 0)
        munmap(p + size, tail);
    return p;
}

/* Metadata for a page at `base`, registered in the directory and the list of all
 * pages; page_lock held.  NULL when the metadata cannot be had. */
static slab_page *do_page_register(slab_t *s, char *base)
{
    if (s->npages == s->cap_pages) {
        size_t cap = s->cap_pages ? s->cap_pages * 2 : 64;
        slab_page **v = realloc(s->all_pages, cap * sizeof *v);
        if (v == NULL)
            return NULL;
        s->all_pages = v;
        s->cap_pages = cap;
    }
    size_t bytes = alloc_align_up(sizeof(slab_page) + s->state_bytes, SLAB_META_ALIGN);
    slab_page *pg = aligned_alloc(SLAB_META_ALIGN, bytes);
    if (pg == NULL)
        return NULL;
    memset(pg, 0, bytes);
    pg->base = base;
    if (!do_dir_insert(s, pg)) {
        free(pg);
        return NULL;
    }
    s->all_pages[s->npages++] = pg;
    return pg;
}

void slab_do_page_link(slab_class *owner, slab_page *pg)
{
    pg->newer = NULL;
    pg->older = owner->newest;
    if (owner->newest != NULL)
        owner->newest->newer = pg;
    else
        owner->oldest = pg;
    owner->newest = pg;
    owner->total_pages++;
}

void slab_do_page_unlink(slab_class *owner, slab_page *pg)
{
#ifdef KVALLOC_DEBUG
    assert(owner->fresh_pg != pg || owner->fresh_n == 0);
#endif
    if (pg->older != NULL)
        pg->older->newer = pg->newer;
    else
        owner->oldest = pg->newer;
    if (pg->newer != NULL)
        pg->newer->older = pg->older;
    else
        owner->newest = pg->older;
    pg->older = pg->newer = NULL;
    owner->total_pages--;
}

/* Carves the prealloc region: one page to every class, the rest to the pool, as
 * memcached -L.  Called from create, before the instance is shared. */
bool slab_prealloc(slab_t *s)
{
    size_t npages = s->mem_limit / s->page_size;
    s->region_len = npages * s->page_size;
    s->region = map_aligned(s->region_len, s->page_size);
    if (s->region == NULL)
        return false;
    for (size_t i = 0; i < npages; i++) {
        slab_page *pg = do_page_register(s, s->region + i * s->page_size);
        if (pg == NULL)
            return false;
        slab_reserve(s, s->page_size, true);
        slab_peak_note(s);
        s->region_used += s->page_size;
        if (i + 1 <= s->nclasses) {
            slab_class *c = &s->classes[i + 1];
            if (!slab_do_stack_reserve(c, c->total_pages + 1))
                return false;
            slab_do_split(s, c, pg);
            slab_do_page_link(c, pg);
        } else {
            slab_do_page_link(&s->classes[0], pg);
        }
    }
    return true;
}

/* A stack's mapping holds this many bytes for `cap` entries (cap is a whole number of
 * pages' worth). */
static size_t stack_bytes(size_t cap)
{
    return cap * sizeof(slab_entry);
}

/* The stacks are mappings rather than heap blocks: only the part a class ever fills is
 * backed by memory (a class of 48-byte chunks could list 21845 chunks per 1 MiB page,
 * 340 KiB, of which it usually fills little), and growing copies the used entries
 * only, not the whole capacity. */
bool slab_do_stack_reserve(slab_class *c, size_t pages)
{
    size_t need;
    if (!alloc_mul_ok(pages, c->perslab, &need))
        return false;
    if (need <= c->cap)
        return true;
    /* At least doubled, so a class that keeps growing remaps O(log pages) times. */
    size_t cap = c->cap <= SIZE_MAX / 2 && c->cap * 2 > need ? c->cap * 2 : need, bytes;
    if (!alloc_mul_ok(cap, sizeof(slab_entry), &bytes) || bytes > SIZE_MAX - SLAB_MIN_PAGE)
        return false;
    bytes = alloc_align_up(bytes, SLAB_MIN_PAGE);
    slab_entry *m =
        mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return false;
    if (c->top != 0)
        memcpy(m, c->stack, c->top * sizeof *m);
    if (c->stack != NULL)
        munmap(c->stack, stack_bytes(c->cap));
    c->stack = m;
    c->cap = bytes / sizeof *m;
    return true;
}

void slab_stacks_destroy(slab_t *s)
{
    for (unsigned id = 1; s->classes != NULL && id <= s->nclasses; id++) {
        slab_class *c = &s->classes[id];
        if (c->stack != NULL)
            munmap(c->stack, stack_bytes(c->cap));
        c->stack = NULL;
    }
}

void slab_do_split(slab_t *s, slab_class *c, slab_page *pg)
{
    memset(pg->state, 1, c->perslab);
    pg->state[c->perslab] = SLAB_STATE_END;
    memset(pg->state + c->perslab + 1, 0, s->state_bytes - c->perslab - 1);
    slab_page_set_class(s, pg, c->id);
    if (c->top == 0 && c->fresh_n == 0) {
        /* The usual case, a class that ran out: the page is carved as it is used. */
        c->fresh_pg = pg;
        c->fresh_n = c->perslab;
        return;
    }
    /* A page given to a class that still has free chunks (slab_reassign, prealloc):
     * memcached's list would now hold the new page's chunks (the last on top), then
     * what the stack holds, then the rest of the fresh page.  The same order, all on
     * the stack: the fresh chunks go under it, the new page's on top. */
    size_t left = c->fresh_n;
    if (left != 0) {
        memmove(c->stack + left, c->stack, c->top * sizeof *c->stack);
        for (size_t k = 0; k < left; k++)
            c->stack[k] = (slab_entry){c->fresh_pg->base + k * c->size, &c->fresh_pg->state[k]};
        c->top += left;
        c->fresh_pg = NULL;
        c->fresh_n = 0;
    }
    for (unsigned i = 0; i < c->perslab; i++)
        c->stack[c->top++] = (slab_entry){pg->base + (size_t)i * c->size, &pg->state[i]};
}

/* memcached's do_slabs_newslab: refuse when held + page > limit, unless the class has
 * no page yet or the pool has one to give; the pool is used before mapping more.  With
 * prealloc, nothing is mapped beyond the region (memcached's memory_allocate fails when
 * the region is used up).  c->lock held; takes page_lock. */
bool slab_do_newslab(slab_t *s, slab_class *c)
{
    slab_class *pool = &s->classes[0];
    slab_page *pg = NULL;
    if (!slab_do_stack_reserve(c, c->total_pages + 1))
        return false;
    slab_lock(s, &s->page_lock);
    if (pool->oldest != NULL) {
        /* memcached hands out its pool's most recently added page. */
        pg = pool->newest;
        slab_do_page_unlink(pool, pg);
    } else if (s->region == NULL) {
        bool first = c->total_pages == 0;
        if (slab_reserve(s, s->page_size, first)) {
            if (s->released != NULL) {
                pg = s->released;
                s->released = pg->newer;
                pg->newer = NULL;
                s->nreleased--;
                slab_peak_note(s);
            } else {
                char *base = map_aligned(s->page_size, s->page_size);
                if (base != NULL)
                    pg = do_page_register(s, base);
                if (pg == NULL) {
                    if (base != NULL)
                        munmap(base, s->page_size);
                    slab_unreserve(s, s->page_size);
                } else {
                    slab_peak_note(s);
                }
            }
        }
    }
    slab_unlock(s, &s->page_lock);
    if (pg == NULL)
        return false;
    slab_do_split(s, c, pg);
    slab_do_page_link(c, pg);
    return true;
}

void slab_do_drop_page_chunks(slab_class *c, slab_page *pg)
{
    const char *lo = pg->base, *hi = pg->base + (size_t)c->perslab * c->size;
    size_t kept = 0;
    for (size_t k = 0; k < c->top; k++) {
        const char *q = c->stack[k].p;
        if (q < lo || q >= hi)
            c->stack[kept++] = c->stack[k];
    }
    c->top = kept;
    if (c->fresh_pg == pg) {
        c->fresh_pg = NULL;
        c->fresh_n = 0;
    }
}

void slab_pages_destroy(slab_t *s)
{
    for (size_t i = 0; i < s->npages; i++) {
        slab_page *pg = s->all_pages[i];
        /* The pages name every leaf there is: unmap each once, through its first page. */
        uintptr_t key = (uintptr_t)pg->base >> s->page_shift;
        _Atomic(slab_dir_slot *) *rs = &s->dir_root[key >> s->dir_leaf_bits];
        slab_dir_slot *leaf = atomic_load_explicit(rs, memory_order_relaxed);
        if (leaf != NULL) {
            munmap(leaf, s->dir_leaf_bytes);
            atomic_store_explicit(rs, NULL, memory_order_relaxed);
        }
        bool in_region = s->region != NULL && pg->base >= s->region &&
                         pg->base < s->region + s->region_len;
        if (!in_region)
            munmap(pg->base, s->page_size);
        free(pg);
    }
    free(s->all_pages);
    if (s->region != NULL)
        munmap(s->region, s->region_len);
    if (s->dir_root != NULL)
        munmap(s->dir_root, s->dir_root_bytes);
    if (s->dir_near != NULL)
        munmap(s->dir_near, sizeof(slab_dir_slot) << SLAB_NEAR_BITS);
}
