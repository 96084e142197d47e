// BatchNormalization, LayerNormalization and LocalResponseNormalization layers.
#include "fovea/layers/normalization.h"

#include <algorithm>
#include <string>
#include <vector>

#include "fovea/core/error.h"
#include "fovea/ops/activation.h"
#include "fovea/ops/math.h"
#include "fovea/ops/normalization.h"
#include "fovea/ops/shape_ops.h"
#include "fovea/layers/layer_config.h"
#include "layers/layer_util.h"

namespace fovea {

// ---- BatchNormalization ----

BatchNormalizationImpl::BatchNormalizationImpl(const BatchNormalizationOptions& options) : options_(options) {
  set_name(options.name);
  FOVEA_CHECK(options.momentum >= 0 && options.momentum <= 1, ValueError,
              "BatchNormalization: momentum must be in [0, 1], got ", options.momentum);
  FOVEA_CHECK(options.epsilon >= 0, ValueError, "BatchNormalization: epsilon must be non-negative, got ",
              options.epsilon);
}

Shape BatchNormalizationImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  const Shape& in = inputs[0];
  const int axis = options_.axis;
  FOVEA_CHECK(axis >= -in.rank() && axis < in.rank(), ShapeError, describe(), ": axis ", axis,
              " is out of range for input shape ", in.to_string(true), " of rank ", in.rank());
  const int a = axis < 0 ? axis + in.rank() : axis;
  FOVEA_CHECK(a != 0, ShapeError, describe(), ": axis ", axis, " is the batch axis of input shape ", in.to_string(true),
              "; use the feature axis (-1 for channels_last, 1 for channels_first)");
  FOVEA_CHECK(in[a] > 0, ShapeError, describe(), " needs a known size on its axis ", axis, ", got input shape ",
              in.to_string(true));
  return in;
}

void BatchNormalizationImpl::build(const std::vector<Shape>& inputs) {
  const Shape& in = inputs[0];
  const int64_t channels = in[options_.axis < 0 ? options_.axis + in.rank() : options_.axis];
  const Shape shape{channels};
  const Fans fans = keras_fans(shape);
  if (options_.scale) {
    Weight& gamma = add_weight("gamma", shape, options_.gamma_initializer, fans);
    gamma.regularizer = options_.gamma_regularizer;
    gamma.constraint = options_.gamma_constraint;
    gamma.fan_in_axes = {0};
  }
  if (options_.center) {
    Weight& beta = add_weight("beta", shape, options_.beta_initializer, fans);
    beta.regularizer = options_.beta_regularizer;
    beta.constraint = options_.beta_constraint;
    beta.fan_in_axes = {0};
  }
  add_weight("moving_mean", shape, options_.moving_mean_initializer, fans, /*trainable=*/false);
  add_weight("moving_variance", shape, options_.moving_variance_initializer, fans, /*trainable=*/false);
}

Tensor BatchNormalizationImpl::call(const std::vector<Tensor>& inputs, bool training) {
  const BatchNormState state{
      .gamma = options_.scale ? weight("gamma").value : Tensor(),
      .beta = options_.center ? weight("beta").value : Tensor(),
      .running_mean = weight("moving_mean").value,
      .running_var = weight("moving_variance").value,
  };
  return batch_norm(inputs[0], state,
                    {.training = training && trainable(),
                     .momentum = options_.momentum,
                     .epsilon = options_.epsilon,
                     .axis = options_.axis});
}

nlohmann::json BatchNormalizationImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["axis"] = options_.axis;
  c["momentum"] = options_.momentum;
  c["epsilon"] = options_.epsilon;
  c["center"] = options_.center;
  c["scale"] = options_.scale;
  c["beta_initializer"] = initializers::to_json(options_.beta_initializer);
  c["gamma_initializer"] = initializers::to_json(options_.gamma_initializer);
  c["moving_mean_initializer"] = initializers::to_json(options_.moving_mean_initializer);
  c["moving_variance_initializer"] = initializers::to_json(options_.moving_variance_initializer);
  c["beta_regularizer"] = regularizers::to_json(options_.beta_regularizer);
  c["gamma_regularizer"] = regularizers::to_json(options_.gamma_regularizer);
  c["beta_constraint"] = constraints::to_json(options_.beta_constraint);
  c["gamma_constraint"] = constraints::to_json(options_.gamma_constraint);
  return c;
}

