/* redis_compat.c - Redis's zmalloc names over a process-default instance.  This thin
 * layer is the one place with process-wide state (the default instance and the OOM
 * handler), because Redis's API has no handle to carry them. */
#include "zmalloc.h"
#include "zm_api.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*zmalloc_oom_fn)(size_t);

static void zmalloc_default_oom(size_t size)
{
    fprintf(stderr, "zmalloc: Out of memory trying to allocate %zu bytes\n", size);
    fflush(stderr);
    abort();
}

static _Atomic(zmalloc_oom_fn) zmalloc_oom_handler = zmalloc_default_oom;

static pthread_once_t zmalloc_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t zmalloc_cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static alloc_config zmalloc_cfg;
static int zmalloc_cfg_set;  /* zmalloc_configure was called */
static int zmalloc_started;  /* the once routine ran: configuration is frozen */
static alloc_t *zmalloc_default;

static void zmalloc_create_default(void)
{
    alloc_config cfg;
    pthread_mutex_lock(&zmalloc_cfg_lock);
    zmalloc_started = 1;
    if (zmalloc_cfg_set) {
        cfg = zmalloc_cfg;
    } else {
        alloc_config_init(&cfg, "zmalloc");
        cfg.zmalloc.base = "jemalloc"; /* Redis's allocator on Debian */
    }
    pthread_mutex_unlock(&zmalloc_cfg_lock);
    alloc_t *a = NULL;
    if (alloc_create(&cfg, &a) != ALLOC_OK) {
        fprintf(stderr, "zmalloc: cannot create the default zmalloc instance\n");
        fflush(stderr);
        abort();
    }
    zmalloc_default = a;
}

alloc_t *zmalloc_instance(void)
{
    pthread_once(&zmalloc_once, zmalloc_create_default);
    return zmalloc_default;
}

int zmalloc_configure(const alloc_config *cfg)
{
    if (cfg == NULL || cfg->backend == NULL || strcmp(cfg->backend, "zmalloc") != 0 ||
        alloc_config_check(cfg, NULL, 0) != ALLOC_OK)
        return -1;
    int ok;
    pthread_mutex_lock(&zmalloc_cfg_lock);
    ok = !zmalloc_started;
    if (ok) {
        zmalloc_cfg = *cfg;
        zmalloc_cfg_set = 1;
    }
    pthread_mutex_unlock(&zmalloc_cfg_lock);
    return ok ? 0 : -1;
}

static void *zmalloc_checked(void *p, size_t size)
{
    if (p == NULL)
        atomic_load(&zmalloc_oom_handler)(size);
    return p;
}

void *ztrymalloc(size_t size) { return zm_malloc(zmalloc_instance(), size); }

void *ztrycalloc(size_t size) { return zm_calloc(zmalloc_instance(), 1, size); }

void *ztryrealloc(void *ptr, size_t size) { return zm_realloc(zmalloc_instance(), ptr, size); }

void *zmalloc(size_t size) { return zmalloc_checked(ztrymalloc(size), size); }

void *zcalloc(size_t size) { return zmalloc_checked(ztrycalloc(size), size); }

void *zcalloc_num(size_t num, size_t size)
{
    void *p = zm_calloc(zmalloc_instance(), num, size);
    if (p == NULL)
        atomic_load(&zmalloc_oom_handler)(num * size);
    return p;
}

void *zrealloc(void *ptr, size_t size)
{
    void *p = ztryrealloc(ptr, size);
    /* realloc(p, 0) returns NULL by design: not an out-of-memory. */
    if (p == NULL && size != 0)
        atomic_load(&zmalloc_oom_handler)(size);
    return p;
}

void zfree(void *ptr) { zm_free(zmalloc_instance(), ptr); }

char *zstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = zmalloc(n);
    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

static void *zmalloc_report_usable(void *p, size_t *usable)
{
    if (usable != NULL)
        *usable = p != NULL ? zm_usable_size(zmalloc_instance(), p) : 0;
    return p;
}

void *zmalloc_usable(size_t size, size_t *usable)
{
    return zmalloc_report_usable(zmalloc(size), usable);
}

void *zcalloc_usable(size_t size, size_t *usable)
{
    return zmalloc_report_usable(zcalloc(size), usable);
}

void *zrealloc_usable(void *ptr, size_t size, size_t *usable)
{
    return zmalloc_report_usable(zrealloc(ptr, size), usable);
}

void *ztrymalloc_usable(size_t size, size_t *usable)
{
    return zmalloc_report_usable(ztrymalloc(size), usable);
}

void zfree_usable(void *ptr, size_t *usable)
{
    if (usable != NULL)
        *usable = ptr != NULL ? zm_usable_size(zmalloc_instance(), ptr) : 0;
    zfree(ptr);
}

size_t zmalloc_size(void *ptr) { return zm_counted_size(zmalloc_instance(), ptr); }

size_t zmalloc_usable_size(void *ptr) { return zm_usable_size(zmalloc_instance(), ptr); }

size_t zmalloc_used_memory(void) { return zm_used_memory(zmalloc_instance()); }

void zmalloc_set_oom_handler(void (*oom_handler)(size_t))
{
    atomic_store(&zmalloc_oom_handler, oom_handler != NULL ? oom_handler : zmalloc_default_oom);
}

size_t zmalloc_get_rss(void) { return zm_process_rss(); }

int zmalloc_get_allocator_info(size_t *allocated, size_t *active, size_t *resident)
{
    *allocated = *active = *resident = 0;
    if (strcmp(alloc_get_config(zmalloc_instance())->zmalloc.base, "jemalloc") != 0)
        return 0;
    return zm_jemalloc_stats(allocated, active, resident);
}

float zmalloc_get_fragmentation_ratio(size_t rss)
{
    return (float)rss / (float)zmalloc_used_memory();
}

void zlibc_free(void *ptr) { free(ptr); }
