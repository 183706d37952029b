/* parse_num.h - the number syntax every allocbench option shares: byte counts with
 * k/m/g suffixes (powers of 1024), plain counts, and decimals; each parser rejects
 * trailing garbage and overflow instead of guessing. */
#ifndef KVBENCH_PARSE_NUM_H
#define KVBENCH_PARSE_NUM_H

#include <stddef.h>
#include <stdint.h>

/* "4096", "64k", "1m", "2g" (case-insensitive, optional trailing 'b' or "ib").
 * 0 ok, -1 not a byte count. */
int parse_bytes(const char *s, unsigned long long *out);
/* Counts of operations or keys: "200000", "200k", "1m"; here k/m/g are powers of
 * 1000, since nobody means 1048576 operations by "1m". */
int parse_count(const char *s, unsigned long long *out);
int parse_double(const char *s, double *out);
/* "a-b-c" with byte suffixes allowed in each entry; at most `max` entries. */
int parse_size_list(const char *s, size_t *out, unsigned max, unsigned *n);
/* "MIN-MAX" of byte counts, MIN <= MAX. */
int parse_range(const char *s, unsigned long long *lo, unsigned long long *hi);

#endif /* KVBENCH_PARSE_NUM_H */
