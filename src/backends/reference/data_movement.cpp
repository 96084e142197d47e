// reference backend: data movement kernels (pad/crop, permute, concat). Each output element is computed from its
// own multi-index, which keeps the loops obviously correct for any rank.
#include <cstring>

#include "backends/reference/float_kernels.h"
#include "backends/reference/reference_backend.h"
#include "fovea/core/error.h"

namespace fovea {
namespace {

using reference_detail::dispatch_float;

// Advances a row-major multi-index within shape; the last axis moves fastest.
void next_index(Dims& index, const Shape& shape) {
  for (int d = shape.rank() - 1; d >= 0; --d) {
    if (++index[d] < shape[d]) return;
    index[d] = 0;
  }
}

template <class T>
void pad_impl(const PadArgs& args, const Tensor& x, Tensor& y) {
  const Shape& xs = x.shape();
  const Shape& ys = y.shape();
  const Shape x_strides = xs.strides();
  const T* px = x.data<T>();
  T* py = y.data<T>();
  Dims index = Dims::filled(ys.rank(), 0);
  for (int64_t k = 0; k < y.numel(); ++k, next_index(index, ys)) {
    int64_t source = 0;
    bool inside = true;
    for (int d = 0; d < ys.rank() && inside; ++d) {
      const int64_t s = index[d] - args.begin[d];  // a negative begin (crop) shifts the source forward
      inside = s >= 0 && s < xs[d];
      source += s * x_strides[d];
    }
    py[k] = inside ? px[source] : static_cast<T>(args.value);
  }
}

template <class T>
void permute_impl(const Dims& perm, const Tensor& x, Tensor& y) {
  const Shape& ys = y.shape();
  const Shape x_strides = x.shape().strides();
  const T* px = x.data<T>();
  T* py = y.data<T>();
  Dims index = Dims::filled(ys.rank(), 0);
  for (int64_t k = 0; k < y.numel(); ++k, next_index(index, ys)) {
    int64_t source = 0;
    for (int d = 0; d < ys.rank(); ++d) source += index[d] * x_strides[perm[d]];
    py[k] = px[source];
  }
}

// Seen around the axis, every input is (outer, size_k * inner) and the output interleaves their rows.
template <class T>
void concat_impl(int axis, const std::vector<Tensor>& xs, Tensor& y) {
  const Shape& ys = y.shape();
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= ys[d];
  for (int d = axis + 1; d < ys.rank(); ++d) inner *= ys[d];
  T* py = y.data<T>();
  for (int64_t o = 0; o < outer; ++o) {
    for (const Tensor& x : xs) {
      const int64_t row = x.shape()[axis] * inner;
      std::memcpy(py, x.data<T>() + o * row, row * sizeof(T));
      py += row;
    }
  }
}

}  // namespace

void ReferenceBackend::pad(const PadArgs& args, const Tensor& x, Tensor& y) {
  dispatch_float(x.dtype(), Kernel::pad, [&](auto t) { pad_impl<decltype(t)>(args, x, y); });
}

void ReferenceBackend::permute(const Dims& perm, const Tensor& x, Tensor& y) {
  dispatch_float(x.dtype(), Kernel::permute, [&](auto t) { permute_impl<decltype(t)>(perm, x, y); });
}

void ReferenceBackend::concat(int axis, const std::vector<Tensor>& xs, Tensor& y) {
  dispatch_float(y.dtype(), Kernel::concat, [&](auto t) { concat_impl<decltype(t)>(axis, xs, y); });
}

}  // namespace fovea
