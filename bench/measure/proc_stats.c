/* proc_stats.c - see proc_stats.h. */
#include "proc_stats.h"

#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

size_t proc_rss_bytes(void)
{
    char buf[128];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *p = buf;
    strtoull(p, &p, 10); /* total program size */
    unsigned long long resident = strtoull(p, NULL, 10);
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

double proc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
