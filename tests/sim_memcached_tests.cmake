# The simulator's memcached preset (included by tests/CMakeLists.txt).
kvalloc_check_test(test_sim_memcached LIBS kvbench TIMEOUT 300)
