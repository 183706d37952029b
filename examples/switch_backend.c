/* switch_backend.c - one program, either backend, chosen by configuration.
 *
 *   example_switch            uses the slab backend
 *   example_switch zmalloc    uses the zmalloc backend (libc base)
 *
 * Only alloc_api.h is used, so the same code links against libkvalloc and runs on
 * whichever backend the first argument names. */
#include <alloc_api.h>

#include <stdio.h>
#include <string.h>

static void on_error(void *ud, alloc_status st, const void *ptr, const char *message)
{
    (void)ud;
    (void)ptr;
    fprintf(stderr, "allocator error %d: %s\n", (int)st, message);
}

int main(int argc, char **argv)
{
    const char *backend = argc > 1 ? argv[1] : "slab";
    alloc_config cfg;
    if (alloc_config_init(&cfg, backend) != ALLOC_OK) {
        fprintf(stderr, "unknown backend \"%s\": use slab or zmalloc\n", backend);
        return 2;
    }
    cfg.mem_limit = 64u << 20; /* 64 MiB, memcached's default -m */
    cfg.on_error = on_error;
    alloc_t *a;
    alloc_status st = alloc_create(&cfg, &a);
    if (st != ALLOC_OK) {
        fprintf(stderr, "alloc_create: %s\n", alloc_strerror(st));
        return 1;
    }

    char *items[1000];
    for (int i = 0; i < 1000; i++) {
        size_t n = 20 + (size_t)(i * 37 % 900);
        items[i] = alloc_malloc(a, n);
        if (items[i] == NULL) {
            fprintf(stderr, "out of memory at item %d\n", i);
            return 1;
        }
        snprintf(items[i], n, "item-%d", i);
    }
    alloc_stats s;
    alloc_get_stats(a, &s);
    printf("%s: %zu live blocks, %zu bytes used, %zu bytes held, alignment %zu\n",
           alloc_backend_name(a), s.live_blocks, s.used_bytes, s.held_bytes,
           alloc_alignment(a));
    int ok = strcmp(items[999], "item-999") == 0 && alloc_check(a) == ALLOC_OK;
    for (int i = 0; i < 1000; i++)
        alloc_free(a, items[i]);
    alloc_destroy(a);
    puts(ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
