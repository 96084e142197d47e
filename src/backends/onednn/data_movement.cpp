// onednn backend: data_movement kernels (not implemented yet: each throws BackendError).
#include "backends/onednn/onednn_backend.h"

namespace fovea {

void OneDnnBackend::pad(const PadArgs&, const Tensor&, Tensor&) { unsupported(Kernel::pad); }
void OneDnnBackend::permute(const Dims&, const Tensor&, Tensor&) { unsupported(Kernel::permute); }
void OneDnnBackend::concat(int, const std::vector<Tensor>&, Tensor&) { unsupported(Kernel::concat); }

}  // namespace fovea
