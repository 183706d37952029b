# The live-server client (allocbench replay): connection, wire protocols, pacing and
# the replay loop.
list(APPEND KVBENCH_SIM_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/conn.c
  ${CMAKE_CURRENT_LIST_DIR}/payload.c
  ${CMAKE_CURRENT_LIST_DIR}/proto_memcached.c
  ${CMAKE_CURRENT_LIST_DIR}/proto_redis.c
  ${CMAKE_CURRENT_LIST_DIR}/pace.c
  ${CMAKE_CURRENT_LIST_DIR}/replay_run.c
  ${CMAKE_CURRENT_LIST_DIR}/replay_cmd.c)
