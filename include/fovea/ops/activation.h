// Activation functions and elementwise unary math, forward and backward, plus softmax along any axis.
// One descriptor (Activation) names the function and its parameters; the same descriptor is fused into
// convolution and dense layers as a post-op.
#pragma once

#include <limits>
#include <string>
#include <string_view>

#include "fovea/core/tensor.h"

namespace fovea {

enum class ActivationKind {
  linear,        // x
  relu,          // Keras relu: alpha = negative_slope, beta = max_value (inf: none), threshold
  leaky_relu,    // x if x > 0 else alpha * x
  relu6,         // min(max(x, 0), 6)
  elu,           // x if x > 0 else alpha * (exp(x) - 1)
  selu,          // scale * elu(x, alpha) with the SELU constants
  gelu,          // x * Phi(x), exact (erf)
  gelu_tanh,     // tanh approximation of gelu
  sigmoid,       // 1 / (1 + exp(-x))
  hard_sigmoid,  // clip(alpha * x + beta, 0, 1); Keras 3 uses alpha = 1/6, beta = 0.5
  exponential,   // exp(x)
  softplus,      // log(1 + exp(x)), computed stably
  softsign,      // x / (1 + |x|)
  swish,         // x * sigmoid(x) (silu)
  tanh,
  // elementwise math used by losses and optimizers
  log,     // natural log
  sqrt,
  square,
  abs,
  pow,     // x ^ alpha
  clip,    // min(max(x, alpha), beta)
  // not elementwise: Keras's softmax activation, along the last axis (activation() runs fovea::softmax)
  softmax,
  log_softmax,
};

std::string_view activation_name(ActivationKind kind);
// Parses a Keras activation name ("relu", "silu", ...); throws ValueError listing the valid names.
ActivationKind parse_activation(std::string_view name);

struct Activation {
  ActivationKind kind = ActivationKind::linear;
  double alpha = 0.0;
  double beta = 0.0;
  double threshold = 0.0;

  Activation() = default;
  // The kind with its Keras defaults (so that `.activation = ActivationKind::relu` means max_value = inf).
  Activation(ActivationKind k) : Activation(of(k)) {}  // NOLINT(google-explicit-constructor): reads as Keras's
  Activation(ActivationKind k, double a, double b = 0.0, double t = 0.0) : kind(k), alpha(a), beta(b), threshold(t) {}
  // A Keras activation name with that kind's Keras defaults (`.activation = "relu"`); throws ValueError listing the
  // valid names.
  Activation(const char* name);         // NOLINT(google-explicit-constructor)
  Activation(std::string_view name);    // NOLINT(google-explicit-constructor)
  Activation(const std::string& name);  // NOLINT(google-explicit-constructor)

  static Activation linear() { return Activation(); }
  // Keras relu(x, negative_slope, max_value, threshold).
  static Activation relu(double negative_slope = 0.0, double max_value = std::numeric_limits<double>::infinity(),
                         double threshold = 0.0) {
    return Activation(ActivationKind::relu, negative_slope, max_value, threshold);
  }
  static Activation leaky_relu(double alpha = 0.3) { return Activation(ActivationKind::leaky_relu, alpha); }
  static Activation elu(double alpha = 1.0) { return Activation(ActivationKind::elu, alpha); }
  static Activation hard_sigmoid(double alpha = 1.0 / 6.0, double beta = 0.5) {
    return Activation(ActivationKind::hard_sigmoid, alpha, beta);
  }
  static Activation clip(double low, double high) { return Activation(ActivationKind::clip, low, high); }
  static Activation pow(double exponent) { return Activation(ActivationKind::pow, exponent); }
  // Any parameter-free kind (sigmoid, tanh, gelu, ...), with the Keras defaults for the others.
  static Activation of(ActivationKind kind);

  bool is_linear() const { return kind == ActivationKind::linear; }
  // softmax and log_softmax: computed along an axis, never by the elementwise kernels.
  bool is_axiswise() const { return kind == ActivationKind::softmax || kind == ActivationKind::log_softmax; }
  friend bool operator==(const Activation&, const Activation&) = default;
};

// y = f(x), recorded for autograd.
Tensor activation(const Tensor& x, const Activation& f);
Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor square(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor pow(const Tensor& x, double exponent);
Tensor clip(const Tensor& x, double low, double high);

// PReLU: x if x > 0 else slope * x, with a learned slope broadcast against x (numpy rules).
Tensor prelu(const Tensor& x, const Tensor& slope);

// Numerically stable softmax and log-softmax along axis (negative counts from the end).
Tensor softmax(const Tensor& x, int axis = -1);
Tensor log_softmax(const Tensor& x, int axis = -1);

}  // namespace fovea
