/* fill_hist.h - the sizes of the objects a cache-aside replay of a trace stores, for
 * the class tables `allocbench factor --by hit-ratio` compares: a trace of gets only
 * writes nothing itself, yet the simulated cache stores every object it misses. */
#ifndef KVBENCH_FILL_HIST_H
#define KVBENCH_FILL_HIST_H

#include <stddef.h>

#include "histogram.h"

/* Replays `path` on a cache that never evicts, with the simulator's request rules
 * (sim_run.c): a get of an absent or expired key stores the object (the fill, with
 * the get's TTL); set stores; add stores when the key is absent; replace and cas
 * when it is present; delete removes; append, prepend, incr and decr are skipped, as
 * the simulator skips them.  Every store adds one size: key + value, or with
 * item_mode memcached's item 48 + key+1 + value+2 + 8.  Expiry is to the trace
 * second: an object stored at t with TTL s is absent from t + s on.
 * 0 ok (malformed lines are skipped); -1 with err. */
int fill_hist_load(const char *path, int item_mode, size_hist *out, char *err,
                   size_t errlen);

#endif /* KVBENCH_FILL_HIST_H */
