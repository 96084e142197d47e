// ZeroPadding -> Conv folding (see pad_folding.h).
#include "models/pad_folding.h"

#include "fovea/layers/conv.h"
#include "fovea/layers/reshaping.h"

namespace fovea::model_detail {
namespace {

// The ZeroPadding layer of `node`, or null (Cropping shares the class).
const SpatialPadImpl* zero_padding(const GraphNode* node) {
  const auto* pad = node != nullptr ? node->layer.as<SpatialPadImpl>() : nullptr;
  return pad != nullptr && pad->class_name().rfind("ZeroPadding", 0) == 0 ? pad : nullptr;
}

}  // namespace

std::unordered_map<const GraphNode*, FoldedPad> find_foldable_pads(const std::vector<std::shared_ptr<GraphNode>>& nodes,
                                                                   const std::vector<SymbolicTensor>& outputs) {
  std::unordered_map<const GraphNode*, int> readers;
  for (const auto& node : nodes)
    for (const SymbolicTensor& in : node->inputs) ++readers[in.node().get()];
  for (const SymbolicTensor& out : outputs) ++readers[out.node().get()];

  std::unordered_map<const GraphNode*, FoldedPad> folds;
  for (const auto& node : nodes) {
    const auto* conv = node->layer.as<ConvImpl>();
    if (conv == nullptr || !conv->built() || node->inputs.size() != 1) continue;
    const ConvOptions& o = conv->options();
    // An activity regularizer reads the layer's own call; folding would bypass it.
    if (o.padding != Padding::valid || o.activity_regularizer) continue;
    const GraphNode* pad_node = node->inputs[0].node().get();
    const SpatialPadImpl* pad = zero_padding(pad_node);
    if (pad == nullptr || readers[pad_node] != 1 || pad_node->inputs.size() != 1 ||
        pad->data_format() != o.data_format || static_cast<int>(pad->sides().size()) != conv->rank())
      continue;
    FoldedPad fold{.pad = pad_node};
    for (const auto& [begin, end] : pad->sides()) {
      fold.begin.push_back(begin);
      fold.end.push_back(end);
    }
    folds.emplace(node.get(), fold);
  }
  return folds;
}

ConvArgs conv_layer_args(const GraphNode& conv, const FoldedPad* pad) {
  const ConvOptions& o = conv.layer.as<ConvImpl>()->options();
  ConvArgs args{.strides = o.strides,
                .padding = o.padding,
                .dilation = o.dilation_rate,
                .groups = o.groups,
                .layout = o.data_format,
                .activation = o.activation};
  if (pad != nullptr) {
    args.padding = Padding::explicit_;
    args.pads_begin = pad->begin;
    args.pads_end = pad->end;
  }
  return args;
}

Tensor run_padded_conv(const GraphNode& conv, const FoldedPad& pad, const Tensor& x) {
  const auto& layer = *conv.layer.as<ConvImpl>();
  const std::vector<Weight>& w = layer.weights();
  return fovea::conv(x, {w[0].value, layer.options().use_bias ? w[1].value : Tensor()}, conv_layer_args(conv, &pad));
}

}  // namespace fovea::model_detail
