// Conv -> BatchNormalization (-> Activation) chains folded into one convolution for inference.
#include "models/inference_fusion.h"

#include <cmath>
#include <string>
#include <unordered_set>

#include "fovea/layers/activations.h"
#include "fovea/layers/conv.h"
#include "fovea/layers/merging.h"
#include "fovea/layers/normalization.h"
#include "fovea/ops/conv.h"
#include "ops/residual_conv.h"

namespace fovea::model_detail {
namespace {

// The batch norm's weight of that name, or an undefined tensor (gamma without scale, beta without center).
Tensor bn_weight(LayerImpl& bn, const std::string& name) {
  for (const Weight& w : bn.weights())
    if (w.name == name) return w.value;
  return Tensor();
}

// Whether bn normalizes the channel axis of conv's output (rank dimensions, batch included).
bool same_channel_axis(const ConvImpl& conv, const BatchNormalizationImpl& bn, int rank) {
  const int axis = bn.options().axis < 0 ? bn.options().axis + rank : bn.options().axis;
  return axis == (conv.options().data_format == Layout::channels_last ? rank - 1 : 1);
}

// A convolution the fold can rewrite: a plain Conv1D/2D/3D, built, with no activation of its own (the batch norm
// must see the raw sums) and no activity regularizer (which would need the unfused output).
bool foldable_conv(const ConvImpl* conv) {
  return conv != nullptr && conv->built() && conv->options().activation.is_linear() &&
         !conv->options().activity_regularizer;
}

// The folded kernel and bias of one chain.
struct Folded {
  Tensor kernel, bias;
};

Folded fold(const ConvImpl& conv, LayerImpl& bn_layer, const BatchNormalizationImpl& bn) {
  const Tensor& w = conv.weights()[0].value;
  const Tensor b = conv.options().use_bias ? conv.weights()[1].value : Tensor();
  const Tensor gamma = bn_weight(bn_layer, "gamma"), beta = bn_weight(bn_layer, "beta");
  const Tensor mean = bn_weight(bn_layer, "moving_mean"), var = bn_weight(bn_layer, "moving_variance");
  // The fold is valid while none of its inputs changes: their version stamps (unique across storages, so they
  // name contents exactly) are the cache entry's sources; the kernel's own version is checked by derived().
  std::vector<uint64_t> sources;
  for (const Tensor* t : {&b, &gamma, &beta, &mean, &var}) {
    sources.push_back(t->defined() ? t->impl()->storage->version() : 0);
    sources.push_back(t->defined() ? t->impl()->offset_bytes : 0);
  }
  const std::string key = "bn_fold|" + std::to_string(w.impl()->offset_bytes) + '|' +
                          std::to_string(reinterpret_cast<uintptr_t>(&bn)) + '|' + std::to_string(bn.options().epsilon);
  auto folded = w.impl()->storage->derived<Folded>(key, sources, [&](const std::shared_ptr<Folded>&) {
    // In double, then rounded once to the weights' dtype.
    const int64_t channels = w.dim(0), per_channel = w.numel() / channels;
    const std::vector<double> wv = w.to_vector(), mv = mean.to_vector(), vv = var.to_vector();
    const std::vector<double> gv = gamma.defined() ? gamma.to_vector() : std::vector<double>(channels, 1.0);
    const std::vector<double> betav = beta.defined() ? beta.to_vector() : std::vector<double>(channels, 0.0);
    const std::vector<double> bv = b.defined() ? b.to_vector() : std::vector<double>(channels, 0.0);
    std::vector<double> kernel(wv.size()), bias(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; ++c) {
      const double s = gv[c] / std::sqrt(vv[c] + bn.options().epsilon);
      for (int64_t i = 0; i < per_channel; ++i) kernel[c * per_channel + i] = wv[c * per_channel + i] * s;
      bias[c] = (bv[c] - mv[c]) * s + betav[c];
    }
    return Folded{Tensor::from_vector(w.shape(), kernel, w.dtype()), Tensor::from_vector({channels}, bias, w.dtype())};
  });
  return *folded;
}

// The activation layer `node` if it is one the convolution can apply elementwise, otherwise null.
const GraphNode* elementwise_activation(const GraphNode* node) {
  const auto* act = node != nullptr ? node->layer.as<ActivationLayerImpl>() : nullptr;
  return act != nullptr && node->inputs.size() == 1 && !act->options().activation.is_axiswise() ? node : nullptr;
}

// The other input of `add` when it is a two-input Add of `bn`'s output and a different value of the same shape.
const GraphNode* residual_shortcut(const GraphNode* add, const GraphNode* bn) {
  const auto* merge = add != nullptr ? add->layer.as<MergeImpl>() : nullptr;
  if (merge == nullptr || merge->kind() != MergeKind::add || add->inputs.size() != 2) return nullptr;
  const SymbolicTensor& other = add->inputs[0].node().get() == bn ? add->inputs[1] : add->inputs[0];
  if (other.node().get() == bn || other.shape() != bn->output_shape) return nullptr;
  return other.node().get();
}

}  // namespace

std::vector<const GraphNode*> ConvBnChain::inner() const {
  std::vector<const GraphNode*> out{conv};
  for (const GraphNode* node : {bn, add})
    if (node != nullptr && node != last()) out.push_back(node);
  return out;
}

std::unordered_map<const GraphNode*, ConvBnChain> find_conv_bn_chains(
    const std::vector<std::shared_ptr<GraphNode>>& nodes, const std::vector<SymbolicTensor>& outputs) {
  // Who reads each node's output; model outputs count as a reader that is no node.
  std::unordered_map<const GraphNode*, std::vector<const GraphNode*>> readers;
  for (const auto& node : nodes)
    for (const SymbolicTensor& in : node->inputs) readers[in.node().get()].push_back(node.get());
  for (const SymbolicTensor& out : outputs) readers[out.node().get()].push_back(nullptr);
  auto only_reader = [&](const GraphNode* node) -> const GraphNode* {
    const auto it = readers.find(node);
    return it != readers.end() && it->second.size() == 1 ? it->second[0] : nullptr;
  };

  std::unordered_map<const GraphNode*, ConvBnChain> chains;
  std::unordered_set<const GraphNode*> claimed_adds;
  for (const auto& node : nodes) {
    const auto* conv = node->layer.as<ConvImpl>();
    if (!foldable_conv(conv) || node->inputs.size() != 1) continue;
    const GraphNode* bn_node = only_reader(node.get());
    const auto* bn = bn_node != nullptr ? bn_node->layer.as<BatchNormalizationImpl>() : nullptr;
    if (bn == nullptr || !bn->built() || bn_node->inputs.size() != 1 ||
        !same_channel_axis(*conv, *bn, node->output_shape.rank()))
      continue;
    ConvBnChain chain{.conv = node.get(), .bn = bn_node};
    const GraphNode* next = only_reader(bn_node);
    // Both inputs of an Add may end chains (a downsampling block's two branches); the first chain found takes it.
    const GraphNode* shortcut = residual_shortcut(next, bn_node);
    if (shortcut != nullptr && claimed_adds.insert(next).second) {
      chain.add = next;
      chain.shortcut = shortcut;
      next = only_reader(next);
    }
    chain.activation = elementwise_activation(next);
    chains.emplace(chain.last(), chain);
  }
  return chains;
}

Tensor run_conv_bn_chain(const ConvBnChain& chain, const FoldedPad* pad, const Tensor& x, const Tensor& shortcut) {
  const auto& conv = *chain.conv->layer.as<ConvImpl>();
  const auto& bn = *chain.bn->layer.as<BatchNormalizationImpl>();
  const Folded f = fold(conv, *chain.bn->layer, bn);
  ConvArgs args = conv_layer_args(*chain.conv, pad);
  args.activation = chain.activation != nullptr
                        ? chain.activation->layer.as<ActivationLayerImpl>()->options().activation
                        : Activation();
  if (chain.add != nullptr) return detail::conv_with_residual(x, {f.kernel, f.bias}, args, shortcut);
  return fovea::conv(x, {f.kernel, f.bias}, args);
}

}  // namespace fovea::model_detail
