// libFuzzer target: ONNX models (import_onnx: the protobuf message, the graph, every node's attributes and
// initializers, shapes). Seeds: fuzz/corpus/onnx.
#include "fovea/io/onnx.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fovea::fuzz::input_file(data, size, ".onnx");
  fovea::fuzz::expect_only_fovea_errors([&] { fovea::import_onnx(path); });
  return 0;
}
