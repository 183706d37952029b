# The redis preset of the simulator: Redis 7.0.15's keyspace, eviction and expiry over
# a zmalloc instance.  evict_pool.c and dense_set.c are policy modules other stores can
# share (include them as "redis/evict_pool.h", "redis/dense_set.h").
list(APPEND KVBENCH_SIM_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/redis_preset.c
  ${CMAKE_CURRENT_LIST_DIR}/redis_keyspace.c
  ${CMAKE_CURRENT_LIST_DIR}/redis_dict.c
  ${CMAKE_CURRENT_LIST_DIR}/redis_evict.c
  ${CMAKE_CURRENT_LIST_DIR}/redis_expire.c
  ${CMAKE_CURRENT_LIST_DIR}/redis_mem.c
  ${CMAKE_CURRENT_LIST_DIR}/evict_pool.c
  ${CMAKE_CURRENT_LIST_DIR}/dense_set.c)
