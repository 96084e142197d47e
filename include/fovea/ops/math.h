// Elementwise binary math with numpy broadcasting, reductions, and matrix products, all recorded for autograd.
#pragma once

#include "fovea/core/inline_vec.h"
#include "fovea/core/tensor.h"
#include "fovea/ops/activation.h"

namespace fovea {

enum class BinaryKind {
  add, sub, mul, div, maximum, minimum,
  // comparisons give 1 or 0 in the input dtype and have no gradient
  greater, greater_equal, less, less_equal, equal
};

// y = a (op) b with numpy broadcasting; throws ShapeError naming both shapes when they do not broadcast.
Tensor binary(const Tensor& a, const Tensor& b, BinaryKind kind);
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator*(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator-(const Tensor& a);
// Shape after numpy broadcasting of a and b.
Shape broadcast_shapes(const Shape& a, const Shape& b);

enum class ReduceKind { sum, mean, max, min };

// Reduces over axes (all axes when empty); keepdims keeps them as size 1.
Tensor reduce(const Tensor& x, ReduceKind kind, const Dims& axes = {}, bool keepdims = false);
Tensor sum(const Tensor& x, const Dims& axes = {}, bool keepdims = false);
Tensor mean(const Tensor& x, const Dims& axes = {}, bool keepdims = false);
Tensor amax(const Tensor& x, const Dims& axes = {}, bool keepdims = false);
Tensor amin(const Tensor& x, const Dims& axes = {}, bool keepdims = false);
// Sums x down to shape (the reverse of broadcasting); used by backward rules.
Tensor sum_to(const Tensor& x, const Shape& shape);

struct MatmulArgs {
  bool transpose_a = false;
  bool transpose_b = false;
};
// 2-D matrix product a (M, K) x b (K, N) with optional transposes.
Tensor matmul(const Tensor& a, const Tensor& b, const MatmulArgs& args = {});

// Dense layer math: activation(x @ kernel + bias). x: (batch, in), kernel: (in, out) as in Keras,
// bias: (out) or undefined.
struct DenseWeights {
  Tensor kernel{};
  Tensor bias{};
};
Tensor dense(const Tensor& x, const DenseWeights& weights, const Activation& activation = {});

}  // namespace fovea
