// onednn backend: conv kernels (not implemented yet: each throws BackendError).
#include "backends/onednn/onednn_backend.h"

namespace fovea {

void OneDnnBackend::conv_forward(const ConvGeometry&, const Tensor&, const Tensor&, const Tensor&, Tensor&) {
  unsupported(Kernel::conv_forward);
}
void OneDnnBackend::conv_backward_data(const ConvGeometry&, const Tensor&, const Tensor&, Tensor&) {
  unsupported(Kernel::conv_backward_data);
}
void OneDnnBackend::conv_backward_weights(const ConvGeometry&, const Tensor&, const Tensor&, Tensor&, Tensor&) {
  unsupported(Kernel::conv_backward_weights);
}

}  // namespace fovea
