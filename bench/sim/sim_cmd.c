/* sim_cmd.c - `allocbench sim`: hit ratio at equal memory.  Every (workload, config,
 * memory) is a cell in its own process; the rows go to sim.csv and a summary table. */
#include "commands.h"

#include "parse_num.h"
#include "sim_run.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 32
#define MAX_MEMORY 64
#define DEFAULT_REQUESTS 1000000ULL
#define DEFAULT_MEMORY (64ULL << 20)

static void usage(FILE *f)
{
    fprintf(f,
"usage: allocbench sim (--trace FILE | --workload SPEC)... [--config C]...\n"
"                      [--memory LIST] [--budget own|held] [--time-scale K] [--no-fill]\n"
"                      [--requests N] [--seed S] [--csv FILE] [--jobs N] [--quiet]\n"
"Replays requests on simulated servers whose objects live in kvalloc's allocators, and\n"
"reports the hit ratio each reaches at each memory budget.  Every (input, config,\n"
"memory) runs in its own process.\n"
"\n"
"Inputs\n"
"  --trace FILE     Twitter cache trace (timestamp,key,key_size,value_size,client,op,ttl)\n"
"  --workload SPEC  built-in stream: zipf[:ALPHA] | uniform | phase-shift[:ALPHA], then\n"
"                   ,keys=N ,rate=R (requests per trace second) ,values=MIN-MAX|etc\n"
"                   ,key_size=N ,ttl=S ,get=F (share of gets) ,shift_at=F\n"
"                   ,shift_values=MIN-MAX   (default zipf:1.0,keys=100k,rate=10k, ETC sizes,\n"
"                   gets only)\n"
"  --requests N     requests of a built-in stream (default 1M); for a trace, the most to\n"
"                   replay (default: all)\n"
"\n"
"Requests\n"
"  Cache-aside by default: a get that misses stores the object with its TTL.\n"
"  --no-fill        replay only the trace's own writes (set, add, replace, cas; delete)\n"
"  Hit ratio counts get and gets only; byte hit ratio weighs them by key + value bytes.\n"
"  Trace time drives every server clock (TTLs, LRU clocks, maintainer, automove, expire\n"
"  cycle); requests of one trace second are spread evenly over it.\n"
"  --time-scale K   server seconds per trace second (default 1)\n"
"  --clock-origin T unix time (seconds, fractions allowed) at the first request: where\n"
"                   the second and minute boundaries of Redis's LRU and LFU clocks\n"
"                   fall (default 0: at a whole minute).  allocbench replay reports\n"
"                   the one a live run had in its clock_origin column.\n"
"  --server-uptime S  seconds the server ran before the first request (default 0):\n"
"                   memcached's maintainer and its 30 s automove window start that\n"
"                   much earlier.  allocbench replay reports it (server_uptime).\n"
"\n"
"Configurations (default: memcached and redis:policy=allkeys-lru)\n"
"  memcached[:OPTS]  memcached 1.6.18 with its defaults:\n");
    sim_preset_memcached.help(f);
    fprintf(f,
"  redis[:OPTS]      redis-server 7.0.15 with its defaults (policy noeviction):\n");
    sim_preset_redis.help(f);
    fprintf(f,
"\n"
"Memory\n"
"  --memory LIST    budgets, e.g. 8m,16m,32m (default 64m; k/m/g are powers of 1024),\n"
"                   or LO:HI:N for N budgets from LO to HI spaced geometrically\n"
"                   (4m:256m:16); each is a cell, run in parallel\n"
"  --budget own     (default) the budget binds what each real server counts: memcached's\n"
"                   pages (-m), Redis's used_memory (maxmemory)\n"
"  --budget held    the budget binds the bytes the allocator holds from the system (slab\n"
"                   pages; jemalloc's active pages), so both styles get equal physical\n"
"                   memory.  Every row reports both figures.\n"
"\n"
"Output\n"
"  --csv FILE       rows to FILE: workload,config,memory_limit,budget,requests,gets,hits,\n"
"                   hit_ratio,byte_hit_ratio,sets,evictions,expired,live_objects,\n"
"                   requested_bytes,counted_bytes,held_bytes,efficiency,pages_moved,\n"
"                   requests_per_sec,refused,time_scale,seed,clock_origin,\n"
"                   structure_bytes,rounding_bytes,server_uptime (counted = requested\n"
"                   + structure + rounding + free: the server's own bytes, size-class\n"
"                   rounding, and counted bytes serving no object)\n"
"  --svg FILE       miss-ratio curves: miss ratio against memory, one line per input and\n"
"                   configuration (gnuplot; the data beside it as FILE.tsv)\n"
"  --timeline-csv FILE  hit ratio over trace time (at most 60 spans) of every cell\n"
"  --timeline-svg FILE  the same as a plot, one line per cell\n"
"  --readme FILE    append the verdict in Markdown: per input, the best of each style\n"
"                   at each budget, the gap in points, and bytes per object\n"
"  --title TEXT     heading of that section\n"
"  A summary table goes to stdout.\n"
"  --seed S         seed of built-in streams and of every random choice (default 1)\n"
"  --jobs N         cells at once (default: online CPUs)\n"
"  --quiet          no progress lines\n");
}

