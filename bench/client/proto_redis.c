/* proto_redis.c - Redis's RESP: GET, SET (NX / XX, EX), DEL, and the INFO sections,
 * DBSIZE and CONFIG GET that give the server's statistics. */
#include "proto.h"

#include "bench_error.h"
#include "mmap_vec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RD_HEAD_MAX (PAYLOAD_KEY_MAX + 128)
/* INFO sections are a few KB; a reply above this is refused as unexpected. */
#define RD_INFO_MAX (256 * 1024)

static int rd_error(client_conn *c, const char *req, const char *line, size_t len,
                    char *err, size_t errlen)
{
    char q[96];
    proto_quote(line, len, q, sizeof q);
    if (len > 0 && line[0] == '-')
        return bench_error(err, errlen, "%s: %s failed: %s", c->peer, req, q + 1);
    return bench_error(err, errlen, "%s: unexpected reply to %s: '%s'", c->peer, req, q);
}

/* The integer after a reply's type byte; -1 when it is not one. */
static int rd_int(const char *line, size_t len, long long *out)
{
    char num[24];
    char *end;
    if (len < 2 || len - 1 >= sizeof num)
        return -1;
    memcpy(num, line + 1, len - 1);
    num[len - 1] = '\0';
    *out = strtoll(num, &end, 10);
    return *end == '\0' ? 0 : -1;
}

/* Sends a command of plain arguments (no value filler). */
static int rd_command(client_conn *c, const char *const *argv, const size_t *argl, int argc,
                      char *err, size_t errlen)
{
    char head[RD_HEAD_MAX];
    size_t n = (size_t)snprintf(head, sizeof head, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        if (n + argl[i] + 32 > sizeof head)
            return bench_error(err, errlen, "%s: command too long", c->peer);
        n += (size_t)snprintf(head + n, sizeof head - n, "$%zu\r\n", argl[i]);
        memcpy(head + n, argv[i], argl[i]);
        n += argl[i];
        head[n++] = '\r';
        head[n++] = '\n';
    }
    struct iovec iov = {.iov_base = head, .iov_len = n};
    return conn_send(c, &iov, 1, err, errlen);
}

static int rd_get(client_conn *c, const char *key, size_t klen, int *hit, char *err,
                  size_t errlen)
{
    const char *argv[] = {"GET", key};
    size_t argl[] = {3, klen};
    const char *line;
    size_t len;
    long long n;
    if (rd_command(c, argv, argl, 2, err, errlen) != 0 ||
        conn_line(c, &line, &len, err, errlen) != 0)
        return -1;
    if (len < 2 || line[0] != '$' || rd_int(line, len, &n) != 0 || n < -1)
        return rd_error(c, "GET", line, len, err, errlen);
    *hit = n >= 0;
    return n >= 0 ? conn_read(c, NULL, (size_t)n + 2, err, errlen) : 0;
}

static int rd_store(client_conn *c, const payload_filler *f, client_store_mode mode,
                    const char *key, size_t klen, uint32_t vsize, uint32_t ttl,
                    client_store_result *res, char *err, size_t errlen)
{
    char head[RD_HEAD_MAX], tail[64];
    int argc = 3 + (mode != CLIENT_SET) + (ttl > 0 ? 2 : 0);
    int hn = snprintf(head, sizeof head, "*%d\r\n$3\r\nSET\r\n$%zu\r\n%.*s\r\n$%u\r\n", argc,
                      klen, (int)klen, key, vsize);
    int tn = snprintf(tail, sizeof tail, "\r\n%s",
                      mode == CLIENT_ADD ? "$2\r\nNX\r\n" :
                      mode == CLIENT_REPLACE ? "$2\r\nXX\r\n" : "");
    if (ttl > 0) {
        char num[16];
        int dn = snprintf(num, sizeof num, "%u", ttl);
        tn += snprintf(tail + tn, sizeof tail - (size_t)tn, "$2\r\nEX\r\n$%d\r\n%s\r\n", dn,
                       num);
    }
    if (payload_send(c, f, head, (size_t)hn, vsize, tail, (size_t)tn, err, errlen) != 0)
        return -1;
    const char *line;
    size_t len;
    if (conn_line(c, &line, &len, err, errlen) != 0)
        return -1;
    if (len == 3 && memcmp(line, "+OK", 3) == 0)
        *res = CLIENT_STORED;
    else if (len == 3 && memcmp(line, "$-1", 3) == 0) /* NX / XX condition not met */
        *res = CLIENT_NOT_STORED;
    else if (len >= 4 && memcmp(line, "-OOM", 4) == 0)
        *res = CLIENT_OOM;
    else
        return rd_error(c, "SET", line, len, err, errlen);
    return 0;
}

