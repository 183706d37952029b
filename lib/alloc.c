/* alloc.c - the dispatch layer: configuration defaults and validation, instance
 * creation by backend name, error reporting, and the thin calls into the vtable. */
#include "alloc_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const alloc_backend *find_backend(const char *name)
{
    if (name == NULL)
        return NULL;
    for (const alloc_backend *const *b = alloc_backends; *b != NULL; b++)
        if (strcmp((*b)->name, name) == 0)
            return *b;
    return NULL;
}

static void list_backends(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const alloc_backend *const *b = alloc_backends; *b != NULL && used < len; b++) {
        int n = snprintf(buf + used, len - used, "%s\"%s\"", used ? ", " : "", (*b)->name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

alloc_status alloc_config_init(alloc_config *cfg, const char *backend)
{
    if (cfg == NULL)
        return ALLOC_EINVAL;
    memset(cfg, 0, sizeof *cfg);
    cfg->thread_safe = 1;
    /* Every linked backend fills its own section, so a configuration can switch
     * backend by changing one string and keep sane values for the other. */
    for (const alloc_backend *const *b = alloc_backends; *b != NULL; b++)
        (*b)->defaults(cfg);
    const alloc_backend *be = find_backend(backend);
    if (be == NULL)
        return ALLOC_EINVAL;
    cfg->backend = be->name;
    return ALLOC_OK;
}

alloc_status alloc_config_error(char *msg, size_t msglen, const char *fmt, ...)
{
    if (msg != NULL && msglen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msglen, fmt, ap);
        va_end(ap);
    }
    return ALLOC_EINVAL;
}

alloc_status alloc_config_check(const alloc_config *cfg, char *msg, size_t msglen)
{
    if (msg != NULL && msglen > 0)
        msg[0] = '\0';
    if (cfg == NULL)
        return alloc_config_error(msg, msglen, "config is NULL");
    const alloc_backend *be = find_backend(cfg->backend);
    if (be == NULL) {
        char names[128];
        list_backends(names, sizeof names);
        return alloc_config_error(msg, msglen,
                                  "backend \"%s\" is unknown; this library has %s",
                                  cfg->backend ? cfg->backend : "(null)", names);
    }
    if (cfg->thread_safe != 0 && cfg->thread_safe != 1)
        return alloc_config_error(msg, msglen, "thread_safe is %d; it must be 0 or 1",
                                  cfg->thread_safe);
    return be->check_config(cfg, msg, msglen);
}

alloc_status alloc_create(const alloc_config *cfg, alloc_t **out)
{
    if (out == NULL)
        return ALLOC_EINVAL;
    *out = NULL;
    char msg[256];
    alloc_status st = alloc_config_check(cfg, msg, sizeof msg);
    if (st != ALLOC_OK) {
        if (cfg != NULL && cfg->on_error != NULL) {
            char full[320];
            snprintf(full, sizeof full, "invalid configuration: %s", msg);
            cfg->on_error(cfg->on_error_ud, st, NULL, full);
        }
        return st;
    }
    const alloc_backend *be = find_backend(cfg->backend);
    alloc_t *a = NULL;
    st = be->create(cfg, &a);
    if (st != ALLOC_OK)
        return st;
    /* create made the head (it may report errors from inside, which needs it). */
    a->cfg.backend = be->name;
    *out = a;
    return ALLOC_OK;
}

void alloc_destroy(alloc_t *a)
{
    if (a != NULL)
        alloc_vt(a)->destroy(a);
}

/* The external definitions of alloc_api.h's inline block calls (C99 6.7.4: a
 * declaration without `inline` makes this translation unit's definition external), for
 * programs that call them out of line: compiled without inlining, taking their
 * address, or built against a header from before they were inline. */
#ifdef ALLOC_INLINE
extern void *alloc_malloc(alloc_t *a, size_t size);
extern void *alloc_calloc(alloc_t *a, size_t n, size_t size);
extern void *alloc_realloc(alloc_t *a, void *p, size_t size);
extern void alloc_free(alloc_t *a, void *p);
extern void alloc_free_sized(alloc_t *a, void *p, size_t size);
extern size_t alloc_usable_size(const alloc_t *a, const void *p);
#else
#error "lib/alloc.c is C11: alloc_api.h's inline block calls must be available"
#endif

size_t alloc_good_size(const alloc_t *a, size_t size) { return alloc_vt(a)->good_size(a, size); }

alloc_status alloc_check(const alloc_t *a) { return alloc_vt(a)->check(a); }

void alloc_get_stats(const alloc_t *a, alloc_stats *out)
{
    memset(out, 0, sizeof *out);
    alloc_vt(a)->get_stats(a, out);
}

const char *alloc_backend_name(const alloc_t *a) { return alloc_vt(a)->name; }

const alloc_config *alloc_get_config(const alloc_t *a) { return &a->cfg; }

size_t alloc_alignment(const alloc_t *a) { return alloc_vt(a)->alignment(a); }

int alloc_version(void) { return KVALLOC_VERSION; }

const char *alloc_strerror(alloc_status s)
{
    switch (s) {
    case ALLOC_OK: return "success";
    case ALLOC_ENOMEM: return "out of memory (memory limit reached or the base allocator failed)";
    case ALLOC_EINVAL: return "invalid configuration or argument";
    case ALLOC_EDOUBLEFREE: return "block already free (double free)";
    case ALLOC_EFOREIGN: return "pointer not allocated by this instance, or not the start of a block";
    case ALLOC_ECORRUPT: return "allocator metadata found damaged";
    }
    return "unknown status";
}

void alloc_report(const alloc_t *a, alloc_status status, const void *ptr, const char *fmt, ...)
{
    char body[256], msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    snprintf(msg, sizeof msg, "kvalloc %s instance %p: %s (%s)", alloc_vt(a)->name,
             (const void *)a, body, alloc_strerror(status));
    if (a->cfg.on_error != NULL) {
        a->cfg.on_error(a->cfg.on_error_ud, status, ptr, msg);
        return;
    }
    fprintf(stderr, "%s\n", msg);
    fflush(stderr);
    abort();
}
