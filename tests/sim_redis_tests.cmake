# The redis preset of the simulator (bench/sim/redis): its rules, policies and shared
# modules in one run; its baseline against a live redis-server in another, which fails
# with a message saying so when redis-server is not installed.
if(KVALLOC_BUILD_BENCH AND EXISTS ${PROJECT_SOURCE_DIR}/bench/sim/redis/redis_sim.h)
  kvalloc_check_test(test_sim_redis LIBS kvbench TIMEOUT 600)
  set_tests_properties(test_sim_redis PROPERTIES ENVIRONMENT "CK_RUN_SUITE=redis")
  add_test(NAME test_sim_redis_live COMMAND test_sim_redis)
  set_tests_properties(test_sim_redis_live PROPERTIES TIMEOUT 120
                       ENVIRONMENT "CK_RUN_SUITE=live")
endif()
