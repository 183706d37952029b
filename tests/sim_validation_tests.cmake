# The simulator against the real servers (label `sim`).
#  sim_validate_client  the live-server client's parts without a server (Check)
#  sim_validate_smoke   allocbench replay of the sample trace against a real memcached
#                       and Redis, every operation kind, a few seconds: in every build,
#                       so the sanitizers see the client's whole path
#  sim_validate         two generated traces replayed on memcached and Redis
#                       (allkeys-lru, allkeys-lfu) and simulated with `allocbench sim`;
#                       hit ratio and live objects compared.  Paced in real time (about
#                       75 s), so it runs alone (RUN_SERIAL) and only in unsanitized
#                       builds, where the client keeps the pace.
# The scripts start their servers on 127.0.0.1 and stop them whatever happens.  Exit
# status 77 (skipped) only when this tree's allocbench lacks `sim` or gen-trace's
# trace options.
if(NOT KVALLOC_BUILD_BENCH)
  return()
endif()

kvalloc_check_test(sim_validate_client SOURCES sim_validate_client.c LIBS kvbench
                   TIMEOUT 60)
set_tests_properties(sim_validate_client PROPERTIES LABELS sim)

add_test(NAME sim_validate_smoke
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/sim_validate.sh --smoke
                 $<TARGET_FILE:allocbench> ${CMAKE_CURRENT_BINARY_DIR}/sim_validate_smoke
                 ${PROJECT_SOURCE_DIR}/bench/data/sample_trace.csv)
set_tests_properties(sim_validate_smoke PROPERTIES LABELS sim TIMEOUT 120)

if(NOT ALLOC_SANITIZE)
  add_test(NAME sim_validate
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/sim_validate.sh
                   $<TARGET_FILE:allocbench> ${CMAKE_CURRENT_BINARY_DIR}/sim_validate)
  set_tests_properties(sim_validate PROPERTIES LABELS sim TIMEOUT 300 RUN_SERIAL TRUE
                       SKIP_RETURN_CODE 77)
endif()
