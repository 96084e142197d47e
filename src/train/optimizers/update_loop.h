// Shared pieces of the optimizer update loops: dtype dispatch, the clipped-gradient reader and an elementwise
// loop that the compiler vectorizes (for the CPU's instruction set) and OpenMP splits across threads for large
// tensors. Every element is updated independently, so results depend neither on the thread count nor on the
// instruction set.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/simd.h"
#include "fovea/core/error.h"
#include "fovea/core/tensor.h"

namespace fovea::optimizers::detail {

// Below this many elements a parallel region costs more than it saves.
inline constexpr int64_t kParallelMinElements = 1 << 15;

// body(i) for every element, vectorized for the CPU (src/core/simd.h) and on the OpenMP threads for large tensors.
template <class Body>
inline void for_each_element(int64_t n, const Body& body) {
  simd::for_each_index(n, body, n >= kParallelMinElements);
}

// Calls f with a null pointer of the parameter's element type (float or double).
template <class F>
inline void dispatch_float(DType dtype, F&& f) {
  if (dtype == DType::f32) {
    f(static_cast<float*>(nullptr));
  } else {
    FOVEA_CHECK(dtype == DType::f64, ValueError, "optimizer: parameters must be f32 or f64, got ", dtype_name(dtype));
    f(static_cast<double*>(nullptr));
  }
}

// The gradient as the update sees it: rescaled by clipnorm/global_clipnorm, then clipped by clipvalue
// (scale 1 and bound +inf leave it bit-identical).
template <class T>
struct ClippedGrad {
  const T* g;
  T scale;
  T bound;
  T operator[](int64_t i) const { return std::clamp(g[i] * scale, -bound, bound); }
};

template <class T, class Update>
ClippedGrad<T> clipped_grad(const Update& u) {
  return {u.grad.template data<T>(), static_cast<T>(u.grad_scale), static_cast<T>(u.clip_value)};
}

}  // namespace fovea::optimizers::detail
