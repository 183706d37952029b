/* conn.h - one blocking TCP connection to a cache server, with a read buffer that
 * hands out whole lines and skips or copies counted payloads: what both the
 * memcached text protocol and RESP need from a socket. */
#ifndef KVBENCH_CONN_H
#define KVBENCH_CONN_H

#include <stddef.h>
#include <sys/uio.h>

/* A connection.  Invariant: 0 <= rpos <= rlen <= CONN_RBUF; the unread bytes are
 * rbuf[rpos, rlen). */
#define CONN_RBUF (64 * 1024)
typedef struct client_conn {
    int fd;
    int timeout_ms;     /* a read or write waiting longer than this is an error */
    char peer[128];     /* "HOST:PORT", for messages */
    size_t rpos, rlen;
    char *rbuf;         /* CONN_RBUF bytes from mmap */
} client_conn;

/* Connects to "HOST:PORT" (a name or a numeric address; "[v6]:port" too) with
 * TCP_NODELAY.  0 ok; -1 with err naming the address and the reason. */
int conn_open(client_conn *c, const char *hostport, int timeout_ms, char *err,
              size_t errlen);
/* Wraps a connected socket (tests use one end of a socketpair). */
int conn_wrap(client_conn *c, int fd, const char *peer, int timeout_ms, char *err,
              size_t errlen);
void conn_close(client_conn *c);
/* 1 when the invariant holds. */
int conn_check(const client_conn *c);

/* Sends every byte of iov[0..n).  0 ok; -1 with err. */
int conn_send(client_conn *c, const struct iovec *iov, int n, char *err, size_t errlen);
/* The next line without its "\r\n" (a bare "\n" is accepted): *line points into the
 * read buffer and stays valid until the next read call.  0 ok; -1 with err (closed,
 * timed out, or a line longer than the buffer). */
int conn_line(client_conn *c, const char **line, size_t *len, char *err, size_t errlen);
/* Reads exactly n bytes into dst (dst NULL: discards them). */
int conn_read(client_conn *c, char *dst, size_t n, char *err, size_t errlen);

#endif /* KVBENCH_CONN_H */
