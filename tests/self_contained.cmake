# self_contained.cmake - fails when a source, build or test file of the project reaches
# outside its own tree (a path through the directory beside it, or up from the source
# directory).  A clone has nothing beside it: the one thing that may be looked for
# there is the optional data directory, and only on a line that names
# KVALLOC_DATA_DIR, the variable that moves it.
# cmake -DSRC=<source dir> -P self_contained.cmake
if(NOT SRC)
  message(FATAL_ERROR "usage: cmake -DSRC=<source dir> -P ${CMAKE_CURRENT_LIST_FILE}")
endif()

set(files ${SRC}/CMakeLists.txt ${SRC}/Makefile ${SRC}/.ci/run)
foreach(dir lib zmalloc slab bench tests examples cmake)
  file(GLOB_RECURSE found ${SRC}/${dir}/*.c ${SRC}/${dir}/*.h ${SRC}/${dir}/*.cpp
       ${SRC}/${dir}/*.cmake ${SRC}/${dir}/CMakeLists.txt ${SRC}/${dir}/*.sh
       ${SRC}/${dir}/*.gp ${SRC}/${dir}/*.in ${SRC}/${dir}/*.supp)
  list(APPEND files ${found})
endforeach()

# Written so that this file does not match itself.
set(outside "\\.\\./shared|SOURCE_DIR}/\\.\\.")
set(bad)
set(n 0)
foreach(f IN LISTS files)
  if(NOT EXISTS ${f})
    continue()
  endif()
  math(EXPR n "${n} + 1")
  file(READ ${f} text)
  string(REPLACE ";" "," text "${text}") # one list item per line
  string(REGEX MATCHALL "[^\n]*(${outside})[^\n]*" lines "${text}")
  foreach(line IN LISTS lines)
    if(NOT line MATCHES "KVALLOC_DATA_DIR")
      file(RELATIVE_PATH rel ${SRC} ${f})
      string(STRIP "${line}" line)
      list(APPEND bad "${rel}: ${line}")
    endif()
  endforeach()
endforeach()
if(n LESS 50)
  message(FATAL_ERROR "only ${n} files found under ${SRC}: is it the source tree?")
endif()
if(bad)
  string(REPLACE ";" "\n  " bad "${bad}")
  message(FATAL_ERROR "outside the source tree:\n  ${bad}")
endif()
message(STATUS "${n} files, none reaches outside the source tree")