static int rd_del(client_conn *c, const char *key, size_t klen, int *deleted, char *err,
                  size_t errlen)
{
    const char *argv[] = {"DEL", key};
    size_t argl[] = {3, klen};
    const char *line;
    size_t len;
    long long n;
    if (rd_command(c, argv, argl, 2, err, errlen) != 0 ||
        conn_line(c, &line, &len, err, errlen) != 0)
        return -1;
    if (len < 2 || line[0] != ':' || rd_int(line, len, &n) != 0)
        return rd_error(c, "DEL", line, len, err, errlen);
    *deleted = n > 0;
    return 0;
}

/* A command whose reply is an integer (DBSIZE). */
static int rd_integer(client_conn *c, const char *cmd, uint64_t *out, char *err,
                      size_t errlen)
{
    const char *argv[] = {cmd};
    size_t argl[] = {strlen(cmd)};
    const char *line;
    size_t len;
    long long n;
    if (rd_command(c, argv, argl, 1, err, errlen) != 0 ||
        conn_line(c, &line, &len, err, errlen) != 0)
        return -1;
    if (len < 2 || line[0] != ':' || rd_int(line, len, &n) != 0 || n < 0)
        return rd_error(c, cmd, line, len, err, errlen);
    *out = (uint64_t)n;
    return 0;
}

/* Reads one bulk reply into buf (NUL-terminated); *len its length. */
static int rd_bulk(client_conn *c, const char *req, char *buf, size_t cap, size_t *blen,
                   char *err, size_t errlen)
{
    const char *line;
    size_t len;
    long long n;
    if (conn_line(c, &line, &len, err, errlen) != 0)
        return -1;
    if (len < 2 || line[0] != '$' || rd_int(line, len, &n) != 0 || n < 0 ||
        (unsigned long long)n >= cap)
        return rd_error(c, req, line, len, err, errlen);
    if (conn_read(c, buf, (size_t)n, err, errlen) != 0 ||
        conn_read(c, NULL, 2, err, errlen) != 0)
        return -1;
    buf[n] = '\0';
    *blen = (size_t)n;
    return 0;
}

/* The number in INFO text's line "field:value"; with sub (commandstats' "calls="), the
 * number after the comma-separated item of that value starting with sub.  0 ok, -1
 * when absent. */
static int info_number(const char *text, const char *field, const char *sub, uint64_t *out)
{
    size_t fl = strlen(field);
    for (const char *p = text; *p != '\0';) {
        const char *eol = strchr(p, '\n');
        if (eol == NULL)
            eol = p + strlen(p);
        if (strncmp(p, field, fl) == 0 && p[fl] == ':') {
            const char *v = p + fl + 1;
            if (sub != NULL) {
                size_t sl = strlen(sub);
                while (v < eol && strncmp(v, sub, sl) != 0) {
                    const char *comma = memchr(v, ',', (size_t)(eol - v));
                    v = comma ? comma + 1 : eol;
                }
                if (v >= eol)
                    return -1;
                v += sl;
            }
            char *end;
            *out = strtoull(v, &end, 10);
            return end == v ? -1 : 0;
        }
        p = *eol ? eol + 1 : eol;
    }
    return -1;
}

static int rd_info(client_conn *c, const char *section, char *buf, size_t cap, char *err,
                   size_t errlen)
{
    const char *argv[] = {"INFO", section};
    size_t argl[] = {4, strlen(section)};
    size_t n;
    if (rd_command(c, argv, argl, 2, err, errlen) != 0)
        return -1;
    return rd_bulk(c, "INFO", buf, cap, &n, err, errlen);
}

