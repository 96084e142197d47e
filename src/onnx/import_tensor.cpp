// Converters for ONNX's elementwise, activation and shape operators. Shape computations (Shape, Gather, Unsqueeze,
// Concat, Cast ... as PyTorch exports x.view(x.size(0), -1)) fold into constants at import time; the batch size
// travels through them as a masked element and becomes Reshape's "copy this dimension" (0).
#include <algorithm>
#include <cfloat>

#include "fovea/layers/activations.h"
#include "fovea/layers/merging.h"
#include "fovea/layers/reshaping.h"
#include "onnx/import_context.h"
#include "onnx/layers/onnx_kernels.h"
#include "onnx/proto_io.h"

namespace fovea::onnx_detail {
namespace {

using Ints = std::vector<int64_t>;

bool runtime_float(const ImportedValue& v) { return !v.is_constant() && v.is_float(); }

// ---- activations ----

void convert_activation(NodeContext& n, const Activation& f) {
  const ImportedValue& x = n.required(0);
  if (runtime_float(x)) {
    n.set_output(0, n.emit_layer(ActivationLayer({.activation = f}), {&x}));
  } else {
    n.set_output(
        0, n.emit_onnx("Unary", {{"fn", std::string(activation_name(f.kind))}, {"alpha", f.alpha}, {"beta", f.beta}},
                       {&x}));
  }
}

void convert_relu(NodeContext& n) {
  const ImportedValue& x = n.required(0);
  if (runtime_float(x)) return n.set_output(0, n.emit_layer(ReLU(), {&x}));
  n.set_output(0, n.emit_onnx("Unary", {{"fn", "relu"}}, {&x}));
}

void convert_leaky_relu(NodeContext& n) {
  const ImportedValue& x = n.required(0);
  const double alpha = n.attr_float("alpha", 0.01);
  if (runtime_float(x)) return n.set_output(0, n.emit_layer(LeakyReLU({.negative_slope = alpha}), {&x}));
  n.set_output(0, n.emit_onnx("Unary", {{"fn", "leaky_relu"}, {"alpha", alpha}}, {&x}));
}

void convert_elu(NodeContext& n) {
  const ImportedValue& x = n.required(0);
  const double alpha = n.attr_float("alpha", 1.0);
  if (runtime_float(x)) return n.set_output(0, n.emit_layer(ELU({.alpha = alpha}), {&x}));
  n.set_output(0, n.emit_onnx("Unary", {{"fn", "elu"}, {"alpha", alpha}}, {&x}));
}

void convert_selu(NodeContext& n) {
  const double alpha = n.attr_float("alpha", 1.67326319217681884765625);
  const double gamma = n.attr_float("gamma", 1.05070102214813232421875);
  const ImportedValue& x = n.required(0);
  if (runtime_float(x) && std::abs(alpha - 1.67326319217681884765625) < 1e-6 &&
      std::abs(gamma - 1.05070102214813232421875) < 1e-6) {
    return n.set_output(0, n.emit_layer(ActivationLayer({.activation = ActivationKind::selu}), {&x}));
  }
  n.set_output(0, n.emit_onnx("Unary", {{"fn", "selu"}, {"alpha", alpha}, {"gamma", gamma}}, {&x}));
}

void convert_prelu_with(NodeContext& n, const ImportedValue& x, const ImportedValue& slope);

// PReLU with Keras's layer when the slope is one value per position of some non-batch axes (shared elsewhere).
void convert_prelu(NodeContext& n) {
  const ImportedValue& x = n.required(0);
  const ImportedValue& slope = n.required(1);
  const Shape xs = x.shape();
  const Shape ss = slope.shape();
  if (n.opset() < 7 && slope.is_constant() && ss.rank() == 1 && ss[0] > 1 && xs.rank() >= 2 && ss[0] == xs[1]) {
    // Before opset 7 a 1-D slope holds one value per channel (axis 1).
    Shape per_channel{ss[0]};
    for (int d = 2; d < xs.rank(); ++d) per_channel.push_back(1);
    ImportedValue reshaped = slope;
    reshaped.constant = slope.constant.view(per_channel);
    return convert_prelu_with(n, x, reshaped);
  }
  convert_prelu_with(n, x, slope);
}

void convert_prelu_with(NodeContext& n, const ImportedValue& x, const ImportedValue& slope) {
  const Shape xs = x.shape();
  const Shape ss = slope.shape();
  if (runtime_float(x) && slope.is_constant() && xs.rank() >= 2 && ss.rank() <= xs.rank()) {
    // The slope's shape right-aligned against the input's.
    Shape aligned = Shape::filled(xs.rank() - ss.rank(), 1);
    for (int64_t d : ss) aligned.push_back(d);
    bool fits = aligned[0] == 1;
    Dims shared;
    Shape alpha_shape;
    for (int d = 1; d < xs.rank() && fits; ++d) {
      if (aligned[d] == 1 && xs[d] != 1) {
        shared.push_back(d);
        alpha_shape.push_back(1);
      } else {
        fits = aligned[d] == xs[d] && xs[d] > 0;
        alpha_shape.push_back(xs[d]);
      }
    }
    if (fits) {
      const Tensor alpha = slope.constant.to(DType::f32).view(alpha_shape);
      return n.set_output(0, n.emit_layer(PReLU({.shared_axes = shared}), {&x}, {alpha}));
    }
  }
  n.set_output(0, n.emit_onnx("PRelu", nlohmann::json::object(), {&x, &slope}, {"", "slope"}));
}

void convert_clip(NodeContext& n) {
  const ImportedValue& x = n.required(0);
  const bool inputs = n.opset() >= 11;
  const double low = (inputs ? n.number(1, "min") : n.number(-1, "min")).value_or(-DBL_MAX);
  const double high = (inputs ? n.number(2, "max") : n.number(-1, "max")).value_or(DBL_MAX);
  if (runtime_float(x)) {
    // float32's limits stand for "no bound" (JSON has no infinity).
    const Activation f =
        Activation::clip(std::max(low, -static_cast<double>(FLT_MAX)), std::min(high, static_cast<double>(FLT_MAX)));
    return n.set_output(0, n.emit_layer(ActivationLayer({.activation = f}), {&x}));
  }
  nlohmann::json attributes = nlohmann::json::object();
  if (low > -DBL_MAX) attributes["min"] = low;
  if (high < DBL_MAX) attributes["max"] = high;
  n.set_output(0, n.emit_onnx("Clip", attributes, {&x}));
}

void convert_softmax(NodeContext& n, bool log) {
  const ImportedValue& x = n.required(0);
  const int rank = x.shape().rank();
  int64_t axis = n.attr_int("axis", n.opset() >= 13 ? -1 : 1);
  if (axis < 0) axis += rank;
  const bool coerce = n.opset() < 13;
  if (runtime_float(x) && axis == rank - 1 && rank >= 2) {
    const Layer layer =
        log ? ActivationLayer({.activation = ActivationKind::log_softmax}) : Softmax({.axis = static_cast<int>(axis)});
    return n.set_output(0, n.emit_layer(layer, {&x}));
  }
  n.set_output(
      0, n.emit_onnx("Softmax", {{"fn", log ? "log_softmax" : "softmax"}, {"axis", axis}, {"coerce", coerce ? 1 : 0}},
                     {&x}));
}

void convert_unary(NodeContext& n, const std::string& fn) {
  n.set_output(0, n.emit_onnx("Unary", {{"fn", fn}}, {&n.required(0)}));
}

// ---- arithmetic ----

void convert_binary(NodeContext& n, const std::string& kind) {
  const ImportedValue& a = n.required(0);
  const ImportedValue& b = n.required(1);
  if (n.opset() < 7 && n.attr_int("broadcast", 0) != 0 && n.has("axis")) {
    // Legacy broadcasting: b's axes line up with a's from axis on.
    const int64_t axis = n.attr_int("axis", 0);
    const Shape bs = b.shape();
    const int trailing = a.shape().rank() - static_cast<int>(axis) - bs.rank();
    if (trailing > 0 && b.is_constant()) {
      Shape s = bs;
      for (int i = 0; i < trailing; ++i) s.push_back(1);
      ImportedValue reshaped = b;
      reshaped.constant = b.constant.view(s);
      return n.set_output(0, n.emit_onnx("Binary", {{"kind", kind}}, {&a, &reshaped}, {"", "B"}));
    }
  }
  const bool has_keras_layer = kind == "add" || kind == "sub" || kind == "mul" || kind == "max" || kind == "min";
  if (!a.is_constant() && !b.is_constant() && a.is_float() && b.is_float() && a.shape() == b.shape() &&
      a.shape().rank() >= 1 && has_keras_layer) {
    const Layer layer = kind == "add"   ? Add()
                        : kind == "sub" ? Subtract()
                        : kind == "mul" ? Multiply()
                        : kind == "max" ? Maximum()
                                        : Minimum();
    return n.set_output(0, n.emit_layer(layer, {&a, &b}));
  }
  n.set_output(0, n.emit_onnx("Binary", {{"kind", kind}}, {&a, &b}, {"A", "B"}));
}

void convert_variadic(NodeContext& n, const std::string& kind) {
  std::vector<const ImportedValue*> operands;
  for (int i = 0; i < n.input_count(); ++i) operands.push_back(&n.required(i));
  if (operands.size() == 1) return n.set_output(0, *operands[0]);
  const bool same_runtime_floats = std::all_of(operands.begin(), operands.end(), [&](const ImportedValue* v) {
    return runtime_float(*v) && v->shape() == operands[0]->shape() && v->shape().rank() >= 1;
  });
  if (kind == "mean" && same_runtime_floats) return n.set_output(0, n.emit_layer(Average(), operands));
  if (operands.size() == 2 && kind != "mean") return convert_binary(n, kind);
  n.set_output(0, n.emit_onnx("Variadic", {{"kind", kind}}, operands));
}

// ---- shapes ----

void convert_flatten(NodeContext& n) {
  const ImportedValue& x = n.required(0);
  int64_t axis = n.attr_int("axis", 1);
  if (axis < 0) axis += x.shape().rank();
  if (!x.is_constant() && axis == 1 && x.shape().rank() >= 2) return n.set_output(0, n.emit_layer(Flatten(), {&x}));
  n.set_output(0, n.emit_onnx("Flatten", {{"axis", axis}}, {&x}));
}

void convert_reshape(NodeContext& n) {
  const ImportedValue& x = n.required(0);
  const bool allowzero = n.attr_int("allowzero", 0) != 0;
  Ints target;
  if (n.opset() < 5) {
    target = n.attr_ints("shape");
  } else {
    const ImportedValue& shape = n.required(1);
    if (!shape.is_constant()) n.fail("the target shape must be known when importing; it is computed at run time");
    for (double v : shape.constant.to_vector()) target.push_back(static_cast<int64_t>(v));
    if (shape.batch_mask.defined()) {
      // The batch size, taken from the input at run time: ONNX's 0 copies the input's dimension.
      const std::vector<double> mask = shape.batch_mask.to_vector();
      for (size_t i = 0; i < mask.size(); ++i) {
        if (mask[i] == 0) continue;
        if (i != 0 || allowzero || x.is_constant() || x.shape().rank() == 0 || x.shape()[0] >= 0) {
          n.fail("the target shape uses the batch size at position " + std::to_string(i) +
                 "; only the first dimension can follow the input's batch");
        }
        target[i] = 0;
      }
    }
  }
  const Shape xs = x.shape();
  // Keras's Reshape keeps the batch axis: usable when the target's first entry is the input's batch dimension.
  if (!x.is_constant() && !allowzero && !target.empty() && xs.rank() >= 1 && x.is_float()) {
    bool keeps_batch = target[0] == 0 || (xs[0] > 0 && target[0] == xs[0]);
    Shape rest;
    int inferred = 0;
    for (size_t i = 1; i < target.size() && keeps_batch; ++i) {
      int64_t d = target[i];
      if (d == 0) d = static_cast<int>(i) < xs.rank() ? xs[static_cast<int>(i)] : -2;
      if (d == -1) ++inferred;
      keeps_batch = d >= 1 || d == -1;
      rest.push_back(d);
    }
    if (keeps_batch && inferred <= 1) {
      try {
        return n.set_output(0, n.emit_layer(Reshape({.target_shape = rest}), {&x}));
      } catch (const Error&) {
        // The element counts do not fit per sample: ONNX's reshape across the batch axis below.
      }
    }
  }
  n.set_output(0, n.emit_onnx("Reshape", {{"shape", target}, {"allowzero", allowzero ? 1 : 0}}, {&x}));
}

void convert_transpose(NodeContext& n) {
  const ImportedValue& x = n.required(0);
  Ints perm = n.attr_ints("perm");
  const int rank = x.shape().rank();
  if (perm.empty()) {
    for (int d = rank - 1; d >= 0; --d) perm.push_back(d);
  }
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  bool permutation = static_cast<int>(perm.size()) == rank;
  for (const int64_t axis : perm) {
    permutation = permutation && axis >= 0 && axis < rank && !seen[static_cast<size_t>(axis)];
    if (permutation) seen[static_cast<size_t>(axis)] = true;
  }
  if (!permutation) {
    std::string given;
    for (const int64_t axis : perm) given += (given.empty() ? "" : ", ") + std::to_string(axis);
    n.fail(detail::concat("perm must order the ", rank, " axes of its input, each once; got [", given, "]"));
  }
  if (!x.is_constant() && rank >= 2 && perm[0] == 0) {
    bool identity = true;
    for (int d = 0; d < rank; ++d) identity = identity && perm[d] == d;
    if (identity) return n.set_output(0, x);
    return n.set_output(0, n.emit_layer(Permute({.dims = Dims(perm.begin() + 1, perm.end())}), {&x}));
  }
  n.set_output(0, n.emit_onnx("Transpose", {{"perm", perm}}, {&x}));
}

void convert_concat(NodeContext& n) {
  std::vector<const ImportedValue*> operands;
  bool runtime_floats = true;
  for (int i = 0; i < n.input_count(); ++i) {
    const ImportedValue* v = n.input(i);
    if (!v) continue;
    operands.push_back(v);
    runtime_floats = runtime_floats && runtime_float(*v);
  }
  if (operands.empty()) n.fail("needs at least one input");
  const int rank = operands[0]->shape().rank();
  int64_t axis = n.attr_int("axis", 1);
  if (axis < 0) axis += rank;
  if (operands.size() == 1) return n.set_output(0, *operands[0]);
  if (runtime_floats && axis != 0) {
    return n.set_output(0, n.emit_layer(Concatenate({.axis = static_cast<int>(axis)}), operands));
  }
  n.set_output(0, n.emit_onnx("Concat", {{"axis", axis}}, operands));
}

void convert_squeeze(NodeContext& n, bool unsqueeze) {
  const ImportedValue& x = n.required(0);
  const std::optional<Ints> axes = n.ints(n.opset() >= 13 ? 1 : -1, "axes");
  nlohmann::json attributes = nlohmann::json::object();
  if (axes) attributes["axes"] = *axes;
  n.set_output(0, n.emit_onnx(unsqueeze ? "Unsqueeze" : "Squeeze", attributes, {&x}));
}

void convert_gather(NodeContext& n) {
  const ImportedValue& data = n.required(0);
  const ImportedValue& indices = n.required(1);
  const int64_t axis = n.attr_int("axis", 0);
  if (indices.is_constant() && !data.is_constant()) {
    // Constant indices go into the attributes (exact integers), the data is the layer's input.
    std::vector<int64_t> values;
    for (double v : indices.constant.to_vector()) values.push_back(static_cast<int64_t>(v));
    const nlohmann::json attributes = {
        {"axis", axis},
        {"indices", values},
        {"indices_shape", Ints(indices.constant.shape().begin(), indices.constant.shape().end())}};
    return n.set_output(0, n.emit_onnx("Gather", attributes, {&data}));
  }
  n.set_output(0, n.emit_onnx("Gather", {{"axis", axis}}, {&data, &indices}, {"data", ""}));
}

void convert_slice(NodeContext& n) {
  const ImportedValue& x = n.required(0);
  nlohmann::json attributes = nlohmann::json::object();
  const bool inputs = n.opset() >= 10;
  const std::optional<Ints> starts = n.ints(inputs ? 1 : -1, "starts");
  const std::optional<Ints> ends = n.ints(inputs ? 2 : -1, "ends");
  const std::optional<Ints> axes = n.ints(inputs ? 3 : -1, "axes");
  const std::optional<Ints> steps = n.ints(inputs ? 4 : -1, "steps");
  if (!starts || !ends) n.fail("needs starts and ends");
  attributes["starts"] = *starts;
  // INT64_MAX-like ends ("to the end") stay exact in JSON.
  attributes["ends"] = *ends;
  if (axes) attributes["axes"] = *axes;
  if (steps) attributes["steps"] = *steps;
  n.set_output(0, n.emit_onnx("Slice", attributes, {&x}));
}

void convert_split(NodeContext& n) {
  const ImportedValue& x = n.required(0);
  const Shape xs = x.shape();
  int64_t axis = n.attr_int("axis", 0);
  if (axis < 0) axis += xs.rank();
  std::optional<Ints> split = n.ints(n.opset() >= 13 ? 1 : -1, "split");
  if (!split) {
    if (xs[static_cast<int>(axis)] < 0) n.fail("splitting the batch axis needs split sizes");
    const int64_t parts = n.output_count();
    split = Ints(parts, xs[static_cast<int>(axis)] / parts);
  }
  int64_t start = 0;
  for (int i = 0; i < n.output_count(); ++i) {
    const int64_t size = (*split)[i];
    n.set_output(i, n.emit_onnx("Slice", {{"starts", {start}}, {"ends", {start + size}}, {"axes", {axis}}}, {&x}));
    start += size;
  }
}

void convert_pad(NodeContext& n) {
  const ImportedValue& x = n.required(0);
  const std::string mode = n.attr_string("mode", "constant");
  const bool inputs = n.opset() >= 11;
  const std::optional<Ints> pads = n.ints(inputs ? 1 : -1, inputs ? "pads" : (n.has("pads") ? "pads" : "paddings"));
  if (!pads) n.fail("needs pads");
  const double value = (inputs ? n.number(2, "constant_value") : n.number(-1, "value")).value_or(0.0);
  const Shape xs = x.shape();
  const int rank = xs.rank();
  if (static_cast<int>(pads->size()) != 2 * rank) n.fail("needs 2 * rank pads");
  const Ints& p = *pads;
  bool zero_padding = mode == "constant" && value == 0.0 && rank >= 3 && rank <= 5 && runtime_float(x) && p[0] == 0 &&
                      p[1] == 0 && p[rank] == 0 && p[rank + 1] == 0;
  std::vector<std::pair<int64_t, int64_t>> sides;
  for (int d = 2; d < rank && zero_padding; ++d) {
    zero_padding = p[d] >= 0 && p[d + rank] >= 0;
    sides.push_back({p[d], p[d + rank]});
  }
  if (zero_padding) {
    const ZeroPaddingOptions o{.padding = SpatialSides(sides), .data_format = DataFormat::channels_first};
    const Layer layer = rank == 3 ? ZeroPadding1D(o) : rank == 4 ? ZeroPadding2D(o) : ZeroPadding3D(o);
    return n.set_output(0, n.emit_layer(layer, {&x}));
  }
  n.set_output(0, n.emit_onnx("Pad", {{"mode", mode}, {"pads", p}, {"value", value}}, {&x}));
}

void convert_tile(NodeContext& n) {
  const std::optional<Ints> repeats = n.ints(1, "repeats");
  if (!repeats) n.fail("needs repeats");
  n.set_output(0, n.emit_onnx("Tile", {{"repeats", *repeats}}, {&n.required(0)}));
}

void convert_reduce(NodeContext& n, const std::string& kind) {
  const bool axes_input = n.op() == "ReduceSum" ? n.opset() >= 13 : n.opset() >= 18;
  const std::optional<Ints> axes = n.ints(axes_input ? 1 : -1, "axes");
  nlohmann::json attributes = {{"kind", kind}, {"keepdims", n.attr_int("keepdims", 1)}};
  if (axes) attributes["axes"] = *axes;
  n.set_output(0, n.emit_onnx("Reduce", attributes, {&n.required(0)}));
}

// ---- values ----

void convert_constant(NodeContext& n) {
  ImportedValue v;
  if (const onnx::AttributeProto* a = n.attribute("value")) {
    v.constant = tensor_from_proto(a->t(), n.describe() + " value");
  } else if (const onnx::AttributeProto* f = n.attribute("value_float")) {
    v.constant = Tensor::scalar(f->f());
  } else if (const onnx::AttributeProto* fs = n.attribute("value_floats")) {
    v.constant =
        Tensor::from_vector(Shape{fs->floats_size()}, std::vector<float>(fs->floats().begin(), fs->floats().end()));
  } else if (const onnx::AttributeProto* i = n.attribute("value_int")) {
    v.constant = Tensor::scalar(static_cast<double>(i->i()), DType::i64);
  } else if (const onnx::AttributeProto* is = n.attribute("value_ints")) {
    v.constant = Tensor::from_vector(Shape{is->ints_size()}, std::vector<double>(is->ints().begin(), is->ints().end()),
                                     DType::i64);
  } else {
    n.fail("needs a value, value_float(s) or value_int(s) attribute");
  }
  v.dtype = v.constant.dtype();
  n.set_output(0, v);
}

// Shape of a run-time value: its static shape, with the batch size masked (only known at run time).
void convert_shape(NodeContext& n) {
  const ImportedValue& x = n.required(0);
  const Shape s = x.shape();
  int64_t start = n.attr_int("start", 0);
  int64_t end = n.attr_int("end", s.rank());
  if (start < 0) start += s.rank();
  if (end < 0) end += s.rank();
  start = std::clamp<int64_t>(start, 0, s.rank());
  end = std::clamp<int64_t>(end, start, s.rank());
  std::vector<double> dims, mask;
  bool any = false;
  for (int64_t d = start; d < end; ++d) {
    const int64_t size = s[static_cast<int>(d)];
    if (size < 0 && (d != 0 || x.is_constant())) n.fail("dimension " + std::to_string(d) + " is not known");
    dims.push_back(size < 0 ? 1.0 : static_cast<double>(size));
    mask.push_back(size < 0 ? 1.0 : 0.0);
    any = any || size < 0;
  }
  ImportedValue v;
  const Shape out{static_cast<int64_t>(dims.size())};
  v.constant = Tensor::from_vector(out, dims, DType::i64);
  if (any) v.batch_mask = Tensor::from_vector(out, mask, DType::i64);
  v.dtype = DType::i64;
  n.set_output(0, v);
}

void convert_cast(NodeContext& n) {
  const ImportedValue& x = n.required(0);
  const DType to = dtype_of_onnx_type(n.attr_int("to", 1));
  if (!x.is_constant() && to == x.dtype) return n.set_output(0, x);
  ImportedValue out = n.emit_onnx("Cast", {{"to", n.attr_int("to", 1)}}, {&x});
  out.dtype = to;
  n.set_output(0, out);
}

}  // namespace

void add_tensor_converters(std::map<std::string, Converter>& t) {
  t["Relu"] = convert_relu;
  t["LeakyRelu"] = convert_leaky_relu;
  t["Elu"] = convert_elu;
  t["Selu"] = convert_selu;
  t["PRelu"] = convert_prelu;
  t["Sigmoid"] = [](NodeContext& n) { convert_activation(n, ActivationKind::sigmoid); };
  t["Tanh"] = [](NodeContext& n) { convert_activation(n, ActivationKind::tanh); };
  t["Softplus"] = [](NodeContext& n) { convert_activation(n, ActivationKind::softplus); };
  t["Softsign"] = [](NodeContext& n) { convert_activation(n, ActivationKind::softsign); };
  t["Exp"] = [](NodeContext& n) { convert_activation(n, ActivationKind::exponential); };
  t["Log"] = [](NodeContext& n) { convert_activation(n, ActivationKind::log); };
  t["Sqrt"] = [](NodeContext& n) { convert_activation(n, ActivationKind::sqrt); };
  t["Abs"] = [](NodeContext& n) { convert_activation(n, ActivationKind::abs); };
  t["HardSigmoid"] = [](NodeContext& n) {
    convert_activation(n, Activation::hard_sigmoid(n.attr_float("alpha", 0.2), n.attr_float("beta", 0.5)));
  };
  t["Celu"] = [](NodeContext& n) {
    n.set_output(0, n.emit_onnx("Unary", {{"fn", "celu"}, {"alpha", n.attr_float("alpha", 1.0)}}, {&n.required(0)}));
  };
  t["ThresholdedRelu"] = [](NodeContext& n) {
    n.set_output(
        0, n.emit_onnx("Unary", {{"fn", "thresholded_relu"}, {"alpha", n.attr_float("alpha", 1.0)}}, {&n.required(0)}));
  };
  t["HardSwish"] = [](NodeContext& n) { convert_unary(n, "hard_swish"); };
  t["Neg"] = [](NodeContext& n) { convert_unary(n, "neg"); };
  t["Reciprocal"] = [](NodeContext& n) { convert_unary(n, "reciprocal"); };
  t["Identity"] = [](NodeContext& n) { n.set_output(0, n.required(0)); };
  t["Clip"] = convert_clip;
  t["Softmax"] = [](NodeContext& n) { convert_softmax(n, false); };
  t["LogSoftmax"] = [](NodeContext& n) { convert_softmax(n, true); };
  t["Add"] = [](NodeContext& n) { convert_binary(n, "add"); };
  t["Sub"] = [](NodeContext& n) { convert_binary(n, "sub"); };
  t["Mul"] = [](NodeContext& n) { convert_binary(n, "mul"); };
  t["Div"] = [](NodeContext& n) { convert_binary(n, "div"); };
  t["Pow"] = [](NodeContext& n) { convert_binary(n, "pow"); };
  t["Max"] = [](NodeContext& n) { convert_variadic(n, "max"); };
  t["Min"] = [](NodeContext& n) { convert_variadic(n, "min"); };
  t["Sum"] = [](NodeContext& n) { convert_variadic(n, "add"); };
  t["Mean"] = [](NodeContext& n) { convert_variadic(n, "mean"); };
  t["Erf"] = [](NodeContext& n) { convert_unary(n, "erf"); };
  t["Less"] = [](NodeContext& n) { convert_binary(n, "less"); };
  t["Greater"] = [](NodeContext& n) { convert_binary(n, "greater"); };
  t["Equal"] = [](NodeContext& n) { convert_binary(n, "equal"); };
  t["Where"] = [](NodeContext& n) {
    n.set_output(0, n.emit_onnx("Where", nlohmann::json::object(), {&n.required(0), &n.required(1), &n.required(2)}));
  };
  t["Flatten"] = convert_flatten;
  t["Reshape"] = convert_reshape;
  t["Transpose"] = convert_transpose;
  t["Concat"] = convert_concat;
  t["Squeeze"] = [](NodeContext& n) { convert_squeeze(n, false); };
  t["Unsqueeze"] = [](NodeContext& n) { convert_squeeze(n, true); };
  t["Gather"] = convert_gather;
  t["Slice"] = convert_slice;
  t["Split"] = convert_split;
  t["Pad"] = convert_pad;
  t["Tile"] = convert_tile;
  t["ReduceMean"] = [](NodeContext& n) { convert_reduce(n, "mean"); };
  t["ReduceSum"] = [](NodeContext& n) { convert_reduce(n, "sum"); };
  t["ReduceMax"] = [](NodeContext& n) { convert_reduce(n, "max"); };
  t["ReduceMin"] = [](NodeContext& n) { convert_reduce(n, "min"); };
  t["Constant"] = convert_constant;
  t["Shape"] = convert_shape;
  t["Cast"] = convert_cast;
}

}  // namespace fovea::onnx_detail
