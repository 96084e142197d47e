// onednn backend: eltwise kernels (not implemented yet: each throws BackendError).
#include "backends/onednn/onednn_backend.h"

namespace fovea {

void OneDnnBackend::eltwise_forward(const Activation&, const Tensor&, Tensor&) { unsupported(Kernel::eltwise_forward); }
void OneDnnBackend::eltwise_backward(const Activation&, const Tensor&, bool, const Tensor&, Tensor&) {
  unsupported(Kernel::eltwise_backward);
}
void OneDnnBackend::softmax_forward(const AxisGeometry&, bool, const Tensor&, Tensor&) {
  unsupported(Kernel::softmax_forward);
}
void OneDnnBackend::softmax_backward(const AxisGeometry&, bool, const Tensor&, const Tensor&, Tensor&) {
  unsupported(Kernel::softmax_backward);
}

}  // namespace fovea