Layer BatchNormalizationImpl::from_config(const ConfigReader& c) {
  BatchNormalizationOptions o;
  const Dims axis = c.int_tuple("axis", Dims{-1});
  if (axis.size() != 1) c.fail("axis", "a single axis (fovea normalizes one feature axis)");
  o.axis = static_cast<int>(axis[0]);
  o.momentum = c.number("momentum", o.momentum);
  o.epsilon = c.number("epsilon", o.epsilon);
  o.center = c.boolean("center", true);
  o.scale = c.boolean("scale", true);
  o.beta_initializer = c.initializer("beta_initializer", o.beta_initializer);
  o.gamma_initializer = c.initializer("gamma_initializer", o.gamma_initializer);
  o.moving_mean_initializer = c.initializer("moving_mean_initializer", o.moving_mean_initializer);
  o.moving_variance_initializer = c.initializer("moving_variance_initializer", o.moving_variance_initializer);
  o.beta_regularizer = c.regularizer("beta_regularizer");
  o.gamma_regularizer = c.regularizer("gamma_regularizer");
  o.beta_constraint = c.constraint("beta_constraint");
  o.gamma_constraint = c.constraint("gamma_constraint");
  return construct_at(c, [&] { return BatchNormalization(o); });
}

Layer BatchNormalization(const BatchNormalizationOptions& options) {
  return make_layer<BatchNormalizationImpl>(options);
}

// ---- LayerNormalization ----

LayerNormalizationImpl::LayerNormalizationImpl(const LayerNormalizationOptions& options) : options_(options) {
  set_name(options.name);
  FOVEA_CHECK(!options.axis.empty(), ValueError, "LayerNormalization: axis needs at least one axis");
  FOVEA_CHECK(options.epsilon >= 0, ValueError, "LayerNormalization: epsilon must be non-negative, got ",
              options.epsilon);
}

Dims LayerNormalizationImpl::resolved_axes(const Shape& in) const {
  Dims axes;
  for (int64_t axis : options_.axis) {
    FOVEA_CHECK(axis >= -in.rank() && axis < in.rank(), ShapeError, describe(), ": axis ", axis,
                " is out of range for input shape ", in.to_string(true), " of rank ", in.rank());
    const int64_t a = axis < 0 ? axis + in.rank() : axis;
    FOVEA_CHECK(a != 0, ShapeError, describe(), ": axis ", axis, " is the batch axis of input shape ",
                in.to_string(true), "; normalize over feature axes");
    FOVEA_CHECK(std::find(axes.begin(), axes.end(), a) == axes.end(), ShapeError, describe(), ": axis ", axis,
                " is listed twice for input shape ", in.to_string(true));
    FOVEA_CHECK(in[static_cast<int>(a)] > 0, ShapeError, describe(), " needs a known size on axis ", axis,
                ", got input shape ", in.to_string(true));
    axes.push_back(a);
  }
  std::vector<int64_t> sorted(axes.begin(), axes.end());
  std::sort(sorted.begin(), sorted.end());
  return Dims(sorted.begin(), sorted.end());
}

Shape LayerNormalizationImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  resolved_axes(inputs[0]);
  return inputs[0];
}

void LayerNormalizationImpl::build(const std::vector<Shape>& inputs) {
  const Shape& in = inputs[0];
  Shape shape;
  for (int64_t a : resolved_axes(in)) shape.push_back(in[static_cast<int>(a)]);
  const Fans fans = keras_fans(shape);
  if (options_.scale) {
    Weight& gamma = add_weight("gamma", shape, options_.gamma_initializer, fans);
    gamma.regularizer = options_.gamma_regularizer;
    gamma.constraint = options_.gamma_constraint;
    gamma.fan_in_axes = {0};
  }
  if (options_.center) {
    Weight& beta = add_weight("beta", shape, options_.beta_initializer, fans);
    beta.regularizer = options_.beta_regularizer;
    beta.constraint = options_.beta_constraint;
    beta.fan_in_axes = {0};
  }
}

Tensor LayerNormalizationImpl::call(const std::vector<Tensor>& inputs, bool) {
  const Tensor& x = inputs[0];
  const Dims axes = resolved_axes(x.shape());
  // Per-sample statistics over the normalized axes (biased variance, as Keras), kept as size-1 axes to broadcast.
  const Tensor centered = x - mean(x, axes, /*keepdims=*/true);
  const Tensor variance = mean(square(centered), axes, /*keepdims=*/true);
  Tensor y = centered / sqrt(variance + options_.epsilon);
  // gamma and beta cover only the normalized axes: give them 1 on every other axis so they broadcast.
  Shape broadcast = Shape::filled(x.rank(), 1);
  for (int64_t a : axes) broadcast[static_cast<int>(a)] = x.dim(static_cast<int>(a));
  if (options_.scale) y = y * reshape(weight("gamma").value, broadcast);
  if (options_.center) y = y + reshape(weight("beta").value, broadcast);
  return y;
}

