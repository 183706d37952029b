/* test_slab_memcached.c - the slab backend against the real memcached: class tables
 * (checked-in expected output and the live `memcached -vv`), -o slab_sizes validation,
 * and a replay of a mixed item-size workload compared with `stats slabs`.  memcached
 * must be installed (the test command installs it): its absence is a failure. */
#include "slab.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SLAB_TEST_DATA_DIR
#error "SLAB_TEST_DATA_DIR must name tests/data"
#endif

#define MC_PAGE ((size_t)1 << 20)
#define MC_ITEM_HEADER 48 /* memcached's sizeof(item) on 64-bit */

/* One memcached configuration and the table it prints. */
typedef struct mc_table {
    double factor;
    unsigned n;         /* -n */
    size_t chunk_max;   /* -o slab_chunk_max */
    size_t sizes[64];   /* -o slab_sizes */
    unsigned nsizes;
    unsigned count;
    size_t chunk[64];
    unsigned perslab[64];
} mc_table;

static void table_defaults(mc_table *t)
{
    memset(t, 0, sizeof *t);
    t->factor = 1.25;
    t->n = 48;
    t->chunk_max = MC_PAGE / 2;
}

static unsigned parse_sizes(const char *list, size_t *out, unsigned max)
{
    unsigned n = 0;
    char *copy = strdup(list), *save = NULL;
    for (char *tok = strtok_r(copy, "-", &save); tok != NULL && n < max;
         tok = strtok_r(NULL, "-", &save))
        out[n++] = strtoul(tok, NULL, 10);
    free(copy);
    return n;
}

/* Reads memcached's options back from a command line. */
static void parse_command(const char *cmd, mc_table *t)
{
    char *copy = strdup(cmd), *save = NULL;
    char *prev = NULL;
    for (char *tok = strtok_r(copy, " \t\n", &save); tok != NULL;
         tok = strtok_r(NULL, " \t\n", &save)) {
        if (prev != NULL && strcmp(prev, "-f") == 0)
            t->factor = strtod(tok, NULL);
        else if (prev != NULL && strcmp(prev, "-n") == 0)
            t->n = (unsigned)strtoul(tok, NULL, 10);
        else if (prev != NULL && strcmp(prev, "-o") == 0) {
            if (strncmp(tok, "slab_chunk_max=", 15) == 0)
                t->chunk_max = strtoul(tok + 15, NULL, 10);
            else if (strncmp(tok, "slab_sizes=", 11) == 0)
                t->nsizes = parse_sizes(tok + 11, t->sizes, 64);
        }
        prev = tok;
    }
    free(copy);
}

/* Appends the `slab class` lines found in text. */
static void parse_table(const char *text, mc_table *t)
{
    const char *p = text;
    while ((p = strstr(p, "slab class")) != NULL) {
        unsigned id, perslab;
        unsigned long size;
        if (sscanf(p, "slab class %u: chunk size %lu perslab %u", &id, &size, &perslab) == 3 &&
            id == t->count + 1 && t->count < 64) {
            t->chunk[t->count] = size;
            t->perslab[t->count] = perslab;
            t->count++;
        }
        p += 10;
    }
}

static void config_for(const mc_table *t, alloc_config *cfg)
{
    ck_assert_int_eq(alloc_config_init(cfg, "slab"), ALLOC_OK);
    cfg->slab.growth_factor = t->factor;
    cfg->slab.min_chunk = MC_ITEM_HEADER + t->n;
    cfg->slab.page_size = MC_PAGE;
    cfg->slab.chunk_max = t->chunk_max;
    cfg->slab.max_classes = 63;
    if (t->nsizes > 0) {
        cfg->slab.sizes = t->sizes;
        cfg->slab.nsizes = t->nsizes;
    }
}

/* Our table, computed and through an instance, must equal memcached's line by line. */
static void compare_table(const mc_table *t, const char *what)
{
    alloc_config cfg;
    config_for(t, &cfg);
    size_t sizes[256];
    unsigned perslab[256];
    int n = slab_table_compute(&cfg, sizes, perslab, 256);
    ck_assert_msg(n == (int)t->count, "%s: %d classes, memcached printed %u", what, n, t->count);
    alloc_t *a = NULL;
    ck_assert_int_eq(alloc_create(&cfg, &a), ALLOC_OK);
    ck_assert_uint_eq(slab_class_count(a), t->count);
    for (unsigned i = 0; i < t->count; i++) {
        ck_assert_msg(sizes[i] == t->chunk[i] && perslab[i] == t->perslab[i],
                      "%s: class %u is %zu/%u, memcached has %zu/%u", what, i + 1, sizes[i],
                      perslab[i], t->chunk[i], t->perslab[i]);
        slab_class_info ci;
        ck_assert_int_eq(slab_class_get(a, i + 1, &ci), 0);
        ck_assert_uint_eq(ci.id, i + 1);
        ck_assert_uint_eq(ci.chunk_size, t->chunk[i]);
        ck_assert_uint_eq(ci.chunks_per_page, t->perslab[i]);
    }
    alloc_destroy(a);
}

