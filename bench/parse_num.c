/* parse_num.c - strict number parsing for the command line (see parse_num.h). */
#include "parse_num.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int parse_scaled(const char *s, unsigned long long *out, unsigned long long k)
{
    if (s == NULL || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0)
        return -1;
    unsigned long long mul = 1;
    if (*end != '\0') {
        switch (tolower((unsigned char)*end)) {
        case 'k': mul = k; break;
        case 'm': mul = k * k; break;
        case 'g': mul = k * k * k; break;
        case 'b': break;
        default: return -1;
        }
        end++;
        /* "64k", "64kb", "64kib" are all accepted for bytes */
        if (k == 1024 && (strcasecmp(end, "b") == 0 || strcasecmp(end, "ib") == 0))
            end += strlen(end);
        if (*end != '\0')
            return -1;
    }
    if (mul != 1 && v > ~0ULL / mul)
        return -1;
    *out = v * mul;
    return 0;
}

int parse_bytes(const char *s, unsigned long long *out) { return parse_scaled(s, out, 1024); }

int parse_count(const char *s, unsigned long long *out) { return parse_scaled(s, out, 1000); }

int parse_double(const char *s, double *out)
{
    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || v != v)
        return -1;
    *out = v;
    return 0;
}

int parse_size_list(const char *s, size_t *out, unsigned max, unsigned *n)
{
    char buf[64];
    *n = 0;
    if (s == NULL || *s == '\0')
        return -1;
    for (;;) {
        const char *dash = strchr(s, '-');
        size_t len = dash ? (size_t)(dash - s) : strlen(s);
        if (len == 0 || len >= sizeof buf || *n >= max)
            return -1;
        memcpy(buf, s, len);
        buf[len] = '\0';
        unsigned long long v;
        if (parse_bytes(buf, &v) != 0 || v > (size_t)-1)
            return -1;
        out[(*n)++] = (size_t)v;
        if (dash == NULL)
            return 0;
        s = dash + 1;
    }
}

int parse_range(const char *s, unsigned long long *lo, unsigned long long *hi)
{
    size_t v[2];
    unsigned n;
    if (parse_size_list(s, v, 2, &n) != 0 || n != 2 || v[0] > v[1])
        return -1;
    *lo = v[0];
    *hi = v[1];
    return 0;
}
