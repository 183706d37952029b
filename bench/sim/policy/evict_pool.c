/* evict_pool.c - see evict_pool.h. */
#include "evict_pool.h"

#include <string.h>

void evpool_init(evpool *p)
{
    memset(p, 0, sizeof *p);
}

static void put(evpool *p, unsigned k, uint64_t key, uint64_t score)
{
    p->key[k] = key;
    p->score[k] = score;
}

void evpool_offer(evpool *p, uint64_t key, uint64_t score)
{
    /* k: the first empty entry or the first whose score is not below ours */
    unsigned k = 0;
    while (k < p->n && p->score[k] < score)
        k++;
    if (k == 0 && p->n == EVPOOL_SIZE)
        return; /* lower than everything in a full pool */
    if (k == p->n) {
        /* an empty entry (k < EVPOOL_SIZE here: a full pool with every score below
         * ours goes to the shift-left case below) */
        if (k < EVPOOL_SIZE) {
            put(p, k, key, score);
            p->n++;
            return;
        }
    }
    if (p->n < EVPOOL_SIZE) {
        /* room on the right: shift k.. right by one */
        memmove(p->key + k + 1, p->key + k, (p->n - k) * sizeof p->key[0]);
        memmove(p->score + k + 1, p->score + k, (p->n - k) * sizeof p->score[0]);
        put(p, k, key, score);
        p->n++;
        return;
    }
    /* full: drop the lowest entry by shifting 1..k-1 left, and take k-1 */
    k--;
    memmove(p->key, p->key + 1, k * sizeof p->key[0]);
    memmove(p->score, p->score + 1, k * sizeof p->score[0]);
    put(p, k, key, score);
}

int evpool_pop(evpool *p, evpool_alive_fn alive, void *ud, uint64_t *key)
{
    while (p->n > 0) {
        uint64_t k = p->key[--p->n];
        if (alive(ud, k)) {
            *key = k;
            return 1;
        }
    }
    return 0;
}

int evpool_check(const evpool *p)
{
    if (p->n > EVPOOL_SIZE)
        return -1;
    for (unsigned i = 1; i < p->n; i++)
        if (p->score[i - 1] > p->score[i])
            return -1;
    return 0;
}