/* ---- running memcached ------------------------------------------------------------ */

typedef struct mc_proc {
    pid_t pid;
    int err_fd;
    bool eof; /* stderr closed: memcached is exiting */
} mc_proc;

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Starts `memcached argv...` with stderr on a pipe.  Fails the test when memcached
 * cannot be run: the suite requires it. */
static mc_proc mc_spawn(const char *const *args)
{
    char *argv[40];
    unsigned n = 0;
    argv[n++] = "memcached";
    for (; args[n - 1] != NULL && n < 39; n++)
        argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
        dup2(fds[1], 2);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        close(fds[0]);
        close(fds[1]);
        execvp("memcached", argv);
        fprintf(stderr, "exec memcached: %s\n", strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    return (mc_proc){pid, fds[0], false};
}

/* Reads stderr into buf until it contains `until` (NULL: end of file), or timeout. */
static size_t mc_read(mc_proc *p, char *buf, size_t cap, const char *until, long timeout_ms)
{
    size_t len = 0;
    long deadline = now_ms() + timeout_ms;
    buf[0] = '\0';
    while (len + 1 < cap) {
        if (until != NULL && strstr(buf, until) != NULL)
            break;
        long left = deadline - now_ms();
        if (left <= 0)
            break;
        struct pollfd pfd = {p->err_fd, POLLIN, 0};
        if (poll(&pfd, 1, (int)left) <= 0)
            continue;
        ssize_t r = read(p->err_fd, buf + len, cap - 1 - len);
        if (r <= 0) {
            p->eof = true;
            break;
        }
        len += (size_t)r;
        buf[len] = '\0';
    }
    return len;
}

/* Stops memcached if still running; returns its exit status, or -1 if it was killed. */
static int mc_stop(mc_proc *p)
{
    int status = 0;
    pid_t r = waitpid(p->pid, &status, p->eof ? 0 : WNOHANG);
    if (r == 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, &status, 0);
        status = -1;
    } else if (WIFEXITED(status)) {
        status = WEXITSTATUS(status);
    } else {
        status = -1;
    }
    close(p->err_fd);
    return status;
}

static void mc_require(int exit_status, const char *text)
{
    ck_assert_msg(exit_status != 127 && strstr(text, "exec memcached") == NULL,
                  "memcached is not installed or cannot run (apt-get install memcached): %s",
                  text);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(sa.sin_port);
}

/* Runs `memcached -vv` with the options of t and parses the table it prints. */
static void mc_live_table(mc_table *t, const char *const *opts, char *cmdline, size_t cmdcap)
{
    char port[16];
    snprintf(port, sizeof port, "%d", free_port());
    const char *args[32] = {"-u", "root", "-vv", "-p", port, "-U", "0", "-l", "127.0.0.1"};
    unsigned n = 9;
    for (unsigned i = 0; opts[i] != NULL; i++)
        args[n++] = opts[i];
    args[n] = NULL;
    size_t used = (size_t)snprintf(cmdline, cmdcap, "memcached");
    for (unsigned i = 0; i < n && used < cmdcap; i++)
        used += (size_t)snprintf(cmdline + used, cmdcap - used, " %s", args[i]);
    parse_command(cmdline, t);
    mc_proc p = mc_spawn(args);
    static char buf[16384];
    /* The table is printed before the listening socket opens: this line ends it (or
     * end of file, should the port be taken meanwhile). */
    mc_read(&p, buf, sizeof buf, "server listening", 5000);
    int st = mc_stop(&p);
    mc_require(st, buf);
    parse_table(buf, t);
}

/* ---- checked-in tables ------------------------------------------------------------ */

