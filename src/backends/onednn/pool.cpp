// onednn backend: pool kernels (not implemented yet: each throws BackendError).
#include "backends/onednn/onednn_backend.h"

namespace fovea {

void OneDnnBackend::pool_forward(const PoolGeometry&, const Tensor&, Tensor&) { unsupported(Kernel::pool_forward); }
void OneDnnBackend::pool_backward(const PoolGeometry&, const Tensor&, const Tensor&, const Tensor&, Tensor&) {
  unsupported(Kernel::pool_backward);
}

}  // namespace fovea
