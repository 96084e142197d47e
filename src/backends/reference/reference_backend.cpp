// The reference backend instance.
#include "backends/reference/reference_backend.h"

namespace fovea {

bool ReferenceBackend::supports(Kernel, DType dtype) const { return dtype == DType::f32 || dtype == DType::f64; }

Backend& reference_backend() {
  static ReferenceBackend instance;
  return instance;
}

}  // namespace fovea