START_TEST(test_data_tables)
{
    DIR *d = opendir(SLAB_TEST_DATA_DIR);
    ck_assert_msg(d != NULL, "cannot open %s", SLAB_TEST_DATA_DIR);
    unsigned files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "memcached_", 10) != 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", SLAB_TEST_DATA_DIR, e->d_name);
        FILE *f = fopen(path, "r");
        ck_assert_ptr_nonnull(f);
        static char text[16384];
        size_t len = fread(text, 1, sizeof text - 1, f);
        text[len] = '\0';
        fclose(f);
        ck_assert_msg(strncmp(text, "# command: memcached", 20) == 0,
                      "%s: first line must be '# command: memcached ...'", path);
        mc_table t;
        table_defaults(&t);
        char *eol = strchr(text, '\n');
        ck_assert_ptr_nonnull(eol);
        *eol = '\0';
        parse_command(text + 11, &t);
        parse_table(eol + 1, &t);
        ck_assert_msg(t.count >= 2, "%s: no table", path);
        compare_table(&t, e->d_name);
        files++;
    }
    closedir(d);
    ck_assert_uint_ge(files, 10);
}
END_TEST

/* ---- the live binary -------------------------------------------------------------- */

static const char *const live_cases[][8] = {
    {"-f", "1.25", "-n", "48", NULL},
    {"-f", "1.05", "-n", "48", NULL},
    {"-f", "1.08", "-n", "48", NULL},
    {"-f", "1.5", "-n", "48", NULL},
    {"-f", "2.0", "-n", "48", NULL},
    {"-f", "1.3333", "-n", "48", NULL},
    {"-f", "1.25", "-n", "1", NULL},
    {"-f", "1.25", "-n", "100", NULL},
    {"-f", "1.17", "-n", "7", NULL},
    {"-f", "1.25", "-n", "48", "-o", "slab_chunk_max=16384", NULL},
    {"-f", "1.1", "-n", "48", "-o", "slab_chunk_max=131072", NULL},
    {"-f", "1.6", "-n", "300", "-o", "slab_chunk_max=1048576", NULL},
    {"-f", "2.5", "-n", "20", "-o", "slab_chunk_max=65536", NULL},
    {"-o", "slab_sizes=100-200-300", NULL},
    {"-n", "1", "-o", "slab_sizes=9-18-1000-4096-524288", NULL},
};

START_TEST(test_live_tables)
{
    mc_table t;
    table_defaults(&t);
    char cmd[512];
    mc_live_table(&t, live_cases[_i], cmd, sizeof cmd);
    ck_assert_msg(t.count >= 2, "%s printed no class table", cmd);
    compare_table(&t, cmd);
}
END_TEST

/* -o slab_sizes: memcached and alloc_config_check accept and refuse the same lists.
 * Run with -n 1 so memcached's lower bound (its -n) is below the 8-byte gap rule, the
 * bound this library applies to the first size. */
typedef struct sizes_case {
    const char *list;
    const char *memcached_says; /* NULL: accepted */
    const char *we_say;
} sizes_case;

static const sizes_case sizes_cases[] = {
    {"100-200-300", NULL, NULL},
    {"100-109", NULL, NULL},
    {"9", NULL, NULL},
    {"100-524288", NULL, NULL},
    {"100-108-300", "must be at least 8 bytes larger", "bytes larger than the previous"},
    {"8", "must be at least 8 bytes larger", "bytes larger than the previous"},
    {"200-100", "cannot be lower than or equal", "cannot be lower than or equal"},
    {"300-300", "cannot be lower than or equal", "cannot be lower than or equal"},
    {"0-100", "out of valid range", "out of the valid range"},
    {"100-600000", "out of valid range", "out of the valid range"},
    {"MANY62", NULL, NULL},
    {"MANY63", "too many slab classes", "too many slab classes"},
};

static void expand_list(const char *list, char *out, size_t cap)
{
    unsigned many = 0;
    if (sscanf(list, "MANY%u", &many) != 1) {
        snprintf(out, cap, "%s", list);
        return;
    }
    size_t used = 0;
    for (unsigned i = 0; i < many; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%u", i ? "-" : "", 100 + 16 * i);
}

START_TEST(test_slab_sizes_validation)
{
    const sizes_case *c = &sizes_cases[_i];
    char list[1024], opt[1100];
    expand_list(c->list, list, sizeof list);
    snprintf(opt, sizeof opt, "slab_sizes=%s", list);
    char port[16];
    snprintf(port, sizeof port, "%d", free_port());
    const char *args[] = {"-u", "root", "-vv", "-p", port, "-U", "0", "-l", "127.0.0.1",
                          "-n", "1", "-o", opt, NULL};
    mc_proc p = mc_spawn(args);
    static char buf[16384];
    mc_read(&p, buf, sizeof buf, c->memcached_says ? NULL : "server listening", 5000);
    int st = mc_stop(&p);
    mc_require(st, buf);

    mc_table t;
    table_defaults(&t);
    t.n = 1;
    t.nsizes = parse_sizes(list, t.sizes, 64);
    alloc_config cfg;
    config_for(&t, &cfg);
    char msg[256];
    alloc_status ours = alloc_config_check(&cfg, msg, sizeof msg);
    if (c->memcached_says == NULL) {
        ck_assert_msg(st == -1, "memcached refused %s: %s", list, buf);
        ck_assert_msg(ours == ALLOC_OK, "we refuse %s: %s", list, msg);
        parse_table(buf, &t);
        compare_table(&t, list);
    } else {
        ck_assert_msg(st == 64 && strstr(buf, c->memcached_says) != NULL,
                      "memcached on %s: status %d, said: %s", list, st, buf);
        ck_assert_msg(ours == ALLOC_EINVAL, "we accept %s", list);
        ck_assert_msg(strstr(msg, c->we_say) != NULL && strstr(msg, "slab.") != NULL,
                      "our message for %s: %s", list, msg);
    }
}
END_TEST

/* ---- replay against a running memcached ------------------------------------------- */

static int mc_connect(int port, long timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    while (now_ms() < deadline) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
            return fd;
        if (fd >= 0)
            close(fd);
        usleep(20000);
    }
    return -1;
}

