# allocbench: fragmentation and alignment-waste reports (frag, classes, report,
# gen-trace; factor comes from bench/factor).  Everything but main() is in the
# static library kvbench so the tests link exactly what the tool runs.
add_library(kvbench STATIC
  ${CMAKE_CURRENT_LIST_DIR}/bench_error.c
  ${CMAKE_CURRENT_LIST_DIR}/parse_num.c
  ${CMAKE_CURRENT_LIST_DIR}/etc_dist.c
  ${CMAKE_CURRENT_LIST_DIR}/layout.c
  ${CMAKE_CURRENT_LIST_DIR}/workloads.c
  ${CMAKE_CURRENT_LIST_DIR}/trace.c
  ${CMAKE_CURRENT_LIST_DIR}/config_spec.c
  ${CMAKE_CURRENT_LIST_DIR}/mmap_vec.c
  ${CMAKE_CURRENT_LIST_DIR}/proc_stats.c
  ${CMAKE_CURRENT_LIST_DIR}/je_arena.c
  ${CMAKE_CURRENT_LIST_DIR}/glibc_heap.c
  ${CMAKE_CURRENT_LIST_DIR}/heap.c
  ${CMAKE_CURRENT_LIST_DIR}/store.c
  ${CMAKE_CURRENT_LIST_DIR}/cell.c
  ${CMAKE_CURRENT_LIST_DIR}/cell_fork.c
  ${CMAKE_CURRENT_LIST_DIR}/csv_out.c
  ${CMAKE_CURRENT_LIST_DIR}/run_cells.c
  ${CMAKE_CURRENT_LIST_DIR}/frag_cmd.c
  ${CMAKE_CURRENT_LIST_DIR}/classes_cmd.c
  ${CMAKE_CURRENT_LIST_DIR}/gen_trace.c
  ${CMAKE_CURRENT_LIST_DIR}/report_cmd.c
  ${CMAKE_CURRENT_LIST_DIR}/report_readme.c)
kvalloc_warnings(kvbench)
target_compile_definitions(kvbench PRIVATE
  KVBENCH_PLOTS_DIR="${CMAKE_CURRENT_LIST_DIR}/plots")
target_include_directories(kvbench PUBLIC ${CMAKE_CURRENT_LIST_DIR})
# kvbench_factor's histograms feed the workloads and kvbench_factor reads the
# workloads' sizes: a cycle CMake allows between static libraries.
target_link_libraries(kvbench PUBLIC kvalloc kvbench_factor PkgConfig::JEMALLOC
                      ${CMAKE_DL_LIBS} m)

add_executable(allocbench ${CMAKE_CURRENT_LIST_DIR}/allocbench.c)
kvalloc_warnings(allocbench)
target_link_libraries(allocbench PRIVATE kvbench)
