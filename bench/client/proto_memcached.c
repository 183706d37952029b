/* proto_memcached.c - memcached's text protocol (doc/protocol.txt): get, set / add /
 * replace with flags 0, delete, and the `stats`, `stats slabs` and `stats settings`
 * listings. */
#include "proto.h"

#include "bench_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An exptime above 30 days is read as an absolute Unix time (protocol.txt), so longer
 * TTLs are sent as 30 days: the same for any replay shorter than that. */
#define MC_MAX_RELATIVE_TTL 2592000u

#define MC_HEAD_MAX (PAYLOAD_KEY_MAX + 64)

void proto_quote(const char *line, size_t len, char *out, size_t outlen)
{
    size_t n = len < 80 ? len : 80;
    if (n >= outlen)
        n = outlen - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (line[i] >= 32 && line[i] < 127) ? line[i] : '?';
    out[n] = '\0';
}

static int line_is(const char *line, size_t len, const char *word)
{
    size_t w = strlen(word);
    return len == w && memcmp(line, word, w) == 0;
}

static int line_starts(const char *line, size_t len, const char *prefix)
{
    size_t w = strlen(prefix);
    return len >= w && memcmp(line, prefix, w) == 0;
}

static int unexpected(client_conn *c, const char *req, const char *line, size_t len,
                      char *err, size_t errlen)
{
    char q[96];
    proto_quote(line, len, q, sizeof q);
    return bench_error(err, errlen, "%s: unexpected reply to %s: '%s'", c->peer, req, q);
}

/* Sends one request line and reads the first line of the reply. */
static int mc_request(client_conn *c, const char *req, size_t n, const char **line,
                      size_t *len, char *err, size_t errlen)
{
    struct iovec iov = {.iov_base = (void *)req, .iov_len = n};
    if (conn_send(c, &iov, 1, err, errlen) != 0)
        return -1;
    return conn_line(c, line, len, err, errlen);
}

/* A decimal number of n bytes at p: 0, or -1 when it is empty, too long or not all
 * digits. */
static int mc_number(const char *p, size_t n, unsigned long long *out)
{
    char num[24];
    char *end;
    if (n == 0 || n >= sizeof num)
        return -1;
    memcpy(num, p, n);
    num[n] = '\0';
    *out = strtoull(num, &end, 10);
    return *end == '\0' ? 0 : -1;
}

static int mc_get(client_conn *c, const char *key, size_t klen, int *hit, char *err,
                  size_t errlen)
{
    char head[MC_HEAD_MAX];
    int n = snprintf(head, sizeof head, "get %.*s\r\n", (int)klen, key);
    const char *line;
    size_t len;
    if (mc_request(c, head, (size_t)n, &line, &len, err, errlen) != 0)
        return -1;
    if (line_is(line, len, "END")) {
        *hit = 0;
        return 0;
    }
    if (!line_starts(line, len, "VALUE "))
        return unexpected(c, "get", line, len, err, errlen);
    /* VALUE <key> <flags> <bytes>: the data is <bytes> long, then "\r\n" */
    const char *sp = line + len;
    while (sp > line && sp[-1] != ' ')
        sp--;
    unsigned long long bytes;
    if (mc_number(sp, (size_t)(line + len - sp), &bytes) != 0)
        return unexpected(c, "get", line, len, err, errlen);
    if (conn_read(c, NULL, bytes + 2, err, errlen) != 0 ||
        conn_line(c, &line, &len, err, errlen) != 0)
        return -1;
    if (!line_is(line, len, "END"))
        return unexpected(c, "get", line, len, err, errlen);
    *hit = 1;
    return 0;
}

