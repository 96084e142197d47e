// Converters for ONNX's neural-network operators: convolutions, pooling, normalization, Gemm/MatMul, Dropout.
// Each uses the Keras layer when its semantics match the node exactly (channels_first, 'valid' or 'same'
// padding, constant weights) and an OnnxLayerImpl otherwise.
#include <cfloat>

#include "fovea/layers/conv.h"
#include "fovea/layers/dense.h"
#include "fovea/layers/normalization.h"
#include "fovea/layers/pooling.h"
#include "fovea/layers/regularization.h"
#include "fovea/ops/math.h"
#include "fovea/ops/shape_ops.h"
#include "onnx/import_context.h"
#include "onnx/layers/onnx_kernels.h"

namespace fovea::onnx_detail {
namespace {

using Ints = std::vector<int64_t>;

// Keras's 'same' padding for one axis: the total padding that gives ceil(in / stride) outputs, the odd one at
// the end (ONNX's SAME_UPPER; SAME_LOWER puts it at the beginning).
std::pair<int64_t, int64_t> same_pads(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, bool lower) {
  const int64_t out = (in + stride - 1) / stride;
  const int64_t total = std::max<int64_t>((out - 1) * stride + (kernel - 1) * dilation + 1 - in, 0);
  return lower ? std::pair{total - total / 2, total / 2} : std::pair{total / 2, total - total / 2};
}

// The explicit pads (begins then ends) of a convolution or pooling node, auto_pad resolved.
Ints resolve_pads(const NodeContext& n, const Shape& x, const Ints& kernel, const Ints& strides,
                  const Ints& dilations) {
  const int rank = static_cast<int>(kernel.size());
  const std::string auto_pad = n.attr_string("auto_pad", "NOTSET");
  Ints pads = n.attr_ints("pads", Ints(2 * rank, 0));
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (int i = 0; i < rank; ++i) {
      if (x[2 + i] < 0) n.fail("auto_pad " + auto_pad + " needs a known spatial size");
      const auto [b, e] = same_pads(x[2 + i], kernel[i], strides[i], dilations[i], auto_pad == "SAME_LOWER");
      pads[i] = b;
      pads[i + rank] = e;
    }
  } else if (auto_pad == "VALID") {
    pads.assign(2 * rank, 0);
  } else if (auto_pad != "NOTSET") {
    n.fail("unknown auto_pad '" + auto_pad + "'");
  }
  return pads;
}

// 'valid' or 'same' when the pads are what Keras would use, else nothing.
std::optional<Padding> keras_padding(const Shape& x, const Ints& pads, const Ints& kernel, const Ints& strides,
                                     const Ints& dilations) {
  const int rank = static_cast<int>(kernel.size());
  if (std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; })) return Padding::valid;
  for (int i = 0; i < rank; ++i) {
    if (x[2 + i] < 0) return std::nullopt;
    const auto [b, e] = same_pads(x[2 + i], kernel[i], strides[i], dilations[i], false);
    if (pads[i] != b || pads[i + rank] != e) return std::nullopt;
  }
  return Padding::same;
}

Dims dims(const Ints& v) { return Dims(v.begin(), v.end()); }

std::string ints_text(const Ints& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
  return out + "]";
}

