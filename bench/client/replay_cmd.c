/* replay_cmd.c - `allocbench replay`: options, the summary on stderr, and the CSV row
 * in the simulator's columns, its numbers taken from the server's own statistics. */
#include "commands.h"

#include "csv_out.h"
#include "parse_num.h"
#include "replay_run.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_TIMEOUT_S 10

/* The simulator's columns (allocbench sim), in its order, then the unix time the
 * schedule started at and the seconds the server had run by then, which `allocbench
 * sim --clock-origin` and `--server-uptime` take. */
static const char replay_csv_columns[] =
    "workload,config,memory_limit,budget,requests,gets,hits,hit_ratio,byte_hit_ratio,"
    "sets,evictions,expired,live_objects,requested_bytes,counted_bytes,held_bytes,"
    "efficiency,pages_moved,requests_per_sec,clock_origin,server_uptime\n";

static void usage(FILE *f)
{
    fputs(
"usage: allocbench replay (--memcached HOST:PORT | --redis HOST:PORT) --trace FILE\n"
"                         [--time-scale K] [--no-fill] [--csv FILE] [--config TEXT]\n"
"                         [--memory BYTES] [--requests N] [--timeout SECONDS]\n"
"Replays a Twitter-format cache trace against a running memcached (text protocol) or\n"
"Redis (RESP) over one TCP connection, one request at a time, and writes one CSV row\n"
"in the columns of `allocbench sim`, read from the server's own statistics.\n"
"Request i of the n requests of trace second t is sent at\n"
"start + (t - t0 + i/n) x K seconds, as the simulator's clock maps it.\n"
"  --memcached HOST:PORT  the server is memcached\n"
"  --redis HOST:PORT      the server is Redis\n"
"  --trace FILE           the trace (timestamp,key,key_size,value_size,client,op,ttl)\n"
"  --time-scale K         server seconds per trace second (default 1; K > 0)\n"
"  --no-fill              send only the trace's own writes (default: a get that misses\n"
"                         is followed by a set of the object: cache-aside)\n"
"  --csv FILE             append the row to FILE, with the header when FILE is new or\n"
"                         empty (default: header and row on stdout)\n"
"  --config TEXT          the config column (default \"memcached\" or \"redis\")\n"
"  --memory BYTES         the memory_limit column (default: the server's own limit,\n"
"                         memcached `stats settings` maxbytes, Redis maxmemory)\n"
"  --requests N           replay only the first N requests\n"
"  --timeout SECONDS      give up when the server does not answer (default 10)\n"
"Keys are exactly key_size bytes (1..250), the base-64 digits of the trace key's\n"
"64-bit hash repeated; values are value_size bytes of 'x'.  set/add/replace write\n"
"(cas as replace), delete deletes; incr, decr, append, prepend are skipped.  TTLs are\n"
"sent as in the trace (not scaled by K).  requested_bytes is read after the replay:\n"
"memcached `bytes` less its per-item overhead, Redis the sum of key + STRLEN over a\n"
"SCAN of the keyspace; efficiency = requested_bytes / held_bytes.  Counters are\n"
"their growth over the replay, levels (live objects, bytes) as read after it: start\n"
"from an empty server.\n"
"Exit status: 0 ok; 1 error, or more than 1% of requests sent over 100 ms late;\n"
"2 bad options.\n", f);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static double ratio(uint64_t a, uint64_t b) { return b ? (double)a / (double)b : 0.0; }

/* Counters are reported as their growth over the replay, levels as read after. */
static void write_row(FILE *f, const char *trace_path, const char *config, uint64_t memory,
                      const replay_result *r)
{
    const client_stats *a = &r->after, *b = &r->before;
    uint64_t gets = a->gets - b->gets, hits = a->hits - b->hits;
    char name[512];
    snprintf(name, sizeof name, "trace:%s", base_name(trace_path));
    csv_field(f, name);
    fputc(',', f);
    csv_field(f, config);
    fprintf(f, ",%" PRIu64 ",own,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.6f,%.6f", memory,
            r->requests, gets, hits, ratio(hits, gets), ratio(r->hit_bytes, r->get_bytes));
    fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
               ",%" PRIu64 ",%.6f,%" PRIu64 ",%.1f,%.6f,%" PRIu64 "\n",
            a->sets - b->sets, a->evictions - b->evictions, a->expired - b->expired,
            a->live_objects, a->requested_bytes, a->counted_bytes, a->held_bytes,
            ratio(a->requested_bytes, a->held_bytes), a->pages_moved - b->pages_moved,
            r->seconds > 0 ? (double)r->requests / r->seconds : 0.0,
            (double)r->clock_origin_us / 1e6, r->server_uptime_s);
}

