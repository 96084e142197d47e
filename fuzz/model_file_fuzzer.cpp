// libFuzzer target: model files (load_model_file: safetensors container, architecture JSON, weights, optimizer and
// callback state, checksums). Seeds: fuzz/corpus/model_file.
#include "fovea/io/json.h"
#include "fovea/io/model_file.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fovea::fuzz::input_file(data, size, ".fovea");
  fovea::fuzz::expect_only_fovea_errors([&] { fovea::load_model_file(path); });
  return 0;
}