static int mc_store(client_conn *c, const payload_filler *f, client_store_mode mode,
                    const char *key, size_t klen, uint32_t vsize, uint32_t ttl,
                    client_store_result *res, char *err, size_t errlen)
{
    static const char *const verb[] = {[CLIENT_SET] = "set", [CLIENT_ADD] = "add",
                                       [CLIENT_REPLACE] = "replace"};
    char head[MC_HEAD_MAX];
    int n = snprintf(head, sizeof head, "%s %.*s 0 %u %u\r\n", verb[mode], (int)klen, key,
                     ttl > MC_MAX_RELATIVE_TTL ? MC_MAX_RELATIVE_TTL : ttl, vsize);
    if (payload_send(c, f, head, (size_t)n, vsize, "\r\n", 2, err, errlen) != 0)
        return -1;
    const char *line;
    size_t len;
    if (conn_line(c, &line, &len, err, errlen) != 0)
        return -1;
    if (line_is(line, len, "STORED"))
        *res = CLIENT_STORED;
    else if (line_is(line, len, "NOT_STORED"))
        *res = CLIENT_NOT_STORED;
    else if (line_starts(line, len, "SERVER_ERROR out of memory"))
        *res = CLIENT_OOM;
    else if (line_starts(line, len, "SERVER_ERROR object too large"))
        *res = CLIENT_TOO_LARGE;
    else
        return unexpected(c, verb[mode], line, len, err, errlen);
    return 0;
}

static int mc_del(client_conn *c, const char *key, size_t klen, int *deleted, char *err,
                  size_t errlen)
{
    char head[MC_HEAD_MAX];
    int n = snprintf(head, sizeof head, "delete %.*s\r\n", (int)klen, key);
    const char *line;
    size_t len;
    if (mc_request(c, head, (size_t)n, &line, &len, err, errlen) != 0)
        return -1;
    if (line_is(line, len, "DELETED"))
        *deleted = 1;
    else if (line_is(line, len, "NOT_FOUND"))
        *deleted = 0;
    else
        return unexpected(c, "delete", line, len, err, errlen);
    return 0;
}

/* One wanted field of a STAT listing: its name and where its value goes. */
typedef struct mc_field {
    const char *name;
    uint64_t *dst;
    int seen;
} mc_field;

/* Sends `cmd` and reads "STAT <name> <value>" lines up to END, filling the fields
 * named (every one must appear, with a decimal value). */
static int mc_stat_listing(client_conn *c, const char *cmd, mc_field *fields, size_t nf,
                           char *err, size_t errlen)
{
    char req[64];
    int n = snprintf(req, sizeof req, "%s\r\n", cmd);
    struct iovec iov = {.iov_base = req, .iov_len = (size_t)n};
    if (conn_send(c, &iov, 1, err, errlen) != 0)
        return -1;
    for (;;) {
        const char *line;
        size_t len;
        if (conn_line(c, &line, &len, err, errlen) != 0)
            return -1;
        if (line_is(line, len, "END"))
            break;
        if (!line_starts(line, len, "STAT "))
            return unexpected(c, cmd, line, len, err, errlen);
        const char *name = line + 5;
        const char *sp = memchr(name, ' ', len - 5);
        if (sp == NULL)
            return unexpected(c, cmd, line, len, err, errlen);
        size_t nlen = (size_t)(sp - name);
        for (size_t i = 0; i < nf; i++) {
            if (strlen(fields[i].name) != nlen || memcmp(fields[i].name, name, nlen) != 0)
                continue;
            unsigned long long v;
            if (mc_number(sp + 1, (size_t)(line + len - (sp + 1)), &v) != 0)
                return unexpected(c, cmd, line, len, err, errlen);
            *fields[i].dst = v;
            fields[i].seen = 1;
        }
    }
    for (size_t i = 0; i < nf; i++)
        if (!fields[i].seen)
            return bench_error(err, errlen, "%s: `%s` has no %s (is this memcached 1.6?)",
                               c->peer, cmd, fields[i].name);
    return 0;
}

/* ITEM_ntotal (memcached.h) = sizeof(item) 48 + key + 1 + value + 2 ("\r\n"), + 4 when
 * the client flags are not 0 (ours are), + 8 with CAS (on unless -C). */
