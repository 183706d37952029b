/* rng.h - the harness's seeded generator: xoshiro256** seeded through splitmix64, so
 * one 64-bit seed reproduces a workload exactly on every machine. */
#ifndef KVBENCH_RNG_H
#define KVBENCH_RNG_H

#include <stdint.h>

typedef struct rng {
    uint64_t s[4];
} rng;

static inline uint64_t rng_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* `stream` separates independent sequences drawn from the same seed (the workload's
 * operations and the eviction sampler must not disturb each other). */
static inline void rng_seed(rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = rng_splitmix(&x);
}

static inline uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t t = s[1] << 17, x = s[1] * 5;
    uint64_t out = ((x << 7) | (x >> 57)) * 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return out;
}

/* Uniform in the open interval (0, 1): the inverse-CDF samplers take logarithms and
 * negative powers of it. */
static inline double rng_unit(rng *r)
{
    return ((double)(rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

__extension__ typedef unsigned __int128 rng_u128;

/* Uniform in [0, n), n > 0, without modulo bias (Lemire's multiply-shift). */
static inline uint64_t rng_below(rng *r, uint64_t n)
{
    for (;;) {
        rng_u128 m = (rng_u128)rng_next(r) * n;
        uint64_t lo = (uint64_t)m;
        if (lo >= n || lo >= (uint64_t)(-n) % n)
            return (uint64_t)(m >> 64);
    }
}

#endif /* KVBENCH_RNG_H */
