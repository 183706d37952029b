/* pace.h - when each request is due, and how late it went out.  Request i of the n
 * requests of trace second t is due at start + (t - t0 + i / n) x K seconds (t0 the
 * first request's second, K the time scale): the same mapping the simulator's clock
 * uses, so both sides see a request at the same server time. */
#ifndef KVBENCH_PACE_H
#define KVBENCH_PACE_H

#include <stdint.h>

/* Lag histogram: 10 us bins below 100 ms, 1 ms bins from there to 100 s, then one bin
 * for the rest. */
#define PACE_FINE_NS 10000ull
#define PACE_FINE_BINS 10000u
#define PACE_COARSE_NS 1000000ull
#define PACE_COARSE_BINS 99900u
#define PACE_BINS (PACE_FINE_BINS + PACE_COARSE_BINS + 1u)
/* A request more than this late counts as late; over 1% of them fails the replay. */
#define PACE_LATE_NS 100000000ull

/* The pacer.  Invariants: sent == sum of hist[]; late <= sent; every lag counted in
 * late is <= max_lag_ns. */
typedef struct pace {
    double scale;        /* K > 0 */
    uint64_t start_ns;   /* CLOCK_MONOTONIC when the first request was due */
    int started;
    uint64_t sent, late, max_lag_ns;
    uint32_t *hist;      /* PACE_BINS counts, from mmap */
} pace;

int pace_init(pace *p, double scale);
void pace_free(pace *p);
int pace_check(const pace *p);

/* Nanoseconds after start at which request i of n in trace second t is due. */
uint64_t pace_due_ns(double scale, uint64_t t_minus_t0, uint64_t i, uint64_t n);

/* Sleeps (clock_nanosleep, TIMER_ABSTIME on CLOCK_MONOTONIC) until the request is due,
 * or returns at once when already behind; records the lag.  The first call sets the
 * start.  Returns the lag in ns. */
uint64_t pace_wait(pace *p, uint64_t t_minus_t0, uint64_t i, uint64_t n);
/* Starts the schedule now (otherwise the first pace_wait starts it). */
void pace_start(pace *p);
/* Counts a lag without sleeping (tests). */
void pace_record(pace *p, uint64_t lag_ns);
/* The q-quantile (0..1) of the lags, rounded up to its bin's upper edge. */
uint64_t pace_quantile_ns(const pace *p, double q);
uint64_t pace_now_ns(void);

#endif /* KVBENCH_PACE_H */