// What the Keras layers' options check (ConvOptions, PoolingOptions), for a node's window attributes, so that
// an ONNX file gets the same refusal as a JSON config: one value per spatial axis, kernel sizes, strides and
// dilations positive, pads non-negative, and a window whose extent fovea can index.
void check_window(const NodeContext& n, int rank, const Ints& kernel, const Ints& strides, const Ints& dilations,
                  const Ints& pads) {
  const auto expect_count = [&](const char* name, const Ints& v, size_t count) {
    if (v.size() != count) {
      n.fail(detail::concat(name, " ", ints_text(v), " has ", v.size(), " values; expected ", count,
                            count == static_cast<size_t>(rank) ? " (one per spatial axis)"
                                                               : " (a begin and an end per spatial axis)"));
    }
  };
  expect_count("kernel_shape", kernel, rank);
  expect_count("strides", strides, rank);
  expect_count("dilations", dilations, rank);
  expect_count("pads", pads, 2 * static_cast<size_t>(rank));
  const auto positive = [](const Ints& v) { return std::all_of(v.begin(), v.end(), [](int64_t d) { return d > 0; }); };
  if (!positive(kernel)) n.fail("kernel_shape must be positive; got " + ints_text(kernel));
  if (!positive(strides)) n.fail("strides must be positive; got " + ints_text(strides));
  if (!positive(dilations)) n.fail("dilations must be positive; got " + ints_text(dilations));
  if (!std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p >= 0; })) {
    n.fail("pads must be non-negative; got " + ints_text(pads));
  }
  constexpr int64_t kMaxSpan = int64_t{1} << 40;  // far beyond any image, and sums of such stay far from overflow
  for (int i = 0; i < rank; ++i) {
    const std::optional<int64_t> span = checked_mul(kernel[i] - 1, dilations[i]);
    if (!span || *span >= kMaxSpan || strides[i] >= kMaxSpan || pads[i] >= kMaxSpan || pads[i + rank] >= kMaxSpan) {
      n.fail("kernel_shape " + ints_text(kernel) + ", strides " + ints_text(strides) + ", dilations " +
             ints_text(dilations) + " and pads " + ints_text(pads) + " reach further than fovea can index (2^40)");
    }
  }
}

nlohmann::json with(nlohmann::json attributes, const nlohmann::json& extra) {
  for (auto it = extra.begin(); it != extra.end(); ++it) attributes[it.key()] = it.value();
  return attributes;
}

// What Conv and ConvTranspose nodes share: input, weight, optional bias and the window attributes.
struct ConvNode {
  const ImportedValue& x;
  const ImportedValue& w;
  const ImportedValue* b;
  Shape xs, ws;
  int rank;
  Ints kernel, strides, dilations;
  int64_t group;
};

ConvNode read_conv_node(NodeContext& n, const char* weight_form) {
  ConvNode c{n.required(0), n.required(1), n.input(2)};
  c.xs = c.x.shape();
  c.ws = c.w.shape();
  c.rank = c.ws.rank() - 2;
  if (c.rank < 1 || c.xs.rank() != c.rank + 2) {
    n.fail(std::string("needs an (N, C, spatial...) input and a ") + weight_form + " weight");
  }
  c.kernel = n.attr_ints("kernel_shape", Ints(c.ws.begin() + 2, c.ws.end()));
  c.strides = n.attr_ints("strides", Ints(c.rank, 1));
  c.dilations = n.attr_ints("dilations", Ints(c.rank, 1));
  c.group = n.attr_int("group", 1);
  if (c.group < 1) n.fail("group must be a positive integer; got " + std::to_string(c.group));
  for (int i = 0; i < c.rank; ++i) {
    if (static_cast<int>(c.kernel.size()) == c.rank && c.kernel[i] != c.ws[2 + i]) {
      n.fail("kernel_shape " + ints_text(c.kernel) + " does not match the weight of shape " + c.ws.to_string());
    }
  }
  check_window(n, c.rank, c.kernel, c.strides, c.dilations, n.attr_ints("pads", Ints(2 * c.rank, 0)));
  return c;
}

