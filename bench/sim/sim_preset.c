/* sim_preset.c - the registry of server presets and their option syntax. */
#include "sim.h"

#include "bench_error.h"

#include <string.h>

static const sim_preset *const presets[] = {&sim_preset_memcached, &sim_preset_redis};

const sim_preset *sim_preset_find(const char *config, const char **opts)
{
    size_t n = strcspn(config, ":");
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        if (strlen(presets[i]->name) == n && memcmp(presets[i]->name, config, n) == 0) {
            *opts = config[n] == ':' ? config + n + 1 : config + n;
            return presets[i];
        }
    }
    return NULL;
}

static void copy_trunc(char *dst, size_t cap, const char *src, size_t n)
{
    if (cap == 0)
        return;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int sim_opts_next(const char **cursor, char *key, size_t keylen, char *val, size_t vallen,
                  char *err, size_t errlen)
{
    const char *p = *cursor;
    while (*p == ',')
        p++;
    if (*p == '\0') {
        *cursor = p;
        return 0;
    }
    size_t n = strcspn(p, ",");
    const char *eq = memchr(p, '=', n);
    if (eq == NULL) {
        bench_error(err, errlen, "option '%.*s' has no value: write it as key=value", (int)n,
                    p);
        return -1;
    }
    copy_trunc(key, keylen, p, (size_t)(eq - p));
    copy_trunc(val, vallen, eq + 1, n - (size_t)(eq - p) - 1);
    *cursor = p + n;
    return 1;
}
