// Functional models: graph collection, naming, execution and weight access.
#include "fovea/models/model.h"

#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/ops/math.h"
#include "models/bn_relu_fusion.h"
#include "models/inference_fusion.h"
#include "models/input_dtype.h"
#include "models/pad_folding.h"

namespace fovea {

Model::Model(const std::vector<SymbolicTensor>& inputs, const std::vector<SymbolicTensor>& outputs,
             const std::string& name)
    : name_(name.empty() ? "model" : name) {
  set_graph(inputs, outputs);
}

Model::Model(const SymbolicTensor& input, const SymbolicTensor& output, const std::string& name)
    : Model(std::vector<SymbolicTensor>{input}, std::vector<SymbolicTensor>{output}, name) {}

void Model::assign_name(Layer& layer) {
  std::set<std::string> taken;
  for (const Layer& l : layers_) {
    if (l.ptr() != layer.ptr()) taken.insert(l->name());
  }
  if (layer->name().empty()) {
    const std::string base = layer->default_name_base();
    std::string candidate = base;
    for (int i = 1; taken.count(candidate); ++i) candidate = base + "_" + std::to_string(i);
    layer->set_name(candidate);
  }
  FOVEA_CHECK(!taken.count(layer->name()), ValueError, "model '", name_, "': the layer name '", layer->name(),
              "' is used twice; layer names must be unique within a model");
}

void Model::set_graph(const std::vector<SymbolicTensor>& inputs, const std::vector<SymbolicTensor>& outputs) {
  FOVEA_CHECK(!inputs.empty() && !outputs.empty(), ValueError, "a model needs at least one input and one output");
  inputs_ = inputs;
  outputs_ = outputs;
  nodes_.clear();
  layers_.clear();
  std::unordered_set<GraphNode*> input_nodes;
  for (const SymbolicTensor& t : inputs) input_nodes.insert(t.node().get());

  // Depth-first post-order from the outputs gives a topological order.
  std::unordered_set<GraphNode*> done;
  std::vector<std::pair<std::shared_ptr<GraphNode>, size_t>> stack;
  for (const SymbolicTensor& out : outputs) {
    stack.push_back({out.node(), 0});
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (done.count(node.get())) {
        stack.pop_back();
        continue;
      }
      const bool is_input = input_nodes.count(node.get()) > 0;
      if (!is_input && next < node->inputs.size()) {
        stack.push_back({node->inputs[next++].node(), 0});
        continue;
      }
      FOVEA_CHECK(is_input || !node->inputs.empty(), ValueError, "model output depends on the Input '",
                  node->layer->name(), "' which is not among the model's inputs");
      done.insert(node.get());
      nodes_.push_back(node);
      stack.pop_back();
    }
  }
  // Inputs first, in the order given, as Keras lists them.
  std::stable_partition(nodes_.begin(), nodes_.end(),
                        [&](const auto& n) { return input_nodes.count(n.get()) > 0; });
  std::stable_sort(nodes_.begin(), nodes_.begin() + static_cast<long>(inputs.size()), [&](const auto& a, const auto& b) {
    auto pos = [&](const GraphNode* n) {
      for (size_t i = 0; i < inputs.size(); ++i) {
        if (inputs[i].node().get() == n) return i;
      }
      return inputs.size();
    };
    return pos(a.get()) < pos(b.get());
  });
  for (auto& node : nodes_) {
    bool seen = false;
    for (const Layer& l : layers_) seen = seen || l.ptr() == node->layer.ptr();
    if (seen) continue;
    Layer layer = node->layer;
    assign_name(layer);
    layers_.push_back(layer);
  }
}

Layer Model::get_layer(const std::string& name) const {
  for (const Layer& l : layers_) {
    if (l->name() == name) return l;
  }
  std::string names;
  for (const Layer& l : layers_) names += (names.empty() ? "" : ", ") + l->name();
  throw ValueError(detail::concat("model '", name_, "' has no layer named '", name, "'; its layers are: ", names));
}

Layer Model::get_layer(int index) const {
  const int n = static_cast<int>(layers_.size());
  FOVEA_CHECK(index >= -n && index < n, ValueError, "model '", name_, "' has ", n, " layers; index ", index,
              " is out of range");
  return layers_[index < 0 ? index + n : index];
}

