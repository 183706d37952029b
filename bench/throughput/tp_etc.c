/* tp_etc.c - item sizes drawn from the ETC pool of Atikoglu et al. (SIGMETRICS 2012)
 * with the inverse-CDF formulas of workloads-and-metrics.md, from a splitmix64 stream
 * so that every run and every allocator sees the same sizes. */
#include "tp.h"

#include <math.h>

#define ETC_KEY_MU 30.7984
#define ETC_KEY_SIGMA 8.20449
#define ETC_KEY_K 0.078688
#define ETC_VAL_SIGMA 214.476
#define ETC_VAL_K 0.348238
#define ETC_KEY_MAX 250 /* memcached's KEY_MAX_LENGTH */

/* mutilate draws these small values first; the weights sum to 0.44155 and the rest of
 * the mass goes to the GPD. */
static const double etc_small_value[15] = {
    0.00536, 0.00047, 0.17820, 0.09239, 0.00018, 0.02740, 0.00065, 0.00606,
    0.00023, 0.00837, 0.00837, 0.08989, 0.00092, 0.00326, 0.01980,
};

uint64_t tp_rand64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in the open interval (0, 1): both inverse CDFs diverge at an end point. */
static double unit_open(uint64_t *state)
{
    return ((double)(tp_rand64(state) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

size_t tp_etc_key_size(uint64_t *state)
{
    double x = ETC_KEY_MU +
               ETC_KEY_SIGMA * (pow(-log(unit_open(state)), -ETC_KEY_K) - 1.0) / ETC_KEY_K;
    if (x < 1.0)
        return 1;
    return x > ETC_KEY_MAX ? ETC_KEY_MAX : (size_t)lround(x);
}

size_t tp_etc_value_size(uint64_t *state)
{
    double u = unit_open(state);
    for (size_t i = 0; i < sizeof etc_small_value / sizeof etc_small_value[0]; i++) {
        if (u < etc_small_value[i])
            return i;
        u -= etc_small_value[i];
    }
    double x = ETC_VAL_SIGMA * (pow(unit_open(state), -ETC_VAL_K) - 1.0) / ETC_VAL_K;
    return x >= (double)TP_ETC_MAX_ITEM ? TP_ETC_MAX_ITEM : (size_t)lround(x);
}

size_t tp_etc_item_size(uint64_t *state)
{
    size_t n = tp_etc_key_size(state) + tp_etc_value_size(state);
    return n > TP_ETC_MAX_ITEM ? TP_ETC_MAX_ITEM : n;
}
