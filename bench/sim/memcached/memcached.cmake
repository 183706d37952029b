# The memcached preset of the simulator.
list(APPEND KVBENCH_SIM_SOURCES ${CMAKE_CURRENT_LIST_DIR}/memcached_preset.c)
