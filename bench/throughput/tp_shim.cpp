// tp_shim.cpp - the only C++ in alloc_throughput: registers the C benchmark matrix
// (tp_workload.c) with Google Benchmark at run time, runs it, and hands the JSON it
// wrote to the C converter.  Options of its own, besides Google Benchmark's:
//   --csv-out=FILE     after the run, write the medians as CSV (needs --benchmark_out,
//                      whose format must be json, the default)
//   --ratios-out=FILE  likewise, the ratios against the targets
//   --json-in=FILE     run nothing: convert a JSON file written earlier
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "tp.h"

namespace {

void run_bench(benchmark::State &state, const tp_bench *b)
{
    char msg[256];
    tp_run *r = tp_run_open(b, msg, sizeof msg);
    if (r == nullptr) {
        state.SkipWithError(msg);
        return;
    }
    while (state.KeepRunningBatch(static_cast<benchmark::IterationCount>(b->batch)))
        tp_run_step(r, b->batch);
    if (const char *err = tp_run_error(r))
        state.SkipWithError(err);
    tp_run_close(r);
    state.SetItemsProcessed(state.iterations());
}

// The value of --name=VALUE (Google Benchmark also accepts one leading dash).
const char *flag_value(const char *arg, const char *name)
{
    if (arg[0] != '-')
        return nullptr;
    arg += arg[1] == '-' ? 2 : 1;
    size_t n = std::strlen(name);
    return std::strncmp(arg, name, n) == 0 && arg[n] == '=' ? arg + n + 1 : nullptr;
}

} // namespace

int main(int argc, char **argv)
{
    // Google Benchmark's flags are taken out of argv by Initialize; read the two the
    // converter depends on first.
    std::string bench_out, bench_out_format = "json";
    for (int i = 1; i < argc; i++) {
        if (const char *v = flag_value(argv[i], "benchmark_out"))
            bench_out = v;
        if (const char *v = flag_value(argv[i], "benchmark_out_format"))
            bench_out_format = v;
    }
    benchmark::Initialize(&argc, argv);

    const char *csv_out = nullptr, *ratios_out = nullptr, *json_in = nullptr;
    for (int i = 1; i < argc; i++) {
        if (const char *v = flag_value(argv[i], "csv-out"))
            csv_out = v;
        else if (const char *v2 = flag_value(argv[i], "ratios-out"))
            ratios_out = v2;
        else if (const char *v3 = flag_value(argv[i], "json-in"))
            json_in = v3;
        else {
            std::fprintf(stderr, "alloc_throughput: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (json_in != nullptr)
        return tp_report_convert(json_in, csv_out, ratios_out) == 0 ? 0 : 1;
    if ((csv_out || ratios_out) && (bench_out.empty() || bench_out_format != "json")) {
        std::fprintf(stderr, "alloc_throughput: --csv-out/--ratios-out read the JSON of "
                             "--benchmark_out=FILE (with --benchmark_out_format=json)\n");
        return 2;
    }

    char origin[256], msg[256];
    if (tp_env_check(origin, sizeof origin, msg, sizeof msg) != 0) {
        std::fprintf(stderr, "alloc_throughput: %s\n", msg);
        return 1;
    }
    benchmark::AddCustomContext("allocator_symbols", origin);

    for (size_t i = 0; i < tp_bench_count(); i++) {
        const tp_bench *b = tp_bench_at(i);
        benchmark::RegisterBenchmark(b->name, run_bench, b);
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();

    if (csv_out || ratios_out)
        return tp_report_convert(bench_out.c_str(), csv_out, ratios_out) == 0 ? 0 : 1;
    return 0;
}
