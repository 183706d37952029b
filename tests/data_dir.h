/* data_dir.h - where the suites find the CacheLib size distributions.  They are not
 * part of the repository, so a check that reads them runs only when they are there:
 * in $KVALLOC_DATA_DIR, else in KVALLOC_DEFAULT_DATA_DIR (set by the build, beside the
 * source tree).  Everything such a check asserts is also asserted on histograms the
 * suites generate, so a clone on its own loses no coverage of the code, only the
 * production data. */
#ifndef KVALLOC_TEST_DATA_DIR_H
#define KVALLOC_TEST_DATA_DIR_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef KVALLOC_DEFAULT_DATA_DIR
#error "the build must define KVALLOC_DEFAULT_DATA_DIR"
#endif

/* Resolved when the suite runs, not when it is built, so one binary serves both the
 * machine that has the data and the one that does not. */
static inline const char *data_dir(void)
{
    const char *dir = getenv("KVALLOC_DATA_DIR");
    return dir != NULL && *dir != '\0' ? dir : KVALLOC_DEFAULT_DATA_DIR;
}

/* The path of data file `name` in path; 1 when it is readable, 0 when not. */
static inline int data_file(const char *name, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", data_dir(), name);
    return access(path, R_OK) == 0;
}

#endif /* KVALLOC_TEST_DATA_DIR_H */
