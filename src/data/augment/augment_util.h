// Pieces the augmentation transforms share: option checks, random draws, number formatting for the text form,
// and the resampler behind translation, rotation and zoom.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fovea/core/rng.h"
#include "fovea/core/shape.h"
#include "fovea/data/augmentation.h"

namespace fovea::augment {

// Throws ShapeError unless sample_shape is an image (H, W, C) with H, W, C >= 1; the message names the transform
// and says that geometric transforms do not apply to 1-D signals.
void require_image(std::string_view transform, const Shape& sample_shape);

// Throws ValueError unless min <= factor.lower <= factor.upper <= max (NaN fails), naming transform and option.
void check_factor(std::string_view transform, std::string_view option, const Factor& factor, double min, double max);
// Throws ValueError unless value_range[0] < value_range[1] (NaN fails), naming the transform.
void check_value_range(std::string_view transform, const std::array<double, 2>& value_range);

// A uniform draw from [factor.lower, factor.upper).
inline double draw(Generator& gen, const Factor& factor) { return gen.uniform(factor.lower, factor.upper); }
// A uniform integer in [low, high] (both included; high >= low).
int64_t uniform_int(Generator& gen, int64_t low, int64_t high);

// Shortest text that reads back as the same double ("0.05", "-1", "1e-07").
std::string format_number(double value);
// A factor as the text form writes it: one number when symmetric ([-f, f]), else "LO..HI".
std::string format_factor(const Factor& factor);
// "LO..HI" for a value range.
std::string format_range(const std::array<double, 2>& range);

// Maps an index that may fall outside [0, n) back inside according to mode; -1 means "use the fill value"
// (only for FillMode::constant).
inline int64_t fix_index(int64_t i, int64_t n, FillMode mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case FillMode::constant:
      return -1;
    case FillMode::nearest:
      return i < 0 ? 0 : n - 1;
    case FillMode::wrap: {
      const int64_t m = i % n;
      return m < 0 ? m + n : m;
    }
    case FillMode::reflect: {
      // Period 2n: d c b a | a b c d | d c b a.
      int64_t m = i % (2 * n);
      if (m < 0) m += 2 * n;
      return m < n ? m : 2 * n - 1 - m;
    }
  }
  return -1;
}

// Maps each output pixel (x, y) to the input point (a0 x + a1 y + a2, b0 x + b1 y + b2) (Keras's projective
// transform without the perspective terms).
struct Affine {
  double a0 = 1, a1 = 0, a2 = 0;
  double b0 = 0, b1 = 1, b2 = 0;
};

// How resample() treats points outside the input.
struct Sampling {
  FillMode fill_mode = FillMode::reflect;
  Interpolation interpolation = Interpolation::bilinear;
  double fill_value = 0.0;
};

// dst (H, W, C) = src sampled at transform(x, y). Each of the (up to four) pixels an output reads is mapped by
// fix_index on its own, as jax.scipy.ndimage.map_coordinates does; with constant fill, outside pixels contribute
// fill_value. src and dst must not overlap.
void resample(const float* src, float* dst, int64_t height, int64_t width, int64_t channels, const Affine& transform,
              const Sampling& sampling);

// The text form's keys for a geometric transform's fill settings, each written only when it differs from the
// default (":fill=constant:fill_value=0.5").
std::string sampling_keys(const Sampling& sampling, FillMode default_fill, bool has_interpolation);

}  // namespace fovea::augment
