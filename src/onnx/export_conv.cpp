// Exporting the convolution layers: Conv1D/2D/3D (groups, dilation, Keras's 'same', 'causal' and 'full' padding
// as explicit pads), their transposes (pads and output_padding from the same geometry fovea runs),
// DepthwiseConv2D (a Conv with one group per input channel) and SeparableConv2D (depthwise then 1x1).
#include "fovea/core/error.h"
#include "fovea/layers/conv.h"
#include "layers/conv_util.h"
#include "onnx/export_layers.h"
#include "ops/conv_geometry.h"

namespace fovea::onnx_detail {
namespace {

// The attributes of an ONNX Conv (or pool) window: kernel_shape, strides, dilations and pads. Keras's padding
// modes become explicit pads computed by fovea's own rule; 'same' on an unknown size becomes SAME_UPPER, which is
// the same rule (the odd pad at the end).
std::vector<Attribute> window_attributes(const Value& x, DataFormat format, const Dims& kernel, const Dims& strides,
                                         const Dims& dilation, Padding padding, bool with_dilations = true) {
  const Dims in = detail::spatial_of(x.shape, format);
  Dims dilated;
  for (int i = 0; i < kernel.size(); ++i) dilated.push_back(dilation[i] * (kernel[i] - 1) + 1);
  std::vector<Attribute> attrs{Attribute::integers("kernel_shape", to_vector(kernel)),
                               Attribute::integers("strides", to_vector(strides))};
  if (with_dilations) attrs.push_back(Attribute::integers("dilations", to_vector(dilation)));
  bool unknown = false;
  for (int64_t d : in) unknown = unknown || d < 0;
  if (padding == Padding::same && unknown) {
    attrs.push_back(Attribute::text("auto_pad", "SAME_UPPER"));
    return attrs;
  }
  const detail::ResolvedPads pads = detail::resolve_pads(padding, in, dilated, strides, {}, {}, "export_onnx");
  std::vector<int64_t> all = to_vector(pads.begin);
  for (int64_t e : pads.end) all.push_back(e);
  attrs.push_back(Attribute::integers("pads", all));
  return attrs;
}

// Conv (+ bias) writing `output`, on x already held channels-first.
std::string conv_node(ExportGraph& g, const Value& x, const std::string& kernel, const std::string& bias,
                      std::vector<Attribute> attrs, int64_t groups, const std::string& output) {
  attrs.push_back(Attribute::integer("group", groups));
  std::vector<std::string> inputs{x.name, kernel};
  if (!bias.empty()) inputs.push_back(bias);
  return g.node("Conv", inputs, {output}, attrs);
}

Value export_conv(ExportGraph& g, const LayerApplication& app) {
  const auto& layer = dynamic_cast<const ConvImpl&>(app.layer);
  const ConvOptions& o = layer.options();
  const Perm perm = channels_first_perm(app.inputs[0].rank(), o.data_format);
  const Value x = g.in_layout(app.inputs[0], perm);
  const std::string kernel = g.initializer(app.weight("kernel"), app.output + "/kernel");
  const std::string bias = o.use_bias ? g.initializer(app.weight("bias"), app.output + "/bias") : "";
  const std::string pre = pre_activation_name(g, app, o.activation);
  conv_node(g, x, kernel, bias,
            window_attributes(x, o.data_format, o.kernel_size, o.strides, o.dilation_rate, o.padding), o.groups, pre);
  return emit_activation(g, {pre, perm, app.output_shape}, o.activation, app.output, app.describe());
}

// Keras's transposed-convolution sizes as fovea's ConvTransposeImpl maps them onto conv_transpose().
ConvTransposeArgs transpose_args(const ConvTransposeOptions& o) {
  ConvTransposeArgs a{.strides = o.strides, .dilation = o.dilation_rate, .groups = o.groups, .layout = o.data_format};
  const Dims extent = layer_detail::Window{o.kernel_size, o.strides, o.dilation_rate}.extent();
  if (o.output_padding.empty() && o.padding == Padding::same) {
    a.padding = Padding::same;
  } else if (o.output_padding.empty()) {
    a.padding = Padding::valid;
    for (int i = 0; i < extent.size(); ++i) a.output_padding.push_back(std::max<int64_t>(o.strides[i] - extent[i], 0));
  } else {
    a.padding = Padding::explicit_;
    for (int i = 0; i < extent.size(); ++i) {
      const int64_t pad = o.padding == Padding::same ? extent[i] / 2 : 0;
      a.pads_begin.push_back(pad);
      a.pads_end.push_back(pad);
    }
    a.output_padding = o.output_padding;
  }
  return a;
}

Value export_conv_transpose(ExportGraph& g, const LayerApplication& app) {
  const auto& layer = dynamic_cast<const ConvTransposeImpl&>(app.layer);
  const ConvTransposeOptions& o = layer.options();
  const Perm perm = channels_first_perm(app.inputs[0].rank(), o.data_format);
  const Value x = g.in_layout(app.inputs[0], perm);
  for (int64_t d : detail::spatial_of(x.shape, o.data_format)) {
    FOVEA_CHECK(d >= 0, ValueError, "export_onnx: ", app.describe(),
                " needs known spatial input sizes to fix its pads, got input shape ", x.shape.to_string(true));
  }
  const Tensor& kernel_value = app.weight("kernel");
  Shape in_shape = x.shape;
  in_shape[0] = 1;
  // The geometry of the forward convolution whose input gradient this layer computes: its pads are the
  // transposed convolution's pads, its input size the output size.
  const ConvGeometry geometry = detail::conv_transpose_geometry(in_shape, kernel_value.shape(), transpose_args(o));
  std::vector<int64_t> pads, output_padding;
  for (int i = 0; i < geometry.spatial_rank; ++i) {
    const int64_t dilated = geometry.dilation[i] * (geometry.kernel_size[i] - 1) + 1;
    const int64_t unpadded =
        (geometry.out_size[i] - 1) * geometry.strides[i] + dilated - geometry.pads_begin[i] - geometry.pads_end[i];
    output_padding.push_back(geometry.in_size[i] - unpadded);
    pads.push_back(geometry.pads_begin[i]);
  }
  for (int64_t e : geometry.pads_end) pads.push_back(e);
  const std::string kernel = g.initializer(kernel_value, app.output + "/kernel");
  std::vector<std::string> inputs{x.name, kernel};
  if (o.use_bias) inputs.push_back(g.initializer(app.weight("bias"), app.output + "/bias"));
  const std::string pre = pre_activation_name(g, app, o.activation);
  g.node("ConvTranspose", inputs, {pre},
         {Attribute::integers("kernel_shape", to_vector(o.kernel_size)),
          Attribute::integers("strides", to_vector(o.strides)),
          Attribute::integers("dilations", to_vector(o.dilation_rate)), Attribute::integers("pads", pads),
          Attribute::integers("output_padding", output_padding), Attribute::integer("group", o.groups)});
  return emit_activation(g, {pre, perm, app.output_shape}, o.activation, app.output, app.describe());
}

Value export_depthwise_conv(ExportGraph& g, const LayerApplication& app) {
  const auto& layer = dynamic_cast<const DepthwiseConv2DImpl&>(app.layer);
  const DepthwiseConv2DOptions& o = layer.options();
  const Perm perm = channels_first_perm(4, o.data_format);
  const Value x = g.in_layout(app.inputs[0], perm);
  const std::string kernel = g.initializer(app.weight("kernel"), app.output + "/kernel");
  const std::string bias = o.use_bias ? g.initializer(app.weight("bias"), app.output + "/bias") : "";
  const std::string pre = pre_activation_name(g, app, o.activation);
  conv_node(g, x, kernel, bias,
            window_attributes(x, o.data_format, o.kernel_size, o.strides, o.dilation_rate, o.padding),
            detail::channels_of(x.shape, o.data_format), pre);
  return emit_activation(g, {pre, perm, app.output_shape}, o.activation, app.output, app.describe());
}

Value export_separable_conv(ExportGraph& g, const LayerApplication& app) {
  const auto& layer = dynamic_cast<const SeparableConv2DImpl&>(app.layer);
  const SeparableConv2DOptions& o = layer.options();
  const Perm perm = channels_first_perm(4, o.data_format);
  const Value x = g.in_layout(app.inputs[0], perm);
  const std::string depthwise_kernel = g.initializer(app.weight("depthwise_kernel"), app.output + "/depthwise_kernel");
  const std::string depthwise = g.unique_name(app.output + "/depthwise");
  conv_node(g, x, depthwise_kernel, "",
            window_attributes(x, o.data_format, o.kernel_size, o.strides, o.dilation_rate, o.padding),
            detail::channels_of(x.shape, o.data_format), depthwise);
  const std::string pointwise_kernel = g.initializer(app.weight("pointwise_kernel"), app.output + "/pointwise_kernel");
  const std::string bias = o.use_bias ? g.initializer(app.weight("bias"), app.output + "/bias") : "";
  const std::string pre = pre_activation_name(g, app, o.activation);
  conv_node(g, {depthwise, perm, app.output_shape}, pointwise_kernel, bias,
            {Attribute::integers("kernel_shape", {1, 1}), Attribute::integers("strides", {1, 1}),
             Attribute::integers("dilations", {1, 1}), Attribute::integers("pads", {0, 0, 0, 0})},
            1, pre);
  return emit_activation(g, {pre, perm, app.output_shape}, o.activation, app.output, app.describe());
}

}  // namespace

void add_conv_exporters(ExporterTable& table) {
  for (const char* name : {"Conv1D", "Conv2D", "Conv3D"}) table[name] = export_conv;
  for (const char* name : {"Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"}) {
    table[name] = export_conv_transpose;
  }
  table["DepthwiseConv2D"] = export_depthwise_conv;
  table["SeparableConv2D"] = export_separable_conv;
}

}  // namespace fovea::onnx_detail
