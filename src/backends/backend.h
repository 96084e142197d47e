// The kernel interface every backend implements, and the registry that picks a backend per kernel and dtype.
// Kernels write into outputs the ops layer has allocated with the right shape and dtype; they never allocate
// visible tensors and never record autograd. A backend that lacks a kernel inherits the throwing default.
#pragma once

#include <string_view>
#include <vector>

#include "backends/geometry.h"
#include "fovea/core/tensor.h"
#include "fovea/ops/backend_select.h"
#include "fovea/ops/math.h"
#include "fovea/ops/normalization.h"
#include "fovea/ops/shape_ops.h"

namespace fovea {

// Every kernel, by name: the op registry's table of what a backend may support.
enum class Kernel {
  conv_forward, conv_backward_data, conv_backward_weights,
  pool_forward, pool_backward,
  batchnorm_forward_training, batchnorm_forward_inference, batchnorm_backward,
  lrn_forward, lrn_backward,
  eltwise_forward, eltwise_backward,
  softmax_forward, softmax_backward,
  matmul, binary, reduce, pad, permute, concat,
  count_  // number of kernels
};
std::string_view kernel_name(Kernel k);

class Backend {
 public:
  virtual ~Backend() = default;
  virtual BackendKind kind() const = 0;
  virtual bool supports(Kernel k, DType dtype) const = 0;

  // ---- convolution ----
  // y = activation(conv(x, w) + b); b may be undefined.
  virtual void conv_forward(const ConvGeometry& g, const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y);
  // dx = gradient of conv(x, w) with respect to x, given dy (g.activation is ignored).
  virtual void conv_backward_data(const ConvGeometry& g, const Tensor& dy, const Tensor& w, Tensor& dx);
  // dw (and db unless undefined) = gradients with respect to w and b, given x and dy (g.activation ignored).
  virtual void conv_backward_weights(const ConvGeometry& g, const Tensor& x, const Tensor& dy, Tensor& dw,
                                     Tensor& db);

  // ---- pooling ----
  virtual void pool_forward(const PoolGeometry& g, const Tensor& x, Tensor& y);
  // Max routes each dy to the (first) maximal input of its window; average spreads it evenly over the counted
  // elements; sum copies it; l2 scales by x / y. Average and sum read neither x nor y (either may be undefined),
  // max reads x only.
  virtual void pool_backward(const PoolGeometry& g, const Tensor& x, const Tensor& y, const Tensor& dy, Tensor& dx);
  // Max pooling for training: y as pool_forward gives it, and `workspace` receives the max positions in the
  // backend's own form, which max_pool_backward then takes instead of x, so training need not keep x. The default
  // leaves workspace undefined (the caller then keeps x for pool_backward).
  virtual void max_pool_forward_training(const PoolGeometry& g, const Tensor& x, Tensor& y, Tensor& workspace);
  virtual void max_pool_backward(const PoolGeometry& g, const Tensor& workspace, const Tensor& dy, Tensor& dx);

  // ---- batch normalization over the channel axis of g ----
  // gamma/beta may be undefined (1 and 0). mean/var (channels) receive the batch statistics (biased variance).
  virtual void batchnorm_forward_training(const AxisGeometry& g, double epsilon, const Tensor& x,
                                          const Tensor& gamma, const Tensor& beta, Tensor& y, Tensor& mean,
                                          Tensor& var);
  virtual void batchnorm_forward_inference(const AxisGeometry& g, double epsilon, const Tensor& x,
                                           const Tensor& gamma, const Tensor& beta, const Tensor& mean,
                                           const Tensor& var, Tensor& y);
  // Gradients of the training-mode forward; dgamma/dbeta may be undefined (not wanted).
  virtual void batchnorm_backward(const AxisGeometry& g, double epsilon, const Tensor& x, const Tensor& dy,
                                  const Tensor& gamma, const Tensor& mean, const Tensor& var, Tensor& dx,
                                  Tensor& dgamma, Tensor& dbeta);

  // Training batch norm followed by ReLU, y = max(bn(x), 0), in one pass where the backend can (oneDNN's
  // fuse_norm_relu). `workspace` receives what the backward pass needs besides y (oneDNN: its ReLU mask); the
  // default composes the two kernels and leaves it undefined. The backward takes y and that workspace.
  virtual void batchnorm_relu_forward_training(const AxisGeometry& g, double epsilon, const Tensor& x,
                                               const Tensor& gamma, const Tensor& beta, Tensor& y, Tensor& mean,
                                               Tensor& var, Tensor& workspace);
  virtual void batchnorm_relu_backward(const AxisGeometry& g, double epsilon, const Tensor& x, const Tensor& y,
                                       const Tensor& workspace, const Tensor& dy, const Tensor& gamma,
                                       const Tensor& mean, const Tensor& var, Tensor& dx, Tensor& dgamma,
                                       Tensor& dbeta);

  // ---- local response normalization across the channel axis of g ----
  virtual void lrn_forward(const AxisGeometry& g, const LrnArgs& args, const Tensor& x, Tensor& y);
  virtual void lrn_backward(const AxisGeometry& g, const LrnArgs& args, const Tensor& x, const Tensor& dy,
                            Tensor& dx);

  // ---- elementwise unary ----
  virtual void eltwise_forward(const Activation& f, const Tensor& x, Tensor& y);
  // src is f's input, or its output when src_is_output (only for relu with default parameters, sigmoid, tanh,
  // exponential, sqrt: kinds whose derivative the output determines).
  virtual void eltwise_backward(const Activation& f, const Tensor& src, bool src_is_output, const Tensor& dy,
                                Tensor& dx);

  // ---- softmax / log-softmax along the channel axis of g ----
  virtual void softmax_forward(const AxisGeometry& g, bool log, const Tensor& x, Tensor& y);
  // y is the forward output (softmax or log-softmax).
  virtual void softmax_backward(const AxisGeometry& g, bool log, const Tensor& y, const Tensor& dy, Tensor& dx);

  // ---- linear algebra and data movement ----
  // y = activation(op(a) @ op(b) + bias); a, b 2-D; bias (N) or undefined.
  virtual void matmul(const MatmulArgs& args, const Tensor& a, const Tensor& b, const Tensor& bias,
                      const Activation& activation, Tensor& y);
  // a, b and y have the same rank; each dimension of a and b equals y's or is 1 (broadcast).
  virtual void binary(BinaryKind kind, const Tensor& a, const Tensor& b, Tensor& y);
  // y has x's rank with size 1 on the reduced axes.
  virtual void reduce(ReduceKind kind, const Tensor& x, Tensor& y);
  // Pads (or crops, for negative amounts) every axis; y is allocated with the resulting shape.
  virtual void pad(const PadArgs& args, const Tensor& x, Tensor& y);
  // y.shape[i] = x.shape[perm[i]].
  virtual void permute(const Dims& perm, const Tensor& x, Tensor& y);
  virtual void concat(int axis, const std::vector<Tensor>& xs, Tensor& y);

 protected:
  [[noreturn]] void unsupported(Kernel k) const;
};

// The backends built into this library.
Backend& reference_backend();
Backend& onednn_backend();
Backend& backend(BackendKind kind);

// The backend that runs kernel k on dtype for this thread: the preferred backend if it supports it,
// otherwise the reference backend (which supports every kernel for float32 and float64).
Backend& backend_for(Kernel k, DType dtype);

}  // namespace fovea
