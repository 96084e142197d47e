// Conv1DTranspose, Conv2DTranspose and Conv3DTranspose: Keras's output-size rules mapped onto conv_transpose().
#include <algorithm>

#include "fovea/core/error.h"
#include "fovea/layers/conv.h"
#include "layers/conv_util.h"
#include "fovea/layers/layer_config.h"
#include "layers/layer_util.h"
#include "ops/conv_geometry.h"

namespace fovea {

using layer_detail::Window;

namespace {

std::string transpose_class_name(int rank) { return "Conv" + std::to_string(rank) + "DTranspose"; }

}  // namespace

ConvTransposeImpl::ConvTransposeImpl(int rank, const ConvTransposeOptions& options) : rank_(rank), options_(options) {
  set_name(options.name);
  FOVEA_CHECK(rank >= 1 && rank <= 3, ValueError, "ConvTranspose: rank must be 1, 2 or 3, got ", rank);
  const std::string cls = transpose_class_name(rank);
  layer_detail::check_filters_and_groups(cls, options.filters, options.groups);
  const Window w = layer_detail::resolve_window(cls, rank, options.kernel_size, options.strides, options.dilation_rate);
  options_.kernel_size = w.kernel_size;
  options_.strides = w.strides;
  options_.dilation_rate = w.dilation;
  layer_detail::check_padding(cls, options.padding, {Padding::valid, Padding::same});
  if (!options.output_padding.empty()) {
    options_.output_padding = detail::per_dim(options.output_padding, rank, 0, cls, "output_padding");
    for (int i = 0; i < rank; ++i) {
      FOVEA_CHECK(options_.output_padding[i] >= 0 && options_.output_padding[i] < w.strides[i], ValueError, cls,
                  ": output_padding must be non-negative and smaller than strides, got output_padding ",
                  detail::dims_to_string(options_.output_padding), " and strides ", detail::dims_to_string(w.strides));
    }
  }
}

std::string ConvTransposeImpl::class_name() const { return transpose_class_name(rank_); }

Shape ConvTransposeImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  expect_rank(inputs, rank_ + 2, layer_detail::image_form(rank_, options_.data_format));
  const Shape& in = inputs[0];
  const int64_t channels = layer_detail::known_channels(in, options_.data_format, describe());
  FOVEA_CHECK(channels % options_.groups == 0, ShapeError, describe(), ": groups=", options_.groups,
              " does not divide the ", channels, " input channels (input shape ", in.to_string(true), ")");
  const Dims extent = Window{options_.kernel_size, options_.strides, options_.dilation_rate}.extent();
  const Dims in_size = detail::spatial_of(in, options_.data_format);
  Dims out;
  for (int i = 0; i < rank_; ++i) {
    const int64_t n = in_size[i], s = options_.strides[i], k = extent[i];
    if (n < 0) {
      out.push_back(-1);
      continue;
    }
    // n * s checked: strides come from configs. Then k, s and the output padding are below 2^61 (resolve_window).
    const std::optional<int64_t> scaled = checked_mul(n, s);
    FOVEA_CHECK(scaled && *scaled < (int64_t{1} << 61), ShapeError, describe(), ": strides ",
                detail::dims_to_string(options_.strides), " on input ", detail::dims_x(in_size),
                " give an output larger than fovea can index");
    int64_t length = 0;
    if (options_.output_padding.empty()) {
      length = options_.padding == Padding::same ? n * s : n * s + std::max<int64_t>(k - s, 0);
    } else {
      const int64_t pad = options_.padding == Padding::same ? k / 2 : 0;
      length = (n - 1) * s + k - 2 * pad + options_.output_padding[i];
    }
    FOVEA_CHECK(length >= 1, ShapeError, describe(), ": kernel ", detail::dims_x(options_.kernel_size),
                " with padding='same' and output_padding ", detail::dims_to_string(options_.output_padding),
                " leaves no output for input ", detail::dims_x(in_size), " (input shape ", in.to_string(true), ")");
    out.push_back(length);
  }
  return detail::image_shape(in[0], options_.filters, out, options_.data_format);
}

ConvTransposeArgs ConvTransposeImpl::op_args() const {
  ConvTransposeArgs a{.strides = options_.strides,
                      .dilation = options_.dilation_rate,
                      .groups = options_.groups,
                      .layout = options_.data_format,
                      .activation = options_.activation};
  const Dims extent = Window{options_.kernel_size, options_.strides, options_.dilation_rate}.extent();
  if (options_.output_padding.empty() && options_.padding == Padding::same) {
    a.padding = Padding::same;
  } else if (options_.output_padding.empty()) {
    // Keras's 'valid' output is input * stride + max(kernel - stride, 0): the rows a stride larger than the
    // kernel skips past the last input are kept, which is output_padding in PyTorch's terms.
    a.padding = Padding::valid;
    for (int i = 0; i < rank_; ++i) a.output_padding.push_back(std::max<int64_t>(options_.strides[i] - extent[i], 0));
  } else {
    a.padding = Padding::explicit_;
    for (int i = 0; i < rank_; ++i) {
      const int64_t pad = options_.padding == Padding::same ? extent[i] / 2 : 0;
      a.pads_begin.push_back(pad);
      a.pads_end.push_back(pad);
    }
    a.output_padding = options_.output_padding;
  }
  return a;
}

