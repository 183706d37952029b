# The cache simulator (allocbench sim): the engine here, one folder per server preset
# (each a set of policy modules over an object layout), the policy modules more than
# one store uses (policy/: Redis's eviction pool), the live-server client
# (allocbench replay) in bench/client.  Each folder's .cmake appends its sources.
set(KVBENCH_SIM_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/sim_preset.c
  ${CMAKE_CURRENT_LIST_DIR}/policy/evict_pool.c
  ${CMAKE_CURRENT_LIST_DIR}/sim_run.c
  ${CMAKE_CURRENT_LIST_DIR}/sim_cells.c
  ${CMAKE_CURRENT_LIST_DIR}/sim_cmd.c
  ${CMAKE_CURRENT_LIST_DIR}/../reports/sim_report.c
  ${CMAKE_CURRENT_LIST_DIR}/../reports/sim_plot.c
  ${CMAKE_CURRENT_LIST_DIR}/../reports/sim_readme.c)
include(${CMAKE_CURRENT_LIST_DIR}/memcached/memcached.cmake OPTIONAL)
include(${CMAKE_CURRENT_LIST_DIR}/redis/redis.cmake OPTIONAL)
include(${CMAKE_CURRENT_LIST_DIR}/../client/client.cmake OPTIONAL)
