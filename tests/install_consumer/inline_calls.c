/* inline_calls.c - alloc_api.h's block calls as a program in any dialect sees them:
 * compiled as C99, GNU C89 (gnu_inline), C++ and with ALLOC_NO_INLINE, each must build
 * and link against the installed library (which holds the external definitions) and
 * behave the same, whether the call is inlined or taken by address. */
#include <alloc_api.h>

#include <stdio.h>
#include <string.h>

typedef void *(*malloc_fn)(alloc_t *, size_t);

int main(void)
{
    static const char *const backends[] = {"slab", "zmalloc"};
    int failed = 0;
    unsigned k;
    for (k = 0; k < 2; k++) {
        alloc_config cfg;
        alloc_t *a = NULL;
        malloc_fn by_address = alloc_malloc; /* the library's external definition */
        char *p, *q;
        if (alloc_config_init(&cfg, backends[k]) != ALLOC_OK || alloc_create(&cfg, &a) != ALLOC_OK)
            return 1;
        p = (char *)alloc_malloc(a, 100);
        q = (char *)by_address(a, 100);
        if (p == NULL || q == NULL || alloc_usable_size(a, p) < 100)
            failed = 1;
        memset(p, 1, 100);
        p = (char *)alloc_realloc(a, p, 200);
        if (p == NULL || p[99] != 1)
            failed = 1;
        alloc_free_sized(a, p, 200);
        alloc_free(a, q);
        alloc_free(a, NULL);
        alloc_free_sized(a, NULL, 1);
        p = (char *)alloc_calloc(a, 10, 10);
        if (p == NULL || p[99] != 0)
            failed = 1;
        alloc_free(a, p);
        if (alloc_check(a) != ALLOC_OK)
            failed = 1;
        alloc_destroy(a);
    }
    if (alloc_version() / 100 != KVALLOC_VERSION / 100) {
        fprintf(stderr, "library %d, header %d\n", alloc_version(), KVALLOC_VERSION);
        failed = 1;
    }
    printf("%s\n", failed ? "inline calls: FAILED" : "inline calls: ok");
    return failed;
}
