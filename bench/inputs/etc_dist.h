/* etc_dist.h - Facebook's ETC memcached pool (Atikoglu et al., SIGMETRICS 2012) as
 * mutilate generates it: key sizes from a Generalized Extreme Value distribution,
 * value sizes from mutilate's table of 0-14 byte values, else a Generalized Pareto. */
#ifndef KVBENCH_ETC_DIST_H
#define KVBENCH_ETC_DIST_H

#include <stdint.h>

#include "rng.h"

/* memcached refuses keys above 250 bytes; an item above 1 MiB does not fit a page. */
#define ETC_KEY_MAX 250u
#define ETC_VALUE_MAX (1024u * 1024u - 512u)

uint32_t etc_key_size(rng *r);   /* 1 .. ETC_KEY_MAX */
uint32_t etc_value_size(rng *r); /* 0 .. ETC_VALUE_MAX */

/* Key plus value as one raw allocation (a key draw, then a value draw). */
uint32_t etc_item_size(rng *r);

#endif /* KVBENCH_ETC_DIST_H */
