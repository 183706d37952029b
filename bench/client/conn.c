/* conn.c - blocking TCP with timeouts and a line reader (see conn.h). */
#include "conn.h"

#include "bench_error.h"
#include "mmap_vec.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int conn_fail(client_conn *c, char *err, size_t errlen, const char *what)
{
    int e = errno;
    if (e == EAGAIN || e == EWOULDBLOCK)
        return bench_error(err, errlen, "%s: %s: no answer within %d ms", c->peer, what,
                           c->timeout_ms);
    return bench_error(err, errlen, "%s: %s: %s", c->peer, what, strerror(e));
}

int conn_wrap(client_conn *c, int fd, const char *peer, int timeout_ms, char *err,
              size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->timeout_ms = timeout_ms;
    snprintf(c->peer, sizeof c->peer, "%s", peer);
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
        conn_fail(c, err, errlen, "cannot set socket timeouts");
        close(fd);
        c->fd = -1;
        return -1;
    }
    c->rbuf = mvec_alloc(CONN_RBUF);
    if (c->rbuf == NULL) {
        close(fd);
        c->fd = -1;
        return bench_error(err, errlen, "%s: out of memory for the read buffer", peer);
    }
    return 0;
}

/* "host:port" or "[v6]:port" split into its two parts. */
static int split_hostport(const char *s, char *host, size_t hostlen, const char **port)
{
    const char *colon;
    const char *h = s;
    size_t hlen;
    if (*s == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':')
            return -1;
        h = s + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return -1;
        hlen = (size_t)(colon - s);
    }
    if (hlen == 0 || hlen >= hostlen || colon[1] == '\0')
        return -1;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = colon + 1;
    return 0;
}

/* connect() bounded by the timeout: non-blocking, then poll for writability. */
static int connect_timed(int fd, const struct sockaddr *sa, socklen_t len, int timeout_ms)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
        return -1;
    int rc = connect(fd, sa, len);
    if (rc != 0 && errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        rc = poll(&p, 1, timeout_ms);
        if (rc == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        if (rc < 0)
            return -1;
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
            return -1;
        if (soerr != 0) {
            errno = soerr;
            return -1;
        }
        rc = 0;
    }
    if (rc != 0)
        return -1;
    return fcntl(fd, F_SETFL, flags);
}

int conn_open(client_conn *c, const char *hostport, int timeout_ms, char *err,
              size_t errlen)
{
    char host[256];
    const char *port;
    memset(c, 0, sizeof *c);
    c->fd = -1;
    if (split_hostport(hostport, host, sizeof host, &port) != 0)
        return bench_error(err, errlen, "'%s' is not HOST:PORT (e.g. 127.0.0.1:11211)",
                           hostport);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0)
        return bench_error(err, errlen, "cannot resolve '%s': %s", hostport,
                           gai_strerror(gai));
    int fd = -1, last_errno = 0;
    for (struct addrinfo *a = res; a != NULL; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        if (connect_timed(fd, a->ai_addr, a->ai_addrlen, timeout_ms) == 0)
            break;
        last_errno = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        if (last_errno == ECONNREFUSED)
            return bench_error(err, errlen, "cannot connect to %s: connection refused (is "
                               "the server running and listening there?)", hostport);
        return bench_error(err, errlen, "cannot connect to %s: %s", hostport,
                           strerror(last_errno));
    }
    /* one request at a time: Nagle would hold each small request for the last ACK */
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
        int e = errno;
        close(fd);
        return bench_error(err, errlen, "%s: cannot set TCP_NODELAY: %s", hostport,
                           strerror(e));
    }
    return conn_wrap(c, fd, hostport, timeout_ms, err, errlen);
}

void conn_close(client_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    if (c->rbuf != NULL)
        mvec_free(c->rbuf, CONN_RBUF);
    c->fd = -1;
    c->rbuf = NULL;
    c->rpos = c->rlen = 0;
}

int conn_check(const client_conn *c)
{
    return c->rbuf != NULL && c->rpos <= c->rlen && c->rlen <= CONN_RBUF;
}

int conn_send(client_conn *c, const struct iovec *iov_in, int n, char *err, size_t errlen)
{
    struct iovec iov[64];
    if (n > (int)(sizeof iov / sizeof iov[0]))
        return bench_error(err, errlen, "%s: request in more than %zu pieces", c->peer,
                           sizeof iov / sizeof iov[0]);
    memcpy(iov, iov_in, (size_t)n * sizeof *iov);
    struct iovec *v = iov;
    while (n > 0) {
        struct msghdr m = {.msg_iov = v, .msg_iovlen = (size_t)n};
        ssize_t w = sendmsg(c->fd, &m, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return conn_fail(c, err, errlen, "send failed");
        }
        size_t left = (size_t)w;
        while (n > 0 && left >= v->iov_len) {
            left -= v->iov_len;
            v++;
            n--;
        }
        if (n > 0) {
            v->iov_base = (char *)v->iov_base + left;
            v->iov_len -= left;
        }
    }
    return 0;
}

/* Appends what the socket has to the buffer, compacting first.  0 ok; -1 with err. */
static int conn_fill(client_conn *c, char *err, size_t errlen)
{
    if (c->rpos > 0) {
        memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
        c->rlen -= c->rpos;
        c->rpos = 0;
    }
    if (c->rlen == CONN_RBUF)
        return bench_error(err, errlen, "%s: protocol error: a reply line longer than "
                           "%d bytes", c->peer, CONN_RBUF);
    for (;;) {
        ssize_t r = recv(c->fd, c->rbuf + c->rlen, CONN_RBUF - c->rlen, 0);
        if (r > 0) {
            c->rlen += (size_t)r;
            return 0;
        }
        if (r == 0)
            return bench_error(err, errlen, "%s: the server closed the connection", c->peer);
        if (errno != EINTR)
            return conn_fail(c, err, errlen, "receive failed");
    }
}

int conn_line(client_conn *c, const char **line, size_t *len, char *err, size_t errlen)
{
    size_t scanned = 0;
    for (;;) {
        const char *start = c->rbuf + c->rpos;
        const char *nl = memchr(start + scanned, '\n', c->rlen - c->rpos - scanned);
        if (nl != NULL) {
            size_t l = (size_t)(nl - start);
            c->rpos += l + 1;
            if (l > 0 && start[l - 1] == '\r')
                l--;
            *line = start;
            *len = l;
            return 0;
        }
        scanned = c->rlen - c->rpos;
        if (conn_fill(c, err, errlen) != 0)
            return -1;
    }
}

int conn_read(client_conn *c, char *dst, size_t n, char *err, size_t errlen)
{
    while (n > 0) {
        if (c->rpos == c->rlen && conn_fill(c, err, errlen) != 0)
            return -1;
        size_t take = c->rlen - c->rpos < n ? c->rlen - c->rpos : n;
        if (dst != NULL) {
            memcpy(dst, c->rbuf + c->rpos, take);
            dst += take;
        }
        c->rpos += take;
        n -= take;
    }
    return 0;
}
