/* gnuplot.c - see gnuplot.h. */
#include "gnuplot.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

extern char **environ;

int gnuplot_available(void)
{
    return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

int gnuplot_run(const char *who, const char *script, const char *vars)
{
    char *argv[] = {"gnuplot", "-e", (char *)vars, (char *)script, NULL};
    pid_t pid;
    int st = -1;
    fflush(stdout);
    fflush(stderr);
    if (posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ) == 0)
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    if (st != 0)
        fprintf(stderr, "%s: gnuplot failed on %s (status %d)\n", who, script, st);
    return st == 0 ? 0 : -1;
}
