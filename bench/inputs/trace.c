/* trace.c - reading Twitter cache traces (see trace.h). */
#include "trace.h"

#include "bench_error.h"
#include "layout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRACE_FIELDS 7

static const char *const op_names[TRACE_OP_COUNT] = {
    [TRACE_GET] = "get", [TRACE_GETS] = "gets", [TRACE_SET] = "set", [TRACE_ADD] = "add",
    [TRACE_REPLACE] = "replace", [TRACE_CAS] = "cas", [TRACE_APPEND] = "append",
    [TRACE_PREPEND] = "prepend", [TRACE_DELETE] = "delete", [TRACE_INCR] = "incr",
    [TRACE_DECR] = "decr",
};

const char *trace_op_name(trace_op op) { return op < TRACE_OP_COUNT ? op_names[op] : "?"; }

int trace_op_stores(trace_op op)
{
    return op == TRACE_SET || op == TRACE_ADD || op == TRACE_REPLACE || op == TRACE_CAS;
}

/* Decimal digits only, at most 2^32-1 (or 2^64-1 for wide). */
static int field_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    if (len == 0 || len > 20)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int trace_parse_line(const char *line, size_t len, trace_rec *out, const char **why)
{
    const char *f[TRACE_FIELDS];
    size_t flen[TRACE_FIELDS];
    size_t nf = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || line[i] == ',') {
            if (nf == TRACE_FIELDS) {
                *why = "more than 7 comma-separated fields";
                return -1;
            }
            f[nf] = line + start;
            flen[nf++] = i - start;
            start = i + 1;
        }
    }
    if (nf != TRACE_FIELDS) {
        *why = "fewer than 7 comma-separated fields";
        return -1;
    }
    uint64_t v;
    /* timestamps may carry a fraction; expiry works in whole seconds */
    size_t tlen = flen[0];
    const char *dot = memchr(f[0], '.', tlen);
    if (dot != NULL)
        tlen = (size_t)(dot - f[0]);
    if (field_u64(f[0], tlen, UINT64_MAX, &out->time) != 0) {
        *why = "timestamp is not a non-negative number";
        return -1;
    }
    if (flen[1] == 0) {
        *why = "empty key";
        return -1;
    }
    out->key = f[1];
    out->key_len = flen[1];
    if (field_u64(f[2], flen[2], UINT32_MAX, &v) != 0) {
        *why = "key size is not a number below 2^32";
        return -1;
    }
    out->key_size = (uint32_t)v;
    if (field_u64(f[3], flen[3], UINT32_MAX, &v) != 0) {
        *why = "value size is not a number below 2^32";
        return -1;
    }
    out->value_size = (uint32_t)v;
    if (field_u64(f[4], flen[4], UINT32_MAX, &v) != 0) {
        *why = "client id is not a number";
        return -1;
    }
    out->client = (uint32_t)v;
    out->op = TRACE_OP_COUNT;
    for (unsigned i = 0; i < TRACE_OP_COUNT; i++)
        if (strlen(op_names[i]) == flen[5] && memcmp(op_names[i], f[5], flen[5]) == 0)
            out->op = (trace_op)i;
    if (out->op == TRACE_OP_COUNT) {
        *why = "unknown operation (want get, gets, set, add, replace, cas, append, prepend, "
               "delete, incr or decr)";
        return -1;
    }
    if (field_u64(f[6], flen[6], UINT32_MAX, &v) != 0) {
        *why = "TTL is not a non-negative number of seconds";
        return -1;
    }
    out->ttl = (uint32_t)v;
    return 0;
}

int trace_open(trace_file *t, const char *path, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return bench_error(err, errlen, "cannot open trace '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return bench_error(err, errlen, "trace '%s' is not a regular file", path);
    }
    t->size = (size_t)st.st_size;
    if (t->size > 0) {
        void *m = mmap(NULL, t->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            close(fd);
            return bench_error(err, errlen, "cannot map trace '%s': %s", path, strerror(errno));
        }
        t->data = m;
    }
    close(fd);
    return 0;
}

