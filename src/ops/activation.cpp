// Public activations and elementwise unary math, PReLU and softmax / log-softmax, with their backward rules.
#include "fovea/ops/activation.h"

#include <array>
#include <cmath>
#include <string>

#include "backends/backend.h"
#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/ops/math.h"
#include "ops/activation_grad.h"

namespace fovea {
namespace {

struct NamedKind {
  std::string_view name;
  ActivationKind kind;
};

// Names that text (Keras configs, the CLI) may use for an activation; "silu" is Keras's alias of swish.
constexpr std::array<NamedKind, 18> kKerasNames{{
    {"linear", ActivationKind::linear},
    {"relu", ActivationKind::relu},
    {"leaky_relu", ActivationKind::leaky_relu},
    {"relu6", ActivationKind::relu6},
    {"elu", ActivationKind::elu},
    {"selu", ActivationKind::selu},
    {"gelu", ActivationKind::gelu},
    {"gelu_tanh", ActivationKind::gelu_tanh},
    {"sigmoid", ActivationKind::sigmoid},
    {"hard_sigmoid", ActivationKind::hard_sigmoid},
    {"exponential", ActivationKind::exponential},
    {"softplus", ActivationKind::softplus},
    {"softsign", ActivationKind::softsign},
    {"swish", ActivationKind::swish},
    {"silu", ActivationKind::swish},
    {"tanh", ActivationKind::tanh},
    {"softmax", ActivationKind::softmax},
    {"log_softmax", ActivationKind::log_softmax},
}};

// Kinds whose derivative the output determines, so the backward rule can keep y instead of x.
bool backward_from_output(const Activation& f) {
  return f == Activation::relu() || f.kind == ActivationKind::sigmoid || f.kind == ActivationKind::tanh ||
         f.kind == ActivationKind::exponential || f.kind == ActivationKind::sqrt;
}

Tensor softmax_op(const Tensor& x, int axis, bool log) {
  const char* name = log ? "log_softmax" : "softmax";
  FOVEA_CHECK(x.defined(), ValueError, name, ": the input is undefined");
  FOVEA_CHECK(x.rank() >= 1, ShapeError, name, " needs at least one axis, got a scalar");
  const AxisGeometry g = axis_geometry(x.shape(), x.shape().axis(axis));
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  backend_for(Kernel::softmax_forward, x.dtype()).softmax_forward(g, log, x, y);
  Tensor saved_y = y.detach();
  autograd::record(name, {x}, {&y}, [g, log, saved_y](autograd::BackwardContext& ctx) {
    const Tensor& dy = ctx.grad_output();
    Tensor dx = Tensor::empty(dy.shape(), dy.dtype());
    backend_for(Kernel::softmax_backward, dy.dtype()).softmax_backward(g, log, saved_y, dy, dx);
    ctx.set_grad(0, dx);
  });
  return y;
}

}  // namespace

std::string_view activation_name(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::linear:
      return "linear";
    case ActivationKind::relu:
      return "relu";
    case ActivationKind::leaky_relu:
      return "leaky_relu";
    case ActivationKind::relu6:
      return "relu6";
    case ActivationKind::elu:
      return "elu";
    case ActivationKind::selu:
      return "selu";
    case ActivationKind::gelu:
      return "gelu";
    case ActivationKind::gelu_tanh:
      return "gelu_tanh";
    case ActivationKind::sigmoid:
      return "sigmoid";
    case ActivationKind::hard_sigmoid:
      return "hard_sigmoid";
    case ActivationKind::exponential:
      return "exponential";
    case ActivationKind::softplus:
      return "softplus";
    case ActivationKind::softsign:
      return "softsign";
    case ActivationKind::swish:
      return "swish";
    case ActivationKind::tanh:
      return "tanh";
    case ActivationKind::log:
      return "log";
    case ActivationKind::sqrt:
      return "sqrt";
    case ActivationKind::square:
      return "square";
    case ActivationKind::abs:
      return "abs";
    case ActivationKind::pow:
      return "pow";
    case ActivationKind::clip:
      return "clip";
    case ActivationKind::softmax:
      return "softmax";
    case ActivationKind::log_softmax:
      return "log_softmax";
  }
  return "unknown";
}

ActivationKind parse_activation(std::string_view name) {
  std::string valid;
  for (const NamedKind& entry : kKerasNames) {
    if (entry.name == name) return entry.kind;
    valid += valid.empty() ? "" : ", ";
    valid += entry.name;
  }
  throw ValueError(detail::concat("unknown activation '", name, "'; valid names: ", valid));
}

