// Ops that move data without arithmetic: reshape, flatten, permute, pad/crop, slice and concatenate.
#pragma once

#include <vector>

#include "fovea/core/inline_vec.h"
#include "fovea/core/tensor.h"

namespace fovea {

// Same elements under a new shape (one dimension may be -1); recorded for autograd.
Tensor reshape(const Tensor& x, const Shape& shape);
// (N, d1, d2, ...) -> (N, d1 * d2 * ...).
Tensor flatten(const Tensor& x);
// Reorders axes: y.shape[i] = x.shape[perm[i]]. Throws ValueError unless perm is a permutation of the axes.
Tensor permute(const Tensor& x, const Dims& perm);

// Pads every axis with `begin`/`end` elements of value; a negative amount crops instead. The lists have one
// entry per axis of x.
struct PadArgs {
  Dims begin{};
  Dims end{};
  double value = 0.0;
};
Tensor pad(const Tensor& x, const PadArgs& args);
// Elements [start, start + length) along axis.
Tensor slice(const Tensor& x, int axis, int64_t start, int64_t length);
// Joins tensors along axis; all other dimensions must match (ShapeError names the first mismatch).
Tensor concat(const std::vector<Tensor>& xs, int axis);

}  // namespace fovea
