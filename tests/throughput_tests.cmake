# alloc_throughput's smoke test: one run over every workload x allocator cell with a
# tiny min_time, checked against the list of names the issue asks for (not against the
# program's own list, so a benchmark that stops being registered fails the test).
# bench/ is added after tests/, so the target is not known yet: test the source tree.
if(KVALLOC_BUILD_BENCH AND EXISTS ${PROJECT_SOURCE_DIR}/bench/throughput/CMakeLists.txt)
  add_test(NAME throughput_smoke
    COMMAND ${CMAKE_COMMAND}
      -DEXE=$<TARGET_FILE:alloc_throughput>
      -DWORKDIR=${CMAKE_CURRENT_BINARY_DIR}/throughput_smoke
      -P ${CMAKE_CURRENT_SOURCE_DIR}/throughput_smoke.cmake)
  # Harmless without a sanitizer; under ALLOC_SANITIZE=address it hides tcmalloc's one
  # deliberate allocation at load time (see the file).
  set_tests_properties(throughput_smoke PROPERTIES TIMEOUT 300 LABELS bench
    ENVIRONMENT "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_SOURCE_DIR}/throughput_lsan.supp")
endif()
