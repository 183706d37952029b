# Check suite of `allocbench factor` (included by tests/CMakeLists.txt).  The CacheLib
# distributions live beside the project, never inside it.
if(KVALLOC_BUILD_BENCH AND EXISTS ${PROJECT_SOURCE_DIR}/bench/factor/CMakeLists.txt)
  kvalloc_check_test(test_factor LIBS kvbench_factor kvalloc TIMEOUT 300)
  target_compile_definitions(test_factor PRIVATE
    FACTOR_TEST_CACHELIB_DIR="${PROJECT_SOURCE_DIR}/../shared/data/cachelib")
endif()
