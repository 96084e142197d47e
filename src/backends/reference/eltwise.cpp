// reference backend: eltwise kernels (not implemented yet: each throws BackendError).
#include "backends/reference/reference_backend.h"

namespace fovea {

void ReferenceBackend::eltwise_forward(const Activation&, const Tensor&, Tensor&) {
  unsupported(Kernel::eltwise_forward);
}
void ReferenceBackend::eltwise_backward(const Activation&, const Tensor&, bool, const Tensor&, Tensor&) {
  unsupported(Kernel::eltwise_backward);
}
void ReferenceBackend::softmax_forward(const AxisGeometry&, bool, const Tensor&, Tensor&) {
  unsupported(Kernel::softmax_forward);
}
void ReferenceBackend::softmax_backward(const AxisGeometry&, bool, const Tensor&, const Tensor&, Tensor&) {
  unsupported(Kernel::softmax_backward);
}

}  // namespace fovea