static int rd_stats(client_conn *c, client_stats *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char *buf = mvec_alloc(RD_INFO_MAX);
    if (buf == NULL)
        return bench_error(err, errlen, "out of memory reading INFO");
    int rc = -1;
    uint64_t misses = 0, calls = 0, rejected = 0;
    const char *missing = NULL;
    if (rd_info(c, "stats", buf, RD_INFO_MAX, err, errlen) != 0)
        goto done;
    if (info_number(buf, "keyspace_hits", NULL, &out->hits) != 0)
        missing = "keyspace_hits";
    else if (info_number(buf, "keyspace_misses", NULL, &misses) != 0)
        missing = "keyspace_misses";
    else if (info_number(buf, "evicted_keys", NULL, &out->evictions) != 0)
        missing = "evicted_keys";
    else if (info_number(buf, "expired_keys", NULL, &out->expired) != 0)
        missing = "expired_keys";
    if (missing != NULL)
        goto missing;
    out->gets = out->hits + misses;
    if (rd_info(c, "memory", buf, RD_INFO_MAX, err, errlen) != 0)
        goto done;
    if (info_number(buf, "used_memory", NULL, &out->counted_bytes) != 0)
        missing = "used_memory";
    else if (info_number(buf, "allocator_active", NULL, &out->held_bytes) != 0)
        missing = "allocator_active";
    if (missing != NULL)
        goto missing;
    if (rd_info(c, "commandstats", buf, RD_INFO_MAX, err, errlen) != 0)
        goto done;
    /* no SET yet: no cmdstat_set line */
    if (info_number(buf, "cmdstat_set", "calls=", &calls) == 0 &&
        info_number(buf, "cmdstat_set", "rejected_calls=", &rejected) != 0) {
        missing = "cmdstat_set rejected_calls";
        goto missing;
    }
    out->sets = calls + rejected;
    if (rd_integer(c, "DBSIZE", &out->live_objects, err, errlen) != 0)
        goto done;
    rc = 0;
    goto done;
missing:
    bench_error(err, errlen, "%s: INFO has no %s (is this Redis 7?)", c->peer, missing);
done:
    mvec_free(buf, RD_INFO_MAX);
    return rc;
}

/* Keys SCAN returns per call (a hint: whole buckets come back, so a few more). */
#define RD_SCAN_COUNT "256"
/* One SCAN batch: its keys back to back, and the pipelined STRLEN requests. */
#define RD_BATCH_BYTES (2u << 20)

/* Reads a bulk reply into dst (cap bytes); *n its length. */
static int rd_bulk_into(client_conn *c, char *dst, size_t cap, size_t *n, char *err,
                        size_t errlen)
{
    const char *line;
    size_t len;
    long long v;
    if (conn_line(c, &line, &len, err, errlen) != 0)
        return -1;
    if (len < 2 || line[0] != '$' || rd_int(line, len, &v) != 0 || v < 0 ||
        (unsigned long long)v > cap)
        return rd_error(c, "SCAN", line, len, err, errlen);
    *n = (size_t)v;
    return conn_read(c, dst, *n, err, errlen) != 0 || conn_read(c, NULL, 2, err, errlen) != 0
               ? -1 : 0;
}

/* Sums key + STRLEN over the keyspace: SCAN in batches, each batch's STRLENs sent at
 * once and their replies read after.  A key SCAN returns twice (possible while the
 * table is being resized) counts twice; keys found expired count 0 value bytes. */
