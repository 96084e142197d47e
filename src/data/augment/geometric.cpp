// Geometric augmentations of (H, W, C) images: RandomFlip, RandomTranslation, RandomCrop (padded), RandomRotation
// and RandomZoom. Each works in place on one sample, using the caller's scratch buffer for the source copy.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

#include "data/augment/augment_util.h"
#include "fovea/core/error.h"
#include "fovea/data/augmentation.h"

namespace fovea {
namespace {

using augment::Affine;
using augment::Sampling;

// Copies the sample into scratch (grown only when too small) and returns the copy.
const float* copy_to_scratch(const float* sample, int64_t count, std::vector<float>& scratch) {
  if (scratch.size() < static_cast<size_t>(count)) scratch.resize(static_cast<size_t>(count));
  std::memcpy(scratch.data(), sample, static_cast<size_t>(count) * sizeof(float));
  return scratch.data();
}

// sample <- sample resampled at transform(x, y).
void resample_in_place(float* sample, const Shape& shape, const Affine& transform, const Sampling& sampling,
                       std::vector<float>& scratch) {
  const float* source = copy_to_scratch(sample, shape.numel(), scratch);
  augment::resample(source, sample, shape[0], shape[1], shape[2], transform, sampling);
}

// sample(y, x) <- sample(y + dy, x + dx) for whole-pixel offsets; the rows' inside spans are plain copies.
void shift_in_place(float* sample, const Shape& shape, int64_t dy, int64_t dx, FillMode mode, float fill,
                    std::vector<float>& scratch) {
  const int64_t height = shape[0], width = shape[1], channels = shape[2];
  const float* source = copy_to_scratch(sample, shape.numel(), scratch);
  // Output columns [inside_begin, inside_end) read input columns that exist.
  const int64_t inside_begin = std::clamp<int64_t>(-dx, 0, width);
  const int64_t inside_end = std::clamp<int64_t>(width - dx, inside_begin, width);
  auto copy_pixel = [&](float* out, const float* in_row, int64_t x) {
    const int64_t sx = augment::fix_index(x + dx, width, mode);
    if (sx < 0) {
      std::fill(out, out + channels, fill);
    } else {
      std::memcpy(out, in_row + sx * channels, static_cast<size_t>(channels) * sizeof(float));
    }
  };
  for (int64_t y = 0; y < height; ++y) {
    float* out_row = sample + y * width * channels;
    const int64_t sy = augment::fix_index(y + dy, height, mode);
    if (sy < 0) {
      std::fill(out_row, out_row + width * channels, fill);
      continue;
    }
    const float* in_row = source + sy * width * channels;
    for (int64_t x = 0; x < inside_begin; ++x) copy_pixel(out_row + x * channels, in_row, x);
    std::memcpy(out_row + inside_begin * channels, in_row + (inside_begin + dx) * channels,
                static_cast<size_t>((inside_end - inside_begin) * channels) * sizeof(float));
    for (int64_t x = inside_end; x < width; ++x) copy_pixel(out_row + x * channels, in_row, x);
  }
}

bool same_factor(const Factor& a, const Factor& b) { return a.lower == b.lower && a.upper == b.upper; }

}  // namespace

// ---- RandomFlip ----

RandomFlip::RandomFlip(const RandomFlipOptions& options) : options_(options) {}

std::string RandomFlip::to_string() const {
  switch (options_.mode) {
    case FlipMode::horizontal:
      return "flip";
    case FlipMode::vertical:
      return "flip=vertical";
    case FlipMode::horizontal_and_vertical:
      return "flip=both";
  }
  return "flip";
}

void RandomFlip::check(const Shape& sample_shape) const { augment::require_image(name(), sample_shape); }

void RandomFlip::apply(float* sample, const Shape& shape, Generator& gen, std::vector<float>&) const {
  check(shape);
  const int64_t height = shape[0], width = shape[1], channels = shape[2];
  // One draw per enabled direction, horizontal first, so a mode always consumes the same number of draws.
  const bool horizontal = options_.mode != FlipMode::vertical && gen.uniform() < 0.5;
  const bool vertical = options_.mode != FlipMode::horizontal && gen.uniform() < 0.5;
  if (horizontal) {
    for (int64_t y = 0; y < height; ++y) {
      float* row = sample + y * width * channels;
      for (int64_t x = 0; x < width / 2; ++x) {
        std::swap_ranges(row + x * channels, row + (x + 1) * channels, row + (width - 1 - x) * channels);
      }
    }
  }
  if (vertical) {
    const int64_t row_size = width * channels;
    for (int64_t y = 0; y < height / 2; ++y) {
      std::swap_ranges(sample + y * row_size, sample + (y + 1) * row_size, sample + (height - 1 - y) * row_size);
    }
  }
}

// ---- RandomTranslation ----

RandomTranslation::RandomTranslation(const RandomTranslationOptions& options) : options_(options) {
  augment::check_factor(name(), "height_factor", options.height_factor, -1, 1);
  augment::check_factor(name(), "width_factor", options.width_factor, -1, 1);
}

std::string RandomTranslation::to_string() const {
  std::string text = detail::concat("translation=", augment::format_factor(options_.height_factor));
  if (!same_factor(options_.height_factor, options_.width_factor)) {
    text += detail::concat(":", augment::format_factor(options_.width_factor));
  }
  const Sampling sampling{options_.fill_mode, options_.interpolation, options_.fill_value};
  return text + augment::sampling_keys(sampling, FillMode::reflect, true);
}

void RandomTranslation::check(const Shape& sample_shape) const { augment::require_image(name(), sample_shape); }

void RandomTranslation::apply(float* sample, const Shape& shape, Generator& gen, std::vector<float>& scratch) const {
  check(shape);
  const double dy = augment::draw(gen, options_.height_factor) * static_cast<double>(shape[0]);
  const double dx = augment::draw(gen, options_.width_factor) * static_cast<double>(shape[1]);
  if (dx == 0 && dy == 0) return;
  // Output (x, y) shows input (x - dx, y - dy): positive shifts move the content down and right.
  const Affine transform{1, 0, -dx, 0, 1, -dy};
  resample_in_place(sample, shape, transform, {options_.fill_mode, options_.interpolation, options_.fill_value},
                    scratch);
}

// ---- RandomCrop ----

RandomCrop::RandomCrop(const RandomCropOptions& options) : options_(options) {
  FOVEA_CHECK(options.padding >= 0, ValueError, "RandomCrop: padding must be >= 0; got ", options.padding);
}

std::string RandomCrop::to_string() const {
  const Sampling sampling{options_.fill_mode, Interpolation::nearest, options_.fill_value};
  return detail::concat("crop=", options_.padding, augment::sampling_keys(sampling, FillMode::constant, false));
}

void RandomCrop::check(const Shape& sample_shape) const {
  augment::require_image(name(), sample_shape);
  // With a constant fill, a shift by the image's full height or width leaves nothing of it: blank images. (The
  // other fill modes show the image, mirrored or wrapped, whatever the shift.)
  const int64_t side = std::min(sample_shape[0], sample_shape[1]);
  FOVEA_CHECK(options_.fill_mode != FillMode::constant || options_.padding < side, ValueError, name(), ": padding ",
              options_.padding, " can shift a ", sample_shape[1], "x", sample_shape[0],
              " image (width x height) out of view with fill=constant; expected less than ", side);
}

void RandomCrop::apply(float* sample, const Shape& shape, Generator& gen, std::vector<float>& scratch) const {
  check(shape);
  const int64_t padding = options_.padding;
  // The crop's top-left corner in the padded image, drawn top first as torchvision does.
  const int64_t top = augment::uniform_int(gen, 0, 2 * padding);
  const int64_t left = augment::uniform_int(gen, 0, 2 * padding);
  if (top == padding && left == padding) return;
  shift_in_place(sample, shape, top - padding, left - padding, options_.fill_mode,
                 static_cast<float>(options_.fill_value), scratch);
}

// ---- RandomRotation ----

RandomRotation::RandomRotation(const RandomRotationOptions& options) : options_(options) {
  augment::check_factor(name(), "factor", options.factor, -1, 1);
}

std::string RandomRotation::to_string() const {
  const Sampling sampling{options_.fill_mode, options_.interpolation, options_.fill_value};
  return detail::concat("rotation=", augment::format_factor(options_.factor),
                        augment::sampling_keys(sampling, FillMode::reflect, true));
}

void RandomRotation::check(const Shape& sample_shape) const { augment::require_image(name(), sample_shape); }

void RandomRotation::apply(float* sample, const Shape& shape, Generator& gen, std::vector<float>& scratch) const {
  check(shape);
  const double angle = augment::draw(gen, options_.factor) * 2 * std::numbers::pi;
  if (angle == 0) return;
  const double c = std::cos(angle), s = std::sin(angle);
  const double w = static_cast<double>(shape[1] - 1), h = static_cast<double>(shape[0] - 1);
  // Keras's rotation matrix: turns about ((W - 1) / 2, (H - 1) / 2), counter-clockwise for positive angles.
  const Affine transform{c, -s, (w - (c * w - s * h)) / 2, s, c, (h - (s * w + c * h)) / 2};
  resample_in_place(sample, shape, transform, {options_.fill_mode, options_.interpolation, options_.fill_value},
                    scratch);
}

// ---- RandomZoom ----

RandomZoom::RandomZoom(const RandomZoomOptions& options) : options_(options) {
  augment::check_factor(name(), "height_factor", options.height_factor, -1, 1);
  if (options.width_factor) augment::check_factor(name(), "width_factor", *options.width_factor, -1, 1);
}

std::string RandomZoom::to_string() const {
  std::string text = detail::concat("zoom=", augment::format_factor(options_.height_factor));
  if (options_.width_factor) text += detail::concat(":", augment::format_factor(*options_.width_factor));
  const Sampling sampling{options_.fill_mode, options_.interpolation, options_.fill_value};
  return text + augment::sampling_keys(sampling, FillMode::reflect, true);
}

void RandomZoom::check(const Shape& sample_shape) const { augment::require_image(name(), sample_shape); }

void RandomZoom::apply(float* sample, const Shape& shape, Generator& gen, std::vector<float>& scratch) const {
  check(shape);
  const double zoom_y = 1 + augment::draw(gen, options_.height_factor);
  const double zoom_x = options_.width_factor ? 1 + augment::draw(gen, *options_.width_factor) : zoom_y;
  if (zoom_x == 1 && zoom_y == 1) return;
  // Output (x, y) reads the input at centre + zoom * ((x, y) - centre): zoom > 1 shows more, i.e. zooms out.
  const double cx = static_cast<double>(shape[1] - 1) / 2, cy = static_cast<double>(shape[0] - 1) / 2;
  const Affine transform{zoom_x, 0, cx * (1 - zoom_x), 0, zoom_y, cy * (1 - zoom_y)};
  resample_in_place(sample, shape, transform, {options_.fill_mode, options_.interpolation, options_.fill_value},
                    scratch);
}

}  // namespace fovea
