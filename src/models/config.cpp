// Model <-> Keras-shaped JSON config.
#include "fovea/models/config.h"

#include <fstream>
#include <map>
#include <sstream>

#include "fovea/core/error.h"
#include "fovea/layers/input_layer.h"
#include "fovea/layers/layer_config.h"

namespace fovea {
namespace {

nlohmann::json layer_entry(const Layer& layer) {
  return {{"class_name", layer->class_name()}, {"config", layer->config()}};
}

// Runs fn and prefixes any fovea error with the place, keeping its type.
template <class Fn>
auto at_place(const std::string& where, Fn&& fn) {
  try {
    return fn();
  } catch (const ShapeError& e) {
    throw ShapeError(where + ": " + e.what());
  } catch (const ValueError& e) {
    if (std::string(e.what()).rfind(where, 0) == 0) throw;
    throw ValueError(where + ": " + e.what());
  }
}

const nlohmann::json& member(const nlohmann::json& object, const std::string& key, const std::string& where) {
  FOVEA_CHECK(object.is_object() && object.contains(key), ValueError, where, ": missing '", key, "'");
  return object.at(key);
}

std::shared_ptr<Model> sequential_from_config(const nlohmann::json& config, const std::string& where) {
  const nlohmann::json& layers = member(config, "layers", where + ".config");
  FOVEA_CHECK(layers.is_array(), ValueError, where, ".config: 'layers' must be a list");
  auto model = std::make_shared<Sequential>(std::vector<Layer>{}, config.value("name", "sequential"));
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string place = where + ": layers[" + std::to_string(i) + "]";
    const nlohmann::json& entry = layers[i];
    const std::string cls = member(entry, "class_name", place).get<std::string>();
    Layer layer = layer_from_config(cls, member(entry, "config", place), place);
    at_place(place + " (" + cls + ")", [&] {
      model->add(layer);
      return 0;
    });
  }
  return model;
}

std::shared_ptr<Model> functional_from_config(const nlohmann::json& config, const std::string& where) {
  const nlohmann::json& layers = member(config, "layers", where + ".config");
  FOVEA_CHECK(layers.is_array(), ValueError, where, ".config: 'layers' must be a list");
  std::map<std::string, std::vector<SymbolicTensor>> produced;  // layer name -> outputs per node
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string place = where + ": layers[" + std::to_string(i) + "]";
    const nlohmann::json& entry = layers[i];
    const std::string cls = member(entry, "class_name", place).get<std::string>();
    Layer layer = layer_from_config(cls, member(entry, "config", place), place);
    const std::string name = entry.value("name", layer->name());
    layer->set_name(name);
    if (layer.as<InputLayerImpl>()) {
      produced[name].push_back(input_tensor(layer));
      continue;
    }
    const nlohmann::json& nodes = member(entry, "inbound_nodes", place);
    for (size_t n = 0; n < nodes.size(); ++n) {
      std::vector<SymbolicTensor> inputs;
      for (const nlohmann::json& ref : nodes[n]) {
        FOVEA_CHECK(ref.is_array() && ref.size() >= 3 && ref[0].is_string(), ValueError, place,
                    ": inbound_nodes entries must look like [\"layer_name\", node_index, tensor_index, {}]");
        const std::string source = ref[0].get<std::string>();
        const size_t index = ref[1].get<size_t>();
        FOVEA_CHECK(produced.count(source) && index < produced[source].size(), ValueError, place, " (", cls, " '",
                    name, "'): input '", source, "' node ", index, " is not defined before this layer");
        inputs.push_back(produced[source][index]);
      }
      produced[name].push_back(at_place(place + " (" + cls + " '" + name + "')", [&] { return layer(inputs); }));
    }
  }
  auto endpoints = [&](const char* key) {
    std::vector<SymbolicTensor> out;
    for (const nlohmann::json& ref : member(config, key, where + ".config")) {
      const std::string source = ref.at(0).get<std::string>();
      const size_t index = ref.at(1).get<size_t>();
      FOVEA_CHECK(produced.count(source) && index < produced[source].size(), ValueError, where, ".config: '", key,
                  "' names '", source, "' node ", index, " which does not exist");
      out.push_back(produced[source][index]);
    }
    return out;
  };
  return std::make_shared<Model>(endpoints("input_layers"), endpoints("output_layers"), config.value("name", "model"));
}

}  // namespace

nlohmann::json Model::to_config() const {
  std::map<const LayerImpl*, int> node_counter;
  std::map<const GraphNode*, int> node_index;
  std::map<const LayerImpl*, nlohmann::json> inbound;
  for (const auto& node : nodes_) {
    node_index[node.get()] = node_counter[node->layer.ptr().get()]++;
    if (node->inputs.empty()) continue;
    nlohmann::json refs = nlohmann::json::array();
    for (const SymbolicTensor& t : node->inputs) {
      refs.push_back({t.node()->layer->name(), node_index[t.node().get()], 0, nlohmann::json::object()});
    }
    inbound[node->layer.ptr().get()].push_back(refs);
  }
  nlohmann::json layers = nlohmann::json::array();
  for (const Layer& layer : layers_) {
    nlohmann::json entry = layer_entry(layer);
    entry["name"] = layer->name();
    const auto it = inbound.find(layer.ptr().get());
    entry["inbound_nodes"] = it == inbound.end() ? nlohmann::json::array() : it->second;
    layers.push_back(entry);
  }
  auto endpoints = [&](const std::vector<SymbolicTensor>& ts) {
    nlohmann::json out = nlohmann::json::array();
    for (const SymbolicTensor& t : ts) out.push_back({t.node()->layer->name(), node_index[t.node().get()], 0});
    return out;
  };
  return {{"class_name", "Functional"},
          {"config",
           {{"name", name_},
            {"layers", layers},
            {"input_layers", endpoints(inputs_)},
            {"output_layers", endpoints(outputs_)}}}};
}

nlohmann::json Sequential::to_config() const {
  nlohmann::json layers = nlohmann::json::array();
  for (const Layer& layer : layers_) layers.push_back(layer_entry(layer));
  return {{"class_name", "Sequential"}, {"config", {{"name", name_}, {"layers", layers}}}};
}

std::shared_ptr<Model> model_from_config(const nlohmann::json& document, const std::string& source) {
  const std::string cls = member(document, "class_name", source).get<std::string>();
  const nlohmann::json& config = member(document, "config", source);
  if (cls == "Sequential") return sequential_from_config(config, source);
  if (cls == "Functional" || cls == "Model") return functional_from_config(config, source);
  throw ValueError(detail::concat(source, ": unknown model class '", cls, "'; expected 'Sequential' or 'Functional'"));
}

std::shared_ptr<Model> model_from_json(const std::string& text, const std::string& source) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw ValueError(detail::concat(source, ": not valid JSON at byte ", e.byte, ": ", e.what()));
  }
  return model_from_config(document, source);
}

std::shared_ptr<Model> load_model_config(const std::string& path) {
  std::ifstream in(path);
  FOVEA_CHECK(in.good(), IoError, path, ": cannot open the model config for reading");
  std::stringstream text;
  text << in.rdbuf();
  return model_from_json(text.str(), path);
}

}  // namespace fovea
