// Sliding-window bookkeeping for the reference convolution and pooling kernels. Spatial extents of 1-3
// dimensions are widened to three (depth, height, width) with leading 1s, so one loop nest serves 1-D, 2-D
// and 3-D, and images are addressed by (n, c, z, y, x) in either layout.
#pragma once

#include <array>
#include <cstdint>

#include "fovea/core/inline_vec.h"
#include "fovea/ops/conv.h"

namespace fovea::reference {

using Extent = std::array<int64_t, 3>;

// The last v.size() entries take v's values; the leading ones take `fill`.
inline Extent widen(const Dims& v, int64_t fill) {
  Extent e{fill, fill, fill};
  for (int i = 0; i < v.size(); ++i) e[3 - v.size() + i] = v[i];
  return e;
}

// Element offsets into a contiguous image tensor (N, C, Z, Y, X) or (N, Z, Y, X, C).
struct ImageIndex {
  int64_t channels;
  Extent size;
  Layout layout;

  int64_t operator()(int64_t n, int64_t c, const Extent& p) const {
    const int64_t spatial = (p[0] * size[1] + p[1]) * size[2] + p[2];
    const int64_t volume = size[0] * size[1] * size[2];
    if (layout == Layout::channels_first) return (n * channels + c) * volume + spatial;
    return (n * volume + spatial) * channels + c;
  }
};

// A window of `kernel` taps, `dilation` apart, placed at output position o: tap t reads input
// o * stride - pad_begin + t * dilation.
struct Window {
  Extent in;
  Extent kernel;
  Extent stride;
  Extent dilation;
  Extent pad_begin;

  // Calls fn(input position, tap index) for every tap of the window at o that lands inside the input (padding
  // is skipped). The tap index runs row-major over the kernel, so the first tap visited is the first in order.
  template <class Fn>
  void for_each_tap(const Extent& o, Fn&& fn) const {
    for (int64_t kz = 0; kz < kernel[0]; ++kz) {
      const int64_t iz = o[0] * stride[0] - pad_begin[0] + kz * dilation[0];
      if (iz < 0 || iz >= in[0]) continue;
      for (int64_t ky = 0; ky < kernel[1]; ++ky) {
        const int64_t iy = o[1] * stride[1] - pad_begin[1] + ky * dilation[1];
        if (iy < 0 || iy >= in[1]) continue;
        for (int64_t kx = 0; kx < kernel[2]; ++kx) {
          const int64_t ix = o[2] * stride[2] - pad_begin[2] + kx * dilation[2];
          if (ix < 0 || ix >= in[2]) continue;
          fn(Extent{iz, iy, ix}, (kz * kernel[1] + ky) * kernel[2] + kx);
        }
      }
    }
  }
};

// Calls fn(position) for every position of a 3-D extent, row-major.
template <class Fn>
void for_each_position(const Extent& size, Fn&& fn) {
  for (int64_t z = 0; z < size[0]; ++z)
    for (int64_t y = 0; y < size[1]; ++y)
      for (int64_t x = 0; x < size[2]; ++x) fn(Extent{z, y, x});
}

}  // namespace fovea::reference
