// The reference kernels compute in float and double only: the checks that refuse other element types, naming
// the kernel, shared by the kernels' files.
#pragma once

#include "backends/backend.h"
#include "fovea/core/error.h"

namespace fovea::reference_detail {

inline void check_float(Kernel k, DType dtype) {
  FOVEA_CHECK(dtype == DType::f32 || dtype == DType::f64, BackendError, "the reference backend has no ", kernel_name(k),
              " kernel for ", dtype_name(dtype));
}

// Calls fn with a zero of the element type (float or double).
template <class Fn>
void dispatch_float(DType dtype, Kernel k, Fn&& fn) {
  check_float(k, dtype);
  if (dtype == DType::f32) return fn(float{});
  return fn(double{});
}

}  // namespace fovea::reference_detail
