// reference backend: pool kernels (not implemented yet: each throws BackendError).
#include "backends/reference/reference_backend.h"

namespace fovea {

void ReferenceBackend::pool_forward(const PoolGeometry&, const Tensor&, Tensor&) { unsupported(Kernel::pool_forward); }
void ReferenceBackend::pool_backward(const PoolGeometry&, const Tensor&, const Tensor&, const Tensor&, Tensor&) {
  unsupported(Kernel::pool_backward);
}

}  // namespace fovea
