# The memcached preset of the simulator: memcached 1.6.18's item LRUs, slab mover,
# automover and crawler over the slab backend.
list(APPEND KVBENCH_SIM_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/memcached_preset.c
  ${CMAKE_CURRENT_LIST_DIR}/mc_options.c
  ${CMAKE_CURRENT_LIST_DIR}/mc_index.c
  ${CMAKE_CURRENT_LIST_DIR}/mc_items.c
  ${CMAKE_CURRENT_LIST_DIR}/mc_lru.c
  ${CMAKE_CURRENT_LIST_DIR}/mc_move.c
  ${CMAKE_CURRENT_LIST_DIR}/mc_crawler.c
  ${CMAKE_CURRENT_LIST_DIR}/memcached_sim.c)
