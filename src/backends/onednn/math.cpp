// onednn backend: math kernels (not implemented yet: each throws BackendError).
#include "backends/onednn/onednn_backend.h"

namespace fovea {

void OneDnnBackend::matmul(const MatmulArgs&, const Tensor&, const Tensor&, const Tensor&, const Activation&, Tensor&) {
  unsupported(Kernel::matmul);
}
void OneDnnBackend::binary(BinaryKind, const Tensor&, const Tensor&, Tensor&) { unsupported(Kernel::binary); }
void OneDnnBackend::reduce(ReduceKind, const Tensor&, Tensor&) { unsupported(Kernel::reduce); }

}  // namespace fovea
