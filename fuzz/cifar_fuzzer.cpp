// libFuzzer target: CIFAR-10/100 binary batches (read_cifar_batch). The first byte picks the options (bit 0:
// CIFAR-100, bit 1: coarse labels, bit 2: skip bad samples, bit 3: uint8 pixels); the rest is the file.
// Seeds: fuzz/corpus/cifar.
#include "fovea/data/datasets.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  const std::string path = fovea::fuzz::input_file(data + 1, size - 1, ".bin");
  fovea::CifarOptions options{.variant = (flags & 1) ? 100 : 10,
                              .labels = (flags & 2) ? fovea::CifarLabels::coarse : fovea::CifarLabels::fine,
                              .pixels = (flags & 8) ? fovea::DType::u8 : fovea::DType::f32,
                              .skip_bad_samples = (flags & 4) != 0,
                              .on_skip = [](const std::string&) {}};
  fovea::fuzz::expect_only_fovea_errors([&] { fovea::read_cifar_batch(path, options); });
  return 0;
}
