/* sim_readme.c - the simulator's verdict in words: per input, which style hits more at
 * which budget and by how many points, and why, in bytes per object.  Appended to a
 * Markdown file (results/README.md in the reference run). */
#include "sim_run.h"

#include <stdio.h>
#include <string.h>

static int is_memcached(const char *config)
{
    return strncmp(config, "memcached", 9) == 0;
}

static double per_obj(uint64_t bytes, uint64_t objects)
{
    return objects ? (double)bytes / (double)objects : 0;
}

/* Index of the best hit ratio among the cells [from, to) of one style at `memory`. */
static long best_of_style(const sim_cell *c, const sim_result *r, size_t from, size_t to,
                          uint64_t memory, int memcached)
{
    long best = -1;
    for (size_t i = from; i < to; i++) {
        if (!r[i].ok || c[i].memory != memory || is_memcached(c[i].config) != memcached)
            continue;
        if (best < 0 || r[i].row.hit_ratio > r[best].row.hit_ratio)
            best = (long)i;
    }
    return best;
}

static void bytes_table(FILE *f, const sim_cell *c, const sim_result *r, size_t from, size_t to,
                        uint64_t memory)
{
    fprintf(f, "\nBytes per live object at %.1f MiB (counted = requested + structure + "
               "rounding + free; held - counted is the allocator's page-level waste):\n\n",
            (double)memory / 1048576.0);
    fprintf(f, "| config | hit ratio | live objects | requested | structure | rounding | free "
               "| counted | held - counted | held |\n|---|---:|---:|---:|---:|---:|---:|---:|---:"
               "|---:|\n");
    for (size_t i = from; i < to; i++) {
        if (!r[i].ok || c[i].memory != memory)
            continue;
        const sim_stats *s = &r[i].row.st;
        uint64_t n = s->live_objects;
        uint64_t used = s->requested_bytes + s->structure_bytes + s->rounding_bytes;
        uint64_t free_b = s->counted_bytes > used ? s->counted_bytes - used : 0;
        uint64_t beyond = s->held_bytes > s->counted_bytes ? s->held_bytes - s->counted_bytes : 0;
        fprintf(f, "| `%s` | %.4f | %llu | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |\n",
                c[i].config, r[i].row.hit_ratio, (unsigned long long)n,
                per_obj(s->requested_bytes, n), per_obj(s->structure_bytes, n),
                per_obj(s->rounding_bytes, n), per_obj(free_b, n), per_obj(s->counted_bytes, n),
                per_obj(beyond, n), per_obj(s->held_bytes, n));
    }
}

/* One input: the cells [from, to), grouped by config then memory ascending. */
static void one_input(FILE *f, const sim_cell *c, const sim_result *r, size_t from, size_t to)
{
    uint64_t mem[64];
    size_t nmem = 0;
    for (size_t i = from; i < to; i++) {
        size_t k = 0;
        while (k < nmem && mem[k] != c[i].memory)
            k++;
        if (k == nmem && nmem < 64)
            mem[nmem++] = c[i].memory;
    }
    fprintf(f, "\n#### `%s` (budget %s)\n\n", c[from].workload,
            c[from].budget == SIM_BUDGET_HELD ? "held" : "own");
    fprintf(f, "| memory | best memcached-style | hit ratio | held MiB | best Redis-style | "
               "hit ratio | held MiB | Redis - memcached (points) |\n"
               "|---:|---|---:|---:|---|---:|---:|---:|\n");
    uint64_t mid = 0;
    double widest = -1;
    int redis_wins = 0, mc_wins = 0;
    size_t over = 0; /* 1 + the largest budget memcached's pages exceed by over 10% */
    for (size_t m = 0; m < nmem; m++) {
        long a = best_of_style(c, r, from, to, mem[m], 1);
        long b = best_of_style(c, r, from, to, mem[m], 0);
        if (a < 0 || b < 0)
            continue;
        double d = 100 * (r[b].row.hit_ratio - r[a].row.hit_ratio);
        redis_wins += d > 0.05;
        mc_wins += d < -0.05;
        fprintf(f, "| %.1f MiB | `%s` | %.4f | %.1f | `%s` | %.4f | %.1f | %+.2f |\n",
                (double)mem[m] / 1048576.0, c[a].config, r[a].row.hit_ratio,
                (double)r[a].row.st.held_bytes / 1048576.0, c[b].config, r[b].row.hit_ratio,
                (double)r[b].row.st.held_bytes / 1048576.0, d);
        if (r[a].row.st.counted_bytes > mem[m] + mem[m] / 10)
            over = m + 1;
    }
    /* explain at the budget where the styles differ most while both evict, at equal
     * memory if there is such a budget (past the first-page exception's reach) */
    for (size_t m = over < nmem ? over : 0; m < nmem; m++) {
        long a = best_of_style(c, r, from, to, mem[m], 1);
        long b = best_of_style(c, r, from, to, mem[m], 0);
        if (a < 0 || b < 0 || (r[a].row.st.evictions == 0 && r[b].row.st.evictions == 0))
            continue;
        double d = 100 * (r[b].row.hit_ratio - r[a].row.hit_ratio);
        if ((d < 0 ? -d : d) > widest) {
            widest = d < 0 ? -d : d;
            mid = mem[m];
        }
    }
    fprintf(f, "\nRedis-style hits more at %d of these budgets, memcached-style at %d (a "
               "difference under 0.05 points counts for neither).\n",
            redis_wins, mc_wins);
    if (over != 0)
        fprintf(f, "\nUp to %.1f MiB memcached holds more than the budget: every slab class "
                   "in use keeps at least one 1 MiB page (memcached's first-page exception), "
                   "so there the comparison is not at equal memory; read the held columns.\n",
                (double)mem[over - 1] / 1048576.0);
    if (mid != 0)
        bytes_table(f, c, r, from, to, mid);
    else
        fprintf(f, "\nNo budget evicts: every configuration holds the whole working set.\n");
}

int sim_readme_append(const char *path, const char *title, const sim_cell *cells,
                      const sim_result *res, size_t n)
{
    FILE *f = fopen(path, "a");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    if (title != NULL)
        fprintf(f, "\n### %s\n", title);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && strcmp(cells[j].workload, cells[i].workload) == 0)
            j++;
        one_input(f, cells, res, i, j);
        i = j;
    }
    if (fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}