void convert_conv(NodeContext& n) {
  const ConvNode c = read_conv_node(n, "(M, C/group, k...)");
  const Ints pads = resolve_pads(n, c.xs, c.kernel, c.strides, c.dilations);
  const nlohmann::json attributes = {
      {"strides", c.strides}, {"dilations", c.dilations}, {"group", c.group}, {"pads", pads}};
  const std::optional<Padding> padding = keras_padding(c.xs, pads, c.kernel, c.strides, c.dilations);
  const bool constant_weights = c.w.is_constant() && (!c.b || c.b->is_constant());
  if (padding && constant_weights && c.rank <= 3 && c.x.is_float()) {
    std::vector<Tensor> weights{c.w.constant};
    if (c.b) weights.push_back(c.b->constant);
    try {
      Layer layer;
      const int64_t in_channels = c.xs[1];
      if (c.rank == 2 && c.group > 1 && c.group == in_channels && c.ws[0] % in_channels == 0) {
        layer = DepthwiseConv2D({.kernel_size = dims(c.kernel),
                                 .strides = dims(c.strides),
                                 .padding = *padding,
                                 .depth_multiplier = c.ws[0] / in_channels,
                                 .data_format = DataFormat::channels_first,
                                 .dilation_rate = dims(c.dilations),
                                 .use_bias = c.b != nullptr});
      } else {
        const ConvOptions o{.filters = c.ws[0],
                            .kernel_size = dims(c.kernel),
                            .strides = dims(c.strides),
                            .padding = *padding,
                            .data_format = DataFormat::channels_first,
                            .dilation_rate = dims(c.dilations),
                            .groups = c.group,
                            .use_bias = c.b != nullptr};
        layer = c.rank == 1 ? Conv1D(o) : c.rank == 2 ? Conv2D(o) : Conv3D(o);
      }
      n.set_output(0, n.emit_layer(layer, {&c.x}, weights));
      return;
    } catch (const ValueError&) {
      // Keras refuses some combinations (strides with dilation): the ONNX layer computes them.
    }
  }
  n.set_output(0, n.emit_onnx("Conv", attributes, {&c.x, &c.w, c.b}, {"", "W", "B"}));
}

void convert_conv_transpose(NodeContext& n) {
  const ConvNode c = read_conv_node(n, "(C, M/group, k...)");
  Ints output_padding = n.attr_ints("output_padding", Ints(c.rank, 0));
  if (static_cast<int>(output_padding.size()) != c.rank ||
      !std::all_of(output_padding.begin(), output_padding.end(), [](int64_t p) { return p >= 0 && p < (1 << 30); })) {
    n.fail("output_padding must hold one non-negative value per spatial axis; got " + ints_text(output_padding));
  }
  Ints pads = n.attr_ints("pads", Ints(2 * c.rank, 0));
  const std::string auto_pad = n.attr_string("auto_pad", "NOTSET");
  Ints output_shape = n.attr_ints("output_shape");
  const auto positive_size = [](int64_t d) { return d > 0 && d < (int64_t{1} << 40); };
  if (!std::all_of(output_shape.begin(), output_shape.end(), positive_size)) {
    n.fail("output_shape must hold positive sizes; got " + ints_text(output_shape));
  }
  if (output_shape.empty() && (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER")) {
    for (int i = 0; i < c.rank; ++i) output_shape.push_back(c.xs[2 + i] * c.strides[i]);
  }
  if (!output_shape.empty()) {
    if (static_cast<int>(output_shape.size()) > c.rank)
      output_shape.erase(output_shape.begin(), output_shape.end() - c.rank);
    for (int i = 0; i < c.rank; ++i) {
      if (c.xs[2 + i] < 0) n.fail("output_shape needs a known spatial size");
      const int64_t full =
          c.strides[i] * (c.xs[2 + i] - 1) + output_padding[i] + (c.kernel[i] - 1) * c.dilations[i] + 1;
      const int64_t total = full - output_shape[i];
      if (total < 0) {  // a larger output: the extra rows come after the last input's reach, as output padding
        output_padding[i] -= total;
        pads[i] = pads[i + c.rank] = 0;
      } else if (auto_pad == "SAME_UPPER") {
        pads[i] = total / 2;
        pads[i + c.rank] = total - total / 2;
      } else {
        pads[i] = total - total / 2;
        pads[i + c.rank] = total / 2;
      }
    }
  } else if (auto_pad == "VALID") {
    pads.assign(2 * c.rank, 0);
  }
  const nlohmann::json attributes = {{"strides", c.strides},
                                     {"dilations", c.dilations},
                                     {"group", c.group},
                                     {"pads", pads},
                                     {"output_padding", output_padding}};
  const bool plain = std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; }) &&
                     std::all_of(output_padding.begin(), output_padding.end(), [](int64_t p) { return p == 0; }) &&
                     std::all_of(c.dilations.begin(), c.dilations.end(), [](int64_t d) { return d == 1; });
  bool kernel_covers_stride = true;
  for (int i = 0; i < c.rank; ++i) kernel_covers_stride = kernel_covers_stride && c.kernel[i] >= c.strides[i];
  const bool constant_weights = c.w.is_constant() && (!c.b || c.b->is_constant());
  if (plain && kernel_covers_stride && constant_weights && c.rank <= 3 && c.x.is_float()) {
    std::vector<Tensor> weights{c.w.constant};
    if (c.b) weights.push_back(c.b->constant);
    try {
      const ConvTransposeOptions o{.filters = c.ws[1] * c.group,
                                   .kernel_size = dims(c.kernel),
                                   .strides = dims(c.strides),
                                   .padding = Padding::valid,
                                   .data_format = DataFormat::channels_first,
                                   .groups = c.group,
                                   .use_bias = c.b != nullptr};
      const Layer layer = c.rank == 1 ? Conv1DTranspose(o) : c.rank == 2 ? Conv2DTranspose(o) : Conv3DTranspose(o);
      n.set_output(0, n.emit_layer(layer, {&c.x}, weights));
      return;
    } catch (const ValueError&) {
    }
  }
  n.set_output(0, n.emit_onnx("ConvTranspose", attributes, {&c.x, &c.w, c.b}, {"", "W", "B"}));
}

