// Kernel names, the throwing defaults, and backend selection.
#include "backends/backend.h"

#include <atomic>

#include "fovea/core/error.h"

namespace fovea {
namespace {

thread_local BackendKind t_preferred = BackendKind::onednn;
std::atomic<ConvAlgorithm> g_conv_algorithm{ConvAlgorithm::automatic};

}  // namespace

std::string_view kernel_name(Kernel k) {
  static constexpr std::string_view names[] = {
      "conv_forward", "conv_backward_data", "conv_backward_weights",
      "pool_forward", "pool_backward",
      "batchnorm_forward_training", "batchnorm_forward_inference", "batchnorm_backward",
      "lrn_forward", "lrn_backward",
      "eltwise_forward", "eltwise_backward",
      "softmax_forward", "softmax_backward",
      "matmul", "binary", "reduce", "pad", "permute", "concat"};
  static_assert(std::size(names) == static_cast<size_t>(Kernel::count_));
  return names[static_cast<int>(k)];
}

std::string_view backend_name(BackendKind kind) {
  return kind == BackendKind::reference ? "reference" : "onednn";
}
BackendKind preferred_backend() { return t_preferred; }
void set_preferred_backend(BackendKind kind) { t_preferred = kind; }
ConvAlgorithm conv_algorithm() { return g_conv_algorithm.load(std::memory_order_relaxed); }
void set_conv_algorithm(ConvAlgorithm algorithm) { g_conv_algorithm.store(algorithm, std::memory_order_relaxed); }

Backend& backend(BackendKind kind) {
  return kind == BackendKind::reference ? reference_backend() : onednn_backend();
}

Backend& backend_for(Kernel k, DType dtype) {
  Backend& preferred = backend(t_preferred);
  if (preferred.supports(k, dtype)) return preferred;
  Backend& fallback = reference_backend();
  FOVEA_CHECK(fallback.supports(k, dtype), BackendError, "no backend has a ", kernel_name(k), " kernel for ",
              dtype_name(dtype));
  return fallback;
}

void Backend::unsupported(Kernel k) const {
  throw BackendError(detail::concat("the ", backend_name(kind()), " backend has no ", kernel_name(k), " kernel"));
}

void Backend::conv_forward(const ConvGeometry&, const Tensor&, const Tensor&, const Tensor&, Tensor&) {
  unsupported(Kernel::conv_forward);
}
void Backend::conv_backward_data(const ConvGeometry&, const Tensor&, const Tensor&, Tensor&) {
  unsupported(Kernel::conv_backward_data);
}
void Backend::conv_backward_weights(const ConvGeometry&, const Tensor&, const Tensor&, Tensor&, Tensor&) {
  unsupported(Kernel::conv_backward_weights);
}
void Backend::pool_forward(const PoolGeometry&, const Tensor&, Tensor&) { unsupported(Kernel::pool_forward); }
void Backend::pool_backward(const PoolGeometry&, const Tensor&, const Tensor&, const Tensor&, Tensor&) {
  unsupported(Kernel::pool_backward);
}
void Backend::max_pool_forward_training(const PoolGeometry& g, const Tensor& x, Tensor& y, Tensor& workspace) {
  pool_forward(g, x, y);
  workspace = Tensor();
}
void Backend::max_pool_backward(const PoolGeometry&, const Tensor&, const Tensor&, Tensor&) {
  unsupported(Kernel::pool_backward);
}
void Backend::batchnorm_forward_training(const AxisGeometry&, double, const Tensor&, const Tensor&, const Tensor&,
                                         Tensor&, Tensor&, Tensor&) {
  unsupported(Kernel::batchnorm_forward_training);
}
void Backend::batchnorm_forward_inference(const AxisGeometry&, double, const Tensor&, const Tensor&,
                                          const Tensor&, const Tensor&, const Tensor&, Tensor&) {
  unsupported(Kernel::batchnorm_forward_inference);
}
void Backend::batchnorm_backward(const AxisGeometry&, double, const Tensor&, const Tensor&, const Tensor&,
                                 const Tensor&, const Tensor&, Tensor&, Tensor&, Tensor&) {
  unsupported(Kernel::batchnorm_backward);
}
void Backend::lrn_forward(const AxisGeometry&, const LrnArgs&, const Tensor&, Tensor&) {
  unsupported(Kernel::lrn_forward);
}
void Backend::lrn_backward(const AxisGeometry&, const LrnArgs&, const Tensor&, const Tensor&, Tensor&) {
  unsupported(Kernel::lrn_backward);
}
void Backend::batchnorm_relu_forward_training(const AxisGeometry& g, double epsilon, const Tensor& x,
                                              const Tensor& gamma, const Tensor& beta, Tensor& y, Tensor& mean,
                                              Tensor& var, Tensor& workspace) {
  Tensor normalized = Tensor::empty(x.shape(), x.dtype());
  batchnorm_forward_training(g, epsilon, x, gamma, beta, normalized, mean, var);
  eltwise_forward(Activation::relu(), normalized, y);
  workspace = Tensor();
}

void Backend::batchnorm_relu_backward(const AxisGeometry& g, double epsilon, const Tensor& x, const Tensor& y,
                                      const Tensor&, const Tensor& dy, const Tensor& gamma, const Tensor& mean,
                                      const Tensor& var, Tensor& dx, Tensor& dgamma, Tensor& dbeta) {
  Tensor dnormalized = Tensor::empty(dy.shape(), dy.dtype());
  eltwise_backward(Activation::relu(), y, /*src_is_output=*/true, dy, dnormalized);
  batchnorm_backward(g, epsilon, x, dnormalized, gamma, mean, var, dx, dgamma, dbeta);
}

void Backend::eltwise_forward(const Activation&, const Tensor&, Tensor&) { unsupported(Kernel::eltwise_forward); }
void Backend::eltwise_backward(const Activation&, const Tensor&, bool, const Tensor&, Tensor&) {
  unsupported(Kernel::eltwise_backward);
}
void Backend::softmax_forward(const AxisGeometry&, bool, const Tensor&, Tensor&) {
  unsupported(Kernel::softmax_forward);
}
void Backend::softmax_backward(const AxisGeometry&, bool, const Tensor&, const Tensor&, Tensor&) {
  unsupported(Kernel::softmax_backward);
}
void Backend::matmul(const MatmulArgs&, const Tensor&, const Tensor&, const Tensor&, const Activation&, Tensor&) {
  unsupported(Kernel::matmul);
}
void Backend::binary(BinaryKind, const Tensor&, const Tensor&, Tensor&) { unsupported(Kernel::binary); }
void Backend::reduce(ReduceKind, const Tensor&, Tensor&) { unsupported(Kernel::reduce); }
void Backend::pad(const PadArgs&, const Tensor&, Tensor&) { unsupported(Kernel::pad); }
void Backend::permute(const Dims&, const Tensor&, Tensor&) { unsupported(Kernel::permute); }
void Backend::concat(int, const std::vector<Tensor>&, Tensor&) { unsupported(Kernel::concat); }

}  // namespace fovea