void ConvTransposeImpl::build(const std::vector<Shape>& inputs) {
  const int64_t in_channels = detail::channels_of(inputs[0], options_.data_format);
  const int64_t out_per_group = options_.filters / options_.groups;
  Shape kernel_shape{in_channels, out_per_group};
  int64_t receptive = 1;
  for (int64_t k : options_.kernel_size) {
    kernel_shape.push_back(k);
    receptive *= k;
  }
  // Keras's kernel is (k..., filters, in_channels), so its fan_in counts the filters.
  const Fans fans{static_cast<double>(out_per_group * receptive), static_cast<double>(in_channels * receptive)};
  Weight& kernel = add_weight("kernel", kernel_shape, options_.kernel_initializer, fans);
  kernel.regularizer = options_.kernel_regularizer;
  kernel.constraint = options_.kernel_constraint;
  kernel.fan_in_axes = layer_detail::kernel_fan_in_axes(0, rank_);
  if (options_.use_bias) {
    Weight& bias = add_weight("bias", {options_.filters}, options_.bias_initializer, fans);
    bias.regularizer = options_.bias_regularizer;
    bias.constraint = options_.bias_constraint;
    bias.fan_in_axes = {0};
  }
}

Tensor ConvTransposeImpl::call(const std::vector<Tensor>& inputs, bool) {
  Tensor y =
      conv_transpose(inputs[0], {weights()[0].value, options_.use_bias ? weights()[1].value : Tensor()}, op_args());
  if (options_.activity_regularizer) set_activity_loss((*options_.activity_regularizer)(y));
  return y;
}

int64_t ConvTransposeImpl::macs(const std::vector<Shape>& inputs, const Shape&) const {
  // Every input value is multiplied into a kernel-sized patch of each output channel of its group.
  int64_t per_input = detail::channels_of(inputs[0], options_.data_format) * (options_.filters / options_.groups);
  for (int64_t k : options_.kernel_size) per_input *= k;
  return layer_detail::spatial_volume(inputs[0], options_.data_format) * per_input;
}

SpatialWindow ConvTransposeImpl::spatial_window() const {
  const Dims extent = Window{options_.kernel_size, options_.strides, options_.dilation_rate}.extent();
  SpatialWindow w;
  for (int i = 0; i < rank_; ++i) {
    w.kernel.push_back((extent[i] + options_.strides[i] - 1) / options_.strides[i]);
    w.strides.push_back(1);
  }
  return w;
}

nlohmann::json ConvTransposeImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["filters"] = options_.filters;
  c["kernel_size"] = dims_to_json(options_.kernel_size);
  c["strides"] = dims_to_json(options_.strides);
  c["padding"] = padding_name(options_.padding);
  c["output_padding"] =
      options_.output_padding.empty() ? nlohmann::json(nullptr) : dims_to_json(options_.output_padding);
  c["data_format"] = data_format_name(options_.data_format);
  c["dilation_rate"] = dims_to_json(options_.dilation_rate);
  if (options_.groups != 1) c["groups"] = options_.groups;
  c["activation"] = activation_to_json(options_.activation);
  write_kernel_and_bias(c, options_);
  return c;
}

template <int Rank>
Layer ConvTransposeImpl::from_config(const ConfigReader& c) {
  ConvTransposeOptions o;
  o.filters = c.integer("filters");
  o.kernel_size = c.int_tuple("kernel_size");
  o.strides = c.int_tuple("strides", o.strides);
  o.padding = c.padding("padding");
  o.output_padding = c.int_tuple("output_padding", Dims{});
  o.data_format = c.data_format("data_format");
  o.dilation_rate = c.int_tuple("dilation_rate", o.dilation_rate);
  o.groups = c.integer("groups", 1);
  o.activation = c.activation("activation");
  read_kernel_and_bias(c, o);
  return layer_detail::with_config_place(c, [&] { return make_layer<ConvTransposeImpl>(Rank, o); });
}

template Layer ConvTransposeImpl::from_config<1>(const ConfigReader&);
template Layer ConvTransposeImpl::from_config<2>(const ConfigReader&);
template Layer ConvTransposeImpl::from_config<3>(const ConfigReader&);

Layer Conv1DTranspose(const ConvTransposeOptions& options) { return make_layer<ConvTransposeImpl>(1, options); }
Layer Conv2DTranspose(const ConvTransposeOptions& options) { return make_layer<ConvTransposeImpl>(2, options); }
Layer Conv3DTranspose(const ConvTransposeOptions& options) { return make_layer<ConvTransposeImpl>(3, options); }

}  // namespace fovea