void convert_pool(NodeContext& n, const std::string& kind) {
  const ImportedValue& x = n.required(0);
  const Shape xs = x.shape();
  const Ints kernel = n.attr_ints("kernel_shape");
  const int rank = static_cast<int>(kernel.size());
  if (rank < 1 || xs.rank() != rank + 2) n.fail("needs kernel_shape and an (N, C, spatial...) input");
  const Ints strides = n.attr_ints("strides", Ints(rank, 1));
  const Ints dilations = n.attr_ints("dilations", Ints(rank, 1));
  check_window(n, rank, kernel, strides, dilations, n.attr_ints("pads", Ints(2 * rank, 0)));
  Ints pads = resolve_pads(n, xs, kernel, strides, dilations);
  const bool count_include_pad = n.attr_int("count_include_pad", 0) != 0;
  if (kind == "lp" && n.attr_int("p", 2) != 2) n.fail("only p = 2 (L2 pooling) is supported");
  const std::optional<Padding> padding = keras_padding(xs, pads, kernel, strides, dilations);
  if (n.attr_int("ceil_mode", 0) != 0) {
    // Extra end padding gives the ceil's extra output; as in PyTorch, a window may not start in the end padding.
    for (int i = 0; i < rank; ++i) {
      if (xs[2 + i] < 0) n.fail("ceil_mode needs a known spatial size");
      const int64_t span = (kernel[i] - 1) * dilations[i] + 1;
      const int64_t padded = xs[2 + i] + pads[i] + pads[i + rank];
      int64_t out = (padded - span + strides[i] - 1) / strides[i] + 1;
      if ((out - 1) * strides[i] >= xs[2 + i] + pads[i]) --out;
      pads[i + rank] += std::max<int64_t>((out - 1) * strides[i] + span - padded, 0);
    }
  }
  const bool extra_pads = n.attr_int("ceil_mode", 0) != 0;
  const bool dilated = std::any_of(dilations.begin(), dilations.end(), [](int64_t d) { return d != 1; });
  const bool keras_fits = padding && !extra_pads && !dilated && rank <= 3 && x.is_float() &&
                          !(kind == "average" && count_include_pad && *padding == Padding::same) &&
                          !(kind == "lp" && *padding == Padding::same);
  if (keras_fits && n.output_count() == 1) {
    const PoolingOptions o{.pool_size = dims(kernel),
                           .strides = dims(strides),
                           .padding = *padding,
                           .data_format = DataFormat::channels_first};
    Layer layer;
    if (kind == "max") layer = rank == 1 ? MaxPooling1D(o) : rank == 2 ? MaxPooling2D(o) : MaxPooling3D(o);
    if (kind == "average") {
      layer = rank == 1 ? AveragePooling1D(o) : rank == 2 ? AveragePooling2D(o) : AveragePooling3D(o);
    }
    if (kind == "lp") layer = rank == 1 ? L2Pooling1D(o) : rank == 2 ? L2Pooling2D(o) : L2Pooling3D(o);
    n.set_output(0, n.emit_layer(layer, {&x}));
    return;
  }
  const nlohmann::json attributes = {{"kind", kind},       {"kernel_shape", kernel},
                                     {"strides", strides}, {"dilations", dilations},
                                     {"pads", pads},       {"count_include_pad", count_include_pad ? 1 : 0}};
  n.set_output(0, n.emit_onnx("Pool", attributes, {&x}));
  if (n.output_used(1)) {
    if (dilated || rank != 2) n.fail("the indices output is supported for 2-D pooling without dilations only");
    n.set_output(
        1, n.emit_onnx("MaxPoolIndices", with(attributes, {{"storage_order", n.attr_int("storage_order", 0)}}), {&x}));
  }
}