static int rd_requested(client_conn *c, client_stats *out, char *err, size_t errlen)
{
    char *keys = mvec_alloc(RD_BATCH_BYTES), *req = mvec_alloc(RD_BATCH_BYTES);
    size_t *klen = mvec_alloc(RD_BATCH_BYTES / 4 * sizeof *klen);
    int rc = -1;
    char cursor[32] = "0";
    uint64_t total = 0;
    if (keys == NULL || req == NULL || klen == NULL) {
        bench_error(err, errlen, "out of memory for a SCAN batch");
        goto done;
    }
    do {
        const char *argv[] = {"SCAN", cursor, "COUNT", RD_SCAN_COUNT};
        size_t argl[] = {4, strlen(cursor), 5, strlen(RD_SCAN_COUNT)};
        const char *line;
        size_t len, n, used = 0, reqlen = 0;
        long long nkeys;
        if (rd_command(c, argv, argl, 4, err, errlen) != 0 ||
            conn_line(c, &line, &len, err, errlen) != 0)
            goto done;
        if (len != 2 || memcmp(line, "*2", 2) != 0) {
            rd_error(c, "SCAN", line, len, err, errlen);
            goto done;
        }
        if (rd_bulk_into(c, cursor, sizeof cursor - 1, &n, err, errlen) != 0)
            goto done;
        cursor[n] = '\0';
        if (conn_line(c, &line, &len, err, errlen) != 0)
            goto done;
        if (len < 2 || line[0] != '*' || rd_int(line, len, &nkeys) != 0 || nkeys < 0 ||
            (unsigned long long)nkeys > RD_BATCH_BYTES / 4) {
            rd_error(c, "SCAN", line, len, err, errlen);
            goto done;
        }
        for (long long i = 0; i < nkeys; i++) {
            if (rd_bulk_into(c, keys + used, RD_BATCH_BYTES - used, &klen[i], err,
                             errlen) != 0)
                goto done;
            int hn = snprintf(req + reqlen, RD_BATCH_BYTES - reqlen,
                              "*2\r\n$6\r\nSTRLEN\r\n$%zu\r\n", klen[i]);
            if (reqlen + (size_t)hn + klen[i] + 2 > RD_BATCH_BYTES) {
                bench_error(err, errlen, "%s: a SCAN batch larger than %u bytes", c->peer,
                            RD_BATCH_BYTES);
                goto done;
            }
            reqlen += (size_t)hn;
            memcpy(req + reqlen, keys + used, klen[i]);
            reqlen += klen[i];
            req[reqlen++] = '\r';
            req[reqlen++] = '\n';
            used += klen[i];
        }
        struct iovec iov = {.iov_base = req, .iov_len = reqlen};
        if (nkeys > 0 && conn_send(c, &iov, 1, err, errlen) != 0)
            goto done;
        for (long long i = 0; i < nkeys; i++) {
            long long v;
            if (conn_line(c, &line, &len, err, errlen) != 0)
                goto done;
            if (len < 2 || line[0] != ':' || rd_int(line, len, &v) != 0 || v < 0) {
                rd_error(c, "STRLEN", line, len, err, errlen);
                goto done;
            }
            total += klen[i] + (uint64_t)v;
        }
    } while (strcmp(cursor, "0") != 0);
    out->requested_bytes = total;
    rc = 0;
done:
    if (keys != NULL)
        mvec_free(keys, RD_BATCH_BYTES);
    if (req != NULL)
        mvec_free(req, RD_BATCH_BYTES);
    if (klen != NULL)
        mvec_free(klen, RD_BATCH_BYTES / 4 * sizeof *klen);
    return rc;
}

static int rd_memory_limit(client_conn *c, uint64_t *out, char *err, size_t errlen)
{
    const char *argv[] = {"CONFIG", "GET", "maxmemory"};
    size_t argl[] = {6, 3, 9};
    const char *line;
    size_t len, n;
    char buf[64];
    if (rd_command(c, argv, argl, 3, err, errlen) != 0 ||
        conn_line(c, &line, &len, err, errlen) != 0)
        return -1;
    if (len != 2 || memcmp(line, "*2", 2) != 0)
        return rd_error(c, "CONFIG GET maxmemory", line, len, err, errlen);
    if (rd_bulk(c, "CONFIG GET maxmemory", buf, sizeof buf, &n, err, errlen) != 0 ||
        rd_bulk(c, "CONFIG GET maxmemory", buf, sizeof buf, &n, err, errlen) != 0)
        return -1;
    char *end;
    *out = strtoull(buf, &end, 10);
    if (n == 0 || *end != '\0')
        return bench_error(err, errlen, "%s: maxmemory is '%s', not a number", c->peer, buf);
    return 0;
}

const client_proto client_proto_redis = {
    .name = "redis",
    .get = rd_get,
    .store = rd_store,
    .del = rd_del,
    .stats = rd_stats,
    .requested = rd_requested,
    .memory_limit = rd_memory_limit,
    .server_time = NULL, /* Redis's clocks read the wall clock: clock_origin says all */
};
