/* redis_preset.c - placeholder until the redis preset lands: refuses to create. */
#include "sim.h"

#include "bench_error.h"

#include <stdio.h>

static int create(const char *opts, const sim_params *p, sim_server **out, char *err,
                  size_t errlen)
{
    (void)opts;
    (void)p;
    *out = NULL;
    return bench_error(err, errlen, "the redis preset is not built yet");
}

static void help(void *file)
{
    fprintf((FILE *)file, "    (no options yet)\n");
}

const sim_preset sim_preset_redis = {.name = "redis", .create = create, .help = help};
