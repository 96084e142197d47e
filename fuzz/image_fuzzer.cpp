// libFuzzer target: PNG and JPEG images (read_image, told apart by their first bytes), then resized as an image
// folder would. The first byte picks the colour mode (automatic, grayscale, rgb); the rest is the file.
// Seeds: fuzz/corpus/image.
#include "fovea/data/image_io.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto color = static_cast<fovea::ColorMode>(data[0] % 3);
  const std::string path = fovea::fuzz::input_file(data + 1, size - 1, ".img");
  fovea::fuzz::expect_only_fovea_errors([&] {
    const fovea::Tensor image = fovea::read_image(path, color);
    fovea::resize_bilinear(image, 7, 5);
  });
  return 0;
}
