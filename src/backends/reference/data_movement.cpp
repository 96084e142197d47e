// reference backend: data_movement kernels (not implemented yet: each throws BackendError).
#include "backends/reference/reference_backend.h"

namespace fovea {

void ReferenceBackend::pad(const PadArgs&, const Tensor&, Tensor&) { unsupported(Kernel::pad); }
void ReferenceBackend::permute(const Dims&, const Tensor&, Tensor&) { unsupported(Kernel::permute); }
void ReferenceBackend::concat(int, const std::vector<Tensor>&, Tensor&) { unsupported(Kernel::concat); }

}  // namespace fovea
