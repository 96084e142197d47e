// libFuzzer target: IDX files, plain or gzipped (read_idx_tensor: magic, element type, dimensions against the
// size). Seeds: fuzz/corpus/idx.
#include "fovea/data/datasets.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fovea::fuzz::input_file(data, size, ".idx");
  fovea::fuzz::expect_only_fovea_errors([&] { fovea::read_idx_tensor(path); });
  return 0;
}
