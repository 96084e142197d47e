// Pooling in 1-D, 2-D and 3-D (max, average, sum, L2-norm) and global pooling.
#pragma once

#include "fovea/core/tensor.h"
#include "fovea/ops/conv.h"

namespace fovea {

enum class PoolKind {
  max,      // largest value in the window; padding never wins
  average,  // mean of the window; padding counted only when count_include_pad
  sum,      // sum of the window
  l2        // sqrt of the sum of squares (L2-norm pooling)
};

// Options for pool(). pool_size is required (one value for every spatial dimension, or one per dimension);
// empty strides mean pool_size (Keras default). Padding: valid, same or explicit_.
struct PoolArgs {
  PoolKind kind = PoolKind::max;
  Dims pool_size{};
  Dims strides{};
  Padding padding = Padding::valid;
  Dims pads_begin{};
  Dims pads_end{};
  bool count_include_pad = false;
  Layout layout = Layout::channels_first;
};

Shape pool_output_shape(const Shape& input, const PoolArgs& args);
Tensor pool(const Tensor& x, const PoolArgs& args);

// Global max/average/sum/l2 pooling over all spatial dimensions: (N, C) or, with keepdims, (N, C, 1, ...).
Tensor global_pool(const Tensor& x, PoolKind kind, Layout layout = Layout::channels_first, bool keepdims = false);

}  // namespace fovea
