// OnnxLayerImpl: ONNX nodes as fovea layers (see onnx_layer.h).
#include "onnx/layers/onnx_layer.h"

#include <mutex>

#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/io/onnx.h"
#include "fovea/layers/initializers.h"
#include "onnx/layers/onnx_kernels.h"

namespace fovea::onnx_detail {
namespace {

// The kernels a saved layer may name (each is a class "Onnx<kernel>").
const char* const kLayerKernels[] = {"BatchNormalization",
                                     "Binary",
                                     "Cast",
                                     "Clip",
                                     "Concat",
                                     "Constant",
                                     "Conv",
                                     "ConvTranspose",
                                     "Dropout",
                                     "Flatten",
                                     "Gather",
                                     "Gemm",
                                     "GlobalPool",
                                     "InstanceNormalization",
                                     "LRN",
                                     "MatMul",
                                     "MaxPoolIndices",
                                     "Pad",
                                     "Pool",
                                     "PRelu",
                                     "Reduce",
                                     "Reshape",
                                     "Slice",
                                     "Softmax",
                                     "Squeeze",
                                     "Tile",
                                     "Transpose",
                                     "Unary",
                                     "Unsqueeze",
                                     "Variadic"};

}  // namespace

OnnxLayerImpl::OnnxLayerImpl(std::string op, nlohmann::json attributes, std::vector<OnnxOperand> operands)
    : op_(std::move(op)), attributes_(std::move(attributes)), operands_(std::move(operands)) {
  FOVEA_CHECK(has_onnx_kernel(op_), ValueError, "Onnx layer: no ONNX kernel named '", op_, "'");
  for (const OnnxOperand& o : operands_) {
    if (o.kind == OnnxOperand::Kind::input) inputs_ = std::max(inputs_, o.input + 1);
  }
}

Tensor OnnxLayerImpl::run(const std::vector<Tensor>& inputs, const std::vector<Tensor>& weights, bool training) const {
  std::vector<Tensor> operands;
  size_t next_weight = 0;
  for (const OnnxOperand& o : operands_) {
    switch (o.kind) {
      case OnnxOperand::Kind::input:
        operands.push_back(inputs[o.input]);
        break;
      case OnnxOperand::Kind::weight:
        operands.push_back(weights[next_weight++]);
        break;
      case OnnxOperand::Kind::constant:
        operands.push_back(o.value);
        break;
      case OnnxOperand::Kind::absent:
        operands.push_back(Tensor());
        break;
    }
  }
  while (!operands.empty() && !operands.back().defined()) operands.pop_back();
  return run_onnx_kernel(op_, attributes_, operands, training);
}

Shape OnnxLayerImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  std::vector<Tensor> weights;
  for (const OnnxOperand& o : operands_) {
    if (o.kind == OnnxOperand::Kind::weight) weights.push_back(Tensor::zeros(o.shape));
  }
  // Probes a free dimension with two sizes; output dimensions that differ between them are free too.
  auto probe = [&](int64_t free_size) {
    std::vector<Tensor> zeros;
    for (const Shape& s : inputs) {
      Shape concrete = s;
      for (int64_t& d : concrete) d = d < 0 ? free_size : d;
      zeros.push_back(Tensor::zeros(concrete));
    }
    const autograd::NoGradGuard no_grad;
    return run(zeros, weights, false).shape();
  };
  bool has_free = false;
  for (const Shape& s : inputs) {
    for (int64_t d : s) has_free = has_free || d < 0;
  }
  try {
    Shape first = probe(2);
    if (!has_free) return first;
    const Shape second = probe(3);
    FOVEA_CHECK(first.rank() == second.rank(), ShapeError, "the output rank depends on the batch size");
    for (int d = 0; d < first.rank(); ++d) {
      if (first[d] != second[d]) first[d] = -1;
    }
    return first;
  } catch (const Error& e) {
    std::string shapes;
    for (const Shape& s : inputs) shapes += (shapes.empty() ? "" : ", ") + s.to_string(true);
    throw ShapeError(describe() + " cannot take inputs of shape " + shapes + ": " + e.what());
  }
}

void OnnxLayerImpl::build(const std::vector<Shape>&) {
  for (const OnnxOperand& o : operands_) {
    if (o.kind != OnnxOperand::Kind::weight) continue;
    int64_t fan = 1;
    for (int d = 1; d < o.shape.rank(); ++d) fan *= o.shape[d];
    add_weight(o.weight, o.shape, initializers::Zeros(), {static_cast<double>(fan), static_cast<double>(fan)},
               o.trainable);
  }
}

