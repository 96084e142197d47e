// onednn backend: normalization kernels (not implemented yet: each throws BackendError).
#include "backends/onednn/onednn_backend.h"

namespace fovea {

void OneDnnBackend::batchnorm_forward_training(const AxisGeometry&, double, const Tensor&, const Tensor&, const Tensor&,
                                               Tensor&, Tensor&, Tensor&) {
  unsupported(Kernel::batchnorm_forward_training);
}
void OneDnnBackend::batchnorm_forward_inference(const AxisGeometry&, double, const Tensor&, const Tensor&,
                                                const Tensor&, const Tensor&, const Tensor&, Tensor&) {
  unsupported(Kernel::batchnorm_forward_inference);
}
void OneDnnBackend::batchnorm_backward(const AxisGeometry&, double, const Tensor&, const Tensor&, const Tensor&,
                                       const Tensor&, const Tensor&, Tensor&, Tensor&, Tensor&) {
  unsupported(Kernel::batchnorm_backward);
}
void OneDnnBackend::lrn_forward(const AxisGeometry&, const LrnArgs&, const Tensor&, Tensor&) {
  unsupported(Kernel::lrn_forward);
}
void OneDnnBackend::lrn_backward(const AxisGeometry&, const LrnArgs&, const Tensor&, const Tensor&, Tensor&) {
  unsupported(Kernel::lrn_backward);
}

}  // namespace fovea
