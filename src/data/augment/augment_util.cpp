// Shared augmentation pieces: option checks, draws, the text form's number format and the affine resampler.
#include "data/augment/augment_util.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "fovea/core/error.h"

namespace fovea::augment {

void require_image(std::string_view transform, const Shape& sample_shape) {
  const bool image = sample_shape.rank() == 3 && sample_shape[0] > 0 && sample_shape[1] > 0 && sample_shape[2] > 0;
  FOVEA_CHECK(image, ShapeError, transform, " needs image samples (height, width, channels); got a sample of shape ",
              sample_shape.to_string(), " (geometric transforms do not apply to 1-D signals (length, channels))");
}

void check_factor(std::string_view transform, std::string_view option, const Factor& factor, double min, double max) {
  const bool ok = factor.lower >= min && factor.upper <= max && factor.lower <= factor.upper;
  FOVEA_CHECK(ok, ValueError, transform, ": ", option, " must lie within [", format_number(min), ", ",
              format_number(max), "] with lower <= upper; got ", format_number(factor.lower), "..",
              format_number(factor.upper));
}

void check_value_range(std::string_view transform, const std::array<double, 2>& value_range) {
  FOVEA_CHECK(value_range[0] < value_range[1], ValueError, transform,
              ": value_range must be [low, high] with low < high; got [", format_number(value_range[0]), ", ",
              format_number(value_range[1]), "]");
}

int64_t uniform_int(Generator& gen, int64_t low, int64_t high) {
  const double count = static_cast<double>(high - low + 1);
  const int64_t offset = static_cast<int64_t>(gen.uniform() * count);
  return low + std::min(offset, high - low);  // guards the (theoretical) rounding of u * count up to count
}

std::string format_number(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string format_factor(const Factor& factor) {
  if (factor.upper >= 0 && factor.lower == -factor.upper) return format_number(factor.upper);
  return detail::concat(format_number(factor.lower), "..", format_number(factor.upper));
}

std::string format_range(const std::array<double, 2>& range) {
  return detail::concat(format_number(range[0]), "..", format_number(range[1]));
}

void resample(const float* src, float* dst, int64_t height, int64_t width, int64_t channels, const Affine& m,
              const Sampling& sampling) {
  const FillMode mode = sampling.fill_mode;
  const float fill = static_cast<float>(sampling.fill_value);
  for (int64_t y = 0; y < height; ++y) {
    for (int64_t x = 0; x < width; ++x) {
      const double sx = m.a0 * static_cast<double>(x) + m.a1 * static_cast<double>(y) + m.a2;
      const double sy = m.b0 * static_cast<double>(x) + m.b1 * static_cast<double>(y) + m.b2;
      float* out = dst + (y * width + x) * channels;
      if (sampling.interpolation == Interpolation::nearest) {
        // nearbyint rounds halves to even, like numpy's round in Keras's backends.
        const int64_t iy = fix_index(static_cast<int64_t>(std::nearbyint(sy)), height, mode);
        const int64_t ix = fix_index(static_cast<int64_t>(std::nearbyint(sx)), width, mode);
        if (iy < 0 || ix < 0) {
          for (int64_t c = 0; c < channels; ++c) out[c] = fill;
        } else {
          const float* in = src + (iy * width + ix) * channels;
          for (int64_t c = 0; c < channels; ++c) out[c] = in[c];
        }
        continue;
      }
      const double fy = std::floor(sy), fx = std::floor(sx);
      const double wy = sy - fy, wx = sx - fx;
      const int64_t y0 = static_cast<int64_t>(fy), x0 = static_cast<int64_t>(fx);
      const int64_t rows[2] = {fix_index(y0, height, mode), fix_index(y0 + 1, height, mode)};
      const int64_t cols[2] = {fix_index(x0, width, mode), fix_index(x0 + 1, width, mode)};
      const float* taps[2][2];
      for (int i = 0; i < 2; ++i) {
        for (int j = 0; j < 2; ++j) {
          taps[i][j] = rows[i] < 0 || cols[j] < 0 ? nullptr : src + (rows[i] * width + cols[j]) * channels;
        }
      }
      for (int64_t c = 0; c < channels; ++c) {
        const double v00 = taps[0][0] ? taps[0][0][c] : fill, v01 = taps[0][1] ? taps[0][1][c] : fill;
        const double v10 = taps[1][0] ? taps[1][0][c] : fill, v11 = taps[1][1] ? taps[1][1][c] : fill;
        out[c] = static_cast<float>((1 - wy) * ((1 - wx) * v00 + wx * v01) + wy * ((1 - wx) * v10 + wx * v11));
      }
    }
  }
}

std::string sampling_keys(const Sampling& sampling, FillMode default_fill, bool has_interpolation) {
  std::string keys;
  if (sampling.fill_mode != default_fill) keys += detail::concat(":fill=", fill_mode_name(sampling.fill_mode));
  if (sampling.fill_value != 0.0) keys += detail::concat(":fill_value=", format_number(sampling.fill_value));
  if (has_interpolation && sampling.interpolation != Interpolation::bilinear) {
    keys += detail::concat(":interpolation=", interpolation_name(sampling.interpolation));
  }
  return keys;
}

}  // namespace fovea::augment