static bool send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w <= 0)
            return false;
        buf += w;
        len -= (size_t)w;
    }
    return true;
}

/* Reads until the received text ends with `tail`, or 10 s pass. */
static size_t recv_until(int fd, char *buf, size_t cap, const char *tail, size_t count)
{
    size_t len = 0, tl = strlen(tail), seen = 0;
    long deadline = now_ms() + 10000;
    buf[0] = '\0';
    while (len + 1 < cap && now_ms() < deadline) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, 200) <= 0)
            continue;
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
        buf[len] = '\0';
        seen = 0;
        for (const char *q = buf; (q = strstr(q, tail)) != NULL; q += tl)
            seen++;
        if (seen >= count)
            break;
    }
    return len;
}

static unsigned long stat_value(const char *text, const char *name, bool *found)
{
    char key[64];
    snprintf(key, sizeof key, "STAT %s ", name);
    const char *p = strstr(text, key);
    *found = p != NULL;
    return p != NULL ? strtoul(p + strlen(key), NULL, 10) : 0;
}

#define REPLAY_KEY_LEN 9 /* "k%08u" */
#define REPLAY_CLASSES 34

/* memcached's item size for a set with flags 0, CAS on: header, key + NUL, value +
 * "\r\n", CAS. */
static size_t item_size(size_t value_len)
{
    return MC_ITEM_HEADER + (REPLAY_KEY_LEN + 1) + (value_len + 2) + 8;
}