nlohmann::json LayerNormalizationImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["axis"] = options_.axis.size() == 1 ? nlohmann::json(options_.axis[0]) : dims_to_json(options_.axis);
  c["epsilon"] = options_.epsilon;
  c["center"] = options_.center;
  c["scale"] = options_.scale;
  c["beta_initializer"] = initializers::to_json(options_.beta_initializer);
  c["gamma_initializer"] = initializers::to_json(options_.gamma_initializer);
  c["beta_regularizer"] = regularizers::to_json(options_.beta_regularizer);
  c["gamma_regularizer"] = regularizers::to_json(options_.gamma_regularizer);
  c["beta_constraint"] = constraints::to_json(options_.beta_constraint);
  c["gamma_constraint"] = constraints::to_json(options_.gamma_constraint);
  return c;
}

Layer LayerNormalizationImpl::from_config(const ConfigReader& c) {
  LayerNormalizationOptions o;
  o.axis = c.int_tuple("axis", Dims{-1});
  o.epsilon = c.number("epsilon", o.epsilon);
  o.center = c.boolean("center", true);
  o.scale = c.boolean("scale", true);
  o.beta_initializer = c.initializer("beta_initializer", o.beta_initializer);
  o.gamma_initializer = c.initializer("gamma_initializer", o.gamma_initializer);
  o.beta_regularizer = c.regularizer("beta_regularizer");
  o.gamma_regularizer = c.regularizer("gamma_regularizer");
  o.beta_constraint = c.constraint("beta_constraint");
  o.gamma_constraint = c.constraint("gamma_constraint");
  return construct_at(c, [&] { return LayerNormalization(o); });
}

Layer LayerNormalization(const LayerNormalizationOptions& options) {
  return make_layer<LayerNormalizationImpl>(options);
}

// ---- LocalResponseNormalization ----

LocalResponseNormalizationImpl::LocalResponseNormalizationImpl(const LocalResponseNormalizationOptions& options)
    : options_(options) {
  set_name(options.name);
  FOVEA_CHECK(options.size >= 1, ValueError, "LocalResponseNormalization: size must be at least 1, got ", options.size);
  FOVEA_CHECK(!options.depth_radius || *options.depth_radius >= 0, ValueError,
              "LocalResponseNormalization: depth_radius must be non-negative, got ", options.depth_radius.value_or(0));
}

Shape LocalResponseNormalizationImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  const Shape& in = inputs[0];
  FOVEA_CHECK(in.rank() >= 2, ShapeError, describe(), " expects an input with a channel axis, e.g. ",
              options_.data_format == DataFormat::channels_last ? "(None, rows, cols, channels)"
                                                                : "(None, channels, rows, cols)",
              ", but got ", in.to_string(true));
  return in;
}

Tensor LocalResponseNormalizationImpl::call(const std::vector<Tensor>& inputs, bool) {
  LrnArgs args{.size = options_.size, .alpha = options_.alpha, .beta = options_.beta, .bias = options_.bias};
  if (options_.depth_radius) {
    args.size = 2 * *options_.depth_radius + 1;
    args.alpha = options_.alpha * static_cast<double>(args.size);  // the op divides alpha by size
  }
  args.axis = options_.data_format == DataFormat::channels_last ? -1 : 1;
  return lrn(inputs[0], args);
}

nlohmann::json LocalResponseNormalizationImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["size"] = options_.size;
  c["depth_radius"] = options_.depth_radius ? nlohmann::json(*options_.depth_radius) : nlohmann::json(nullptr);
  c["alpha"] = options_.alpha;
  c["beta"] = options_.beta;
  c["bias"] = options_.bias;
  c["data_format"] = data_format_name(options_.data_format);
  return c;
}

Layer LocalResponseNormalizationImpl::from_config(const ConfigReader& c) {
  LocalResponseNormalizationOptions o;
  o.size = c.integer("size", o.size);
  if (c.has("depth_radius")) o.depth_radius = c.integer("depth_radius");
  o.alpha = c.number("alpha", o.alpha);
  o.beta = c.number("beta", o.beta);
  o.bias = c.number("bias", o.bias);
  o.data_format = c.data_format("data_format");
  return construct_at(c, [&] { return LocalResponseNormalization(o); });
}

Layer LocalResponseNormalization(const LocalResponseNormalizationOptions& options) {
  return make_layer<LocalResponseNormalizationImpl>(options);
}

}  // namespace fovea
