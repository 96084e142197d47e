# `cpack -G DEB` in the build folder: two Debian packages from the install rules' components,
#   fovea      (runtime):     libfovea.so.MAJOR.MINOR and the `fovea` command; its dependencies found by
#                             dpkg-shlibdeps from what they link;
#   fovea-dev  (development): headers, libfovea.a, the .so link, the CMake package and fovea.pc; it depends on the
#                             Debian development packages find_package(fovea) and a static link need.
# Installed under /usr. tests/consumer/run --deb builds them, installs them with dpkg -i and builds against them.
set(CPACK_PACKAGE_NAME fovea)
set(CPACK_PACKAGE_VENDOR "fovea")
set(CPACK_PACKAGE_CONTACT "fovea maintainers <fovea@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Keras-style convolutional neural networks in C++20 on oneDNN")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_COMPONENTS_ALL runtime development)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME fovea)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_GENERATE_SHLIBS ON)  # and the ldconfig trigger
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME fovea-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
# ocl-icd-opencl-dev: oneDNN's CMake config asks for OpenCL, though Debian's libdnnl-dev only recommends it.
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS
    "fovea (= ${PROJECT_VERSION}), libdnnl-dev, nlohmann-json3-dev, libonnx-dev, libprotobuf-dev, libpng-dev, \
libjpeg-dev, zlib1g-dev, libfreetype-dev, ocl-icd-opencl-dev")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "fovea's shared library and the fovea command")
set(CPACK_COMPONENT_DEVELOPMENT_DESCRIPTION "fovea's headers, static library, CMake package and pkg-config file")
include(CPack)
