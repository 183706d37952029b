# fuzz_alloc (included by tests/CMakeLists.txt): the shadow-model target of
# fuzz_alloc.c, built two ways.
#  - fuzz_replay, in every build: the target with a plain main that runs the seed
#    corpus and the crash regressions as ctest tests, one per backend.
#  - fuzz_alloc, with -DKVALLOC_FUZZ=ON and clang: libFuzzer itself; the tests
#    fuzz_slab and fuzz_zmalloc (label `fuzz`) fuzz each backend for
#    KVALLOC_FUZZ_SECONDS, growing a corpus in the build tree from the seeds.
option(KVALLOC_FUZZ "Build the libFuzzer target fuzz_alloc (clang; use with ALLOC_SANITIZE)" OFF)
set(KVALLOC_FUZZ_SECONDS 45 CACHE STRING "Seconds of fuzzing per backend in the fuzz tests")

set(_fz ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)

add_executable(fuzz_replay ${_fz}/fuzz_alloc.c ${_fz}/replay_main.c)
kvalloc_warnings(fuzz_replay)
target_link_libraries(fuzz_replay PRIVATE kvalloc)
foreach(be slab zmalloc)
  add_test(NAME fuzz_replay_${be}
           COMMAND fuzz_replay ${_fz}/corpus/${be} ${_fz}/regressions/${be})
  set_tests_properties(fuzz_replay_${be} PROPERTIES TIMEOUT 300
                       ENVIRONMENT "KVALLOC_FUZZ_BACKEND=${be}")
endforeach()

if(KVALLOC_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "KVALLOC_FUZZ needs clang (libFuzzer): configure with CC=clang")
  endif()
  add_executable(fuzz_alloc ${_fz}/fuzz_alloc.c)
  kvalloc_warnings(fuzz_alloc)
  target_compile_options(fuzz_alloc PRIVATE -fsanitize=fuzzer)
  target_link_options(fuzz_alloc PRIVATE -fsanitize=fuzzer)
  target_link_libraries(fuzz_alloc PRIVATE kvalloc)
  foreach(be slab zmalloc)
    set(_work ${CMAKE_CURRENT_BINARY_DIR}/fuzz-${be})
    file(MAKE_DIRECTORY ${_work}/corpus ${_work}/artifacts)
    # The first directory receives what libFuzzer finds; the seeds stay read-only.
    # A crash leaves its input in ${_work}/artifacts/: copy it to
    # tests/fuzz/regressions/${be}/ so that fuzz_replay_${be} keeps it fixed.
    add_test(NAME fuzz_${be}
             COMMAND fuzz_alloc -max_total_time=${KVALLOC_FUZZ_SECONDS} -timeout=30
                     -rss_limit_mb=4096 -print_final_stats=1
                     -artifact_prefix=${_work}/artifacts/
                     ${_work}/corpus ${_fz}/corpus/${be} ${_fz}/regressions/${be})
    math(EXPR _timeout "${KVALLOC_FUZZ_SECONDS} + 120")
    set_tests_properties(fuzz_${be} PROPERTIES LABELS fuzz TIMEOUT ${_timeout}
                         ENVIRONMENT "KVALLOC_FUZZ_BACKEND=${be};ASAN_OPTIONS=halt_on_error=1:detect_leaks=1")
  endforeach()
endif()
