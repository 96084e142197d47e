// Helpers for the oneDNN parity tests: padding resolved by hand (independently of the ops layer), image shapes
// in either layout, seeded random tensors, and readable traces of a parameter combination.
#pragma once

#include <algorithm>
#include <sstream>
#include <string>

#include "backends/geometry.h"
#include "fovea/core/rng.h"
#include "fovea/core/tensor.h"

namespace fovea::testing {

inline Tensor random32(const Shape& shape, uint64_t seed, double low = -1.0, double high = 1.0) {
  Generator gen(seed);
  return Tensor::uniform(shape, low, high, &gen);
}

// Pads of one dimension for a padding mode: TensorFlow 'same' (odd pad at the end), 'full', 'causal', or the
// explicit (1, 2) as an asymmetric example.
inline void pads_for(Padding p, int64_t in, int64_t dilated_kernel, int64_t stride, int64_t& begin, int64_t& end) {
  begin = end = 0;
  switch (p) {
    case Padding::valid:
      break;
    case Padding::same: {
      const int64_t out = (in + stride - 1) / stride;
      const int64_t total = std::max<int64_t>((out - 1) * stride + dilated_kernel - in, 0);
      begin = total / 2;
      end = total - begin;
      break;
    }
    case Padding::full:
      begin = end = dilated_kernel - 1;
      break;
    case Padding::causal:
      begin = dilated_kernel - 1;
      break;
    case Padding::explicit_:
      begin = 1;
      end = 2;
      break;
  }
}

inline int64_t out_size(int64_t in, int64_t dilated_kernel, int64_t stride, int64_t begin, int64_t end) {
  const int64_t span = in + begin + end - dilated_kernel;
  return span < 0 ? 0 : span / stride + 1;
}

// (N, C, spatial...) or (N, spatial..., C).
inline Shape image_shape(int64_t batch, int64_t channels, const Dims& spatial, Layout layout) {
  Shape s{batch};
  if (layout == Layout::channels_first) s.push_back(channels);
  for (int64_t v : spatial) s.push_back(v);
  if (layout == Layout::channels_last) s.push_back(channels);
  return s;
}

inline std::string dims_text(const Dims& d) {
  std::ostringstream out;
  for (int i = 0; i < d.size(); ++i) out << (i ? "x" : "") << d[i];
  return out.str();
}

inline const char* padding_text(Padding p) {
  switch (p) {
    case Padding::valid:
      return "valid";
    case Padding::same:
      return "same";
    case Padding::full:
      return "full";
    case Padding::causal:
      return "causal";
    case Padding::explicit_:
      return "explicit(1,2)";
  }
  return "?";
}

inline const char* layout_text(Layout l) { return l == Layout::channels_first ? "channels_first" : "channels_last"; }

}  // namespace fovea::testing