int trace_next(trace_file *t, trace_rec *out)
{
    while (t->pos < t->size) {
        const char *line = t->data + t->pos;
        const char *nl = memchr(line, '\n', t->size - t->pos);
        size_t len = nl ? (size_t)(nl - line) : t->size - t->pos;
        t->pos += len + (nl != NULL);
        t->line_no++;
        if (len > 0 && line[len - 1] == '\r')
            len--;
        if (len == 0)
            continue;
        if (t->line_no == 1 && len >= 9 && memcmp(line, "timestamp", 9) == 0)
            continue;
        const char *why;
        if (trace_parse_line(line, len, out, &why) == 0) {
            t->records++;
            return 1;
        }
        if (t->malformed++ == 0) {
            t->first_bad_line = t->line_no;
            t->first_bad_why = why;
        }
    }
    return 0;
}

void trace_close(trace_file *t)
{
    if (t->data != NULL)
        munmap((void *)t->data, t->size);
    memset(t, 0, sizeof *t);
}

uint64_t trace_key_hash(const char *key, size_t len)
{
    /* FNV-1a, then a splitmix finaliser to spread FNV's weak low bits */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

static size_t object_size(int item_mode, size_t key, size_t value)
{
    return item_mode ? layout_item_size(key, value) : key + value;
}

/* key hash -> current value size, for appends (open addressing, grows at half full) */
typedef struct size_map {
    uint64_t *key;
    uint32_t *value;
    unsigned char *used;
    size_t cap, n;
} size_map;

static int size_map_grow(size_map *m)
{
    size_map g = {0};
    g.cap = m->cap ? m->cap * 2 : 1024;
    g.key = malloc(g.cap * sizeof *g.key);
    g.value = malloc(g.cap * sizeof *g.value);
    g.used = calloc(g.cap, 1);
    if (g.key == NULL || g.value == NULL || g.used == NULL) {
        free(g.key);
        free(g.value);
        free(g.used);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->used[i])
            continue;
        size_t j = m->key[i] & (g.cap - 1);
        while (g.used[j])
            j = (j + 1) & (g.cap - 1);
        g.used[j] = 1;
        g.key[j] = m->key[i];
        g.value[j] = m->value[i];
    }
    g.n = m->n;
    free(m->key);
    free(m->value);
    free(m->used);
    *m = g;
    return 0;
}

/* Slot of key, inserting it (value 0) when absent; SIZE_MAX when out of memory. */
static size_t size_map_slot(size_map *m, uint64_t key)
{
    if (2 * (m->n + 1) > m->cap && size_map_grow(m) != 0)
        return SIZE_MAX;
    size_t j = key & (m->cap - 1);
    while (m->used[j] && m->key[j] != key)
        j = (j + 1) & (m->cap - 1);
    if (!m->used[j]) {
        m->used[j] = 1;
        m->key[j] = key;
        m->value[j] = 0;
        m->n++;
    }
    return j;
}

int trace_size_hist(const char *path, int item_mode, size_hist *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    trace_file t;
    if (trace_open(&t, path, err, errlen) != 0)
        return -1;
    size_map live = {0};
    size_t cap = 1024, n = 0;
    size_t *sizes = malloc(cap * sizeof *sizes);
    int rc = -1;
    if (sizes == NULL)
        goto oom;
    trace_rec r;
    while (trace_next(&t, &r)) {
        int grows = r.op == TRACE_APPEND || r.op == TRACE_PREPEND;
        if (!trace_op_stores(r.op) && !grows && r.op != TRACE_DELETE)
            continue;
        size_t slot = size_map_slot(&live, trace_key_hash(r.key, r.key_len));
        if (slot == SIZE_MAX)
            goto oom;
        if (r.op == TRACE_DELETE) {
            live.value[slot] = 0;
            continue;
        }
        size_t value = r.value_size;
        if (grows) {
            if (live.value[slot] == 0) /* nothing stored: memcached answers NOT_STORED */
                continue;
            value += live.value[slot] - 1;
        }
        /* value + 1 so that an empty value still marks the key as stored */
        live.value[slot] = value + 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(value + 1);
        if (n == cap) {
            size_t *g = realloc(sizes, 2 * cap * sizeof *sizes);
            if (g == NULL)
                goto oom;
            sizes = g;
            cap *= 2;
        }
        sizes[n++] = object_size(item_mode, r.key_size, value);
    }
    if (size_hist_from_sizes(sizes, n, out) != 0)
        goto oom;
    rc = 0;
    goto done;
oom:
    bench_error(err, errlen, "out of memory reading the sizes of trace '%s'", path);
done:
    free(sizes);
    free(live.key);
    free(live.value);
    free(live.used);
    trace_close(&t);
    return rc;
}
