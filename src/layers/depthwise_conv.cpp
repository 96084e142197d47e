// DepthwiseConv2D and SeparableConv2D: grouped convolutions with one group per input channel (the separable
// layer adds a pointwise 1x1 convolution that mixes the channels).
#include <nlohmann/json.hpp>

#include "fovea/core/error.h"
#include "fovea/layers/conv.h"
#include "layers/conv_util.h"
#include "fovea/layers/layer_config.h"
#include "ops/conv_geometry.h"

namespace fovea {

using layer_detail::Window;

namespace {

// The construction checks both layers share; returns the expanded window.
Window check_depthwise_options(std::string_view cls, const Dims& kernel_size, const Dims& strides,
                               const Dims& dilation_rate, Padding padding, int64_t depth_multiplier) {
  FOVEA_CHECK(depth_multiplier >= 1, ValueError, cls, ": depth_multiplier must be a positive integer, got ",
              depth_multiplier);
  const Window w = layer_detail::resolve_window(cls, 2, kernel_size, strides, dilation_rate);
  layer_detail::check_padding(cls, padding, {Padding::valid, Padding::same, Padding::full});
  return w;
}

// Output spatial sizes of the depthwise step, after the input checks of both layers.
Dims depthwise_output_sizes(const Shape& in, DataFormat format, const Window& w, Padding padding,
                            const std::string& who) {
  layer_detail::known_channels(in, format, who);
  return layer_detail::window_output_sizes(in, format, w, padding, who);
}

// Keras's fans for its (kh, kw, in_channels, depth_multiplier) depthwise kernel.
Fans depthwise_fans(int64_t in_channels, int64_t depth_multiplier, const Dims& kernel_size) {
  const double receptive = static_cast<double>(kernel_size[0] * kernel_size[1]);
  return {static_cast<double>(in_channels) * receptive, static_cast<double>(depth_multiplier) * receptive};
}

ConvArgs depthwise_args(const Window& w, Padding padding, int64_t in_channels, DataFormat format) {
  return {.strides = w.strides, .padding = padding, .dilation = w.dilation, .groups = in_channels, .layout = format};
}

}  // namespace

DepthwiseConv2DImpl::DepthwiseConv2DImpl(const DepthwiseConv2DOptions& options) : options_(options) {
  set_name(options.name);
  const Window w = check_depthwise_options("DepthwiseConv2D", options.kernel_size, options.strides,
                                           options.dilation_rate, options.padding, options.depth_multiplier);
  options_.kernel_size = w.kernel_size;
  options_.strides = w.strides;
  options_.dilation_rate = w.dilation;
}

Shape DepthwiseConv2DImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  expect_rank(inputs, 4, layer_detail::image_form(2, options_.data_format));
  const Shape& in = inputs[0];
  const Window w{options_.kernel_size, options_.strides, options_.dilation_rate};
  const Dims out = depthwise_output_sizes(in, options_.data_format, w, options_.padding, describe());
  const int64_t channels = detail::channels_of(in, options_.data_format) * options_.depth_multiplier;
  return detail::image_shape(in[0], channels, out, options_.data_format);
}

void DepthwiseConv2DImpl::build(const std::vector<Shape>& inputs) {
  const int64_t in = detail::channels_of(inputs[0], options_.data_format);
  const int64_t out = in * options_.depth_multiplier;
  const Fans fans = depthwise_fans(in, options_.depth_multiplier, options_.kernel_size);
  Weight& kernel = add_weight("kernel", {out, 1, options_.kernel_size[0], options_.kernel_size[1]},
                              options_.depthwise_initializer, fans);
  kernel.regularizer = options_.depthwise_regularizer;
  kernel.constraint = options_.depthwise_constraint;
  kernel.fan_in_axes = layer_detail::kernel_fan_in_axes(1, 2);
  if (options_.use_bias) {
    Weight& bias = add_weight("bias", {out}, options_.bias_initializer, fans);
    bias.regularizer = options_.bias_regularizer;
    bias.constraint = options_.bias_constraint;
    bias.fan_in_axes = {0};
  }
}

Tensor DepthwiseConv2DImpl::call(const std::vector<Tensor>& inputs, bool) {
  const Tensor& x = inputs[0];
  const Window w{options_.kernel_size, options_.strides, options_.dilation_rate};
  ConvArgs args =
      depthwise_args(w, options_.padding, detail::channels_of(x.shape(), options_.data_format), options_.data_format);
  args.activation = options_.activation;
  Tensor y = conv(x, {weights()[0].value, options_.use_bias ? weights()[1].value : Tensor()}, args);
  if (options_.activity_regularizer) set_activity_loss((*options_.activity_regularizer)(y));
  return y;
}

int64_t DepthwiseConv2DImpl::macs(const std::vector<Shape>&, const Shape& output) const {
  const int64_t out_channels = detail::channels_of(output, options_.data_format);
  return layer_detail::spatial_volume(output, options_.data_format) * out_channels * options_.kernel_size[0] *
         options_.kernel_size[1];
}

