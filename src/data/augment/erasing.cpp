// RandomErasing (Cutout): torchvision's box-erasing augmentation for (H, W, C) images.
#include <algorithm>
#include <cmath>

#include "data/augment/augment_util.h"
#include "fovea/core/error.h"
#include "fovea/data/augmentation.h"

namespace fovea {
namespace {

const RandomErasingOptions kDefaults{};

std::string format_values(const std::vector<double>& values) {
  std::string text;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += '/';
    text += augment::format_number(values[i]);
  }
  return text;
}

}  // namespace

RandomErasing::RandomErasing(const RandomErasingOptions& options) : options_(options) {
  FOVEA_CHECK(options.probability >= 0 && options.probability <= 1, ValueError,
              "RandomErasing: probability must lie in [0, 1]; got ", augment::format_number(options.probability));
  augment::check_factor(name(), "scale", options.scale, 0, 1);
  FOVEA_CHECK(
      options.ratio.lower > 0 && options.ratio.lower <= options.ratio.upper && std::isfinite(options.ratio.upper),
      ValueError, "RandomErasing: ratio must be a range LO..HI with 0 < LO <= HI; got ",
      augment::format_number(options.ratio.lower), "..", augment::format_number(options.ratio.upper));
  FOVEA_CHECK(options.random_value || !options.value.empty(), ValueError,
              "RandomErasing: value needs one number, or one per channel (or random_value = true)");
}

std::string RandomErasing::to_string() const {
  std::string text = detail::concat("cutout=", augment::format_number(options_.probability));
  auto differs = [](const Factor& a, const Factor& b) { return a.lower != b.lower || a.upper != b.upper; };
  if (differs(options_.scale, kDefaults.scale)) {
    text += detail::concat(":scale=", augment::format_number(options_.scale.lower), "..",
                           augment::format_number(options_.scale.upper));
  }
  if (differs(options_.ratio, kDefaults.ratio)) {
    text += detail::concat(":ratio=", augment::format_number(options_.ratio.lower), "..",
                           augment::format_number(options_.ratio.upper));
  }
  if (options_.random_value) {
    text += ":value=random";
  } else if (options_.value != kDefaults.value) {
    text += detail::concat(":value=", format_values(options_.value));
  }
  return text;
}

void RandomErasing::check(const Shape& sample_shape) const {
  augment::require_image(name(), sample_shape);
  const size_t channels = static_cast<size_t>(sample_shape[2]);
  FOVEA_CHECK(options_.random_value || options_.value.size() == 1 || options_.value.size() == channels, ValueError,
              "RandomErasing: value has ", options_.value.size(), " entries but the images have ", channels,
              " channels; give one value or one per channel");
}

void RandomErasing::apply(float* sample, const Shape& shape, Generator& gen, std::vector<float>&) const {
  check(shape);
  if (!(gen.uniform() < options_.probability)) return;
  const int64_t height = shape[0], width = shape[1], channels = shape[2];
  const double area = static_cast<double>(height * width);
  const double log_ratio_low = std::log(options_.ratio.lower), log_ratio_high = std::log(options_.ratio.upper);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double erase_area = area * augment::draw(gen, options_.scale);
    const double aspect = std::exp(gen.uniform(log_ratio_low, log_ratio_high));
    // Python's round() (halves to even), as torchvision computes the box sides.
    const int64_t box_h = static_cast<int64_t>(std::nearbyint(std::sqrt(erase_area * aspect)));
    const int64_t box_w = static_cast<int64_t>(std::nearbyint(std::sqrt(erase_area / aspect)));
    if (!(box_h < height && box_w < width)) continue;
    const int64_t top = augment::uniform_int(gen, 0, height - box_h);
    const int64_t left = augment::uniform_int(gen, 0, width - box_w);
    for (int64_t y = top; y < top + box_h; ++y) {
      float* pixel = sample + (y * width + left) * channels;
      for (int64_t x = 0; x < box_w; ++x, pixel += channels) {
        for (int64_t c = 0; c < channels; ++c) {
          pixel[c] = options_.random_value ? static_cast<float>(gen.normal())
                                           : static_cast<float>(options_.value[options_.value.size() == 1 ? 0 : c]);
        }
      }
    }
    return;
  }
}

}  // namespace fovea
