/* etc_dist.c - ETC key and value size samplers (parameters from the SIGMETRICS 2012
 * paper and mutilate's generator). */
#include "etc_dist.h"

#include <math.h>

/* Key size: GEV(mu, sigma, k); x = mu + sigma * ((-ln U)^(-k) - 1) / k. */
#define ETC_KEY_MU 30.7984
#define ETC_KEY_SIGMA 8.20449
#define ETC_KEY_K 0.078688

/* Value size: GPD(theta 0, sigma, k); x = theta + sigma * (U^(-k) - 1) / k. */
#define ETC_VALUE_SIGMA 214.476
#define ETC_VALUE_K 0.348238

/* mutilate draws 0-14 byte values from this table first (probabilities summing to
 * .44155); the rest of the mass goes to the GPD. */
static const double small_value_p[15] = {
    .00536, .00047, .17820, .09239, .00018, .02740, .00065, .00606,
    .00023, .00837, .00837, .08989, .00092, .00326, .01980,
};

static uint32_t clamp_round(double x, uint32_t lo, uint32_t hi)
{
    if (!(x >= lo)) /* also catches NaN */
        return lo;
    if (x >= hi)
        return hi;
    return (uint32_t)lround(x);
}

uint32_t etc_key_size(rng *r)
{
    double u = rng_unit(r);
    double x = ETC_KEY_MU + ETC_KEY_SIGMA * (pow(-log(u), -ETC_KEY_K) - 1.0) / ETC_KEY_K;
    return clamp_round(x, 1, ETC_KEY_MAX);
}

uint32_t etc_value_size(rng *r)
{
    double u = rng_unit(r);
    double acc = 0;
    for (uint32_t i = 0; i < 15; i++) {
        acc += small_value_p[i];
        if (u < acc)
            return i;
    }
    double v = rng_unit(r);
    double x = ETC_VALUE_SIGMA * (pow(v, -ETC_VALUE_K) - 1.0) / ETC_VALUE_K;
    return clamp_round(x, 0, ETC_VALUE_MAX);
}

uint32_t etc_item_size(rng *r)
{
    uint32_t key = etc_key_size(r);
    return key + etc_value_size(r);
}
