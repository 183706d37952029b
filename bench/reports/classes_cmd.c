/* classes_cmd.c - `allocbench classes`: the slab backend's class table, printed line
 * for line as `memcached -vv` prints its own, so the two diff cleanly. */
#include "commands.h"

#include "config_spec.h"
#include "parse_num.h"
#include "slab.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* memcached's sizeof(item) with CAS: its -n adds to this to give the first chunk. */
#define MEMCACHED_ITEM_HEADER 48

static void usage(FILE *f)
{
    fprintf(f,
"usage: allocbench classes [--factor F] [--min-chunk N] [--page-size N] [--chunk-max N]\n"
"                          [--max-classes N] [--sizes-list a-b-c] [-f F] [-n N]\n"
"Prints the slab class table, one line per class in memcached's -vv format\n"
"(`slab class %%3d: chunk size %%9u perslab %%7u`) and nothing else on stdout.\n"
"Sizes take k/m suffixes.  Defaults are the library's (min_chunk 48, factor 1.25,\n"
"1 MiB pages, chunk_max page/2, 63 classes).\n"
"  -f F, --factor F     growth factor (memcached -f)\n"
"  -n N                 memcached's -n: min_chunk = 48 + N (memcached's default is\n"
"                       -n 48, i.e. --min-chunk 96)\n"
"  --min-chunk N        first class size before alignment\n"
"  --page-size N        page size (memcached -o slab_page_size / -I)\n"
"  --chunk-max N        largest chunk class (memcached -o slab_chunk_max, bytes)\n"
"  --max-classes N      class cap (memcached: 63)\n"
"  --sizes-list a-b-c   explicit classes (memcached -o slab_sizes)\n"
"To compare: memcached -vv -f F -n N 2>&1 | grep '^slab class'\n");
}

static int bad(const char *what, const char *arg)
{
    fprintf(stderr, "allocbench classes: %s '%s'\n(allocbench classes --help lists the "
            "options)\n", what, arg);
    return 2;
}

int classes_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"factor", required_argument, NULL, 'f'},   {"min-chunk", required_argument, NULL, 'c'},
        {"page-size", required_argument, NULL, 'p'}, {"chunk-max", required_argument, NULL, 'x'},
        {"max-classes", required_argument, NULL, 'k'},
        {"sizes-list", required_argument, NULL, 'l'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bench_config bc;
    memset(&bc, 0, sizeof bc);
    bc.kind = BENCH_SLAB;
    if (alloc_config_init(&bc.acfg, "slab") != ALLOC_OK) {
        fprintf(stderr, "allocbench classes: this build has no slab backend\n");
        return 1;
    }
    alloc_config *a = &bc.acfg;
    unsigned long long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:n:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (parse_double(optarg, &a->slab.growth_factor) != 0 || !(a->slab.growth_factor > 1))
                return bad("--factor wants a number above 1, got", optarg);
            break;
        case 'n':
            if (parse_bytes(optarg, &v) != 0)
                return bad("-n wants a byte count, got", optarg);
            a->slab.min_chunk = MEMCACHED_ITEM_HEADER + (size_t)v;
            break;
        case 'c':
            if (parse_bytes(optarg, &v) != 0)
                return bad("--min-chunk wants a byte count, got", optarg);
            a->slab.min_chunk = (size_t)v;
            break;
        case 'p':
            if (parse_bytes(optarg, &v) != 0)
                return bad("--page-size wants a byte count (e.g. 1m), got", optarg);
            a->slab.page_size = (size_t)v;
            break;
        case 'x':
            if (parse_bytes(optarg, &v) != 0)
                return bad("--chunk-max wants a byte count (e.g. 512k), got", optarg);
            a->slab.chunk_max = (size_t)v;
            break;
        case 'k':
            if (parse_count(optarg, &v) != 0 || v == 0 || v > 255)
                return bad("--max-classes wants 1..255, got", optarg);
            a->slab.max_classes = (unsigned)v;
            break;
        case 'l':
            if (parse_size_list(optarg, bc.sizes, CONFIG_MAX_SIZES, &bc.nsizes) != 0)
                return bad("--sizes-list wants sizes joined by '-' (e.g. 96-120-152), got",
                           optarg);
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc)
        return bad("unexpected argument", argv[optind]);
    alloc_config cfg = bench_config_alloc(&bc);
    char msg[256];
    if (alloc_config_check(&cfg, msg, sizeof msg) != ALLOC_OK) {
        fprintf(stderr, "allocbench classes: %s\n", msg);
        return 2;
    }
    alloc_t *al;
    alloc_status st = alloc_create(&cfg, &al);
    if (st != ALLOC_OK) {
        fprintf(stderr, "allocbench classes: cannot create the slab allocator: %s\n",
                alloc_strerror(st));
        return 1;
    }
    unsigned n = slab_class_count(al);
    for (unsigned id = 1; id <= n; id++) {
        slab_class_info ci;
        if (slab_class_get(al, id, &ci) != 0)
            continue;
        printf("slab class %3u: chunk size %9zu perslab %7u\n", ci.id, ci.chunk_size,
               ci.chunks_per_page);
    }
    alloc_destroy(al);
    return 0;
}
