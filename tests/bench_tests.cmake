# allocbench: the accounting identity on every backend and workload, class rounding
# against independently computed tables, traces, --sizes and configuration strings.
# Reads bench/data/sample_trace.csv, and CacheLib's memcache_reg when present
# (tests/data_dir.h).
kvalloc_check_test(test_bench
  SOURCES test_bench.c test_bench_identity.c test_bench_inputs.c test_bench_util.c
  LIBS kvbench TIMEOUT 120)
target_compile_definitions(test_bench PRIVATE KVBENCH_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
  KVALLOC_DEFAULT_DATA_DIR="${KVALLOC_DATA_DIR_DEFAULT}")

# The whole report at 1% of its operation counts: every cell runs, the CSVs, plots and
# README are written.
add_test(NAME allocbench_report_smoke
  COMMAND allocbench report --scale 0.01 --quiet --out ${CMAKE_CURRENT_BINARY_DIR}/report-smoke)
set_tests_properties(allocbench_report_smoke PROPERTIES TIMEOUT 120)
