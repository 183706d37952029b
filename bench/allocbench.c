/* allocbench.c - the command-line entry point: dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "factor/factor.h"

typedef struct command {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"frag", frag_main, "replay workloads on allocator configurations; CSV of the "
                        "accounting identity per sample point"},
    {"classes", classes_main, "print the slab class table as `memcached -vv` does"},
    {"report", report_main, "run the default set; write results/ (CSVs, SVG plots, README)"},
    {"factor", factor_main, "advise a slab growth factor for a size distribution"},
    {"sim", sim_main, "hit ratio at equal memory: simulated memcached and Redis over "
                      "kvalloc's allocators"},
    {"gen-trace", gen_trace_main, "write a synthetic Twitter-format cache trace"},
    {"replay", replay_main, "replay a trace against a live memcached or Redis; CSV in "
                            "the simulator's columns"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: allocbench COMMAND [OPTIONS]   (allocbench COMMAND --help for each)\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].main(argc - 1, argv + 1);
    fprintf(stderr, "allocbench: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
