# `cmake --install`: the libraries, the public headers, the `fovea` command, the CMake package (find_package(fovea)
# gives fovea::fovea) and fovea.pc for pkg-config; `cpack -G DEB` turns the same into Debian packages.
include(CMakePackageConfigHelpers)
set(FOVEA_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/fovea")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/fovea" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        COMPONENT development FILES_MATCHING PATTERN "*.h")
install(TARGETS fovea EXPORT foveaStaticTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT development)
install(EXPORT foveaStaticTargets NAMESPACE fovea:: DESTINATION "${FOVEA_CMAKE_DIR}" COMPONENT development)
if(TARGET fovea_shared)
  install(TARGETS fovea_shared EXPORT foveaSharedTargets
          LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT runtime NAMELINK_COMPONENT development)
  install(EXPORT foveaSharedTargets NAMESPACE fovea:: DESTINATION "${FOVEA_CMAKE_DIR}" COMPONENT development)
endif()
if(TARGET fovea_cli)
  install(TARGETS fovea_cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT runtime)
endif()
# Chart.js (MIT), which the training report inlines into its pages, as scripts/setup installed it from npm.
set(FOVEA_CHART_JS "/usr/local/share/fovea/npm/chart.js/dist/chart.umd.min.js" CACHE FILEPATH
    "Chart.js's chart.umd.min.js, installed with fovea for its reports (left out when missing)")
if(EXISTS "${FOVEA_CHART_JS}")
  install(FILES "${FOVEA_CHART_JS}" DESTINATION "${CMAKE_INSTALL_DATADIR}/fovea" COMPONENT runtime)
endif()

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/foveaConfig.cmake.in"
                              "${PROJECT_BINARY_DIR}/foveaConfig.cmake" INSTALL_DESTINATION "${FOVEA_CMAKE_DIR}")
# 0.x: a minor version may break the API, so only the same major.minor is compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/foveaConfigVersion.cmake" COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/foveaConfig.cmake" "${PROJECT_BINARY_DIR}/foveaConfigVersion.cmake"
        DESTINATION "${FOVEA_CMAKE_DIR}" COMPONENT development)

# pkg-config: fovea.pc links the shared library, fovea-static.pc the static one with what it needs (pkg-config
# cannot choose between a library's two kinds). Both find their prefix from their own place, so an installed tree
# can be moved.
file(RELATIVE_PATH FOVEA_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
foreach(pc fovea fovea-static)
  configure_file("${PROJECT_SOURCE_DIR}/cmake/${pc}.pc.in" "${PROJECT_BINARY_DIR}/${pc}.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/${pc}.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
          COMPONENT development)
endforeach()

include(cmake/FoveaPackage.cmake)