static int bad(const char *fmt, const char *arg)
{
    fprintf(stderr, "allocbench sim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(allocbench sim --help lists the options)\n");
    return 2;
}

/* "LO:HI:N": N budgets from LO to HI, geometrically spaced, rounded to KiB.  0 ok. */
static int parse_memory_range(const char *s, uint64_t *out, size_t *n)
{
    char lo_s[64], hi_s[64];
    unsigned long long lo, hi, count;
    const char *a = strchr(s, ':'), *b = a ? strchr(a + 1, ':') : NULL;
    if (b == NULL || (size_t)(a - s) >= sizeof lo_s || (size_t)(b - a - 1) >= sizeof hi_s)
        return -1;
    memcpy(lo_s, s, (size_t)(a - s));
    lo_s[a - s] = '\0';
    memcpy(hi_s, a + 1, (size_t)(b - a - 1));
    hi_s[b - a - 1] = '\0';
    if (parse_bytes(lo_s, &lo) != 0 || parse_bytes(hi_s, &hi) != 0 ||
        parse_count(b + 1, &count) != 0 || lo == 0 || hi <= lo || count < 2 ||
        *n + count > MAX_MEMORY)
        return -1;
    double ratio = pow((double)hi / (double)lo, 1.0 / (double)(count - 1));
    for (unsigned long long i = 0; i < count; i++) {
        double v = (double)lo * pow(ratio, (double)i);
        uint64_t kib = (uint64_t)(v / 1024.0 + 0.5);
        out[(*n)++] = i + 1 == count ? hi : kib * 1024;
    }
    return 0;
}

/* "8m,16m,32m" or "4m:256m:16" -> budgets.  0 ok, -1 on a bad entry. */
static int parse_memory_list(const char *s, uint64_t *out, size_t *n)
{
    char buf[512];
    if (strlen(s) >= sizeof buf)
        return -1;
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        unsigned long long b;
        if (strchr(t, ':') != NULL) {
            if (parse_memory_range(t, out, n) != 0)
                return -1;
            continue;
        }
        if (*n >= MAX_MEMORY || parse_bytes(t, &b) != 0 || b == 0)
            return -1;
        out[(*n)++] = b;
    }
    return *n > 0 ? 0 : -1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Ascending and without repeats, so a curve's points come in order. */
static size_t sort_unique(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || v[k - 1] != v[i])
            v[k++] = v[i];
    return k;
}

static void print_summary(const sim_cell *cells, const sim_result *res, size_t n)
{
    printf("%-24s %-34s %9s %7s %7s %10s %9s %9s %9s %7s %9s\n", "workload", "config",
           "memory", "hit%", "bhit%", "evictions", "live", "counted", "held", "moved",
           "req/s");
    for (size_t i = 0; i < n; i++) {
        const sim_cell *c = &cells[i];
        if (!res[i].ok) {
            printf("%-24s %-34s %8.1fM  failed: %s\n", c->workload, c->config,
                   (double)c->memory / 1048576.0, res[i].err);
            continue;
        }
        const sim_row *r = &res[i].row;
        printf("%-24s %-34s %8.1fM %7.3f %7.3f %10llu %9llu %8.1fM %8.1fM %7llu %8.2fM\n",
               c->workload, c->config, (double)c->memory / 1048576.0, 100 * r->hit_ratio,
               100 * r->byte_hit_ratio, (unsigned long long)r->st.evictions,
               (unsigned long long)r->st.live_objects, (double)r->st.counted_bytes / 1048576.0,
               (double)r->st.held_bytes / 1048576.0, (unsigned long long)r->st.pages_moved,
               r->requests_per_sec / 1e6);
    }
}