void convert_global_pool(NodeContext& n, PoolKind kind) {
  const ImportedValue& x = n.required(0);
  const int rank = x.shape().rank() - 2;
  if (rank >= 1 && rank <= 3 && x.is_float()) {
    const GlobalPoolingOptions o{.data_format = DataFormat::channels_first, .keepdims = true};
    Layer layer;
    if (kind == PoolKind::max) {
      layer = rank == 1 ? GlobalMaxPooling1D(o) : rank == 2 ? GlobalMaxPooling2D(o) : GlobalMaxPooling3D(o);
    } else {
      layer = rank == 1 ? GlobalAveragePooling1D(o) : rank == 2 ? GlobalAveragePooling2D(o) : GlobalAveragePooling3D(o);
    }
    n.set_output(0, n.emit_layer(layer, {&x}));
    return;
  }
  n.set_output(0, n.emit_onnx("GlobalPool", {{"kind", kind == PoolKind::max ? "max" : "average"}}, {&x}));
}

void convert_batch_norm(NodeContext& n) {
  const ImportedValue& x = n.required(0);
  std::vector<const ImportedValue*> operands{&x, &n.required(1), &n.required(2), &n.required(3), &n.required(4)};
  const double epsilon = n.attr_float("epsilon", 1e-5);
  const double momentum = n.attr_float("momentum", 0.9);
  const bool training = n.attr_int("training_mode", 0) != 0;
  const std::vector<std::string> names{"", "scale", "B", "mean", "var"};
  if (training) {
    for (int out = 0; out < 3; ++out) {
      if (!n.output_used(out)) continue;
      const nlohmann::json attributes = {
          {"epsilon", epsilon}, {"momentum", momentum}, {"training_mode", 1}, {"output", out}};
      n.set_output(out, n.emit_onnx("BatchNormalization", attributes, operands, names));
    }
    return;
  }
  bool constant = true;
  for (size_t i = 1; i < operands.size(); ++i) constant = constant && operands[i]->is_constant();
  if (constant && x.shape().rank() >= 2 && x.is_float()) {
    const Layer layer = BatchNormalization({.axis = 1, .momentum = momentum, .epsilon = epsilon});
    n.set_output(
        0, n.emit_layer(layer, {&x},
                        {operands[1]->constant, operands[2]->constant, operands[3]->constant, operands[4]->constant}));
    return;
  }
  n.set_output(0, n.emit_onnx("BatchNormalization", {{"epsilon", epsilon}, {"momentum", momentum}}, operands, names));
}

void convert_gemm(NodeContext& n) {
  const ImportedValue& a = n.required(0);
  const ImportedValue& b = n.required(1);
  const ImportedValue* c = n.input(2);
  const double alpha = n.attr_float("alpha", 1.0);
  const double beta = n.attr_float("beta", 1.0);
  const bool trans_a = n.attr_int("transA", 0) != 0;
  const bool trans_b = n.attr_int("transB", 0) != 0;
  const nlohmann::json attributes = {
      {"alpha", alpha}, {"beta", beta}, {"transA", trans_a ? 1 : 0}, {"transB", trans_b ? 1 : 0}};
  if (!trans_a && !a.is_constant() && a.shape().rank() == 2 && b.is_constant() && b.shape().rank() == 2 &&
      (!c || c->is_constant()) && a.is_float()) {
    Tensor kernel = b.constant.to(DType::f32);
    if (trans_b) kernel = run_onnx_kernel("Transpose", {{"perm", {1, 0}}}, {kernel}, false);
    const int64_t units = kernel.dim(1);
    bool bias_fits = !c;
    Tensor bias;
    if (c) {
      const Shape cs = c->constant.shape();
      bias_fits =
          cs.numel() == 1 || (cs.rank() == 1 && cs[0] == units) || (cs.rank() == 2 && cs[0] == 1 && cs[1] == units);
      if (bias_fits) {
        bias = add(Tensor::zeros(Shape{units}),
                   reshape(c->constant.to(DType::f32), cs.numel() == 1 ? Shape{1} : Shape{units}));
        if (beta != 1.0) bias = bias * beta;
      }
    }
    if (bias_fits) {
      if (alpha != 1.0) kernel = kernel * alpha;
      const Layer layer = Dense({.units = units, .use_bias = c != nullptr});
      std::vector<Tensor> weights{kernel};
      if (c) weights.push_back(bias);
      n.set_output(0, n.emit_layer(layer, {&a}, weights));
      return;
    }
  }
  n.set_output(0, n.emit_onnx("Gemm", attributes, {&a, &b, c}, {"A", "B", "C"}));
}

