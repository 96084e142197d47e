// Activation, ReLU, LeakyReLU, PReLU, ELU and Softmax layers.
#include "fovea/layers/activations.h"

#include <algorithm>
#include <limits>
#include <string>

#include "fovea/core/error.h"
#include "fovea/layers/layer_config.h"
#include "layers/layer_util.h"

namespace fovea {
namespace {

std::string axes_text(const Dims& d) {
  std::string out = "(";
  for (int i = 0; i < d.size(); ++i) out += (i > 0 ? ", " : "") + std::to_string(d[i]);
  return out + (d.size() == 1 ? ",)" : ")");
}

}  // namespace

// ---- Activation ----

ActivationLayerImpl::ActivationLayerImpl(const ActivationLayerOptions& options) : options_(options) {
  set_name(options.name);
}

Shape ActivationLayerImpl::compute_output_shape(const std::vector<Shape>& inputs) const { return inputs[0]; }

Tensor ActivationLayerImpl::call(const std::vector<Tensor>& inputs, bool) {
  return activation(inputs[0], options_.activation);
}

nlohmann::json ActivationLayerImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["activation"] = activation_to_json(options_.activation);
  return c;
}

Layer ActivationLayerImpl::from_config(const ConfigReader& c) {
  FOVEA_CHECK(c.has("activation"), ValueError, c.where(), ": 'activation' is required, e.g. \"relu\"");
  return ActivationLayer({.activation = c.activation("activation")});
}

Layer ActivationLayer(const ActivationLayerOptions& options) { return make_layer<ActivationLayerImpl>(options); }

// ---- ReLU ----

ReLUImpl::ReLUImpl(const ReLUOptions& options) : options_(options) {
  set_name(options.name);
  FOVEA_CHECK(!options.max_value || *options.max_value >= 0, ValueError,
              "ReLU: max_value must be non-negative (or unset), got ", options.max_value.value_or(0));
  FOVEA_CHECK(options.negative_slope >= 0, ValueError, "ReLU: negative_slope must be non-negative, got ",
              options.negative_slope);
  FOVEA_CHECK(options.threshold >= 0, ValueError, "ReLU: threshold must be non-negative, got ", options.threshold);
}

Shape ReLUImpl::compute_output_shape(const std::vector<Shape>& inputs) const { return inputs[0]; }

Tensor ReLUImpl::call(const std::vector<Tensor>& inputs, bool) {
  return activation(inputs[0], Activation::relu(options_.negative_slope,
                                                options_.max_value.value_or(std::numeric_limits<double>::infinity()),
                                                options_.threshold));
}

nlohmann::json ReLUImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["max_value"] = optional_to_json(options_.max_value);
  c["negative_slope"] = options_.negative_slope;
  c["threshold"] = options_.threshold;
  return c;
}

Layer ReLUImpl::from_config(const ConfigReader& c) {
  ReLUOptions o;
  if (c.has("max_value")) o.max_value = c.number("max_value");
  o.negative_slope = c.number("negative_slope", 0.0);
  o.threshold = c.number("threshold", 0.0);
  return construct_at(c, [&] { return ReLU(o); });
}

Layer ReLU(const ReLUOptions& options) { return make_layer<ReLUImpl>(options); }

// ---- LeakyReLU ----

LeakyReLUImpl::LeakyReLUImpl(const LeakyReLUOptions& options) : options_(options) {
  set_name(options.name);
  FOVEA_CHECK(options.negative_slope >= 0, ValueError, "LeakyReLU: negative_slope must be non-negative, got ",
              options.negative_slope);
}

Shape LeakyReLUImpl::compute_output_shape(const std::vector<Shape>& inputs) const { return inputs[0]; }

Tensor LeakyReLUImpl::call(const std::vector<Tensor>& inputs, bool) {
  return activation(inputs[0], Activation::leaky_relu(options_.negative_slope));
}

nlohmann::json LeakyReLUImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["negative_slope"] = options_.negative_slope;
  return c;
}

Layer LeakyReLUImpl::from_config(const ConfigReader& c) {
  LeakyReLUOptions o;
  // Keras 2 documents wrote the slope as "alpha".
  o.negative_slope = c.has("negative_slope") ? c.number("negative_slope") : c.number("alpha", 0.3);
  return construct_at(c, [&] { return LeakyReLU(o); });
}

Layer LeakyReLU(const LeakyReLUOptions& options) { return make_layer<LeakyReLUImpl>(options); }

// ---- PReLU ----

