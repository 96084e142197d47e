// Exporting activation functions (fused into conv and dense layers, or as layers of their own): Activation,
// ReLU, LeakyReLU, PReLU, ELU and Softmax. Functions opset 13 lacks (gelu, swish, Keras's relu with a threshold)
// become small compositions that compute the same formula as fovea's kernels.
#include <cmath>
#include <limits>

#include "fovea/core/error.h"
#include "fovea/layers/activations.h"
#include "fovea/ops/shape_ops.h"
#include "onnx/export_layers.h"

namespace fovea::onnx_detail {
namespace {

// fovea's SELU constants (src/backends/reference/eltwise.cpp).
constexpr double kSeluAlpha = 1.6732632423543772;
constexpr double kSeluScale = 1.0507009873554805;
constexpr double kGeluTanhC = 0.7978845608028654;  // sqrt(2 / pi)
constexpr double kGeluTanhK = 0.044715;

// Keras's relu(x, negative_slope, max_value, threshold): max_value when x >= max_value, x when x >= threshold,
// negative_slope * (x - threshold) otherwise, in that order of precedence.
std::string keras_relu(ExportGraph& g, const std::string& x, const Activation& f, const std::string& output) {
  const double slope = f.alpha, max_value = f.beta, threshold = f.threshold;
  const bool bounded = std::isfinite(max_value);
  if (threshold == 0 && slope == 0 && !bounded) return g.node("Relu", {x}, {output});
  if (threshold == 0 && slope == 0 && max_value >= 0) {
    return g.node("Clip", {x, g.scalar(0.0), g.scalar(max_value)}, {output});
  }
  if (threshold == 0 && !bounded) {
    return g.node("LeakyRelu", {x}, {output}, {Attribute::real("alpha", slope)});
  }
  std::string below = g.scalar(0.0);
  if (slope != 0) {
    const std::string shifted = threshold == 0 ? x : g.op("Sub", {x, g.scalar(threshold)}, output + "/shifted");
    below = g.op("Mul", {shifted, g.scalar(slope)}, output + "/below");
  }
  const std::string under = g.op("Less", {x, g.scalar(threshold)}, output + "/under_threshold");
  if (!bounded) return g.node("Where", {under, below, x}, {output});
  const std::string mid = g.op("Where", {under, below, x}, output + "/unbounded");
  const std::string in_range = g.op("Less", {x, g.scalar(max_value)}, output + "/under_max");
  return g.node("Where", {in_range, mid, g.scalar(max_value)}, {output});
}

std::string unary(ExportGraph& g, const char* op, const std::string& x, const std::string& output) {
  return g.node(op, {x}, {output});
}

}  // namespace

Value emit_activation(ExportGraph& g, const Value& x, const Activation& f, const std::string& output,
                      const std::string& who) {
  if (f.is_linear()) return x;
  const std::string& in = x.name;
  switch (f.kind) {
    case ActivationKind::linear:
      return x;
    case ActivationKind::relu:
      keras_relu(g, in, f, output);
      break;
    case ActivationKind::leaky_relu:
      g.node("LeakyRelu", {in}, {output}, {Attribute::real("alpha", f.alpha)});
      break;
    case ActivationKind::relu6:
      g.node("Clip", {in, g.scalar(0.0), g.scalar(6.0)}, {output});
      break;
    case ActivationKind::elu:
      g.node("Elu", {in}, {output}, {Attribute::real("alpha", f.alpha)});
      break;
    case ActivationKind::selu:
      g.node("Selu", {in}, {output}, {Attribute::real("alpha", kSeluAlpha), Attribute::real("gamma", kSeluScale)});
      break;
    case ActivationKind::gelu: {
      // 0.5 * x * (1 + erf(x / sqrt(2))); opset 13 has no Gelu.
      const std::string scaled = g.op("Div", {in, g.scalar(std::sqrt(2.0))}, output + "/scaled");
      const std::string erf = g.op("Erf", {scaled}, output + "/erf");
      const std::string one_plus = g.op("Add", {erf, g.scalar(1.0)}, output + "/one_plus");
      const std::string times_x = g.op("Mul", {in, one_plus}, output + "/times_x");
      g.node("Mul", {times_x, g.scalar(0.5)}, {output});
      break;
    }
    case ActivationKind::gelu_tanh: {
      // 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))).
      const std::string sq = g.op("Mul", {in, in}, output + "/square");
      const std::string cube = g.op("Mul", {sq, in}, output + "/cube");
      const std::string term = g.op("Mul", {cube, g.scalar(kGeluTanhK)}, output + "/cubic_term");
      const std::string sum = g.op("Add", {in, term}, output + "/inner_sum");
      const std::string inner = g.op("Mul", {sum, g.scalar(kGeluTanhC)}, output + "/inner");
      const std::string t = g.op("Tanh", {inner}, output + "/tanh");
      const std::string one_plus = g.op("Add", {t, g.scalar(1.0)}, output + "/one_plus");
      const std::string times_x = g.op("Mul", {in, one_plus}, output + "/times_x");
      g.node("Mul", {times_x, g.scalar(0.5)}, {output});
      break;
    }
    case ActivationKind::sigmoid:
      unary(g, "Sigmoid", in, output);
      break;
    case ActivationKind::hard_sigmoid:
      g.node("HardSigmoid", {in}, {output}, {Attribute::real("alpha", f.alpha), Attribute::real("beta", f.beta)});
      break;
    case ActivationKind::exponential:
      unary(g, "Exp", in, output);
      break;
    case ActivationKind::softplus:
      unary(g, "Softplus", in, output);
      break;
    case ActivationKind::softsign:
      unary(g, "Softsign", in, output);
      break;
    case ActivationKind::swish: {
      const std::string s = g.op("Sigmoid", {in}, output + "/sigmoid");
      g.node("Mul", {in, s}, {output});
      break;
    }
    case ActivationKind::tanh:
      unary(g, "Tanh", in, output);
      break;
    case ActivationKind::log:
      unary(g, "Log", in, output);
      break;
    case ActivationKind::sqrt:
      unary(g, "Sqrt", in, output);
      break;
    case ActivationKind::square:
      g.node("Mul", {in, in}, {output});
      break;
    case ActivationKind::abs:
      unary(g, "Abs", in, output);
      break;
    case ActivationKind::pow:
      g.node("Pow", {in, g.scalar(f.alpha)}, {output});
      break;
    case ActivationKind::clip:
      FOVEA_CHECK(f.alpha <= f.beta, ValueError, "export_onnx: ", who, ": clip bounds ", f.alpha, " > ", f.beta,
                  " have no ONNX Clip form");
      g.node("Clip", {in, g.scalar(f.alpha), g.scalar(f.beta)}, {output});
      break;
    case ActivationKind::softmax:
    case ActivationKind::log_softmax:
      // Keras's softmax activation runs along the last Keras axis, wherever the value holds it.
      g.node(f.kind == ActivationKind::softmax ? "Softmax" : "LogSoftmax", {in}, {output},
             {Attribute::integer("axis", physical_axis(x.perm, -1))});
      break;
  }
  return {output, x.perm, x.shape};
}

std::string pre_activation_name(ExportGraph& g, const LayerApplication& app, const Activation& f) {
  return f.is_linear() ? app.output : g.unique_name(app.output + "/preact");
}

namespace {

Value export_activation_layer(ExportGraph& g, const LayerApplication& app) {
  const auto& layer = dynamic_cast<const ActivationLayerImpl&>(app.layer);
  const Value y = emit_activation(g, app.inputs[0], layer.options().activation, app.output, app.describe());
  return y;
}

Value export_relu(ExportGraph& g, const LayerApplication& app) {
  const nlohmann::json& c = app.config;
  const double max_value =
      c["max_value"].is_null() ? std::numeric_limits<double>::infinity() : c["max_value"].get<double>();
  const Activation f = Activation::relu(c["negative_slope"].get<double>(), max_value, c["threshold"].get<double>());
  return emit_activation(g, app.inputs[0], f, app.output, app.describe());
}

Value export_leaky_relu(ExportGraph& g, const LayerApplication& app) {
  const Activation f = Activation::leaky_relu(app.config["negative_slope"].get<double>());
  return emit_activation(g, app.inputs[0], f, app.output, app.describe());
}

Value export_elu(ExportGraph& g, const LayerApplication& app) {
  const Activation f = Activation::elu(app.config["alpha"].get<double>());
  return emit_activation(g, app.inputs[0], f, app.output, app.describe());
}

Value export_softmax(ExportGraph& g, const LayerApplication& app) {
  const Value& x = app.inputs[0];
  const int64_t axis = app.config["axis"].get<int64_t>();
  g.node("Softmax", {x.name}, {app.output}, {Attribute::integer("axis", physical_axis(x.perm, axis))});
  return app.result(x.perm);
}

// PRelu with the slope (Keras's shape without the batch) permuted into the input's layout; it broadcasts from
// the right, as ONNX's unidirectional broadcasting wants.
Value export_prelu(ExportGraph& g, const LayerApplication& app) {
  const Value& x = app.inputs[0];
  Dims slope_perm;
  for (size_t i = 1; i < x.perm.size(); ++i) slope_perm.push_back(x.perm[i] - 1);
  const Tensor slope = permute(app.weight("alpha").detach(), slope_perm);
  const std::string alpha = g.initializer(slope, app.output + "/alpha");
  g.node("PRelu", {x.name, alpha}, {app.output});
  return app.result(x.perm);
}

}  // namespace

void add_activation_exporters(ExporterTable& table) {
  table["Activation"] = export_activation_layer;
  table["ReLU"] = export_relu;
  table["LeakyReLU"] = export_leaky_relu;
  table["ELU"] = export_elu;
  table["Softmax"] = export_softmax;
  table["PReLU"] = export_prelu;
}

}  // namespace fovea::onnx_detail
