// Helpers shared by the loss implementations (src/train/losses*.cpp); not part of the public API.
#pragma once

#include "fovea/core/tensor.h"
#include "fovea/ops/math.h"

namespace fovea::losses::detail {

// A scalar constant in x's dtype, so that mixing it with x never mixes dtypes.
inline Tensor constant_like(const Tensor& x, double value) { return Tensor::scalar(value, x.dtype()); }

// Reduces along one (possibly negative) axis of x, checking it against x's rank.
inline Tensor sum_along(const Tensor& x, int axis, bool keepdims = false) {
  return sum(x, Dims{x.shape().axis(axis)}, keepdims);
}
inline Tensor mean_along(const Tensor& x, int axis) { return mean(x, Dims{x.shape().axis(axis)}); }
inline Tensor mean_last(const Tensor& x) { return mean_along(x, -1); }

}  // namespace fovea::losses::detail
