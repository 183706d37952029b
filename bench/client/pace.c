/* pace.c - request pacing and lag statistics (see pace.h). */
#include "pace.h"

#include "mmap_vec.h"

#include <errno.h>
#include <math.h>
#include <sys/prctl.h>
#include <time.h>

int pace_init(pace *p, double scale)
{
    *p = (pace){.scale = scale};
    /* the default 50 us timer slack would make every sleep overshoot by up to that */
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    p->hist = mvec_alloc(PACE_BINS * sizeof *p->hist);
    return p->hist != NULL ? 0 : -1;
}

void pace_free(pace *p)
{
    if (p->hist != NULL)
        mvec_free(p->hist, PACE_BINS * sizeof *p->hist);
    p->hist = NULL;
}

int pace_check(const pace *p)
{
    uint64_t sum = 0, above = 0;
    for (uint32_t b = 0; b < PACE_BINS; b++) {
        sum += p->hist[b];
        /* bins wholly above the late threshold */
        if (b >= PACE_FINE_BINS + 1)
            above += p->hist[b];
    }
    return sum == p->sent && p->late <= p->sent && above <= p->late &&
           (p->late == 0 || p->max_lag_ns > PACE_LATE_NS);
}

uint64_t pace_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t pace_due_ns(double scale, uint64_t t_minus_t0, uint64_t i, uint64_t n)
{
    double s = ((double)t_minus_t0 + (n ? (double)i / (double)n : 0.0)) * scale;
    return (uint64_t)llround(s * 1e9);
}

static uint32_t lag_bin(uint64_t lag_ns)
{
    if (lag_ns < PACE_FINE_NS * PACE_FINE_BINS)
        return (uint32_t)(lag_ns / PACE_FINE_NS);
    uint64_t c = (lag_ns - PACE_FINE_NS * PACE_FINE_BINS) / PACE_COARSE_NS;
    return PACE_FINE_BINS + (uint32_t)(c < PACE_COARSE_BINS ? c : PACE_COARSE_BINS);
}

void pace_record(pace *p, uint64_t lag_ns)
{
    p->sent++;
    p->hist[lag_bin(lag_ns)]++;
    if (lag_ns > PACE_LATE_NS)
        p->late++;
    if (lag_ns > p->max_lag_ns)
        p->max_lag_ns = lag_ns;
}

void pace_start(pace *p)
{
    p->start_ns = pace_now_ns();
    p->started = 1;
}

uint64_t pace_wait(pace *p, uint64_t t_minus_t0, uint64_t i, uint64_t n)
{
    uint64_t now = pace_now_ns();
    if (!p->started) {
        p->start_ns = now;
        p->started = 1;
    }
    uint64_t due = p->start_ns + pace_due_ns(p->scale, t_minus_t0, i, n);
    if (now < due) {
        struct timespec ts = {.tv_sec = (time_t)(due / 1000000000ull),
                              .tv_nsec = (long)(due % 1000000000ull)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
        now = pace_now_ns();
    }
    uint64_t lag = now > due ? now - due : 0;
    pace_record(p, lag);
    return lag;
}

uint64_t pace_quantile_ns(const pace *p, double q)
{
    if (p->sent == 0)
        return 0;
    uint64_t want = (uint64_t)ceil(q * (double)p->sent);
    if (want == 0)
        want = 1;
    uint64_t acc = 0;
    for (uint32_t b = 0; b < PACE_BINS; b++) {
        acc += p->hist[b];
        if (acc >= want) {
            if (b < PACE_FINE_BINS)
                return (uint64_t)(b + 1) * PACE_FINE_NS;
            if (b < PACE_FINE_BINS + PACE_COARSE_BINS)
                return PACE_FINE_NS * PACE_FINE_BINS +
                       (uint64_t)(b - PACE_FINE_BINS + 1) * PACE_COARSE_NS;
            return p->max_lag_ns;
        }
    }
    return p->max_lag_ns;
}
