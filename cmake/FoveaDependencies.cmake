# The packages fovea's library needs (Debian: see scripts/setup). cmake/foveaConfig.cmake.in finds the same ones
# for a project that links the installed static library; keep the two lists together.
if(FOVEA_OPENMP)
  find_package(OpenMP REQUIRED)
  set(FOVEA_OPENMP_TARGET OpenMP::OpenMP_CXX)
else()
  add_compile_options(-Wno-unknown-pragmas)
endif()
find_package(dnnl REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PNG REQUIRED)
find_package(JPEG REQUIRED)
# Text in pictures (src/viz): FreeType rasterizes a Debian font (fonts-dejavu-core) found at run time.
find_package(Freetype REQUIRED)
# ONNX import/export (src/onnx): Debian's libonnx-dev (protobuf messages, checker) and the protobuf runtime.
find_package(Protobuf REQUIRED)
find_package(ONNX REQUIRED)