SymbolicTensor Model::layer_output(const std::string& layer_name) const {
  const Layer layer = get_layer(layer_name);  // ValueError listing the layers when absent
  for (const auto& node : nodes_) {
    if (node->layer.ptr() == layer.ptr()) return SymbolicTensor(node);
  }
  throw ValueError(detail::concat("model '", name_, "': layer '", layer_name, "' is not applied in the graph"));
}

SymbolicTensor Model::layer_output(int index) const { return layer_output(get_layer(index)->name()); }

namespace {

// The outputs of a batch of no samples: empty tensors of the shapes the layers compute from the inputs' shapes,
// without running a kernel (oneDNN divides by the batch size in places), as PyTorch gives for an empty batch.
std::vector<Tensor> empty_batch_outputs(const std::vector<std::shared_ptr<GraphNode>>& nodes,
                                        const std::vector<SymbolicTensor>& model_inputs,
                                        const std::vector<SymbolicTensor>& model_outputs,
                                        const std::vector<Tensor>& inputs) {
  std::unordered_map<const GraphNode*, Shape> shapes;
  for (size_t i = 0; i < inputs.size(); ++i) shapes[model_inputs[i].node().get()] = inputs[i].shape();
  for (const auto& node : nodes) {
    if (shapes.count(node.get())) continue;
    std::vector<Shape> in;
    for (const SymbolicTensor& x : node->inputs) in.push_back(shapes.at(x.node().get()));
    shapes[node.get()] = node->layer->compute_output_shape(in);
  }
  const DType dtype = inputs[0].dtype() == DType::f64 ? DType::f64 : DType::f32;
  std::vector<Tensor> out;
  for (const SymbolicTensor& o : model_outputs) out.push_back(Tensor::empty(shapes.at(o.node().get()), dtype));
  return out;
}

}  // namespace

std::vector<Tensor> Model::call(const std::vector<Tensor>& inputs, bool training) {
  return run(inputs, training, nullptr);
}

std::vector<Tensor> Model::call_with_hook(const std::vector<Tensor>& inputs, const LayerOutputHook& hook,
                                          bool training) {
  FOVEA_CHECK(!inputs_.empty(), ValueError, "model '", name_,
              "' has no input shape yet; build() it or call it once before call_with_hook");
  FOVEA_CHECK(static_cast<bool>(hook), ValueError, "model '", name_, "': call_with_hook needs a hook");
  return run(inputs, training, &hook);
}

