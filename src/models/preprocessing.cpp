// with_preprocessing: the same graph, re-applied to the output of new front layers.
#include "fovea/models/preprocessing.h"

#include <unordered_map>

#include "fovea/core/error.h"
#include "fovea/layers/input_layer.h"

namespace fovea {

std::shared_ptr<Model> with_preprocessing(const Model& model, const std::vector<Layer>& front) {
  FOVEA_CHECK(model.inputs().size() == 1, ValueError, "with_preprocessing: model '", model.name(), "' has ",
              model.inputs().size(), " inputs; expected one");
  const SymbolicTensor& old_input = model.inputs()[0];
  const Shape& batch_shape = old_input.shape();
  const Layer input = InputLayer(Shape(batch_shape.begin() + 1, batch_shape.end()));
  if (dynamic_cast<const Sequential*>(&model) != nullptr) {
    // Rebuilt from its layer list, so that its config stays a Sequential's.
    std::vector<Layer> layers = {input};
    layers.insert(layers.end(), front.begin(), front.end());
    for (const Layer& l : model.layers()) {
      if (!l.as<InputLayerImpl>()) layers.push_back(l);
    }
    return std::make_shared<Sequential>(layers, model.name());
  }
  const SymbolicTensor new_input = input_tensor(input);
  SymbolicTensor x = new_input;
  for (const Layer& l : front) x = l(x);
  // Every application of the graph again, in its topological order, on the new tensors.
  std::unordered_map<const GraphNode*, SymbolicTensor> applied = {{old_input.node().get(), x}};
  for (const auto& node : model.nodes()) {
    if (applied.count(node.get())) continue;
    std::vector<SymbolicTensor> inputs;
    for (const SymbolicTensor& in : node->inputs) inputs.push_back(applied.at(in.node().get()));
    applied[node.get()] = node->layer(inputs);
  }
  std::vector<SymbolicTensor> outputs;
  for (const SymbolicTensor& y : model.outputs()) outputs.push_back(applied.at(y.node().get()));
  return std::make_shared<Model>(std::vector<SymbolicTensor>{new_input}, outputs, model.name());
}

}  // namespace fovea
