// Conv1D, Conv2D and Conv3D: one layer class parameterized by the number of spatial dimensions.
#include "fovea/layers/conv.h"

#include "fovea/core/error.h"
#include "layers/conv_util.h"
#include "fovea/layers/layer_config.h"
#include "layers/layer_util.h"
#include "ops/conv_geometry.h"

namespace fovea {

using layer_detail::Window;

namespace {

std::string conv_class_name(int rank) { return "Conv" + std::to_string(rank) + "D"; }

}  // namespace

ConvImpl::ConvImpl(int rank, const ConvOptions& options) : rank_(rank), options_(options) {
  set_name(options.name);
  FOVEA_CHECK(rank >= 1 && rank <= 3, ValueError, "Conv: rank must be 1, 2 or 3, got ", rank);
  const std::string cls = conv_class_name(rank);
  layer_detail::check_filters_and_groups(cls, options.filters, options.groups);
  const Window w = layer_detail::resolve_window(cls, rank, options.kernel_size, options.strides, options.dilation_rate);
  options_.kernel_size = w.kernel_size;
  options_.strides = w.strides;
  options_.dilation_rate = w.dilation;
  if (rank == 1) {
    layer_detail::check_padding(cls, options.padding, {Padding::valid, Padding::same, Padding::full, Padding::causal});
  } else {
    layer_detail::check_padding(cls, options.padding, {Padding::valid, Padding::same, Padding::full});
  }
}

std::string ConvImpl::class_name() const { return conv_class_name(rank_); }

Shape ConvImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  expect_rank(inputs, rank_ + 2, layer_detail::image_form(rank_, options_.data_format));
  const Shape& in = inputs[0];
  const int64_t channels = layer_detail::known_channels(in, options_.data_format, describe());
  FOVEA_CHECK(channels % options_.groups == 0, ShapeError, describe(), ": groups=", options_.groups,
              " does not divide the ", channels, " input channels (input shape ", in.to_string(true), ")");
  const Window w{options_.kernel_size, options_.strides, options_.dilation_rate};
  const Dims out = layer_detail::window_output_sizes(in, options_.data_format, w, options_.padding, describe());
  return detail::image_shape(in[0], options_.filters, out, options_.data_format);
}

void ConvImpl::build(const std::vector<Shape>& inputs) {
  const int64_t in_per_group = detail::channels_of(inputs[0], options_.data_format) / options_.groups;
  Shape kernel_shape{options_.filters, in_per_group};
  double receptive = 1;  // in double: add_weight refuses a kernel too large to index, after the fans are known
  for (int64_t k : options_.kernel_size) {
    kernel_shape.push_back(k);
    receptive *= static_cast<double>(k);
  }
  // Keras's fans for its (k..., in / groups, filters) kernel.
  const Fans fans{static_cast<double>(in_per_group) * receptive, static_cast<double>(options_.filters) * receptive};
  Weight& kernel = add_weight("kernel", kernel_shape, options_.kernel_initializer, fans);
  kernel.regularizer = options_.kernel_regularizer;
  kernel.constraint = options_.kernel_constraint;
  kernel.fan_in_axes = layer_detail::kernel_fan_in_axes(1, rank_);
  if (options_.use_bias) {
    Weight& bias = add_weight("bias", {options_.filters}, options_.bias_initializer, fans);
    bias.regularizer = options_.bias_regularizer;
    bias.constraint = options_.bias_constraint;
    bias.fan_in_axes = {0};
  }
}

Tensor ConvImpl::call(const std::vector<Tensor>& inputs, bool) {
  const ConvArgs args{.strides = options_.strides,
                      .padding = options_.padding,
                      .dilation = options_.dilation_rate,
                      .groups = options_.groups,
                      .layout = options_.data_format,
                      .activation = options_.activation};
  Tensor y = conv(inputs[0], {weights()[0].value, options_.use_bias ? weights()[1].value : Tensor()}, args);
  if (options_.activity_regularizer) set_activity_loss((*options_.activity_regularizer)(y));
  return y;
}

int64_t ConvImpl::macs(const std::vector<Shape>& inputs, const Shape& output) const {
  int64_t per_output = detail::channels_of(inputs[0], options_.data_format) / options_.groups;
  for (int64_t k : options_.kernel_size) per_output *= k;
  return layer_detail::spatial_volume(output, options_.data_format) * options_.filters * per_output;
}

SpatialWindow ConvImpl::spatial_window() const {
  return {Window{options_.kernel_size, options_.strides, options_.dilation_rate}.extent(), options_.strides};
}

nlohmann::json ConvImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["filters"] = options_.filters;
  c["kernel_size"] = dims_to_json(options_.kernel_size);
  c["strides"] = dims_to_json(options_.strides);
  c["padding"] = padding_name(options_.padding);
  c["data_format"] = data_format_name(options_.data_format);
  c["dilation_rate"] = dims_to_json(options_.dilation_rate);
  c["groups"] = options_.groups;
  c["activation"] = activation_to_json(options_.activation);
  write_kernel_and_bias(c, options_);
  return c;
}

template <int Rank>
Layer ConvImpl::from_config(const ConfigReader& c) {
  ConvOptions o;
  o.filters = c.integer("filters");
  o.kernel_size = c.int_tuple("kernel_size");
  o.strides = c.int_tuple("strides", o.strides);
  o.padding = c.padding("padding");
  o.data_format = c.data_format("data_format");
  o.dilation_rate = c.int_tuple("dilation_rate", o.dilation_rate);
  o.groups = c.integer("groups", 1);
  o.activation = c.activation("activation");
  read_kernel_and_bias(c, o);
  return layer_detail::with_config_place(c, [&] { return make_layer<ConvImpl>(Rank, o); });
}

template Layer ConvImpl::from_config<1>(const ConfigReader&);
template Layer ConvImpl::from_config<2>(const ConfigReader&);
template Layer ConvImpl::from_config<3>(const ConfigReader&);

Layer Conv1D(const ConvOptions& options) { return make_layer<ConvImpl>(1, options); }
Layer Conv2D(const ConvOptions& options) { return make_layer<ConvImpl>(2, options); }
Layer Conv3D(const ConvOptions& options) { return make_layer<ConvImpl>(3, options); }

}  // namespace fovea
