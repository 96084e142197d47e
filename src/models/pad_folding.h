// ZeroPadding -> Conv folding for Model::call, in training as in inference: a ZeroPadding layer whose only reader
// is a convolution with 'valid' padding (how Keras-style models and the zoo's torchvision layouts write PyTorch's
// symmetric padding for strided convolutions) is skipped, and the convolution pads its input itself (explicit
// padding). The padded copy and its backward slice disappear, and the backend sees the padding as padding, so it
// can crop kernel taps that only ever meet it (a ResNet's stride-2 convolutions on small images).
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "fovea/layers/layer.h"
#include "fovea/ops/conv.h"

namespace fovea::model_detail {

struct FoldedPad {
  const GraphNode* pad = nullptr;  // the ZeroPadding node the convolution absorbs
  Dims begin, end;                 // its amounts per spatial axis
};

// The foldable pads of a graph (nodes in topological order), keyed by their convolution node.
std::unordered_map<const GraphNode*, FoldedPad> find_foldable_pads(const std::vector<std::shared_ptr<GraphNode>>& nodes,
                                                                   const std::vector<SymbolicTensor>& outputs);

// The convolution arguments of conv's layer, with pad's amounts as explicit padding when pad is given.
ConvArgs conv_layer_args(const GraphNode& conv, const FoldedPad* pad);

// The convolution node's output from the ZeroPadding's input x.
Tensor run_padded_conv(const GraphNode& conv, const FoldedPad& pad, const Tensor& x);

}  // namespace fovea::model_detail
