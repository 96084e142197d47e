// Sequential: a list of layers that becomes a functional graph once the input shape is known.
#include "fovea/core/error.h"
#include "fovea/layers/input_layer.h"
#include "fovea/models/model.h"

namespace fovea {

Sequential::Sequential(const std::vector<Layer>& layers, const std::string& name) {
  name_ = name.empty() ? "sequential" : name;
  is_sequential_ = true;
  for (const Layer& l : layers) add(l);
}

void Sequential::add(const Layer& layer) {
  FOVEA_CHECK(layer.ptr() != nullptr, ValueError, "Sequential '", name_, "': cannot add an empty Layer handle");
  Layer named = layer;
  assign_name(named);
  if (layer.as<InputLayerImpl>()) {
    FOVEA_CHECK(inputs_.empty() && pending_.empty(), ValueError, "Sequential '", name_,
                "': an Input layer can only come first");
    SymbolicTensor x = input_tensor(named);
    set_graph({x}, {x});
    return;
  }
  if (inputs_.empty()) {
    layers_.push_back(named);
    pending_.push_back(named);
    return;
  }
  SymbolicTensor y = named(outputs_.back());
  set_graph(inputs_, {y});
}

void Sequential::build(const Shape& input_shape) {
  FOVEA_CHECK(inputs_.empty(), ValueError, "Sequential '", name_, "' is already built");
  std::vector<Layer> layers = std::move(pending_);
  pending_.clear();
  layers_.clear();
  Layer input = InputLayer(input_shape);
  add(input);
  for (const Layer& l : layers) add(l);
}

std::vector<Tensor> Sequential::call(const std::vector<Tensor>& inputs, bool training) {
  if (inputs_.empty()) {
    FOVEA_CHECK(inputs.size() == 1 && inputs[0].rank() >= 1, ValueError, "Sequential '", name_,
                "' takes one input with a batch dimension");
    const Shape& s = inputs[0].shape();
    build(Shape(s.begin() + 1, s.end()));
  }
  return Model::call(inputs, training);
}

}  // namespace fovea
