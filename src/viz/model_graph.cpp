// model_to_dot: the layer graph as DOT text with HTML-like labels, in the look of Keras's plot_model.
#include "fovea/viz/model_graph.h"

#include <cctype>
#include <map>
#include <sstream>
#include <vector>

#include "viz/html_text.h"

namespace fovea::viz {
namespace {

// The graph's ID: letters, digits and underscores only, so it needs no quoting rules.
std::string graph_id(const std::string& name) {
  std::string out;
  for (const char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out.empty() ? "model" : out;
}

std::string joined_unique(const std::vector<std::string>& items, const std::string& separator) {
  std::vector<std::string> unique;
  for (const std::string& s : items) {
    bool seen = false;
    for (const std::string& u : unique) seen = seen || u == s;
    if (!seen) unique.push_back(s);
  }
  std::string out;
  for (const std::string& s : unique) out += (out.empty() ? "" : separator) + s;
  return out;
}

}  // namespace

std::string model_to_dot(const Model& model, const ModelGraphOptions& options) {
  FOVEA_CHECK(!model.nodes().empty(), ValueError, "model_to_dot: model '", model.name(),
              "' has no graph yet; build it (or call it once) first");
  // One DOT node per layer, numbered in the order of the model's layers; a shared layer's applications share it.
  std::map<const LayerImpl*, int> ids;
  for (const Layer& l : model.layers()) ids.emplace(l.ptr().get(), static_cast<int>(ids.size()));
  std::map<int, std::vector<std::string>> outputs;
  std::map<int, std::vector<std::string>> inputs;
  std::vector<std::pair<int, int>> edges;
  for (const auto& node : model.nodes()) {
    const int id = ids.emplace(node->layer.ptr().get(), static_cast<int>(ids.size())).first->second;
    outputs[id].push_back(node->output_shape.to_string(true));
    std::vector<std::string> in;
    for (const SymbolicTensor& x : node->inputs) {
      in.push_back(x.shape().to_string(true));
      edges.emplace_back(ids.emplace(x.node()->layer.ptr().get(), static_cast<int>(ids.size())).first->second, id);
    }
    std::string listed;
    for (const std::string& shape : in) listed += (listed.empty() ? "" : ", ") + shape;
    if (!in.empty()) inputs[id].push_back(in.size() == 1 ? listed : "[" + listed + "]");
  }
  std::map<int, const LayerImpl*> by_id;
  for (const auto& [layer, id] : ids) by_id[id] = layer;

  std::ostringstream dot;
  dot << "digraph " << graph_id(model.name()) << " {\n"
      << "  graph [rankdir=" << (options.rank_direction == RankDirection::LR ? "LR" : "TB")
      << ", nodesep=0.3, ranksep=0.35];\n"
      << "  node [shape=plaintext, fontname=\"Helvetica\", fontsize=11];\n"
      << "  edge [arrowsize=0.7];\n";
  for (const auto& [id, layer] : by_id) {
    std::string title = "<b>" + html_escape(layer->name()) + "</b>";
    if (options.show_layer_class) title += " : " + html_escape(layer->class_name());
    dot << "  n" << id << " [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" cellpadding=\"4\">"
        << "<tr><td colspan=\"2\" bgcolor=\"#dbe9f6\">" << title << "</td></tr>";
    if (options.show_input_shapes && inputs.count(id)) {
      dot << "<tr><td>input:</td><td>" << html_escape(joined_unique(inputs[id], " | ")) << "</td></tr>";
    }
    if (options.show_shapes && outputs.count(id)) {
      dot << "<tr><td>output:</td><td>" << html_escape(joined_unique(outputs[id], " | ")) << "</td></tr>";
    }
    dot << "</table>>];\n";
  }
  for (const auto& [from, to] : edges) dot << "  n" << from << " -> n" << to << ";\n";
  dot << "}\n";
  return dot.str();
}

}  // namespace fovea::viz
