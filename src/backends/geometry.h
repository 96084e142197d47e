// Resolved geometry that kernels consume: every 'same'/'full'/'causal' padding and default already turned
// into explicit numbers by the ops layer's shape functions, so kernels never interpret user options.
#pragma once

#include <cstdint>

#include "fovea/core/inline_vec.h"
#include "fovea/ops/activation.h"
#include "fovea/ops/conv.h"
#include "fovea/ops/pool.h"

namespace fovea {

// A convolution y = conv(x, w) + b. x: (N, Cin, in...) or (N, in..., Cin); w: (Cout, Cin / groups, kernel...);
// y: (N, Cout, out...) or (N, out..., Cout). Spatial lists have spatial_rank entries.
// Transposed convolution reuses this geometry with x and y swapped (its forward is conv_backward_data).
struct ConvGeometry {
  int spatial_rank = 2;
  int64_t batch = 1;
  int64_t in_channels = 1;
  int64_t out_channels = 1;
  int64_t groups = 1;
  Dims in_size;
  Dims kernel_size;
  Dims out_size;
  Dims strides;
  Dims dilation;
  Dims pads_begin;
  Dims pads_end;
  Layout layout = Layout::channels_first;
  Activation activation;  // conv_forward applies it after the bias
  // conv_forward adds its result to y's previous contents before the activation: a residual connection
  // (act(conv(x) + b + shortcut)) in one pass instead of three.
  bool accumulate = false;
  // No gradient will be taken (inference): conv_forward may then choose an algorithm whose weight transform
  // only pays off when the same weights serve many calls (Winograd with its weights kept transformed; training
  // changes them every step).
  bool inference = false;
};

// A pooling window sliding over x: (N, C, in...) or (N, in..., C) -> y with out sizes.
struct PoolGeometry {
  int spatial_rank = 2;
  int64_t batch = 1;
  int64_t channels = 1;
  Dims in_size;
  Dims kernel_size;
  Dims out_size;
  Dims strides;
  Dims pads_begin;
  Dims pads_end;
  PoolKind kind = PoolKind::max;
  bool count_include_pad = false;
  Layout layout = Layout::channels_first;
};

// A tensor seen as (outer, channels, inner) around one axis: batch norm, LRN and softmax work per channel
// (or across channels) at each (outer, inner) position.
struct AxisGeometry {
  int64_t outer = 1;
  int64_t channels = 1;
  int64_t inner = 1;
};

// The (outer, channels, inner) view of shape around the (already non-negative) axis.
inline AxisGeometry axis_geometry(const Shape& shape, int axis) {
  AxisGeometry g;
  for (int d = 0; d < axis; ++d) g.outer *= shape[d];
  g.channels = shape[axis];
  for (int d = axis + 1; d < shape.rank(); ++d) g.inner *= shape[d];
  return g;
}

}  // namespace fovea
