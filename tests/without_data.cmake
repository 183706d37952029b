# without_data.cmake - runs each suite with KVALLOC_DATA_DIR (set by the caller) naming
# a directory that does not exist, and fails unless each passes and prints exactly one
# line saying what it skipped.
# cmake "-DEXES=<suite>;<suite>..." -P without_data.cmake
if(NOT EXES)
  message(FATAL_ERROR "usage: cmake \"-DEXES=<suite>;...\" -P ${CMAKE_CURRENT_LIST_FILE}")
endif()
if(EXISTS "$ENV{KVALLOC_DATA_DIR}")
  message(FATAL_ERROR "KVALLOC_DATA_DIR=$ENV{KVALLOC_DATA_DIR} exists: the test needs a "
                      "directory that does not")
endif()
foreach(exe IN LISTS EXES)
  get_filename_component(name ${exe} NAME)
  execute_process(COMMAND ${exe} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name} failed without the data (exit ${rc}):\n${out}\n${err}")
  endif()
  string(REGEX MATCHALL "skipped the CacheLib" skips "${out}")
  list(LENGTH skips n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "${name} passed without the data but printed ${n} lines saying "
                        "what it skipped, not 1:\n${out}")
  endif()
  string(REGEX MATCH "[^\n]*skipped the CacheLib[^\n]*" line "${out}")
  message(STATUS "${line}")
endforeach()