PReLUImpl::PReLUImpl(const PReLUOptions& options) : options_(options) {
  set_name(options.name);
  for (int64_t a : options.shared_axes) {
    FOVEA_CHECK(a >= 1, ValueError, "PReLU: shared_axes are 1-based (axis 0 is the batch), got ",
                axes_text(options.shared_axes));
  }
}

Shape PReLUImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  const Shape& in = inputs[0];
  FOVEA_CHECK(in.rank() >= 2, ShapeError, describe(), " expects an input (None, features...) but got ",
              in.to_string(true));
  for (int64_t a : options_.shared_axes) {
    FOVEA_CHECK(a < in.rank(), ShapeError, describe(), ": shared_axes ", axes_text(options_.shared_axes),
                " are out of range for input shape ", in.to_string(true), " (axes 1..", in.rank() - 1, ")");
  }
  for (int d = 1; d < in.rank(); ++d) {
    const bool shared =
        std::find(options_.shared_axes.begin(), options_.shared_axes.end(), d) != options_.shared_axes.end();
    FOVEA_CHECK(shared || in[d] > 0, ShapeError, describe(), " needs a known size on axis ", d,
                " to learn one slope per position (or list it in shared_axes), got input shape ", in.to_string(true));
  }
  return in;
}

void PReLUImpl::build(const std::vector<Shape>& inputs) {
  const Shape& in = inputs[0];
  Shape shape(in.begin() + 1, in.end());
  for (int64_t a : options_.shared_axes) shape[static_cast<int>(a) - 1] = 1;
  Weight& alpha = add_weight("alpha", shape, options_.alpha_initializer, keras_fans(shape));
  alpha.regularizer = options_.alpha_regularizer;
  alpha.constraint = options_.alpha_constraint;
  alpha.fan_in_axes = {0};
}

Tensor PReLUImpl::call(const std::vector<Tensor>& inputs, bool) { return prelu(inputs[0], weights()[0].value); }

nlohmann::json PReLUImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["alpha_initializer"] = initializers::to_json(options_.alpha_initializer);
  c["alpha_regularizer"] = regularizers::to_json(options_.alpha_regularizer);
  c["alpha_constraint"] = constraints::to_json(options_.alpha_constraint);
  c["shared_axes"] = options_.shared_axes.empty() ? nlohmann::json(nullptr) : dims_to_json(options_.shared_axes);
  return c;
}

Layer PReLUImpl::from_config(const ConfigReader& c) {
  PReLUOptions o;
  o.alpha_initializer = c.initializer("alpha_initializer", o.alpha_initializer);
  o.alpha_regularizer = c.regularizer("alpha_regularizer");
  o.alpha_constraint = c.constraint("alpha_constraint");
  o.shared_axes = c.int_tuple("shared_axes", Dims{});
  return construct_at(c, [&] { return PReLU(o); });
}

Layer PReLU(const PReLUOptions& options) { return make_layer<PReLUImpl>(options); }

// ---- ELU ----

ELUImpl::ELUImpl(const ELUOptions& options) : options_(options) { set_name(options.name); }

Shape ELUImpl::compute_output_shape(const std::vector<Shape>& inputs) const { return inputs[0]; }

Tensor ELUImpl::call(const std::vector<Tensor>& inputs, bool) {
  return activation(inputs[0], Activation::elu(options_.alpha));
}

nlohmann::json ELUImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["alpha"] = options_.alpha;
  return c;
}

Layer ELUImpl::from_config(const ConfigReader& c) { return ELU({.alpha = c.number("alpha", 1.0)}); }

Layer ELU(const ELUOptions& options) { return make_layer<ELUImpl>(options); }

// ---- Softmax ----

SoftmaxImpl::SoftmaxImpl(const SoftmaxOptions& options) : options_(options) { set_name(options.name); }

Shape SoftmaxImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  const Shape& in = inputs[0];
  FOVEA_CHECK(options_.axis >= -in.rank() && options_.axis < in.rank(), ShapeError, describe(), ": axis ",
              options_.axis, " is out of range for input shape ", in.to_string(true), " of rank ", in.rank());
  return in;
}

Tensor SoftmaxImpl::call(const std::vector<Tensor>& inputs, bool) { return softmax(inputs[0], options_.axis); }

nlohmann::json SoftmaxImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["axis"] = options_.axis;
  return c;
}

Layer SoftmaxImpl::from_config(const ConfigReader& c) {
  const Dims axis = c.int_tuple("axis", Dims{-1});
  if (axis.size() != 1) c.fail("axis", "a single axis");
  return Softmax({.axis = static_cast<int>(axis[0])});
}

Layer Softmax(const SoftmaxOptions& options) { return make_layer<SoftmaxImpl>(options); }

}  // namespace fovea
