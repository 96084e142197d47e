// Training-time fusion for Model::call: a BatchNormalization that normalizes with batch statistics (training, layer
// trainable) and whose only reader is a plain ReLU Activation layer runs as one batch_norm_relu op at the ReLU's
// node (one oneDNN kernel forward and one backward instead of four passes over the activations).
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "fovea/layers/layer.h"

namespace fovea::model_detail {

// The fusable pairs of a graph (nodes in topological order): ReLU node -> its batch norm node.
std::unordered_map<const GraphNode*, const GraphNode*> find_bn_relu_pairs(
    const std::vector<std::shared_ptr<GraphNode>>& nodes, const std::vector<SymbolicTensor>& outputs);

// The ReLU node's output for the batch norm's input x, in training mode.
Tensor run_bn_relu(const GraphNode& bn, const Tensor& x);

}  // namespace fovea::model_detail
