// Inference-time fusion for Model::call: a convolution whose output feeds only a BatchNormalization (which may in
// turn feed only an Activation layer, or only an Add with one other input, a residual shortcut, which may feed only
// an Activation layer) runs as one convolution, with the batch norm folded into its kernel and bias, the shortcut
// added as it writes its output and the activation fused as a post-op. Batch norm in inference mode is an affine
// map per channel, so
//   bn(conv(x, W) + b) = conv(x, W * s) + (b - mean) * s + beta,   s = gamma / sqrt(var + epsilon),
// which saves a pass over the activations for the batch norm and one for the activation. Used only when nothing is
// trained or recorded (training false, no gradient recording): the folded weights are derived values outside
// autograd. They are cached on the kernel's storage and remade when any weight involved changes (Storage::version).
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "fovea/layers/layer.h"
#include "models/pad_folding.h"

namespace fovea::model_detail {

struct ConvBnChain {
  const GraphNode* conv = nullptr;
  const GraphNode* bn = nullptr;
  const GraphNode* add = nullptr;         // an Add of the batch norm's output and `shortcut`, or null
  const GraphNode* shortcut = nullptr;    // the Add's other input
  const GraphNode* activation = nullptr;  // null: the last output is used otherwise (or is a model output)

  const GraphNode* last() const { return activation != nullptr ? activation : add != nullptr ? add : bn; }
  // The nodes whose outputs the chain makes unnecessary: all but the last.
  std::vector<const GraphNode*> inner() const;
};

// The fusable chains of a graph (nodes in topological order), keyed by their last node: the chain runs there, when
// the shortcut is ready too. A chain's inner outputs are neither model outputs nor read by any other node, so
// skipping them changes nothing else.
std::unordered_map<const GraphNode*, ConvBnChain> find_conv_bn_chains(
    const std::vector<std::shared_ptr<GraphNode>>& nodes, const std::vector<SymbolicTensor>& outputs);

// The output of the chain's last node for the convolution's input x (the input of `pad` when the convolution
// absorbs a ZeroPadding, see pad_folding.h) and, for chains with an Add, the shortcut's value.
Tensor run_conv_bn_chain(const ConvBnChain& chain, const FoldedPad* pad, const Tensor& x, const Tensor& shortcut);

}  // namespace fovea::model_detail
