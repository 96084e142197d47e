// libFuzzer target: the safetensors container alone (header length, JSON header, dtypes, shapes, data offsets).
// Seeds: fuzz/corpus/safetensors.
#include "fuzz/fuzz_input.h"
#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fovea::fuzz::input_file(data, size, ".safetensors");
  fovea::fuzz::expect_only_fovea_errors([&] { fovea::io_detail::read_safetensors(path); });
  return 0;
}
