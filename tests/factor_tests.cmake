# Check suite of `allocbench factor` (included by tests/CMakeLists.txt).
if(KVALLOC_BUILD_BENCH AND EXISTS ${PROJECT_SOURCE_DIR}/bench/factor/CMakeLists.txt)
  kvalloc_check_test(test_factor LIBS kvbench_factor kvalloc TIMEOUT 300)
  target_compile_definitions(test_factor PRIVATE
    KVALLOC_DEFAULT_DATA_DIR="${KVALLOC_DATA_DIR_DEFAULT}")
  # --by hit-ratio: the sweep replayed on the simulator's memcached preset
  kvalloc_check_test(test_factor_hr LIBS kvbench_factor kvbench kvalloc TIMEOUT 300)
endif()

# Both suites that can read the CacheLib data, run as a clone on its own would run
# them: with the data directory pointing nowhere they must pass and say, in one line
# each, what they skipped.
if(TARGET test_factor AND TARGET test_bench)
  add_test(NAME factor_and_bench_without_data
    COMMAND ${CMAKE_COMMAND} "-DEXES=$<TARGET_FILE:test_factor>;$<TARGET_FILE:test_bench>"
            -P ${CMAKE_CURRENT_SOURCE_DIR}/without_data.cmake)
  set_tests_properties(factor_and_bench_without_data PROPERTIES TIMEOUT 300
    ENVIRONMENT "KVALLOC_DATA_DIR=${CMAKE_CURRENT_BINARY_DIR}/no-such-data-dir")
endif()