SpatialWindow DepthwiseConv2DImpl::spatial_window() const {
  return {Window{options_.kernel_size, options_.strides, options_.dilation_rate}.extent(), options_.strides};
}

nlohmann::json DepthwiseConv2DImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["kernel_size"] = dims_to_json(options_.kernel_size);
  c["strides"] = dims_to_json(options_.strides);
  c["padding"] = padding_name(options_.padding);
  c["depth_multiplier"] = options_.depth_multiplier;
  c["data_format"] = data_format_name(options_.data_format);
  c["dilation_rate"] = dims_to_json(options_.dilation_rate);
  c["activation"] = activation_to_json(options_.activation);
  c["use_bias"] = options_.use_bias;
  c["depthwise_initializer"] = initializers::to_json(options_.depthwise_initializer);
  c["bias_initializer"] = initializers::to_json(options_.bias_initializer);
  c["depthwise_regularizer"] = regularizers::to_json(options_.depthwise_regularizer);
  c["bias_regularizer"] = regularizers::to_json(options_.bias_regularizer);
  c["activity_regularizer"] = regularizers::to_json(options_.activity_regularizer);
  c["depthwise_constraint"] = constraints::to_json(options_.depthwise_constraint);
  c["bias_constraint"] = constraints::to_json(options_.bias_constraint);
  return c;
}

Layer DepthwiseConv2DImpl::from_config(const ConfigReader& c) {
  DepthwiseConv2DOptions o;
  o.kernel_size = c.int_tuple("kernel_size");
  o.strides = c.int_tuple("strides", o.strides);
  o.padding = c.padding("padding");
  o.depth_multiplier = c.integer("depth_multiplier", 1);
  o.data_format = c.data_format("data_format");
  o.dilation_rate = c.int_tuple("dilation_rate", o.dilation_rate);
  o.activation = c.activation("activation");
  o.use_bias = c.boolean("use_bias", true);
  o.depthwise_initializer = c.initializer("depthwise_initializer", o.depthwise_initializer);
  o.bias_initializer = c.initializer("bias_initializer", o.bias_initializer);
  o.depthwise_regularizer = c.regularizer("depthwise_regularizer");
  o.bias_regularizer = c.regularizer("bias_regularizer");
  o.activity_regularizer = c.regularizer("activity_regularizer");
  o.depthwise_constraint = c.constraint("depthwise_constraint");
  o.bias_constraint = c.constraint("bias_constraint");
  return layer_detail::with_config_place(c, [&] { return DepthwiseConv2D(o); });
}

Layer DepthwiseConv2D(const DepthwiseConv2DOptions& options) { return make_layer<DepthwiseConv2DImpl>(options); }

SeparableConv2DImpl::SeparableConv2DImpl(const SeparableConv2DOptions& options) : options_(options) {
  set_name(options.name);
  FOVEA_CHECK(options.filters >= 1, ValueError, "SeparableConv2D: filters must be a positive integer, got ",
              options.filters);
  const Window w = check_depthwise_options("SeparableConv2D", options.kernel_size, options.strides,
                                           options.dilation_rate, options.padding, options.depth_multiplier);
  options_.kernel_size = w.kernel_size;
  options_.strides = w.strides;
  options_.dilation_rate = w.dilation;
}

Shape SeparableConv2DImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  expect_rank(inputs, 4, layer_detail::image_form(2, options_.data_format));
  const Shape& in = inputs[0];
  const Window w{options_.kernel_size, options_.strides, options_.dilation_rate};
  const Dims out = depthwise_output_sizes(in, options_.data_format, w, options_.padding, describe());
  return detail::image_shape(in[0], options_.filters, out, options_.data_format);
}

void SeparableConv2DImpl::build(const std::vector<Shape>& inputs) {
  const int64_t in = detail::channels_of(inputs[0], options_.data_format);
  const int64_t mid = in * options_.depth_multiplier;
  Weight& depthwise =
      add_weight("depthwise_kernel", {mid, 1, options_.kernel_size[0], options_.kernel_size[1]},
                 options_.depthwise_initializer, depthwise_fans(in, options_.depth_multiplier, options_.kernel_size));
  depthwise.regularizer = options_.depthwise_regularizer;
  depthwise.constraint = options_.depthwise_constraint;
  depthwise.fan_in_axes = layer_detail::kernel_fan_in_axes(1, 2);
  // Keras's pointwise kernel is (1, 1, in * depth_multiplier, filters).
  const Fans pointwise_fans{static_cast<double>(mid), static_cast<double>(options_.filters)};
  Weight& pointwise =
      add_weight("pointwise_kernel", {options_.filters, mid, 1, 1}, options_.pointwise_initializer, pointwise_fans);
  pointwise.regularizer = options_.pointwise_regularizer;
  pointwise.constraint = options_.pointwise_constraint;
  pointwise.fan_in_axes = layer_detail::kernel_fan_in_axes(1, 2);
  if (options_.use_bias) {
    Weight& bias = add_weight("bias", {options_.filters}, options_.bias_initializer, pointwise_fans);
    bias.regularizer = options_.bias_regularizer;
    bias.constraint = options_.bias_constraint;
    bias.fan_in_axes = {0};
  }
}

