# The zmalloc backend's own suites (included by tests/CMakeLists.txt).
kvalloc_check_test(test_zmalloc LIBS kvalloc_zmalloc TIMEOUT 120)
if(TARGET kvalloc_redis)
  kvalloc_check_test(test_redis_compat LIBS kvalloc_redis TIMEOUT 60)
endif()