void convert_matmul(NodeContext& n) {
  const ImportedValue& a = n.required(0);
  const ImportedValue& b = n.required(1);
  if (!a.is_constant() && a.shape().rank() >= 2 && b.is_constant() && b.shape().rank() == 2 && a.is_float()) {
    const Layer layer = Dense({.units = b.shape()[1], .use_bias = false});
    n.set_output(0, n.emit_layer(layer, {&a}, {b.constant}));
    return;
  }
  n.set_output(0, n.emit_onnx("MatMul", nlohmann::json::object(), {&a, &b}, {"A", "B"}));
}

void convert_dropout(NodeContext& n) {
  const ImportedValue& x = n.required(0);
  const double ratio = n.number(1, "ratio").value_or(0.5);
  if (x.is_float() && !x.is_constant()) {
    n.set_output(0, n.emit_layer(Dropout({.rate = ratio}), {&x}));
  } else {
    n.set_output(0, x);
  }
  if (n.output_used(1)) n.set_output(1, n.emit_onnx("Dropout", {{"mask", 1}}, {&x}));
}

void convert_lrn(NodeContext& n) {
  const ImportedValue& x = n.required(0);
  const int64_t size = n.attr_int("size", 1);
  const double alpha = n.attr_float("alpha", 1e-4);
  const double beta = n.attr_float("beta", 0.75);
  const double bias = n.attr_float("bias", 1.0);
  if (x.is_float() && !x.is_constant()) {
    const Layer layer = LocalResponseNormalization(
        {.size = size, .alpha = alpha, .beta = beta, .bias = bias, .data_format = DataFormat::channels_first});
    n.set_output(0, n.emit_layer(layer, {&x}));
    return;
  }
  n.set_output(0, n.emit_onnx("LRN", {{"size", size}, {"alpha", alpha}, {"beta", beta}, {"bias", bias}}, {&x}));
}

void convert_instance_norm(NodeContext& n) {
  n.set_output(0, n.emit_onnx("InstanceNormalization", {{"epsilon", n.attr_float("epsilon", 1e-5)}},
                              {&n.required(0), &n.required(1), &n.required(2)}, {"", "scale", "B"}));
}

}  // namespace

void add_nn_converters(std::map<std::string, Converter>& t) {
  t["Conv"] = convert_conv;
  t["ConvTranspose"] = convert_conv_transpose;
  t["MaxPool"] = [](NodeContext& n) { convert_pool(n, "max"); };
  t["AveragePool"] = [](NodeContext& n) { convert_pool(n, "average"); };
  t["LpPool"] = [](NodeContext& n) { convert_pool(n, "lp"); };
  t["GlobalMaxPool"] = [](NodeContext& n) { convert_global_pool(n, PoolKind::max); };
  t["GlobalAveragePool"] = [](NodeContext& n) { convert_global_pool(n, PoolKind::average); };
  t["BatchNormalization"] = convert_batch_norm;
  t["InstanceNormalization"] = convert_instance_norm;
  t["LRN"] = convert_lrn;
  t["Gemm"] = convert_gemm;
  t["MatMul"] = convert_matmul;
  t["Dropout"] = convert_dropout;
}

}  // namespace fovea::onnx_detail
