# The library: one object library per layer of docs/ARCHITECTURE.md, each linked to the layer below it (for usage
# requirements: a layer sees the public headers and the third-party headers it declares, no more), and the static
# and shared libraries built from the same objects, so every source is compiled once. The objects are
# position-independent, so the static library can also go into a user's shared library or Python module.
#
# fovea_layer(NAME DIRS... [PRIVATE_DEPS targets...]): the layer's sources are every .cpp under its folders.
set(FOVEA_LAYERS "")
function(fovea_layer name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "DIRS;PRIVATE_DEPS")
  set(sources "")
  foreach(dir ${arg_DIRS})
    file(GLOB_RECURSE dir_sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/${dir}/*.cpp")
    list(APPEND sources ${dir_sources})
  endforeach()
  set(target fovea_${name})
  add_library(${target} OBJECT ${sources})
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON VISIBILITY_INLINES_HIDDEN ON
                                             UNITY_BUILD ${FOVEA_UNITY_BUILD} UNITY_BUILD_BATCH_SIZE 16)
  target_include_directories(${target} PUBLIC "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>"
                                       PRIVATE "${PROJECT_SOURCE_DIR}/src")
  target_compile_features(${target} PUBLIC cxx_std_20)
  # Designated initializers that leave members at their defaults are the options-struct style: no warning for them.
  # -ffp-contract=off: no multiply-add is fused behind the code's back, so the loops compiled for AVX2 and AVX-512
  # (src/core/simd.h) give the baseline's bits, and a result does not depend on the instruction set of the build.
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-missing-field-initializers -fno-math-errno
                                           -ffp-contract=off ${FOVEA_ARCH_FLAGS})
  target_link_libraries(${target} PUBLIC ${FOVEA_LAYERS_BELOW} nlohmann_json::nlohmann_json
                                  PRIVATE ${FOVEA_OPENMP_TARGET} ${arg_PRIVATE_DEPS})
  list(APPEND FOVEA_LAYERS ${target})
  set(FOVEA_LAYERS ${FOVEA_LAYERS} PARENT_SCOPE)
  set(FOVEA_LAYERS_BELOW ${target} PARENT_SCOPE)
endfunction()

fovea_layer(core DIRS src/core)
fovea_layer(backends DIRS src/backends PRIVATE_DEPS DNNL::dnnl)
fovea_layer(autograd DIRS src/autograd)
fovea_layer(ops DIRS src/ops)
fovea_layer(layers DIRS src/layers)
fovea_layer(models DIRS src/models src/zoo)
fovea_layer(data DIRS src/data PRIVATE_DEPS ZLIB::ZLIB PNG::PNG JPEG::JPEG)
fovea_layer(train DIRS src/train)
fovea_layer(io DIRS src/io src/onnx PRIVATE_DEPS ZLIB::ZLIB onnx onnx_proto)
fovea_layer(tools DIRS src/viz src/tune PRIVATE_DEPS PNG::PNG Freetype::Freetype)

# What the objects need at link time: private to the shared library, carried by the static one (as $<LINK_ONLY:>
# in its exported target, so a user's find_package(fovea) finds them; cmake/foveaConfig.cmake.in).
set(FOVEA_LINK_DEPS ${FOVEA_OPENMP_TARGET} DNNL::dnnl ZLIB::ZLIB PNG::PNG JPEG::JPEG onnx onnx_proto Freetype::Freetype)

function(fovea_library target kind export_name)
  set(objects "")
  foreach(layer ${FOVEA_LAYERS})
    list(APPEND objects $<TARGET_OBJECTS:${layer}>)
  endforeach()
  add_library(${target} ${kind} ${objects})
  add_library(fovea::${export_name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES OUTPUT_NAME fovea EXPORT_NAME ${export_name})
  target_include_directories(${target} PUBLIC "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>"
                                       "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_link_libraries(${target} PUBLIC nlohmann_json::nlohmann_json PRIVATE ${FOVEA_LINK_DEPS})
endfunction()

include(GNUInstallDirs)
# The report inlines Chart.js into its pages from the copy scripts/setup installs, or from fovea's installed one
# (cmake/FoveaInstall.cmake) for a packaged fovea.
target_compile_definitions(fovea_tools PRIVATE FOVEA_DATA_DIR="${CMAKE_INSTALL_FULL_DATADIR}/fovea")
# `fovea` is the static library (the command, tests, examples and benchmarks link it: they use internal symbols the
# shared library does not export).
fovea_library(fovea STATIC fovea_static)
if(FOVEA_WITH_SHARED)
  fovea_library(fovea_shared SHARED fovea_shared)
  # Only the public API is exported: cmake/export_map.sh lists its symbols from the static library's (same) objects
  # into the version script; the implementation's namespaces and the instances of std::, protobuf and ONNX
  # templates stay local. The soname changes with the minor version while the major version is 0.
  set(FOVEA_EXPORT_MAP "${PROJECT_BINARY_DIR}/fovea.map")
  add_custom_command(OUTPUT "${FOVEA_EXPORT_MAP}"
                     COMMAND bash "${PROJECT_SOURCE_DIR}/cmake/export_map.sh" "$<TARGET_FILE:fovea>" "${FOVEA_EXPORT_MAP}"
                     DEPENDS fovea "${PROJECT_SOURCE_DIR}/cmake/export_map.sh"
                     COMMENT "Listing the public symbols of libfovea.so")
  add_custom_target(fovea_export_map DEPENDS "${FOVEA_EXPORT_MAP}")
  add_dependencies(fovea_shared fovea_export_map)
  set_target_properties(fovea_shared PROPERTIES VERSION ${PROJECT_VERSION}
                                                SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
                                                LINK_DEPENDS "${FOVEA_EXPORT_MAP}")
  target_link_options(fovea_shared PRIVATE "LINKER:--version-script=${FOVEA_EXPORT_MAP}" "LINKER:--no-undefined")
endif()
# fovea::fovea: what a project that adds fovea with add_subdirectory or FetchContent links, the shared library when
# it builds shared libraries (BUILD_SHARED_LIBS), else the static one; the other one is then not built by default.
if(BUILD_SHARED_LIBS AND FOVEA_WITH_SHARED)
  add_library(fovea::fovea ALIAS fovea_shared)
  if(NOT PROJECT_IS_TOP_LEVEL)
    set_target_properties(fovea PROPERTIES EXCLUDE_FROM_ALL ON)
  endif()
else()
  add_library(fovea::fovea ALIAS fovea)
  if(FOVEA_WITH_SHARED AND NOT PROJECT_IS_TOP_LEVEL)
    set_target_properties(fovea_shared PROPERTIES EXCLUDE_FROM_ALL ON)
  endif()
endif()
