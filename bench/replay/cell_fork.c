/* cell_fork.c - see cell_fork.h. */
#include "cell_fork.h"

#include "proc_stats.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { REC_ROW = 1, REC_CLASS = 2, REC_ERROR = 3 };

#define ERR_LEN 320

/* ---- child side ------------------------------------------------------------ */

static void write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(3); /* the parent is gone */
        p += n;
        len -= (size_t)n;
    }
}

static void send_rec(int fd, uint32_t type, const void *payload, size_t len)
{
    write_all(fd, &type, sizeof type);
    write_all(fd, payload, len);
}

static void pipe_row(void *ud, const cell_row *r) { send_rec(*(int *)ud, REC_ROW, r, sizeof *r); }

static void pipe_class(void *ud, const class_row *r)
{
    send_rec(*(int *)ud, REC_CLASS, r, sizeof *r);
}

static void child(const cell_spec *c, int fd)
{
    cell_sink sink = {&fd, pipe_row, pipe_class};
    char err[ERR_LEN];
    memset(err, 0, sizeof err);
    if (cell_run(c, &sink, err, sizeof err) != 0) {
        send_rec(fd, REC_ERROR, err, sizeof err);
        _exit(1);
    }
    _exit(0);
}

/* ---- parent side ----------------------------------------------------------- */

typedef struct running {
    pid_t pid;
    int fd;
    size_t cell;
    char *buf;
    size_t len, cap;
    double start;
} running;

static int buf_read(running *ru)
{
    if (ru->cap - ru->len < 65536) {
        size_t cap = ru->cap ? ru->cap * 2 : 131072;
        char *b = realloc(ru->buf, cap);
        if (b == NULL)
            return -1;
        ru->buf = b;
        ru->cap = cap;
    }
    ssize_t n = read(ru->fd, ru->buf + ru->len, ru->cap - ru->len);
    if (n < 0 && errno == EINTR)
        return 1;
    if (n <= 0)
        return 0;
    ru->len += (size_t)n;
    return 1;
}

static void *push(void *arr, size_t *n, size_t elem, const void *item)
{
    char *a = realloc(arr, (*n + 1) * elem);
    if (a == NULL)
        return arr;
    memcpy(a + *n * elem, item, elem);
    (*n)++;
    return a;
}

/* Turns the child's byte stream into rows; the exit status decides ok. */
static void finish(running *ru, int status, cell_result *res)
{
    size_t pos = 0;
    int got_error = 0;
    while (pos + sizeof(uint32_t) <= ru->len) {
        uint32_t type;
        memcpy(&type, ru->buf + pos, sizeof type);
        pos += sizeof type;
        size_t need = type == REC_ROW ? sizeof(cell_row)
                      : type == REC_CLASS ? sizeof(class_row) : ERR_LEN;
        if (pos + need > ru->len)
            break;
        if (type == REC_ROW) {
            cell_row r;
            memcpy(&r, ru->buf + pos, sizeof r);
            res->rows = push(res->rows, &res->nrows, sizeof r, &r);
        } else if (type == REC_CLASS) {
            class_row r;
            memcpy(&r, ru->buf + pos, sizeof r);
            res->classes = push(res->classes, &res->nclasses, sizeof r, &r);
        } else {
            memcpy(res->err, ru->buf + pos, ERR_LEN);
            res->err[ERR_LEN - 1] = '\0';
            got_error = 1;
        }
        pos += need;
    }
    res->ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && !got_error;
    if (!res->ok && !got_error) {
        if (WIFSIGNALED(status))
            snprintf(res->err, sizeof res->err, "the cell's process died of signal %d (%s)",
                     WTERMSIG(status), strsignal(WTERMSIG(status)));
        else
            snprintf(res->err, sizeof res->err, "the cell's process exited with status %d",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    res->seconds = proc_now() - ru->start;
}

static int start(const cell_spec *c, size_t i, running *ru, cell_result *res)
{
    int fds[2];
    memset(ru, 0, sizeof *ru);
    if (pipe(fds) != 0) {
        snprintf(res->err, sizeof res->err, "pipe: %s", strerror(errno));
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        snprintf(res->err, sizeof res->err, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        child(c, fds[1]);
    }
    close(fds[1]);
    ru->pid = pid;
    ru->fd = fds[0];
    ru->cell = i;
    ru->start = proc_now();
    return 0;
}

size_t cells_run(const cell_spec *cells, size_t n, unsigned jobs, cell_result *out,
                 cell_progress_fn progress, void *ud)
{
    if (jobs == 0)
        jobs = 1;
    running *ru = calloc(jobs, sizeof *ru);
    struct pollfd *pfd = calloc(jobs, sizeof *pfd);
    size_t next = 0, done = 0, failed = 0;
    unsigned active = 0;
    memset(out, 0, n * sizeof *out);
    if (ru == NULL || pfd == NULL) {
        for (size_t i = 0; i < n; i++)
            snprintf(out[i].err, sizeof out[i].err, "out of memory");
        free(ru);
        free(pfd);
        return n;
    }
    while (done < n) {
        while (active < jobs && next < n) {
            if (start(&cells[next], next, &ru[active], &out[next]) != 0) {
                failed++;
                done++;
                if (progress)
                    progress(ud, done, n, &cells[next], &out[next]);
                next++;
                continue;
            }
            active++;
            next++;
        }
        if (active == 0)
            continue;
        for (unsigned k = 0; k < active; k++)
            pfd[k] = (struct pollfd){.fd = ru[k].fd, .events = POLLIN};
        if (poll(pfd, active, -1) < 0 && errno != EINTR)
            break;
        for (unsigned k = 0; k < active;) {
            if (pfd[k].revents == 0 || buf_read(&ru[k]) > 0) {
                k++;
                continue;
            }
            int status = 0;
            close(ru[k].fd);
            while (waitpid(ru[k].pid, &status, 0) < 0 && errno == EINTR)
                ;
            cell_result *res = &out[ru[k].cell];
            finish(&ru[k], status, res);
            free(ru[k].buf);
            if (!res->ok)
                failed++;
            done++;
            if (progress)
                progress(ud, done, n, &cells[ru[k].cell], res);
            /* keep the arrays dense: the last running child takes this place */
            active--;
            ru[k] = ru[active];
            pfd[k] = pfd[active];
        }
    }
    free(ru);
    free(pfd);
    return failed;
}

void cell_result_free(cell_result *r)
{
    free(r->rows);
    free(r->classes);
    r->rows = NULL;
    r->classes = NULL;
    r->nrows = r->nclasses = 0;
}