#define MC_ITEM_OVERHEAD (48 + 1 + 2)
#define MC_CAS_BYTES 8

/* `stats settings` cas_enabled: a word, not a number. */
static int mc_cas_enabled(client_conn *c, int *cas, char *err, size_t errlen)
{
    static const char req[] = "stats settings\r\n";
    struct iovec iov = {.iov_base = (void *)req, .iov_len = sizeof req - 1};
    int seen = 0;
    if (conn_send(c, &iov, 1, err, errlen) != 0)
        return -1;
    for (;;) {
        const char *line;
        size_t len;
        if (conn_line(c, &line, &len, err, errlen) != 0)
            return -1;
        if (line_is(line, len, "END"))
            break;
        if (line_starts(line, len, "STAT cas_enabled ")) {
            *cas = line_is(line, len, "STAT cas_enabled yes");
            seen = 1;
        }
    }
    if (!seen)
        return bench_error(err, errlen, "%s: `stats settings` has no cas_enabled", c->peer);
    return 0;
}

static int mc_stats(client_conn *c, client_stats *out, char *err, size_t errlen)
{
    uint64_t reclaimed = 0, crawler_reclaimed = 0, get_expired = 0, bytes = 0;
    int cas = 1;
    memset(out, 0, sizeof *out);
    mc_field general[] = {
        {"cmd_get", &out->gets, 0},          {"get_hits", &out->hits, 0},
        {"cmd_set", &out->sets, 0},          {"evictions", &out->evictions, 0},
        {"reclaimed", &reclaimed, 0},        {"crawler_reclaimed", &crawler_reclaimed, 0},
        {"get_expired", &get_expired, 0},    {"slabs_moved", &out->pages_moved, 0},
        {"curr_items", &out->live_objects, 0}, {"bytes", &bytes, 0},
    };
    mc_field slabs[] = {{"total_malloced", &out->counted_bytes, 0}};
    if (mc_stat_listing(c, "stats", general, sizeof general / sizeof general[0], err,
                        errlen) != 0 ||
        mc_stat_listing(c, "stats slabs", slabs, 1, err, errlen) != 0 ||
        mc_cas_enabled(c, &cas, err, errlen) != 0)
        return -1;
    /* `bytes` sums ITEM_ntotal over the stored items */
    uint64_t overhead = out->live_objects * (MC_ITEM_OVERHEAD + (cas ? MC_CAS_BYTES : 0));
    out->requested_bytes = bytes > overhead ? bytes - overhead : 0;
    /* three disjoint ways an expired item goes: found at an LRU tail (reclaimed), by
     * the crawler, or by a lookup (get_expired counts every lookup, stores too) */
    out->expired = reclaimed + crawler_reclaimed + get_expired;
    /* memcached holds slab pages and nothing else that -m counts */
    out->held_bytes = out->counted_bytes;
    return 0;
}

static int mc_memory_limit(client_conn *c, uint64_t *out, char *err, size_t errlen)
{
    mc_field f[] = {{"maxbytes", out, 0}};
    return mc_stat_listing(c, "stats settings", f, 1, err, errlen);
}

/* memcached starts current_time 62 s after its process_started, and `uptime` reports
 * current_time - 60: 2 before the first tick. */
#define MC_UPTIME_AT_START 2

static int mc_server_time(client_conn *c, uint64_t *out, char *err, size_t errlen)
{
    uint64_t uptime = 0;
    mc_field f[] = {{"uptime", &uptime, 0}};
    if (mc_stat_listing(c, "stats", f, 1, err, errlen) != 0)
        return -1;
    *out = uptime > MC_UPTIME_AT_START ? uptime - MC_UPTIME_AT_START : 0;
    return 0;
}

const client_proto client_proto_memcached = {
    .name = "memcached",
    .get = mc_get,
    .store = mc_store,
    .del = mc_del,
    .stats = mc_stats,
    .requested = NULL,
    .memory_limit = mc_memory_limit,
    .server_time = mc_server_time,
};
