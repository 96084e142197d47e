// reference backend: math kernels (not implemented yet: each throws BackendError).
#include "backends/reference/reference_backend.h"

namespace fovea {

void ReferenceBackend::matmul(const MatmulArgs&, const Tensor&, const Tensor&, const Tensor&, const Activation&,
                              Tensor&) {
  unsupported(Kernel::matmul);
}
void ReferenceBackend::binary(BinaryKind, const Tensor&, const Tensor&, Tensor&) { unsupported(Kernel::binary); }
void ReferenceBackend::reduce(ReduceKind, const Tensor&, Tensor&) { unsupported(Kernel::reduce); }

}  // namespace fovea
