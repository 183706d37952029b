# Check suites of the slab backend (included by tests/CMakeLists.txt).
kvalloc_check_test(test_slab LIBS kvalloc_slab TIMEOUT 120)
kvalloc_check_test(test_slab_memcached LIBS kvalloc_slab TIMEOUT 180)
target_compile_definitions(test_slab_memcached PRIVATE
  SLAB_TEST_DATA_DIR="${CMAKE_CURRENT_SOURCE_DIR}/data")
