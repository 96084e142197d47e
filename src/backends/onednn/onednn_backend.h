// The oneDNN backend: the fast CPU path for float32. Primitives are created once per (kernel, geometry,
// attributes) and cached; bias and activation are fused as post-ops. Kernels oneDNN lacks are fovea's own
// vectorized loops, never the reference backend. Each kernel group lives in its own file.
#pragma once

#include "backends/backend.h"

namespace fovea {

class OneDnnBackend final : public Backend {
 public:
  BackendKind kind() const override { return BackendKind::onednn; }
  // Float32 kernels that are implemented (see supports() in onednn_backend.cpp).
  bool supports(Kernel k, DType dtype) const override;

  // Kernels, one group per source file: conv.cpp, pool.cpp, eltwise.cpp, math.cpp, normalization.cpp,
  // data_movement.cpp.
  void conv_forward(const ConvGeometry& g, const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y) override;
  void conv_backward_data(const ConvGeometry& g, const Tensor& dy, const Tensor& w, Tensor& dx) override;
  void conv_backward_weights(const ConvGeometry& g, const Tensor& x, const Tensor& dy, Tensor& dw,
                             Tensor& db) override;
  void pool_forward(const PoolGeometry& g, const Tensor& x, Tensor& y) override;
  void pool_backward(const PoolGeometry& g, const Tensor& x, const Tensor& y, const Tensor& dy, Tensor& dx) override;
  void max_pool_forward_training(const PoolGeometry& g, const Tensor& x, Tensor& y, Tensor& workspace) override;
  void max_pool_backward(const PoolGeometry& g, const Tensor& workspace, const Tensor& dy, Tensor& dx) override;
  void batchnorm_forward_training(const AxisGeometry& g, double epsilon, const Tensor& x, const Tensor& gamma,
                                  const Tensor& beta, Tensor& y, Tensor& mean, Tensor& var) override;
  void batchnorm_forward_inference(const AxisGeometry& g, double epsilon, const Tensor& x, const Tensor& gamma,
                                   const Tensor& beta, const Tensor& mean, const Tensor& var, Tensor& y) override;
  void batchnorm_backward(const AxisGeometry& g, double epsilon, const Tensor& x, const Tensor& dy,
                          const Tensor& gamma, const Tensor& mean, const Tensor& var, Tensor& dx, Tensor& dgamma,
                          Tensor& dbeta) override;
  void batchnorm_relu_forward_training(const AxisGeometry& g, double epsilon, const Tensor& x, const Tensor& gamma,
                                       const Tensor& beta, Tensor& y, Tensor& mean, Tensor& var,
                                       Tensor& workspace) override;
  void batchnorm_relu_backward(const AxisGeometry& g, double epsilon, const Tensor& x, const Tensor& y,
                               const Tensor& workspace, const Tensor& dy, const Tensor& gamma, const Tensor& mean,
                               const Tensor& var, Tensor& dx, Tensor& dgamma, Tensor& dbeta) override;
  void lrn_forward(const AxisGeometry& g, const LrnArgs& args, const Tensor& x, Tensor& y) override;
  void lrn_backward(const AxisGeometry& g, const LrnArgs& args, const Tensor& x, const Tensor& dy,
                    Tensor& dx) override;
  void eltwise_forward(const Activation& f, const Tensor& x, Tensor& y) override;
  void eltwise_backward(const Activation& f, const Tensor& src, bool src_is_output, const Tensor& dy,
                        Tensor& dx) override;
  void softmax_forward(const AxisGeometry& g, bool log, const Tensor& x, Tensor& y) override;
  void softmax_backward(const AxisGeometry& g, bool log, const Tensor& y, const Tensor& dy, Tensor& dx) override;
  void matmul(const MatmulArgs& args, const Tensor& a, const Tensor& b, const Tensor& bias,
              const Activation& activation, Tensor& y) override;
  void binary(BinaryKind kind, const Tensor& a, const Tensor& b, Tensor& y) override;
  void reduce(ReduceKind kind, const Tensor& x, Tensor& y) override;
  void pad(const PadArgs& args, const Tensor& x, Tensor& y) override;
  void permute(const Dims& perm, const Tensor& x, Tensor& y) override;
  void concat(int axis, const std::vector<Tensor>& xs, Tensor& y) override;
};

}  // namespace fovea
