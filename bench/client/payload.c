/* payload.c - key texts and value filler (see payload.h). */
#include "payload.h"

#include "bench_error.h"
#include "mmap_vec.h"

#include <string.h>

size_t payload_key(uint64_t hash, uint32_t key_size, char out[PAYLOAD_KEY_MAX])
{
    static const char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char d[PAYLOAD_KEY_DIGITS];
    uint64_t h = hash;
    for (int i = 0; i < PAYLOAD_KEY_DIGITS; i++) {
        d[i] = digits[h & 63];
        h >>= 6;
    }
    size_t len = key_size < 1 ? 1 : key_size > PAYLOAD_KEY_MAX ? PAYLOAD_KEY_MAX : key_size;
    for (size_t i = 0; i < len; i++)
        out[i] = d[i % PAYLOAD_KEY_DIGITS];
    return len;
}

int payload_filler_init(payload_filler *f, char *err, size_t errlen)
{
    f->fill = mvec_alloc(PAYLOAD_FILL);
    if (f->fill == NULL)
        return bench_error(err, errlen, "out of memory for the value filler");
    memset(f->fill, 'x', PAYLOAD_FILL);
    return 0;
}

void payload_filler_free(payload_filler *f)
{
    if (f->fill != NULL)
        mvec_free(f->fill, PAYLOAD_FILL);
    f->fill = NULL;
}

int payload_filler_check(const payload_filler *f)
{
    if (f->fill == NULL)
        return 0;
    for (size_t i = 0; i < PAYLOAD_FILL; i++)
        if (f->fill[i] != 'x')
            return 0;
    return 1;
}

int payload_send(client_conn *c, const payload_filler *f, const char *head, size_t headlen,
                 uint64_t vsize, const char *tail, size_t taillen, char *err, size_t errlen)
{
    /* conn_send takes 64 pieces: head + up to 62 filler pieces + tail per write */
    enum { PIECES = 62 };
    struct iovec iov[PIECES + 2];
    int n = 0;
    iov[n++] = (struct iovec){.iov_base = (void *)head, .iov_len = headlen};
    for (;;) {
        while (vsize > 0 && n < PIECES + 1) {
            size_t take = vsize < PAYLOAD_FILL ? (size_t)vsize : PAYLOAD_FILL;
            iov[n++] = (struct iovec){.iov_base = f->fill, .iov_len = take};
            vsize -= take;
        }
        if (vsize == 0) {
            iov[n++] = (struct iovec){.iov_base = (void *)tail, .iov_len = taillen};
            return conn_send(c, iov, n, err, errlen);
        }
        if (conn_send(c, iov, n, err, errlen) != 0)
            return -1;
        n = 0;
    }
}
