# allocbench: fragmentation and alignment-waste reports, the cache simulator and the
# live-server replay (frag, classes, report, sim, replay, gen-trace; factor comes from
# bench/factor).  The sources sit in the order the data flows:
#   inputs/   workloads, traces and their generator
#   replay/   the store and the cells that replay inputs on an allocator
#   sim/      the cache simulator: engine, server presets, policy modules
#   client/   replaying a trace against a live memcached or Redis
#   measure/  what an allocator holds (jemalloc arena, glibc heap, RSS)
#   reports/  CSV, tables, plots and the results/ README
# Everything but main() is in the static library kvbench so the tests link exactly
# what the tool runs.
set(KVBENCH_DIR ${CMAKE_CURRENT_LIST_DIR})
add_library(kvbench STATIC
  ${KVBENCH_DIR}/bench_error.c
  ${KVBENCH_DIR}/parse_num.c
  ${KVBENCH_DIR}/mmap_vec.c
  ${KVBENCH_DIR}/inputs/etc_dist.c
  ${KVBENCH_DIR}/inputs/workloads.c
  ${KVBENCH_DIR}/inputs/trace.c
  ${KVBENCH_DIR}/inputs/reqgen.c
  ${KVBENCH_DIR}/inputs/gen_trace.c
  ${KVBENCH_DIR}/replay/layout.c
  ${KVBENCH_DIR}/replay/config_spec.c
  ${KVBENCH_DIR}/replay/store.c
  ${KVBENCH_DIR}/replay/cell.c
  ${KVBENCH_DIR}/replay/cell_fork.c
  ${KVBENCH_DIR}/replay/run_cells.c
  ${KVBENCH_DIR}/replay/frag_cmd.c
  ${KVBENCH_SIM_SOURCES}
  ${KVBENCH_DIR}/measure/proc_stats.c
  ${KVBENCH_DIR}/measure/je_arena.c
  ${KVBENCH_DIR}/measure/glibc_heap.c
  ${KVBENCH_DIR}/measure/heap.c
  ${KVBENCH_DIR}/reports/csv_out.c
  ${KVBENCH_DIR}/reports/gnuplot.c
  ${KVBENCH_DIR}/reports/classes_cmd.c
  ${KVBENCH_DIR}/reports/report_cmd.c
  ${KVBENCH_DIR}/reports/report_readme.c)
kvalloc_warnings(kvbench)
target_compile_definitions(kvbench PRIVATE
  KVBENCH_PLOTS_DIR="${KVBENCH_DIR}/reports/plots")
target_include_directories(kvbench PUBLIC ${KVBENCH_DIR} ${KVBENCH_DIR}/inputs
  ${KVBENCH_DIR}/replay ${KVBENCH_DIR}/sim ${KVBENCH_DIR}/sim/policy ${KVBENCH_DIR}/client ${KVBENCH_DIR}/measure
  ${KVBENCH_DIR}/reports)
# kvbench_factor's histograms feed the workloads and kvbench_factor reads the
# workloads' sizes: a cycle CMake allows between static libraries.
target_link_libraries(kvbench PUBLIC kvalloc kvbench_factor PkgConfig::JEMALLOC
                      ${CMAKE_DL_LIBS} m)

add_executable(allocbench ${KVBENCH_DIR}/allocbench.c)
kvalloc_warnings(allocbench)
target_link_libraries(allocbench PRIVATE kvbench)
