# Install rules: headers under include/kvalloc/, static libraries, a pkg-config file
# per library and a CMake package so that find_package(kvalloc) works.
set(_kv_targets kvalloc kvalloc_zmalloc kvalloc_slab ${KVALLOC_REDIS_TARGET})
install(TARGETS ${_kv_targets} EXPORT kvallocTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES lib/alloc_api.h slab/slab.h zmalloc/zmalloc.h zmalloc/zm_api.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kvalloc OPTIONAL)
install(EXPORT kvallocTargets NAMESPACE kvalloc::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kvalloc)

include(CMakePackageConfigHelpers)
configure_package_config_file(cmake/kvalloc-config.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/kvalloc-config.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kvalloc)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/kvalloc-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/kvalloc-config.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/kvalloc-config-version.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kvalloc)

# pkg-config: the libraries are static, so what they need from below is in Libs.
# The prefix is found relative to the .pc file, so `cmake --install --prefix DIR`
# gives a working package anywhere.
file(RELATIVE_PATH PC_PREFIX_FROM_PCDIR
     "/root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/root")
string(REGEX REPLACE "/$" "" PC_PREFIX_FROM_PCDIR "${PC_PREFIX_FROM_PCDIR}")
# Every installed library has one; a library on top of another names it in Requires,
# which puts the one below after it on the link line, as static libraries need.
foreach(pc kvalloc kvalloc_zmalloc kvalloc_slab ${KVALLOC_REDIS_TARGET})
  set(PC_NAME ${pc})
  if(pc STREQUAL "kvalloc_slab")
    set(PC_REQUIRES "")
    set(PC_DESC "kvalloc with the memcached-style slab backend only")
  elseif(pc STREQUAL "kvalloc_redis")
    set(PC_REQUIRES "kvalloc_zmalloc = ${PROJECT_VERSION}") # installed together
    set(PC_DESC "Redis's zmalloc names (zmalloc, zfree, ...) over a default kvalloc instance")
  else()
    set(PC_REQUIRES "jemalloc")
    set(PC_DESC "kvalloc: zmalloc and slab allocators behind one interface")
  endif()
  configure_file(cmake/kvalloc.pc.in ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
