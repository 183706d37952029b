/* mc_crawler.c - memcached 1.6.18's LRU crawler as the maintainer schedules it
 * (lru_maintainer_crawler_check, crawler_expired_eval): once a second, each sub-LRU
 * that is due is walked tail to head, freeing expired items and histogramming the
 * others' remaining TTLs, which set when it is crawled next.  A crawl is instantaneous
 * here (memcached's thread sleeps 100 us per 1000 items). */
#include "mc_server.h"

#include <string.h>

/* The next crawl of a sub-LRU whose last crawl finished: 60 s later per check while
 * fewer than 1% of its TTL items expire within the minute the wait stands for, sooner
 * when more do, at most an hour, plus 5 s. */
static void schedule(sim_server *s, mc_crawl *c)
{
    uint64_t possible = c->seen - c->noexp;
    uint64_t low_watermark = possible / 100 + 1;
    uint64_t available = 0;
    for (uint32_t x = 0; x < 60; x++) {
        available += c->histo[x];
        if (available > low_watermark) {
            if (c->wait < x * 60)
                c->wait += 60;
            else if (c->wait >= 60)
                c->wait -= 60;
            break;
        }
    }
    if (available == 0)
        c->wait += 60;
    if (c->wait > MC_CRAWL_MAX_WAIT)
        c->wait = MC_CRAWL_MAX_WAIT;
    c->next_crawl = s->current_time + c->wait + 5;
    c->run_complete = false;
}

static void crawl(sim_server *s, unsigned id, int seg)
{
    mc_crawl *c = &s->cls[id].crawl[seg];
    c->seen = c->noexp = 0;
    memset(c->histo, 0, sizeof c->histo);
    for (mc_item *it = s->cls[id].lru[seg].tail, *prev; it != NULL; it = prev) {
        prev = it->prev;
        if (it->exptime != 0 && it->exptime < s->current_time) {
            s->n.crawler_reclaimed++;
            mc_item_unlink(s, it);
            continue;
        }
        c->seen++;
        if (it->exptime == 0) {
            c->noexp++;
        } else if (it->exptime - s->current_time <= 3599) {
            uint32_t bucket = (it->exptime - s->current_time) / 60;
            if (bucket < MC_CRAWL_HISTO)
                c->histo[bucket]++;
        }
    }
    c->run_complete = true;
    s->n.crawls++;
}

void mc_crawler_check(sim_server *s)
{
    for (unsigned id = 1; id <= s->nclasses; id++) {
        for (int seg = 0; seg < MC_SEGS; seg++) {
            mc_crawl *c = &s->cls[id].crawl[seg];
            if (c->run_complete)
                schedule(s, c);
            if (s->current_time > c->next_crawl) {
                c->next_crawl = s->current_time + 5; /* the minimum retry wait */
                crawl(s, id, seg);
            }
        }
    }
}