static int write_csv(const char *path, const char *trace_path, const char *config,
                     uint64_t memory, const replay_result *r)
{
    if (path == NULL) {
        fputs(replay_csv_columns, stdout);
        write_row(stdout, trace_path, config, memory, r);
        return fflush(stdout) == 0 ? 0 : -1;
    }
    FILE *f = fopen(path, "a");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && st.st_size == 0)
        fputs(replay_csv_columns, f);
    write_row(f, trace_path, config, memory, r);
    if (fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

static void summary(const replay_opts *o, const replay_result *r)
{
    const pace *p = &r->pace;
    uint64_t server_hits = r->after.hits - r->before.hits;
    fprintf(stderr, "replay: %" PRIu64 " requests to %s %s in %.1f s (%.0f/s); hits %"
            PRIu64 " of %" PRIu64 " gets; %" PRIu64 " fills, %" PRIu64 " stores, %" PRIu64
            " deletes\n", r->requests, o->proto->name, o->server, r->seconds,
            r->seconds > 0 ? (double)r->requests / r->seconds : 0.0, r->hits, r->gets,
            r->fills, r->stores, r->deletes);
    fprintf(stderr, "replay: behind schedule by at most %.3f ms, p99 %.3f ms; %" PRIu64
            " requests (%.2f%%) over %llu ms late\n", (double)p->max_lag_ns / 1e6,
            (double)pace_quantile_ns(p, 0.99) / 1e6, p->late,
            100.0 * ratio(p->late, p->sent), PACE_LATE_NS / 1000000ull);
    if (r->oom || r->too_large || r->not_stored)
        fprintf(stderr, "replay: stores refused: %" PRIu64 " out of memory, %" PRIu64
                " too large, %" PRIu64 " not stored (add/replace condition)\n", r->oom,
                r->too_large, r->not_stored);
    for (int op = 0; op < TRACE_OP_COUNT; op++)
        if (r->skipped[op])
            fprintf(stderr, "replay: skipped %" PRIu64 " %s requests (not replayed)\n",
                    r->skipped[op], trace_op_name((trace_op)op));
    if (r->malformed)
        fprintf(stderr, "replay: %s: skipped %" PRIu64 " malformed lines (first: line %"
                PRIu64 ", %s)\n", o->trace_path, r->malformed, r->first_bad_line,
                r->first_bad_why);
    if (server_hits != r->hits)
        fprintf(stderr, "replay: warning: the server counted %" PRIu64 " hits, the client "
                "saw %" PRIu64 ": is another client using the server?\n", server_hits,
                r->hits);
}

static int bad(const char *opt, const char *want, const char *got)
{
    fprintf(stderr, "allocbench replay: %s wants %s, got '%s'\n", opt, want, got);
    return 2;
}

int replay_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"memcached", required_argument, NULL, 'M'}, {"redis", required_argument, NULL, 'R'},
        {"trace", required_argument, NULL, 't'},     {"time-scale", required_argument, NULL, 'k'},
        {"no-fill", no_argument, NULL, 'F'},         {"csv", required_argument, NULL, 'c'},
        {"config", required_argument, NULL, 'C'},    {"memory", required_argument, NULL, 'm'},
        {"requests", required_argument, NULL, 'n'},  {"timeout", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0},
    };
    replay_opts o = {.time_scale = 1.0, .fill = 1, .timeout_ms = DEFAULT_TIMEOUT_S * 1000};
    const char *csv = NULL, *config = NULL;
    unsigned long long memory = 0, count;
    double d;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'M':
        case 'R':
            if (o.server != NULL) {
                fprintf(stderr, "allocbench replay: give one server, --memcached or "
                        "--redis\n");
                return 2;
            }
            o.server = optarg;
            o.proto = c == 'M' ? &client_proto_memcached : &client_proto_redis;
            break;
        case 't': o.trace_path = optarg; break;
        case 'k':
            if (parse_double(optarg, &d) != 0 || !(d > 0) || d > 1e6)
                return bad("--time-scale", "a number above 0", optarg);
            o.time_scale = d;
            break;
        case 'F': o.fill = 0; break;
        case 'c': csv = optarg; break;
        case 'C': config = optarg; break;
        case 'm':
            if (parse_bytes(optarg, &memory) != 0 || memory == 0)
                return bad("--memory", "a byte count above 0 (e.g. 64m)", optarg);
            break;
        case 'n':
            if (parse_count(optarg, &count) != 0 || count == 0)
                return bad("--requests", "a positive count", optarg);
            o.max_requests = count;
            break;
        case 'T':
            if (parse_double(optarg, &d) != 0 || !(d >= 0.001) || d > 3600)
                return bad("--timeout", "seconds between 0.001 and 3600", optarg);
            o.timeout_ms = (int)(d * 1000);
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "allocbench replay: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (o.server == NULL || o.trace_path == NULL) {
        fprintf(stderr, "allocbench replay: %s is required\n",
                o.server == NULL ? "a server (--memcached HOST:PORT or --redis HOST:PORT)"
                                 : "--trace FILE");
        usage(stderr);
        return 2;
    }
    replay_result r;
    char err[512];
    int rc = replay_run(&o, &r, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "allocbench replay: %s\n", err);
        replay_result_free(&r);
        return 1;
    }
    if (!replay_result_check(&r)) {
        fprintf(stderr, "allocbench replay: internal error: the replay's counts do not add "
                "up (requests = gets + stores + deletes + skipped, every store answered)\n");
        replay_result_free(&r);
        return 1;
    }
    summary(&o, &r);
    int status = 0;
    if (write_csv(csv, o.trace_path, config ? config : o.proto->name,
                  memory ? memory : r.memory_limit, &r) != 0)
        status = 1;
    /* a replay that fell far behind did not show the server the trace's timing */
    if (r.pace.late * 100 > r.pace.sent) {
        fprintf(stderr, "allocbench replay: %.2f%% of requests were sent over %llu ms "
                "late (more than 1%%): the client or the machine could not keep the "
                "pace; try a larger --time-scale\n", 100.0 * ratio(r.pace.late, r.pace.sent),
                PACE_LATE_NS / 1000000ull);
        status = 1;
    }
    replay_result_free(&r);
    return status;
}
