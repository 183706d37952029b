# throughput_smoke.cmake - runs alloc_throughput once per workload x allocator cell
# (hot_pair and batch at one size each) and fails unless the JSON names every expected
# benchmark without an error and the converter wrote a CSV row for each.
# cmake -DEXE=<alloc_throughput> -DWORKDIR=<dir> -P throughput_smoke.cmake
if(NOT EXE OR NOT WORKDIR)
  message(FATAL_ERROR "usage: cmake -DEXE=<alloc_throughput> -DWORKDIR=<dir> -P ${CMAKE_CURRENT_LIST_FILE}")
endif()

# The issue's matrix: every allocator, and the thread-safe ones for the two-thread
# workload (slab and slab-direct run with thread_safe = 0).
set(allocators slab slab-direct slab-mt zmalloc-libc zmalloc-jemalloc glibc jemalloc
    mimalloc tcmalloc)
set(thread_safe slab-mt zmalloc-libc zmalloc-jemalloc glibc jemalloc mimalloc tcmalloc)
set(expected)
foreach(a IN LISTS allocators)
  list(APPEND expected hot_pair/${a}/64 batch/${a}/256 random_ws/${a} realloc_grow/${a})
endforeach()
foreach(a IN LISTS thread_safe)
  list(APPEND expected xthread/${a}/64)
endforeach()

file(REMOVE_RECURSE ${WORKDIR})
file(MAKE_DIRECTORY ${WORKDIR})
execute_process(
  COMMAND ${EXE} --benchmark_min_time=0.001
          "--benchmark_filter=^(hot_pair/[^/]+/64|batch/[^/]+/256|random_ws/[^/]+|realloc_grow/[^/]+|xthread/[^/]+/64)$"
          --benchmark_out=${WORKDIR}/smoke.json --benchmark_out_format=json
          --csv-out=${WORKDIR}/smoke.csv --ratios-out=${WORKDIR}/smoke_ratios.csv
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "alloc_throughput exited with ${rc}\n${out}\n${err}")
endif()

file(READ ${WORKDIR}/smoke.json json)
file(READ ${WORKDIR}/smoke.csv csv)
set(missing)
foreach(name IN LISTS expected)
  string(FIND "${json}" "\"name\": \"${name}\"," at)
  if(at EQUAL -1)
    list(APPEND missing "${name} (not in the JSON)")
    continue()
  endif()
  string(FIND "${csv}" "\n${name}," at)
  if(at EQUAL -1)
    list(APPEND missing "${name} (no CSV row)")
  endif()
endforeach()
if(missing)
  string(REPLACE ";" "\n  " missing "${missing}")
  message(FATAL_ERROR "benchmarks missing:\n  ${missing}\n${err}")
endif()
if(json MATCHES "\"error_occurred\": true")
  string(REGEX MATCHALL "\"error_message\": \"[^\"]*\"" msgs "${json}")
  message(FATAL_ERROR "benchmarks reported errors: ${msgs}")
endif()

file(STRINGS ${WORKDIR}/smoke_ratios.csv ratios)
foreach(target slab_hot_pair_64 slab_random_ws slab_batch_256 slab_mt_hot_pair_64
               slab_mt_random_ws slab_mt_xthread_fastest zmalloc_jemalloc_every
               zmalloc_libc_every)
  if(NOT ratios MATCHES "${target},")
    message(FATAL_ERROR "ratios file lacks target ${target}")
  endif()
endforeach()
list(LENGTH expected n)
message(STATUS "all ${n} benchmarks present")