START_TEST(test_replay_against_memcached)
{
    /* The workload: for classes 1..34 of the default table (96 .. 161720 bytes), a
     * number of items spread over one to three pages, sizes drawn within each class's
     * range, all shuffled together.  About 45 pages: no eviction under -m 64. */
    mc_table t;
    table_defaults(&t);
    t.n = 48;
    alloc_config cfg;
    config_for(&t, &cfg);
    cfg.thread_safe = 0;
    size_t chunk[64];
    unsigned perslab[64];
    slab_table_compute(&cfg, chunk, perslab, 64);
    uint64_t rng = 0x2545F4914F6CDD1Dull;
#define NEXT() (rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17, rng)
    size_t nitems = 0, cap = 0;
    size_t *values = NULL;
    for (unsigned k = 0; k < REPLAY_CLASSES; k++) {
        size_t lo = k == 0 ? item_size(1) : chunk[k - 1] + 1, hi = chunk[k];
        unsigned count = (unsigned)(NEXT() % (perslab[k] * 2 + perslab[k] / 3)) + 1;
        if (count > 6000)
            count = 6000 + k;
        for (unsigned j = 0; j < count; j++) {
            if (nitems == cap) {
                cap = cap ? cap * 2 : 1024;
                values = realloc(values, cap * sizeof *values);
            }
            size_t size = lo + NEXT() % (hi - lo + 1);
            values[nitems++] = size - item_size(0);
        }
    }
    for (size_t i = nitems - 1; i > 0; i--) {
        size_t j = NEXT() % (i + 1), v = values[i];
        values[i] = values[j];
        values[j] = v;
    }

    int port = free_port();
    ck_assert_int_gt(port, 0);
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    const char *args[] = {"-u", "root", "-m", "64", "-p", portstr, "-U", "0", "-l", "127.0.0.1",
                          "-t", "1", "-o", "slab_automove=0", NULL};
    mc_proc p = mc_spawn(args);
    int fd = mc_connect(port, 5000);
    static char stats[65536], evict[16384], errs[4096];
    bool sent = fd >= 0;
    char *out = malloc(8 << 20);
    static char replies[1 << 16];
    for (size_t i = 0; sent && i < nitems;) {
        /* Pipelined in batches; memcached answers STORED to each. */
        size_t used = 0, batch = 0;
        for (; i < nitems && batch < 200 && used < (7 << 20); i++, batch++) {
            used += (size_t)sprintf(out + used, "set k%08zu 0 0 %zu\r\n", i, values[i]);
            memset(out + used, 'v', values[i]);
            used += values[i];
            memcpy(out + used, "\r\n", 2);
            used += 2;
        }
        sent = send_all(fd, out, used);
        recv_until(fd, replies, sizeof replies, "STORED\r\n", batch);
    }
    if (sent) {
        send_all(fd, "stats slabs\r\n", 13);
        recv_until(fd, stats, sizeof stats, "END\r\n", 1);
        send_all(fd, "stats\r\n", 7);
        recv_until(fd, evict, sizeof evict, "END\r\n", 1);
    }
    if (fd >= 0)
        close(fd);
    free(out);
    mc_read(&p, errs, sizeof errs, NULL, 10);
    int st = mc_stop(&p);
    mc_require(st, errs);
    ck_assert_msg(fd >= 0, "could not connect to memcached on port %d: %s", port, errs);
    ck_assert_msg(sent, "memcached closed the connection");

    bool found;
    ck_assert_uint_eq(stat_value(evict, "evictions", &found), 0);
    ck_assert(found);
    ck_assert_uint_eq(stat_value(evict, "curr_items", &found), nitems);

    /* Our allocator fed the same item sizes in the same order. */
    alloc_t *a = NULL;
    ck_assert_int_eq(alloc_create(&cfg, &a), ALLOC_OK);
    for (size_t i = 0; i < nitems; i++)
        ck_assert_ptr_nonnull(alloc_malloc(a, item_size(values[i])));
    unsigned compared = 0;
    for (unsigned id = 1; id <= slab_class_count(a); id++) {
        slab_class_info ci;
        slab_class_get(a, id, &ci);
        char name[64];
        snprintf(name, sizeof name, "%u:total_pages", id);
        unsigned long pages = stat_value(stats, name, &found);
        ck_assert_msg(pages == ci.total_pages, "class %u: memcached %lu pages, we %zu", id,
                      pages, ci.total_pages);
        snprintf(name, sizeof name, "%u:used_chunks", id);
        unsigned long used = stat_value(stats, name, &found);
        ck_assert_msg(used == ci.used_chunks, "class %u: memcached %lu used chunks, we %zu", id,
                      used, ci.used_chunks);
        compared += found;
    }
    ck_assert_uint_eq(compared, REPLAY_CLASSES);
    ck_assert_uint_eq(stat_value(stats, "active_slabs", &found), REPLAY_CLASSES);

    /* Our printer's lines for these classes are memcached's lines, byte for byte. */
    char *ours = NULL;
    size_t ours_len = 0;
    FILE *mem = open_memstream(&ours, &ours_len);
    slab_print_stats(a, mem);
    fclose(mem);
    const char *names[] = {"chunk_size", "chunks_per_page", "total_pages", "total_chunks",
                           "used_chunks", "free_chunks", "free_chunks_end"};
    for (unsigned id = 1; id <= REPLAY_CLASSES; id++) {
        for (unsigned k = 0; k < 7; k++) {
            char name[64], line[128];
            snprintf(name, sizeof name, "%u:%s", id, names[k]);
            snprintf(line, sizeof line, "STAT %s %lu\n", name, stat_value(stats, name, &found));
            ck_assert_msg(found && strstr(ours, line) != NULL, "missing in ours: %s", line);
        }
    }
    char line[128];
    snprintf(line, sizeof line, "STAT total_malloced %lu\n",
             stat_value(stats, "total_malloced", &found));
    ck_assert_msg(found && strstr(ours, line) != NULL, "total_malloced differs: %s vs\n%s", line,
                  ours);
    free(ours);
    free(values);
    ck_assert_int_eq(alloc_check(a), ALLOC_OK);
    alloc_destroy(a);
}
END_TEST

static Suite *slab_memcached_suite(void)
{
    Suite *s = suite_create("slab-memcached");
    TCase *tc = tcase_create("tables");
    tcase_add_test(tc, test_data_tables);
    tcase_add_loop_test(tc, test_live_tables, 0,
                        (int)(sizeof live_cases / sizeof live_cases[0]));
    tcase_add_loop_test(tc, test_slab_sizes_validation, 0,
                        (int)(sizeof sizes_cases / sizeof sizes_cases[0]));
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    tc = tcase_create("replay");
    tcase_add_test(tc, test_replay_against_memcached);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(slab_memcached_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
