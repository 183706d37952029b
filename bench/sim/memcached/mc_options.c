/* mc_options.c - the memcached preset's options ("memcached:factor=1.08,automove=2"),
 * each named after the memcached flag it stands for, checked as memcached checks it. */
#include "mc_server.h"

#include "bench_error.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MC_DEFAULT_N 48u /* -n: the first class is sizeof(item) + 48 = 96 */

static const char accepted[] =
    "factor, n, min_chunk, chunk_max, sizes, lru, automove, cas";

static int parse_uint(const char *val, unsigned long long *out)
{
    if (*val < '0' || *val > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(val, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int parse_choice(const char *key, const char *val, const char *const *names,
                        unsigned n, unsigned *out, char *err, size_t errlen)
{
    for (unsigned i = 0; i < n; i++) {
        if (strcmp(val, names[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    char list[128] = "";
    for (unsigned i = 0; i < n; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                 names[i]);
    return bench_error(err, errlen, "memcached option %s=%s: accepted values are %s", key, val,
                       list);
}

/* -o slab_sizes=a-b-c as _parse_slab_sizes checks it: each at least -n and at most
 * slab_chunk_max, each more than 8 bytes above the one before, at most 62. */
static int parse_sizes(const char *text, size_t nval, mc_opts *o, char *err, size_t errlen)
{
    const char *p = text;
    size_t last = 0;
    o->nsizes = 0;
    while (*p != '\0') {
        char *end;
        errno = 0;
        unsigned long long v = *p >= '0' && *p <= '9' ? strtoull(p, &end, 10) : 0;
        if (v == 0 || errno != 0 || (*end != '-' && *end != '\0'))
            return bench_error(err, errlen,
                               "memcached option sizes=%s: write the class sizes in bytes, "
                               "ascending, separated by '-' (as -o slab_sizes)", text);
        if (v < nval || v > o->chunk_max)
            return bench_error(err, errlen,
                               "memcached option sizes: %llu is outside %zu..%zu (from n to "
                               "chunk_max)", v, nval, o->chunk_max);
        if (v <= last + 8)
            return bench_error(err, errlen,
                               "memcached option sizes: %llu must be more than 8 bytes above "
                               "the size before it", v);
        if (o->nsizes == 62)
            return bench_error(err, errlen,
                               "memcached option sizes: at most 62 classes can be listed");
        o->sizes[o->nsizes++] = (size_t)v;
        last = (size_t)v;
        p = *end == '-' ? end + 1 : end;
    }
    if (o->nsizes == 0)
        return bench_error(err, errlen, "memcached option sizes is empty: list class sizes "
                                        "as a-b-c");
    return 0;
}

int mc_options_parse(const char *text, mc_opts *o, char *err, size_t errlen)
{
    *o = (mc_opts){.factor = 1.25, .min_chunk = MC_ITEM_HEADER + MC_DEFAULT_N,
                   .chunk_max = MC_PAGE_SIZE / 2, .segmented = true, .automove = 1,
                   .cas = true};
    char key[32], val[512], sizes[512] = "";
    bool have_n = false, have_min = false;
    const char *cur = text;
    int r;
    while ((r = sim_opts_next(&cur, key, sizeof key, val, sizeof val, err, errlen)) == 1) {
        unsigned long long u = 0;
        unsigned choice = 0;
        if (strcmp(key, "factor") == 0) {
            char *end;
            errno = 0;
            double f = strtod(val, &end);
            if (errno != 0 || end == val || *end != '\0' || !isfinite(f) || f <= 1.0 || f > 100)
                return bench_error(err, errlen,
                                   "memcached option factor=%s: the growth factor (-f) must "
                                   "be a number above 1 (default 1.25)", val);
            o->factor = f;
        } else if (strcmp(key, "n") == 0 || strcmp(key, "min_chunk") == 0) {
            bool is_n = key[0] == 'n';
            unsigned long long lo = is_n ? 1 : MC_ITEM_HEADER + 1;
            if (parse_uint(val, &u) != 0 || u < lo || u > MC_PAGE_SIZE)
                return bench_error(err, errlen,
                                   "memcached option %s=%s: %s", key, val,
                                   is_n ? "-n (bytes of key and value the smallest chunk "
                                          "holds besides the 48-byte header) must be a whole "
                                          "number from 1 (default 48)"
                                        : "the first class before alignment must be a whole "
                                          "number above 48, the item header (default 96)");
            if ((is_n && have_min) || (!is_n && have_n))
                return bench_error(err, errlen,
                                   "memcached options n and min_chunk both set the first "
                                   "class (min_chunk = 48 + n): give only one");
            have_n |= is_n;
            have_min |= !is_n;
            o->min_chunk = is_n ? MC_ITEM_HEADER + (size_t)u : (size_t)u;
        } else if (strcmp(key, "chunk_max") == 0) {
            if (parse_uint(val, &u) != 0 || u < 512 || u > MC_PAGE_SIZE || (u & (u - 1)) != 0)
                return bench_error(err, errlen,
                                   "memcached option chunk_max=%s: slab_chunk_max must divide "
                                   "the 1 MiB page and -I (1 MiB), so a power of two from "
                                   "512 to 1048576 bytes (default 524288)", val);
            o->chunk_max = (size_t)u;
        } else if (strcmp(key, "sizes") == 0) {
            snprintf(sizes, sizeof sizes, "%s", val);
        } else if (strcmp(key, "lru") == 0) {
            static const char *const names[] = {"flat", "segmented"};
            if (parse_choice(key, val, names, 2, &choice, err, errlen) != 0)
                return -1;
            o->segmented = choice == 1;
        } else if (strcmp(key, "automove") == 0) {
            static const char *const names[] = {"0", "1", "2"};
            if (parse_choice(key, val, names, 3, &choice, err, errlen) != 0)
                return -1;
            o->automove = choice;
        } else if (strcmp(key, "cas") == 0) {
            static const char *const names[] = {"0", "1"};
            if (parse_choice(key, val, names, 2, &choice, err, errlen) != 0)
                return -1;
            o->cas = choice == 1;
        } else {
            return bench_error(err, errlen, "unknown memcached option '%s': accepted are %s",
                               key, accepted);
        }
    }
    if (r < 0)
        return -1;
    if (o->min_chunk > o->chunk_max)
        return bench_error(err, errlen,
                           "memcached options: the first class (min_chunk %zu) is above "
                           "chunk_max %zu", o->min_chunk, o->chunk_max);
    if (sizes[0] != '\0' &&
        parse_sizes(sizes, o->min_chunk - MC_ITEM_HEADER, o, err, errlen) != 0)
        return -1;
    return 0;
}

void mc_options_help(void *file)
{
    FILE *f = file;
    fprintf(f, "    factor=F        growth factor between classes, as -f (default 1.25)\n"
               "    n=N             -n: bytes besides the 48-byte item header in the first\n"
               "                    class (default 48: first class 96)\n"
               "    min_chunk=B     the first class before alignment, 48 + n (default 96)\n"
               "    chunk_max=B     -o slab_chunk_max, a power of two up to 1048576 (default\n"
               "                    524288); larger items are stored in chunks\n"
               "    sizes=A-B-C     explicit classes, as -o slab_sizes (factor is then unused)\n"
               "    lru=MODE        segmented (default: HOT/WARM/COLD, the maintainer and the\n"
               "                    crawler) or flat (-o no_lru_maintainer)\n"
               "    automove=M      -o slab_automove: 0, 1 (default) or 2\n"
               "    cas=0|1         1 (default): items carry 8 CAS bytes; 0 as -C\n");
}