std::vector<Tensor> Model::run(const std::vector<Tensor>& inputs, bool training, const LayerOutputHook* hook) {
  FOVEA_CHECK(inputs.size() == inputs_.size(), ValueError, "model '", name_, "' takes ", inputs_.size(),
              " inputs but ", inputs.size(), " were given");
  std::unordered_map<const GraphNode*, Tensor> values;
  bool empty_batch = false;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Shape& expected = inputs_[i].shape();
    const Shape& got = inputs[i].shape();
    bool fits = expected.rank() == got.rank();
    for (int d = 1; fits && d < got.rank(); ++d) fits = expected[d] < 0 || expected[d] == got[d];
    FOVEA_CHECK(fits, ShapeError, "model '", name_, "': input '", inputs_[i].node()->layer->name(), "' expects shape ",
                expected.to_string(true), " but got ", got.to_string());
    values[inputs_[i].node().get()] = model_detail::conform_input_dtype(inputs[i], inputs_[i], name_, nodes_, layers_);
    empty_batch = empty_batch || got[0] == 0;
  }
  if (hook != nullptr && !empty_batch) {
    for (const SymbolicTensor& x : inputs_) {
      Tensor& value = values.at(x.node().get());
      value = (*hook)(*x.node(), value);
    }
  }
  if (empty_batch) {
    std::vector<Tensor> conformed;
    for (const SymbolicTensor& x : inputs_) conformed.push_back(values.at(x.node().get()));
    return empty_batch_outputs(nodes_, inputs_, outputs_, conformed);
  }
  // Convolutions absorb the ZeroPadding before them (training too); inference without gradients also folds conv ->
  // batch norm (-> add shortcut) (-> activation) chains into one convolution, run at the chain's last node. A hook
  // must see (and may replace) every layer's output, so nothing is fused for one.
  const bool fuse = hook == nullptr;
  std::unordered_map<const GraphNode*, model_detail::FoldedPad> pads;
  if (fuse) pads = model_detail::find_foldable_pads(nodes_, outputs_);
  std::unordered_set<const GraphNode*> fused_away;  // nodes whose outputs nobody reads any more
  for (const auto& [conv, pad] : pads) fused_away.insert(pad.pad);
  std::unordered_map<const GraphNode*, model_detail::ConvBnChain> chains;
  if (fuse && !training && !autograd::grad_enabled()) {
    chains = model_detail::find_conv_bn_chains(nodes_, outputs_);
    for (const auto& [last, chain] : chains)
      for (const GraphNode* inner : chain.inner()) fused_away.insert(inner);
  }
  // Training runs batch norm -> ReLU pairs as one op, at the ReLU's node.
  std::unordered_map<const GraphNode*, const GraphNode*> bn_relus;
  if (fuse && training) {
    bn_relus = model_detail::find_bn_relu_pairs(nodes_, outputs_);
    for (const auto& [relu, bn] : bn_relus) fused_away.insert(bn);
  }
  // A convolution's input: the ZeroPadding's input where it absorbs one.
  auto conv_input = [&](const GraphNode* conv, const model_detail::FoldedPad** pad) -> const Tensor& {
    const auto it = pads.find(conv);
    *pad = it != pads.end() ? &it->second : nullptr;
    const GraphNode* source = *pad != nullptr ? (*pad)->pad : conv;
    return values.at(source->inputs[0].node().get());
  };
  for (const auto& node : nodes_) {
    if (values.count(node.get()) || fused_away.count(node.get())) continue;
    const model_detail::FoldedPad* pad = nullptr;
    if (const auto chain = chains.find(node.get()); chain != chains.end()) {
      const model_detail::ConvBnChain& c = chain->second;
      const Tensor& x = conv_input(c.conv, &pad);
      values[node.get()] = model_detail::run_conv_bn_chain(c, pad, x, c.shortcut ? values.at(c.shortcut) : Tensor());
      continue;
    }
    if (const auto pair = bn_relus.find(node.get()); pair != bn_relus.end()) {
      const GraphNode& bn = *pair->second;
      values[node.get()] = model_detail::run_bn_relu(bn, values.at(bn.inputs[0].node().get()));
      continue;
    }
    if (pads.count(node.get())) {
      const Tensor& x = conv_input(node.get(), &pad);
      values[node.get()] = model_detail::run_padded_conv(*node, *pad, x);
      continue;
    }
    std::vector<Tensor> args;
    for (const SymbolicTensor& in : node->inputs) args.push_back(values.at(in.node().get()));
    Tensor y = node->layer->call(args, training);
    values[node.get()] = hook != nullptr ? (*hook)(*node, y) : std::move(y);
  }
  std::vector<Tensor> out;
  for (const SymbolicTensor& o : outputs_) out.push_back(values.at(o.node().get()));
  return out;
}

Tensor Model::operator()(const Tensor& input, bool training) {
  std::vector<Tensor> out = call({input}, training);
  FOVEA_CHECK(out.size() == 1, ValueError, "model '", name_, "' has ", out.size(),
              " outputs; use call() to get all of them");
  return out[0];
}

std::vector<Weight*> Model::weights() {
  std::vector<Weight*> out;
  for (Layer& l : layers_) {
    for (Weight& w : l->weights()) out.push_back(&w);
  }
  return out;
}

std::vector<Tensor> Model::trainable_weights() {
  std::vector<Tensor> out;
  for (Layer& l : layers_) {
    if (!l->trainable()) continue;
    for (Weight& w : l->weights()) {
      if (w.trainable) out.push_back(w.value);
    }
  }
  return out;
}

int64_t Model::count_params() const {
  int64_t n = 0;
  for (const Layer& l : layers_) n += l->count_params();
  return n;
}

int64_t Model::count_trainable_params() const {
  int64_t n = 0;
  for (const Layer& l : layers_) n += l->count_trainable_params();
  return n;
}

int64_t Model::count_non_trainable_params() const { return count_params() - count_trainable_params(); }

int64_t Model::count_macs() const {
  int64_t total = 0;
  for (const auto& node : nodes_) {
    if (node->inputs.empty()) continue;
    std::vector<Shape> in_shapes;
    for (const SymbolicTensor& t : node->inputs) in_shapes.push_back(t.shape());
    total += node->layer->macs(in_shapes, node->output_shape);
  }
  return total;
}

Tensor Model::regularization_loss() const {
  Tensor total;
  for (const Layer& l : layers_) {
    Tensor r = l->regularization_loss();
    if (r.defined()) total = total.defined() ? add(total, r) : r;
  }
  return total;
}

}  // namespace fovea