int sim_main(int argc, char **argv)
{
    enum { O_BUDGET = 256, O_SCALE, O_NOFILL, O_SVG, O_TL_CSV, O_TL_SVG, O_ORIGIN, O_README, O_TITLE, O_UPTIME };
    static const struct option opts[] = {
        {"trace", required_argument, NULL, 't'},     {"workload", required_argument, NULL, 'w'},
        {"config", required_argument, NULL, 'c'},    {"memory", required_argument, NULL, 'm'},
        {"budget", required_argument, NULL, O_BUDGET},
        {"time-scale", required_argument, NULL, O_SCALE},
        {"no-fill", no_argument, NULL, O_NOFILL},    {"requests", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},      {"csv", required_argument, NULL, 'o'},
        {"jobs", required_argument, NULL, 'j'},      {"quiet", no_argument, NULL, 'q'},
        {"svg", required_argument, NULL, O_SVG},
        {"clock-origin", required_argument, NULL, O_ORIGIN},
        {"readme", required_argument, NULL, O_README},
        {"server-uptime", required_argument, NULL, O_UPTIME},
        {"title", required_argument, NULL, O_TITLE},
        {"timeline-csv", required_argument, NULL, O_TL_CSV},
        {"timeline-svg", required_argument, NULL, O_TL_SVG},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0},
    };
    const char *traces[MAX_ITEMS], *workloads[MAX_ITEMS], *configs[MAX_ITEMS];
    size_t ntraces = 0, nworkloads = 0, nconfigs = 0, nmem = 0;
    uint64_t memory[MAX_MEMORY];
    unsigned long long requests = 0, seed = 1, jobs = 0;
    double scale = 1.0, origin = 0, uptime = 0;
    int no_fill = 0, quiet = 0, c;
    sim_budget budget = SIM_BUDGET_OWN;
    const char *csv = NULL, *svg = NULL, *tl_csv = NULL, *tl_svg = NULL, *readme = NULL,
               *title = NULL;
    char err[320];
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:w:c:m:n:s:o:j:qh", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (ntraces + nworkloads >= MAX_ITEMS)
                return bad("at most %s inputs", "32");
            traces[ntraces++] = optarg;
            break;
        case 'w':
            if (ntraces + nworkloads >= MAX_ITEMS)
                return bad("at most %s inputs", "32");
            workloads[nworkloads++] = optarg;
            break;
        case 'c':
            if (nconfigs >= MAX_ITEMS)
                return bad("at most %s configurations", "32");
            configs[nconfigs++] = optarg;
            break;
        case 'm':
            if (parse_memory_list(optarg, memory, &nmem) != 0)
                return bad("--memory wants a list of positive byte counts such as 8m,16m,32m "
                           "(at most 64), got '%s'", optarg);
            break;
        case O_BUDGET:
            if (strcmp(optarg, "own") == 0)
                budget = SIM_BUDGET_OWN;
            else if (strcmp(optarg, "held") == 0)
                budget = SIM_BUDGET_HELD;
            else
                return bad("--budget is own or held, got '%s'", optarg);
            break;
        case O_SCALE:
            if (parse_double(optarg, &scale) != 0 || !(scale > 0) || scale > 1e6)
                return bad("--time-scale wants a positive number, got '%s'", optarg);
            break;
        case O_NOFILL: no_fill = 1; break;
        case O_ORIGIN:
            if (parse_double(optarg, &origin) != 0 || origin < 0 || origin > 1e11)
                return bad("--clock-origin wants unix seconds, got '%s'", optarg);
            break;
        case 'n':
            if (parse_count(optarg, &requests) != 0)
                return bad("--requests wants a count, got '%s'", optarg);
            break;
        case 's':
            if (parse_count(optarg, &seed) != 0)
                return bad("--seed wants an integer, got '%s'", optarg);
            break;
        case 'o': csv = optarg; break;
        case O_SVG: svg = optarg; break;
        case O_TL_CSV: tl_csv = optarg; break;
        case O_TL_SVG: tl_svg = optarg; break;
        case O_README: readme = optarg; break;
        case O_UPTIME:
            if (parse_double(optarg, &uptime) != 0 || uptime < 0 || uptime > 1e9)
                return bad("--server-uptime wants seconds, got '%s'", optarg);
            break;
        case O_TITLE: title = optarg; break;
        case 'j':
            if (parse_count(optarg, &jobs) != 0 || jobs == 0 || jobs > 256)
                return bad("--jobs wants a count in 1..256, got '%s'", optarg);
            break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc)
        return bad("unexpected argument '%s'", argv[optind]);
    if (ntraces + nworkloads == 0)
        return bad("%s", "give at least one --trace FILE or --workload SPEC");
    if (nconfigs == 0) {
        configs[nconfigs++] = "memcached";
        configs[nconfigs++] = "redis:policy=allkeys-lru";
    }
    if (nmem == 0)
        memory[nmem++] = DEFAULT_MEMORY;
    nmem = sort_unique(memory, nmem);

    /* every config must create before any cell runs: a typo fails at once, with the
     * preset's own sentence */
    for (size_t i = 0; i < nconfigs; i++) {
        const char *o;
        const sim_preset *p = sim_preset_find(configs[i], &o);
        if (p == NULL)
            return bad("unknown configuration '%s': use memcached[:...] or redis[:...]",
                       configs[i]);
        sim_params prm = {.memory_limit = memory[0], .budget = budget, .seed = seed};
        sim_server *s;
        if (p->create(o, &prm, &s, err, sizeof err) != 0) {
            fprintf(stderr, "allocbench sim: config '%s': %s\n", configs[i], err);
            return 2;
        }
        p->destroy(s);
    }
    reqgen_spec *specs = calloc(nworkloads ? nworkloads : 1, sizeof *specs);
    size_t ninputs = ntraces + nworkloads, ncells = ninputs * nconfigs * nmem;
    sim_cell *cells = calloc(ncells, sizeof *cells);
    sim_result *res = calloc(ncells, sizeof *res);
    char (*names)[200] = calloc(ninputs, sizeof *names);
    if (specs == NULL || cells == NULL || res == NULL || names == NULL) {
        fprintf(stderr, "allocbench sim: out of memory\n");
        free(specs), free(cells), free(res), free(names);
        return 1;
    }
    for (size_t w = 0; w < nworkloads; w++) {
        if (reqgen_parse(workloads[w], &specs[w], err, sizeof err) != 0) {
            fprintf(stderr, "allocbench sim: %s\n", err);
            free(specs), free(cells), free(res), free(names);
            return 2;
        }
    }
    size_t k = 0;
    for (size_t in = 0; in < ninputs; in++) {
        int is_trace = in < ntraces;
        if (is_trace) {
            const char *base = strrchr(traces[in], '/');
            snprintf(names[in], sizeof names[in], "trace:%s", base ? base + 1 : traces[in]);
        } else {
            snprintf(names[in], sizeof names[in], "%s", workloads[in - ntraces]);
        }
        for (size_t ci = 0; ci < nconfigs; ci++)
            for (size_t m = 0; m < nmem; m++) {
                sim_cell *cell = &cells[k++];
                cell->workload = names[in];
                cell->gen = is_trace ? NULL : &specs[in - ntraces];
                cell->trace = is_trace ? traces[in] : NULL;
                cell->config = configs[ci];
                cell->memory = memory[m];
                cell->budget = budget;
                cell->time_scale = scale;
                cell->no_fill = no_fill;
                cell->requests = requests ? requests : is_trace ? 0 : DEFAULT_REQUESTS;
                cell->seed = seed;
                cell->clock_origin_us = (uint64_t)(origin * 1e6 + 0.5);
                cell->server_uptime_us = (uint64_t)(uptime * 1e6 + 0.5);
            }
    }
    size_t failed = sim_cells(cells, ncells, (unsigned)jobs, quiet, res);
    FILE *out = NULL;
    if (csv != NULL) {
        out = fopen(csv, "w");
        if (out == NULL) {
            perror(csv);
            failed++;
        }
    }
    if (out != NULL) {
        sim_csv_header(out);
        for (size_t i = 0; i < ncells; i++)
            if (res[i].ok)
                sim_csv_row(out, &cells[i], &res[i].row);
        if (fclose(out) != 0) {
            perror(csv);
            failed++;
        }
    }
    if (tl_csv != NULL) {
        FILE *t = fopen(tl_csv, "w");
        if (t == NULL) {
            perror(tl_csv);
            failed++;
        } else {
            sim_timeline_header(t);
            for (size_t i = 0; i < ncells; i++)
                if (res[i].ok)
                    sim_timeline_rows(t, &cells[i], &res[i].row);
            if (fclose(t) != 0) {
                perror(tl_csv);
                failed++;
            }
        }
    }
    if (svg != NULL && sim_plot_mrc(svg, cells, res, ncells) != 0)
        failed++;
    if (tl_svg != NULL && sim_plot_timeline(tl_svg, cells, res, ncells) != 0)
        failed++;
    if (readme != NULL && sim_readme_append(readme, title, cells, res, ncells) != 0)
        failed++;
    print_summary(cells, res, ncells);
    free(specs), free(cells), free(res), free(names);
    return failed ? 1 : 0;
}
