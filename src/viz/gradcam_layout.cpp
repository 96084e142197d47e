// Layout inference over a model's graph: fixed points from the layers that declare one, propagated both ways.
#include "viz/gradcam_layout.h"

#include <array>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace fovea::viz::gradcam_detail {
namespace {

enum class Role { batch, channel, space };
using Roles = std::array<Role, 4>;
using Perm = std::array<int, 4>;

Roles roles_of(Layout layout) {
  if (layout == Layout::channels_last) return {Role::batch, Role::space, Role::space, Role::channel};
  return {Role::batch, Role::channel, Role::space, Role::space};
}

std::optional<Layout> layout_of(const Roles& roles) {
  if (roles == roles_of(Layout::channels_last)) return Layout::channels_last;
  if (roles == roles_of(Layout::channels_first)) return Layout::channels_first;
  return std::nullopt;
}

// What one layer says about the layout of its 4-D inputs and outputs.
struct LayerFacts {
  std::optional<Layout> declared;  // reads and writes this layout (a convolution's data_format, ...)
  std::optional<Perm> perm;        // a transpose: output axis i is input axis perm[i]
};

LayerFacts facts_of(const LayerImpl& layer) {
  LayerFacts f;
  const std::string cls = layer.class_name();
  const nlohmann::json config = layer.config();
  if (const auto it = config.find("data_format"); it != config.end() && it->is_string()) {
    const std::string name = it->get<std::string>();
    if (name == "channels_last") f.declared = Layout::channels_last;
    if (name == "channels_first") f.declared = Layout::channels_first;
    return f;
  }
  if (cls == "BatchNormalization") {
    const auto it = config.find("axis");
    if (it != config.end() && it->is_number_integer()) {
      const int axis = it->get<int>();
      if (axis == 1) f.declared = Layout::channels_first;
      if (axis == 3 || axis == -1) f.declared = Layout::channels_last;
    }
    return f;
  }
  // ONNX's spatial operators are NCHW by definition.
  static const std::set<std::string> kOnnxChannelsFirst = {
      "OnnxConv",      "OnnxConvTranspose", "OnnxPool", "OnnxGlobalPool", "OnnxMaxPoolIndices",
      "OnnxBatchNormalization", "OnnxInstanceNormalization", "OnnxLRN"};
  if (kOnnxChannelsFirst.count(cls)) {
    f.declared = Layout::channels_first;
    return f;
  }
  std::vector<int> perm;
  if (cls == "OnnxTranspose") {
    const nlohmann::json attributes = config.value("attributes", nlohmann::json::object());
    if (attributes.contains("perm") && attributes["perm"].is_array()) perm = attributes["perm"].get<std::vector<int>>();
  } else if (cls == "Permute" && config.contains("dims") && config["dims"].is_array()) {
    perm.push_back(0);  // Keras counts the non-batch axes from 1
    for (const int d : config["dims"].get<std::vector<int>>()) perm.push_back(d);
  }
  if (perm.size() == 4) f.perm = Perm{perm[0], perm[1], perm[2], perm[3]};
  return f;
}

std::optional<Layout> forward_through(const Perm& perm, Layout in) {
  const Roles r = roles_of(in);
  Roles out{};
  for (int i = 0; i < 4; ++i) {
    if (perm[static_cast<size_t>(i)] < 0 || perm[static_cast<size_t>(i)] > 3) return std::nullopt;
    out[static_cast<size_t>(i)] = r[static_cast<size_t>(perm[static_cast<size_t>(i)])];
  }
  return layout_of(out);
}

std::optional<Layout> backward_through(const Perm& perm, Layout out) {
  const Roles r = roles_of(out);
  Roles in{};
  for (int i = 0; i < 4; ++i) {
    if (perm[static_cast<size_t>(i)] < 0 || perm[static_cast<size_t>(i)] > 3) return std::nullopt;
    in[static_cast<size_t>(perm[static_cast<size_t>(i)])] = r[static_cast<size_t>(i)];
  }
  return layout_of(in);
}

}  // namespace

std::unordered_map<const GraphNode*, Layout> infer_layouts(const Model& model) {
  const auto& nodes = model.nodes();
  std::unordered_map<const GraphNode*, LayerFacts> facts;
  for (const auto& n : nodes) facts[n.get()] = facts_of(*n->layer);
  auto spatial = [](const GraphNode* n) { return n->output_shape.rank() == 4; };

  std::unordered_map<const GraphNode*, Layout> known;
  auto learn = [&](const GraphNode* n, std::optional<Layout> layout) {
    if (!layout || !spatial(n) || known.count(n)) return false;
    known[n] = *layout;
    return true;
  };
  // Each round settles at least one node or ends: at most as many rounds as nodes.
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& node : nodes) {
      const GraphNode* n = node.get();
      const LayerFacts& f = facts.at(n);
      if (f.declared) {
        changed |= learn(n, f.declared);
        continue;
      }
      for (const SymbolicTensor& in : n->inputs) {
        const auto it = known.find(in.node().get());
        if (it == known.end()) continue;
        changed |= learn(n, f.perm ? forward_through(*f.perm, it->second) : std::optional<Layout>(it->second));
        break;
      }
    }
    for (auto node = nodes.rbegin(); node != nodes.rend(); ++node) {
      const GraphNode* n = node->get();
      const LayerFacts& f = facts.at(n);
      std::optional<Layout> in_layout = f.declared;
      if (!in_layout) {
        const auto it = known.find(n);
        if (it != known.end()) in_layout = f.perm ? backward_through(*f.perm, it->second) : it->second;
      }
      for (const SymbolicTensor& in : n->inputs) changed |= learn(in.node().get(), in_layout);
    }
  }
  for (const auto& n : nodes) {
    if (spatial(n.get()) && !known.count(n.get())) known[n.get()] = Layout::channels_last;
  }
  return known;
}

}  // namespace fovea::viz::gradcam_detail
