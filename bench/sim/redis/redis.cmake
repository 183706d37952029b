# The redis preset of the simulator: Redis 7.0.15's keyspace, eviction and expiry over
# a zmalloc instance.  Its eviction pool is a policy module in
# bench/sim/policy, shared with other stores.
list(APPEND KVBENCH_SIM_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/redis_preset.c
  ${CMAKE_CURRENT_LIST_DIR}/redis_keyspace.c
  ${CMAKE_CURRENT_LIST_DIR}/redis_dict.c
  ${CMAKE_CURRENT_LIST_DIR}/redis_evict.c
  ${CMAKE_CURRENT_LIST_DIR}/redis_expire.c
  ${CMAKE_CURRENT_LIST_DIR}/redis_mem.c)
