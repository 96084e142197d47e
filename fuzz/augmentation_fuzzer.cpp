// libFuzzer target: augmentation specs (Augmentation::parse), and every spec that parses applied to an 8x8 image,
// grayscale and colour, as training would. Seeds: fuzz/corpus/augmentation.
#include "fovea/core/rng.h"
#include "fovea/data/augmentation.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fovea::fuzz::expect_only_fovea_errors([&] {
    const fovea::Augmentation augmentation = fovea::Augmentation::parse(fovea::fuzz::as_text(data, size));
    fovea::Generator gen(1);
    for (const int64_t channels : {1, 3}) {
      const fovea::Tensor sample = fovea::Tensor::uniform({8, 8, channels}, 0.0, 1.0, &gen);
      augmentation.check(sample.shape());
      augmentation(sample, gen);
    }
  });
  return 0;
}