Tensor OnnxLayerImpl::call(const std::vector<Tensor>& inputs, bool training) {
  std::vector<Tensor> weights;
  for (const Weight& w : this->weights()) weights.push_back(w.value);
  return run(inputs, weights, training);
}

void OnnxLayerImpl::set_weight_value(const std::string& name, const Tensor& value) {
  Weight& w = weight(name);
  FOVEA_CHECK(w.value.shape() == value.shape(), ShapeError, describe(), ": weight '", name, "' has shape ",
              w.value.shape().to_string(), " but the value has ", value.shape().to_string());
  w.value.copy_(value);
}

nlohmann::json OnnxLayerImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["attributes"] = attributes_;
  nlohmann::json operands = nlohmann::json::array();
  for (const OnnxOperand& o : operands_) {
    switch (o.kind) {
      case OnnxOperand::Kind::input:
        operands.push_back({{"input", o.input}});
        break;
      case OnnxOperand::Kind::weight:
        operands.push_back({{"weight", o.weight},
                            {"shape", dims_to_json(Dims(o.shape.begin(), o.shape.end()))},
                            {"trainable", o.trainable}});
        break;
      case OnnxOperand::Kind::constant:
        operands.push_back({{"constant", o.value.to_vector()},
                            {"shape", dims_to_json(Dims(o.value.shape().begin(), o.value.shape().end()))},
                            {"dtype", std::string(dtype_name(o.value.dtype()))}});
        break;
      case OnnxOperand::Kind::absent:
        operands.push_back(nullptr);
        break;
    }
  }
  c["operands"] = operands;
  return c;
}

Layer OnnxLayerImpl::from_config(const ConfigReader& c) {
  // The class name is "Onnx<kernel>"; where() ends with "(OnnxConv)".
  const std::string& where = c.where();
  const size_t open = where.rfind("(Onnx");
  FOVEA_CHECK(open != std::string::npos, ValueError, where, ": not an Onnx layer class");
  const std::string op = where.substr(open + 5, where.size() - open - 6);
  const nlohmann::json* attributes = c.raw("attributes");
  const nlohmann::json* list = c.raw("operands");
  if (!list || !list->is_array())
    c.fail("operands", "a list of {\"input\": i} or {\"weight\": name, \"shape\": [...]}");
  std::vector<OnnxOperand> operands;
  try {
    for (const nlohmann::json& o : *list) {
      OnnxOperand operand;
      if (o.is_null()) {
        operand.kind = OnnxOperand::Kind::absent;
      } else if (o.contains("constant")) {
        operand.kind = OnnxOperand::Kind::constant;
        const std::string type = o["dtype"].get<std::string>();
        DType dtype = DType::i64;
        for (DType t : {DType::f32, DType::f64, DType::i32, DType::i64, DType::u8}) {
          if (dtype_name(t) == type) dtype = t;
        }
        Shape shape;
        for (int64_t d : o["shape"].get<std::vector<int64_t>>()) shape.push_back(d);
        operand.value = Tensor::from_vector(shape, o["constant"].get<std::vector<double>>(), dtype);
      } else if (o.contains("input")) {
        operand.kind = OnnxOperand::Kind::input;
        operand.input = o["input"].get<int>();
      } else {
        operand.kind = OnnxOperand::Kind::weight;
        operand.weight = o["weight"].get<std::string>();
        for (int64_t d : o["shape"].get<std::vector<int64_t>>()) operand.shape.push_back(d);
        operand.trainable = o.value("trainable", true);
      }
      operands.push_back(operand);
    }
  } catch (const nlohmann::json::exception&) {
    c.fail("operands", "a list of {\"input\": i} or {\"weight\": name, \"shape\": [...]}");
  }
  try {
    return make_layer<OnnxLayerImpl>(op, attributes ? *attributes : nlohmann::json::object(), operands);
  } catch (const ValueError& e) {
    throw ValueError(where + ": " + e.what());
  }
}

}  // namespace fovea::onnx_detail

namespace fovea {

// The registry of layer classes is the layers layer's, which knows nothing of ONNX: the ONNX layers register
// themselves from here, explicitly. A static initializer would not do: fovea is a static library, and the linker
// leaves this object file out, initializer and all, of programs that call nothing in it.
void register_onnx_layers() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (const char* kernel : onnx_detail::kLayerKernels) {
      register_layer_class(std::string("Onnx") + kernel, &onnx_detail::OnnxLayerImpl::from_config);
    }
  });
}

}  // namespace fovea
