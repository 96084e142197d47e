// InputLayer and Input().
#include "fovea/layers/input_layer.h"

#include <nlohmann/json.hpp>

#include "fovea/core/error.h"
#include "fovea/layers/layer_config.h"

namespace fovea {

InputLayerImpl::InputLayerImpl(const Shape& shape, int64_t batch_size) {
  FOVEA_CHECK(batch_size > 0 || batch_size == -1, ShapeError, "Input: batch_size must be positive (or -1 for any), got ",
              batch_size);
  batch_shape_.push_back(batch_size);
  for (int64_t d : shape) {
    FOVEA_CHECK(d > 0 || d == -1, ShapeError, "Input: dimensions must be positive (or -1 for any size), got ",
                shape.to_string());
    batch_shape_.push_back(d);
  }
  int64_t elements = 1;
  for (int64_t d : batch_shape_) {
    if (d < 0) continue;
    const std::optional<int64_t> product = checked_mul(elements, d);
    FOVEA_CHECK(product && checked_mul(*product, 8), ShapeError, "Input: shape ", shape.to_string(),
                " has more elements than fovea can index (at most 2^60)");
    elements = *product;
  }
}

Shape InputLayerImpl::compute_output_shape(const std::vector<Shape>&) const { return batch_shape_; }

Tensor InputLayerImpl::call(const std::vector<Tensor>& inputs, bool) {
  FOVEA_CHECK(inputs.size() == 1, ValueError, describe(), " passes exactly one tensor through");
  return inputs[0];
}

nlohmann::json InputLayerImpl::config() const {
  nlohmann::json shape = nlohmann::json::array();
  for (int64_t d : batch_shape_) shape.push_back(d < 0 ? nlohmann::json(nullptr) : nlohmann::json(d));
  return {{"batch_input_shape", shape}, {"dtype", "float32"}, {"name", name()}};
}

Layer InputLayer(const Shape& shape, const std::string& name, int64_t batch_size) {
  auto impl = std::make_shared<InputLayerImpl>(shape, batch_size);
  impl->set_name(name);
  return Layer(impl);
}

SymbolicTensor input_tensor(const Layer& input_layer) {
  auto* input = input_layer.as<InputLayerImpl>();
  FOVEA_CHECK(input != nullptr, ValueError, "input_tensor() needs an InputLayer, got ", input_layer->class_name());
  auto node = std::make_shared<GraphNode>();
  node->layer = input_layer;
  node->output_shape = input->batch_shape();
  return SymbolicTensor(node);
}

SymbolicTensor Input(const Shape& shape, const std::string& name, int64_t batch_size) {
  return input_tensor(InputLayer(shape, name, batch_size));
}

}  // namespace fovea

namespace fovea {

Layer InputLayerImpl::from_config(const ConfigReader& c) {
  // Keras writes the batch dimension (and any free dimension) as null.
  const nlohmann::json* shape = c.raw("batch_input_shape");
  if (!shape || !shape->is_array() || shape->empty()) c.fail("batch_input_shape", "a list like [null, 28, 28, 1]");
  Shape dims;
  const nlohmann::json& batch = (*shape)[0];
  if (!batch.is_null() && !batch.is_number_integer()) c.fail("batch_input_shape", "a list like [null, 28, 28, 1]");
  for (size_t i = 1; i < shape->size(); ++i) {
    const nlohmann::json& d = (*shape)[i];
    if (!d.is_null() && !d.is_number_integer()) c.fail("batch_input_shape", "a list like [null, 28, 28, 1]");
    dims.push_back(d.is_null() ? -1 : d.get<int64_t>());
  }
  return InputLayer(dims, "", batch.is_null() ? -1 : batch.get<int64_t>());
}

}  // namespace fovea
