// libFuzzer target: NPY arrays (read_npy: magic, version, header dictionary, dtype, shape against the file size).
// Seeds: fuzz/corpus/npy.
#include "fovea/data/datasets.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fovea::fuzz::input_file(data, size, ".npy");
  fovea::fuzz::expect_only_fovea_errors([&] { fovea::read_npy(path); });
  return 0;
}