Tensor SeparableConv2DImpl::call(const std::vector<Tensor>& inputs, bool) {
  const Tensor& x = inputs[0];
  const Window w{options_.kernel_size, options_.strides, options_.dilation_rate};
  const Tensor mid = conv(
      x, {weights()[0].value, Tensor()},
      depthwise_args(w, options_.padding, detail::channels_of(x.shape(), options_.data_format), options_.data_format));
  const ConvArgs pointwise{.layout = options_.data_format, .activation = options_.activation};
  Tensor y = conv(mid, {weights()[1].value, options_.use_bias ? weights()[2].value : Tensor()}, pointwise);
  if (options_.activity_regularizer) set_activity_loss((*options_.activity_regularizer)(y));
  return y;
}

int64_t SeparableConv2DImpl::macs(const std::vector<Shape>& inputs, const Shape& output) const {
  const int64_t mid = detail::channels_of(inputs[0], options_.data_format) * options_.depth_multiplier;
  const int64_t positions = layer_detail::spatial_volume(output, options_.data_format);
  return positions * mid * (options_.kernel_size[0] * options_.kernel_size[1] + options_.filters);
}

SpatialWindow SeparableConv2DImpl::spatial_window() const {
  return {Window{options_.kernel_size, options_.strides, options_.dilation_rate}.extent(), options_.strides};
}

nlohmann::json SeparableConv2DImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["filters"] = options_.filters;
  c["kernel_size"] = dims_to_json(options_.kernel_size);
  c["strides"] = dims_to_json(options_.strides);
  c["padding"] = padding_name(options_.padding);
  c["data_format"] = data_format_name(options_.data_format);
  c["dilation_rate"] = dims_to_json(options_.dilation_rate);
  c["depth_multiplier"] = options_.depth_multiplier;
  c["activation"] = activation_to_json(options_.activation);
  c["use_bias"] = options_.use_bias;
  c["depthwise_initializer"] = initializers::to_json(options_.depthwise_initializer);
  c["pointwise_initializer"] = initializers::to_json(options_.pointwise_initializer);
  c["bias_initializer"] = initializers::to_json(options_.bias_initializer);
  c["depthwise_regularizer"] = regularizers::to_json(options_.depthwise_regularizer);
  c["pointwise_regularizer"] = regularizers::to_json(options_.pointwise_regularizer);
  c["bias_regularizer"] = regularizers::to_json(options_.bias_regularizer);
  c["activity_regularizer"] = regularizers::to_json(options_.activity_regularizer);
  c["depthwise_constraint"] = constraints::to_json(options_.depthwise_constraint);
  c["pointwise_constraint"] = constraints::to_json(options_.pointwise_constraint);
  c["bias_constraint"] = constraints::to_json(options_.bias_constraint);
  return c;
}

Layer SeparableConv2DImpl::from_config(const ConfigReader& c) {
  SeparableConv2DOptions o;
  o.filters = c.integer("filters");
  o.kernel_size = c.int_tuple("kernel_size");
  o.strides = c.int_tuple("strides", o.strides);
  o.padding = c.padding("padding");
  o.data_format = c.data_format("data_format");
  o.dilation_rate = c.int_tuple("dilation_rate", o.dilation_rate);
  o.depth_multiplier = c.integer("depth_multiplier", 1);
  o.activation = c.activation("activation");
  o.use_bias = c.boolean("use_bias", true);
  o.depthwise_initializer = c.initializer("depthwise_initializer", o.depthwise_initializer);
  o.pointwise_initializer = c.initializer("pointwise_initializer", o.pointwise_initializer);
  o.bias_initializer = c.initializer("bias_initializer", o.bias_initializer);
  o.depthwise_regularizer = c.regularizer("depthwise_regularizer");
  o.pointwise_regularizer = c.regularizer("pointwise_regularizer");
  o.bias_regularizer = c.regularizer("bias_regularizer");
  o.activity_regularizer = c.regularizer("activity_regularizer");
  o.depthwise_constraint = c.constraint("depthwise_constraint");
  o.pointwise_constraint = c.constraint("pointwise_constraint");
  o.bias_constraint = c.constraint("bias_constraint");
  return layer_detail::with_config_place(c, [&] { return SeparableConv2D(o); });
}

Layer SeparableConv2D(const SeparableConv2DOptions& options) { return make_layer<SeparableConv2DImpl>(options); }

}  // namespace fovea
