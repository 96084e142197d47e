// BatchNormalization -> ReLU fused for training (see bn_relu_fusion.h).
#include "models/bn_relu_fusion.h"

#include <string>

#include "fovea/layers/activations.h"
#include "fovea/layers/normalization.h"
#include "ops/batch_norm_relu.h"

namespace fovea::model_detail {
namespace {

Tensor weight_named(const LayerImpl& layer, const std::string& name) {
  for (const Weight& w : layer.weights())
    if (w.name == name) return w.value;
  return Tensor();
}

}  // namespace

std::unordered_map<const GraphNode*, const GraphNode*> find_bn_relu_pairs(
    const std::vector<std::shared_ptr<GraphNode>>& nodes, const std::vector<SymbolicTensor>& outputs) {
  std::unordered_map<const GraphNode*, std::vector<const GraphNode*>> readers;
  for (const auto& node : nodes)
    for (const SymbolicTensor& in : node->inputs) readers[in.node().get()].push_back(node.get());
  for (const SymbolicTensor& out : outputs) readers[out.node().get()].push_back(nullptr);

  std::unordered_map<const GraphNode*, const GraphNode*> pairs;
  for (const auto& node : nodes) {
    const auto* bn = node->layer.as<BatchNormalizationImpl>();
    // A frozen batch norm normalizes with its moving statistics even in training: not this op.
    if (bn == nullptr || !bn->built() || !bn->trainable() || node->inputs.size() != 1) continue;
    const auto it = readers.find(node.get());
    if (it == readers.end() || it->second.size() != 1 || it->second[0] == nullptr) continue;
    const GraphNode* relu = it->second[0];
    const auto* act = relu->layer.as<ActivationLayerImpl>();
    if (act == nullptr || relu->inputs.size() != 1 || !(act->options().activation == Activation::relu())) continue;
    pairs.emplace(relu, node.get());
  }
  return pairs;
}

Tensor run_bn_relu(const GraphNode& bn_node, const Tensor& x) {
  const auto& bn = *bn_node.layer.as<BatchNormalizationImpl>();
  const BatchNormalizationOptions& o = bn.options();
  const BatchNormState state{.gamma = o.scale ? weight_named(bn, "gamma") : Tensor(),
                             .beta = o.center ? weight_named(bn, "beta") : Tensor(),
                             .running_mean = weight_named(bn, "moving_mean"),
                             .running_var = weight_named(bn, "moving_variance")};
  return detail::batch_norm_relu_training(
      x, state, {.training = true, .momentum = o.momentum, .epsilon = o.epsilon, .axis = o.axis});
}

}  // namespace fovea::model_detail
