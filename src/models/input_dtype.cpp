// Model inputs of other dtypes than float32: cast, passed to the preprocessing layers, or refused with the fix.
#include "models/input_dtype.h"

#include "fovea/core/error.h"

namespace fovea::model_detail {
namespace {

bool is_integer(DType t) { return t == DType::u8 || t == DType::i32 || t == DType::i64; }

// The dtype of the model's first weight: the dtype its layers compute in (none: the data's own).
bool has_float32_weights(const std::vector<Layer>& layers) {
  for (const Layer& l : layers) {
    for (const Weight& w : l->weights()) {
      if (w.value.defined()) return w.value.dtype() == DType::f32;
    }
  }
  return false;
}

}  // namespace

Tensor conform_input_dtype(const Tensor& x, const SymbolicTensor& input, const std::string& model_name,
                           const std::vector<std::shared_ptr<GraphNode>>& nodes, const std::vector<Layer>& layers) {
  if (x.dtype() == DType::f32) return x;
  // The first layer that takes only floats: the others (preprocessing, ONNX operators) take every dtype as it is.
  const GraphNode* float_only = nullptr;
  for (const auto& node : nodes) {
    for (const SymbolicTensor& in : node->inputs) {
      if (!float_only && in.node() == input.node() && !node->layer->accepts_integer_input()) float_only = node.get();
    }
  }
  if (!float_only) return x;
  if (x.dtype() == DType::f64) return has_float32_weights(layers) ? x.to(DType::f32) : x;
  if (is_integer(x.dtype())) {
    const Layer& layer = float_only->layer;
    throw ValueError(detail::concat(
        "model '", model_name, "': input '", input.node()->layer->name(), "' holds ", dtype_name(x.dtype()),
        " data but its first layer, ", layer->class_name(), " '", layer->name(),
        "', takes float32; put a Rescaling (e.g. Rescaling({.scale = 1.0 / 255})) or Normalization layer first "
        "to convert stored pixels inside the model, or pass x.to(DType::f32)"));
  }
  return x;
}

}  // namespace fovea::model_detail
