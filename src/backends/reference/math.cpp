// reference backend: matrix product, broadcasting binary ops and reductions, as plain loops over float/double.
#include <cmath>
#include <limits>
#include <vector>

#include "backends/reference/float_kernels.h"
#include "backends/reference/reference_backend.h"
#include "fovea/core/error.h"

namespace fovea {
namespace {

// Element strides of `in` as seen from an index into `out` (same rank): 0 on axes where `in` is broadcast.
Shape broadcast_strides(const Shape& in, const Shape& out) {
  Shape s = in.strides();
  for (int i = 0; i < in.rank(); ++i) {
    if (in[i] == 1 && out[i] != 1) s[i] = 0;
  }
  return s;
}

// Walks every element of `shape` in row-major order, calling fn(offset_a, offset_b, flat) with the offsets
// of that element in two operands whose strides are given (broadcast axes have stride 0).
template <class Fn>
void for_each_index(const Shape& shape, const Shape& stride_a, const Shape& stride_b, Fn&& fn) {
  const int64_t n = shape.numel();
  const int rank = shape.rank();
  Dims index = Dims::filled(rank, 0);
  int64_t off_a = 0;
  int64_t off_b = 0;
  for (int64_t flat = 0; flat < n; ++flat) {
    fn(off_a, off_b, flat);
    // Odometer increment from the last axis, keeping both offsets in step.
    for (int d = rank - 1; d >= 0; --d) {
      if (++index[d] < shape[d]) {
        off_a += stride_a[d];
        off_b += stride_b[d];
        break;
      }
      off_a -= stride_a[d] * (shape[d] - 1);
      off_b -= stride_b[d] * (shape[d] - 1);
      index[d] = 0;
    }
  }
}

template <class T, class Op>
void binary_loop(const Tensor& a, const Tensor& b, Tensor& y, Op op) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* py = y.data<T>();
  if (a.shape() == y.shape() && b.shape() == y.shape()) {
    for (int64_t i = 0; i < y.numel(); ++i) py[i] = op(pa[i], pb[i]);
    return;
  }
  for_each_index(y.shape(), broadcast_strides(a.shape(), y.shape()), broadcast_strides(b.shape(), y.shape()),
                 [&](int64_t ia, int64_t ib, int64_t iy) { py[iy] = op(pa[ia], pb[ib]); });
}

template <class T>
void binary_impl(BinaryKind kind, const Tensor& a, const Tensor& b, Tensor& y) {
  switch (kind) {
    case BinaryKind::add:
      return binary_loop<T>(a, b, y, [](T u, T v) { return u + v; });
    case BinaryKind::sub:
      return binary_loop<T>(a, b, y, [](T u, T v) { return u - v; });
    case BinaryKind::mul:
      return binary_loop<T>(a, b, y, [](T u, T v) { return u * v; });
    case BinaryKind::div:
      return binary_loop<T>(a, b, y, [](T u, T v) { return u / v; });
    case BinaryKind::maximum:
      return binary_loop<T>(a, b, y, [](T u, T v) { return u >= v ? u : v; });
    case BinaryKind::minimum:
      return binary_loop<T>(a, b, y, [](T u, T v) { return u <= v ? u : v; });
    case BinaryKind::greater:
      return binary_loop<T>(a, b, y, [](T u, T v) { return T(u > v); });
    case BinaryKind::greater_equal:
      return binary_loop<T>(a, b, y, [](T u, T v) { return T(u >= v); });
    case BinaryKind::less:
      return binary_loop<T>(a, b, y, [](T u, T v) { return T(u < v); });
    case BinaryKind::less_equal:
      return binary_loop<T>(a, b, y, [](T u, T v) { return T(u <= v); });
    case BinaryKind::equal:
      return binary_loop<T>(a, b, y, [](T u, T v) { return T(u == v); });
  }
}

template <class T>
void reduce_impl(ReduceKind kind, const Tensor& x, Tensor& y) {
  // Accumulate in double so that float sums over many elements stay accurate.
  double init = 0.0;
  if (kind == ReduceKind::max) init = -std::numeric_limits<double>::infinity();
  if (kind == ReduceKind::min) init = std::numeric_limits<double>::infinity();
  std::vector<double> acc(y.numel(), init);
  const T* px = x.data<T>();
  const Shape none = Shape::filled(x.rank(), 0);
  for_each_index(x.shape(), broadcast_strides(y.shape(), x.shape()), none, [&](int64_t iy, int64_t, int64_t ix) {
    const double v = px[ix];
    switch (kind) {
      case ReduceKind::sum:
      case ReduceKind::mean:
        acc[iy] += v;
        break;
      case ReduceKind::max:
        acc[iy] = v > acc[iy] || std::isnan(v) ? v : acc[iy];
        break;
      case ReduceKind::min:
        acc[iy] = v < acc[iy] || std::isnan(v) ? v : acc[iy];
        break;
    }
  });
  const double count = y.numel() > 0 ? static_cast<double>(x.numel()) / static_cast<double>(y.numel()) : 1.0;
  T* py = y.data<T>();
  for (int64_t i = 0; i < y.numel(); ++i) py[i] = static_cast<T>(kind == ReduceKind::mean ? acc[i] / count : acc[i]);
}

template <class T>
void matmul_impl(const MatmulArgs& args, const Tensor& a, const Tensor& b, const Tensor& bias, Tensor& y) {
  const int64_t m = y.dim(0);
  const int64_t n = y.dim(1);
  const int64_t k = args.transpose_a ? a.dim(0) : a.dim(1);
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  const T* pbias = bias.defined() ? bias.data<T>() : nullptr;
  T* py = y.data<T>();
  // op(a)[i, p] and op(b)[p, j] read through the transposes without copying.
  auto at_a = [&](int64_t i, int64_t p) { return args.transpose_a ? pa[p * m + i] : pa[i * k + p]; };
  auto at_b = [&](int64_t p, int64_t j) { return args.transpose_b ? pb[j * k + p] : pb[p * n + j]; };
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double acc = pbias ? static_cast<double>(pbias[j]) : 0.0;
      for (int64_t p = 0; p < k; ++p) acc += static_cast<double>(at_a(i, p)) * static_cast<double>(at_b(p, j));
      py[i * n + j] = static_cast<T>(acc);
    }
  }
}

using reference_detail::check_float;

}  // namespace

void ReferenceBackend::matmul(const MatmulArgs& args, const Tensor& a, const Tensor& b, const Tensor& bias,
                              const Activation& activation, Tensor& y) {
  check_float(Kernel::matmul, y.dtype());
  if (y.dtype() == DType::f32) {
    matmul_impl<float>(args, a, b, bias, y);
  } else {
    matmul_impl<double>(args, a, b, bias, y);
  }
  if (!activation.is_linear()) eltwise_forward(activation, y, y);
}

void ReferenceBackend::binary(BinaryKind kind, const Tensor& a, const Tensor& b, Tensor& y) {
  check_float(Kernel::binary, y.dtype());
  if (y.dtype() == DType::f32) {
    binary_impl<float>(kind, a, b, y);
  } else {
    binary_impl<double>(kind, a, b, y);
  }
}

void ReferenceBackend::reduce(ReduceKind kind, const Tensor& x, Tensor& y) {
  check_float(Kernel::reduce, y.dtype());
  if (y.dtype() == DType::f32) {
    reduce_impl<float>(kind, x, y);
  } else {
    reduce_impl<double>(kind, x, y);
  }
}

}  // namespace fovea
