// reference backend: normalization kernels (not implemented yet: each throws BackendError).
#include "backends/reference/reference_backend.h"

namespace fovea {

void ReferenceBackend::batchnorm_forward_training(const AxisGeometry&, double, const Tensor&, const Tensor&,
                                                  const Tensor&, Tensor&, Tensor&, Tensor&) {
  unsupported(Kernel::batchnorm_forward_training);
}
void ReferenceBackend::batchnorm_forward_inference(const AxisGeometry&, double, const Tensor&, const Tensor&,
                                                   const Tensor&, const Tensor&, const Tensor&, Tensor&) {
  unsupported(Kernel::batchnorm_forward_inference);
}
void ReferenceBackend::batchnorm_backward(const AxisGeometry&, double, const Tensor&, const Tensor&, const Tensor&,
                                          const Tensor&, const Tensor&, Tensor&, Tensor&, Tensor&) {
  unsupported(Kernel::batchnorm_backward);
}
void ReferenceBackend::lrn_forward(const AxisGeometry&, const LrnArgs&, const Tensor&, Tensor&) {
  unsupported(Kernel::lrn_forward);
}
void ReferenceBackend::lrn_backward(const AxisGeometry&, const LrnArgs&, const Tensor&, const Tensor&, Tensor&) {
  unsupported(Kernel::lrn_backward);
}

}  // namespace fovea
