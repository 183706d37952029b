/* sim_cells.c - simulator cells in child processes, a few at a time: each cell has
 * its own allocator and jemalloc arena, and a crash in one is reported while the others
 * go on.  A result is smaller than PIPE_BUF, so the child's one write never blocks and
 * the parent can simply wait for whichever child ends first. */
#include "sim_run.h"

#include "proc_stats.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

_Static_assert(sizeof(sim_result) <= 4096, "a result must fit one atomic pipe write");

typedef struct child {
    pid_t pid;
    int fd;
    size_t cell;
    double start;
} child;

static void run_child(const sim_cell *c, int fd)
{
    sim_result r;
    memset(&r, 0, sizeof r);
    r.ok = sim_run(c, &r.row, r.err, sizeof r.err) == 0;
    ssize_t n;
    do
        n = write(fd, &r, sizeof r);
    while (n < 0 && errno == EINTR);
    _exit(n == (ssize_t)sizeof r && r.ok ? 0 : 1);
}

static void collect(child *ch, int status, sim_result *res)
{
    ssize_t n;
    do
        n = read(ch->fd, res, sizeof *res);
    while (n < 0 && errno == EINTR);
    close(ch->fd);
    if (n != (ssize_t)sizeof *res) {
        memset(res, 0, sizeof *res);
        if (WIFSIGNALED(status))
            snprintf(res->err, sizeof res->err, "the cell's process died of signal %d (%s)",
                     WTERMSIG(status), strsignal(WTERMSIG(status)));
        else
            snprintf(res->err, sizeof res->err, "the cell's process exited with status %d "
                     "and no result", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
}

size_t sim_cells(const sim_cell *cells, size_t n, unsigned jobs, int quiet, sim_result *out)
{
    if (jobs == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = cpus > 0 ? (unsigned)cpus : 1;
    }
    child *run = calloc(jobs, sizeof *run);
    memset(out, 0, n * sizeof *out);
    if (run == NULL) {
        for (size_t i = 0; i < n; i++)
            snprintf(out[i].err, sizeof out[i].err, "out of memory");
        return n;
    }
    size_t next = 0, done = 0, failed = 0;
    unsigned active = 0;
    double t0 = proc_now();
    while (done < n) {
        while (active < jobs && next < n) {
            int fds[2];
            pid_t pid = -1;
            fflush(stdout);
            fflush(stderr);
            if (pipe(fds) == 0 && (pid = fork()) == 0) {
                close(fds[0]);
                run_child(&cells[next], fds[1]);
            }
            if (pid < 0) {
                snprintf(out[next].err, sizeof out[next].err, "cannot start a process: %s",
                         strerror(errno));
                failed++;
                done++;
                next++;
                continue;
            }
            close(fds[1]);
            run[active++] = (child){pid, fds[0], next++, proc_now()};
        }
        if (active == 0)
            continue;
        int status;
        pid_t pid = wait(&status);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (unsigned k = 0; k < active; k++) {
            if (run[k].pid != pid)
                continue;
            const sim_cell *c = &cells[run[k].cell];
            sim_result *res = &out[run[k].cell];
            collect(&run[k], status, res);
            done++;
            if (!res->ok) {
                failed++;
                fprintf(stderr, "allocbench sim: cell %s x %s at %llu bytes failed: %s\n",
                        c->workload, c->config, (unsigned long long)c->memory, res->err);
            } else if (!quiet) {
                fprintf(stderr, "[%zu/%zu] %-24s %-34s %8.1f MiB %6.2fs  (elapsed %.0fs)\n",
                        done, n, c->workload, c->config, (double)c->memory / 1048576.0,
                        proc_now() - run[k].start, proc_now() - t0);
            }
            run[k] = run[--active];
            break;
        }
    }
    free(run);
    return failed;
}