Activation::Activation(const char* name) : Activation(name ? std::string_view(name) : std::string_view()) {}
Activation::Activation(std::string_view name) : Activation(of(parse_activation(name))) {}
Activation::Activation(const std::string& name) : Activation(std::string_view(name)) {}

Activation Activation::of(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::relu:
      return relu();
    case ActivationKind::leaky_relu:
      return leaky_relu();
    case ActivationKind::elu:
      return elu();
    case ActivationKind::selu:
      return Activation(ActivationKind::selu, 1.6732632423543772, 1.0507009873554805);
    case ActivationKind::hard_sigmoid:
      return hard_sigmoid();
    case ActivationKind::pow:
    case ActivationKind::clip:
      throw ValueError(detail::concat("Activation::of(", activation_name(kind),
                                      ") has no default parameters; use Activation::", activation_name(kind), "(...)"));
    default: {
      Activation a;
      a.kind = kind;
      return a;
    }
  }
}

Tensor activation(const Tensor& x, const Activation& f) {
  FOVEA_CHECK(x.defined(), ValueError, activation_name(f.kind), ": the input is undefined");
  if (f.kind == ActivationKind::softmax) return softmax(x, -1);
  if (f.kind == ActivationKind::log_softmax) return log_softmax(x, -1);
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  backend_for(Kernel::eltwise_forward, x.dtype()).eltwise_forward(f, x, y);
  if (!autograd::needs_grad({x})) return y;
  if (f == Activation::relu()) {
    // The sign bits are all ReLU's backward needs (1/32 of y), so y is free once the next op is done with it.
    autograd::record("relu", {x}, {&y}, [mask = detail::relu_mask(y)](autograd::BackwardContext& ctx) {
      ctx.set_grad(0, detail::relu_input_grad(mask, ctx));
    });
    return y;
  }
  const bool from_output = backward_from_output(f);
  Tensor saved = from_output ? y.detach() : x.detach();
  autograd::record(std::string(activation_name(f.kind)), {x}, {&y},
                   [f, from_output, saved](autograd::BackwardContext& ctx) {
                     ctx.set_grad(0, detail::activation_input_grad(f, saved, from_output, ctx));
                   });
  return y;
}

Tensor detail::activation_input_grad(const Activation& f, const Tensor& saved, bool saved_is_output,
                                     autograd::BackwardContext& ctx) {
  const Tensor& dy = ctx.grad_output(0);
  Tensor dx = ctx.grad_output_is_exclusive(0) ? dy : Tensor::empty(dy.shape(), dy.dtype());
  backend_for(Kernel::eltwise_backward, dy.dtype()).eltwise_backward(f, saved, saved_is_output, dy, dx);
  return dx;
}

Tensor relu(const Tensor& x) { return activation(x, Activation::relu()); }
Tensor sigmoid(const Tensor& x) { return activation(x, Activation::of(ActivationKind::sigmoid)); }
Tensor tanh(const Tensor& x) { return activation(x, Activation::of(ActivationKind::tanh)); }
Tensor exp(const Tensor& x) { return activation(x, Activation::of(ActivationKind::exponential)); }
Tensor log(const Tensor& x) { return activation(x, Activation::of(ActivationKind::log)); }
Tensor sqrt(const Tensor& x) { return activation(x, Activation::of(ActivationKind::sqrt)); }
Tensor square(const Tensor& x) { return activation(x, Activation::of(ActivationKind::square)); }
Tensor abs(const Tensor& x) { return activation(x, Activation::of(ActivationKind::abs)); }
Tensor pow(const Tensor& x, double exponent) { return activation(x, Activation::pow(exponent)); }
Tensor clip(const Tensor& x, double low, double high) {
  FOVEA_CHECK(low <= high, ValueError, "clip: low (", low, ") must not exceed high (", high, ")");
  return activation(x, Activation::clip(low, high));
}

Tensor prelu(const Tensor& x, const Tensor& slope) {
  FOVEA_CHECK(x.defined() && slope.defined(), ValueError, "prelu: the input or the slope is undefined");
  FOVEA_CHECK(broadcast_shapes(x.shape(), slope.shape()) == x.shape(), ShapeError, "prelu: slope shape ",
              slope.shape().to_string(), " does not broadcast to the input shape ", x.shape().to_string());
  // relu(x) + slope * min(x, 0), where min(x, 0) = x - relu(x); gradients for x and slope follow from the parts.
  const Tensor positive = relu(x);
  return positive + slope * (x - positive);
}

Tensor softmax(const Tensor& x, int axis) { return softmax_op(x, axis, false); }
Tensor log_softmax(const Tensor& x, int axis) { return softmax_op(x, axis, true); }

}  // namespace fovea
