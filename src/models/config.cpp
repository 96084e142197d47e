// Model <-> Keras-shaped JSON config.
#include "fovea/models/config.h"

#include <fstream>
#include <map>
#include <sstream>

#include "core/json_error.h"
#include "core/regular_file.h"
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
  } catch (const MemoryError& e) {
    throw MemoryError(where + ": " + e.what());
  } catch (const ValueError& e) {
    if (std::string(e.what()).rfind(where, 0) == 0) throw;
    throw ValueError(where + ": " + e.what());
  }
}

const nlohmann::json& member(const nlohmann::json& object, const std::string& key, const std::string& where) {
  FOVEA_CHECK(object.is_object() && object.contains(key), ValueError, where, ": missing '", key, "'");
  return object.at(key);
}

// The JSON type's name for messages: "a number", "a list".
std::string json_kind(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "a list";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::binary: return "binary data";
    case nlohmann::json::value_t::discarded: return "nothing";
    default: return "a number";
  }
}

std::string string_member(const nlohmann::json& object, const std::string& key, const std::string& where) {
  const nlohmann::json& value = member(object, key, where);
  FOVEA_CHECK(value.is_string(), ValueError, where, ": '", key, "' must be a string, got ", json_kind(value), " (",
              value.dump(), ")");
  return value.get<std::string>();
}

// An optional string member (the model's or a layer's "name"): fallback when absent.
std::string optional_string(const nlohmann::json& object, const std::string& key, const std::string& fallback,
                            const std::string& where) {
  if (!object.is_object() || !object.contains(key)) return fallback;
  return string_member(object, key, where);
}

// A reference to a layer's output in inbound_nodes or input_layers/output_layers: ["name", node_index, tensor_index,
// ...]. Returns the name and the node index.
std::pair<std::string, size_t> layer_ref(const nlohmann::json& ref, const std::string& where, const std::string& what,
                                         const char* form) {
  const auto index = [](const nlohmann::json& v) { return v.is_number_integer() && v.get<int64_t>() >= 0; };
  FOVEA_CHECK(ref.is_array() && ref.size() >= 3 && ref[0].is_string() && index(ref[1]) && index(ref[2]), ValueError,
              where, ": ", what, " entries must look like ", form, "; got ", ref.dump());
  return {ref[0].get<std::string>(), ref[1].get<size_t>()};
}

// layer_from_config, with every error of a layer's constructor prefixed with the place (those of layers that do not
// name it themselves: "Dense: units must be a positive integer" and an Input too large to index).
Layer configured_layer(const std::string& cls, const nlohmann::json& config, const std::string& place) {
  try {
    return layer_from_config(cls, config, place);
  } catch (const ShapeError& e) {
    throw ShapeError(place + " (" + cls + "): " + e.what());
  } catch (const ValueError& e) {
    if (std::string(e.what()).rfind(place, 0) == 0) throw;
    throw ValueError(place + " (" + cls + "): " + e.what());
  }
}

std::shared_ptr<Model> sequential_from_config(const nlohmann::json& config, const std::string& where) {
  const nlohmann::json& layers = member(config, "layers", where + ".config");
  FOVEA_CHECK(layers.is_array(), ValueError, where, ".config: 'layers' must be a list");
  auto model = std::make_shared<Sequential>(std::vector<Layer>{},
                                            optional_string(config, "name", "sequential", where + ".config"));
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string place = where + ": layers[" + std::to_string(i) + "]";
    const nlohmann::json& entry = layers[i];
    const std::string cls = string_member(entry, "class_name", place);
    Layer layer = configured_layer(cls, member(entry, "config", place), place);
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
  std::map<std::string, std::string> defined_at;                 // layer name -> its place, for duplicates
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string place = where + ": layers[" + std::to_string(i) + "]";
    const nlohmann::json& entry = layers[i];
    const std::string cls = string_member(entry, "class_name", place);
    Layer layer = configured_layer(cls, member(entry, "config", place), place);
    const std::string name = optional_string(entry, "name", layer->name(), place);
    // A second layer of the same name would be unreachable: inbound_nodes refer to layers by name.
    const auto [earlier, fresh] = defined_at.emplace(name, detail::concat("layers[", i, "] (", cls, ")"));
    FOVEA_CHECK(fresh, ValueError, place, " (", cls, " '", name, "'): the name '", name, "' is already used by ",
                earlier->second, "; layer names must be unique within a model");
    layer->set_name(name);
    if (layer.as<InputLayerImpl>()) {
      produced[name].push_back(input_tensor(layer));
      continue;
    }
    const nlohmann::json& nodes = member(entry, "inbound_nodes", place);
    FOVEA_CHECK(nodes.is_array(), ValueError, place, " (", cls, " '", name,
                "'): 'inbound_nodes' must be a list of nodes, each a list of inputs; got ", json_kind(nodes));
    for (size_t n = 0; n < nodes.size(); ++n) {
      std::vector<SymbolicTensor> inputs;
      FOVEA_CHECK(nodes[n].is_array(), ValueError, place, " (", cls, " '", name, "'): inbound_nodes[", n,
                  "] must be a list of inputs; got ", nodes[n].dump());
      for (const nlohmann::json& ref : nodes[n]) {
        const auto [source, index] =
            layer_ref(ref, place + " (" + cls + " '" + name + "')", "inbound_nodes",
                      "[\"layer_name\", node_index, tensor_index, {}]");
        FOVEA_CHECK(produced.count(source) && index < produced[source].size(), ValueError, place, " (", cls, " '",
                    name, "'): input '", source, "' node ", index, " is not defined before this layer");
        inputs.push_back(produced[source][index]);
      }
      produced[name].push_back(at_place(place + " (" + cls + " '" + name + "')", [&] { return layer(inputs); }));
    }
  }
  auto endpoints = [&](const char* key) {
    std::vector<SymbolicTensor> out;
    const nlohmann::json& refs = member(config, key, where + ".config");
    FOVEA_CHECK(refs.is_array(), ValueError, where, ".config: '", key,
                "' must be a list like [[\"layer_name\", 0, 0]]; got ", json_kind(refs));
    for (const nlohmann::json& ref : refs) {
      const auto [source, index] =
          layer_ref(ref, where + ".config", std::string("'") + key + "'", "[\"layer_name\", node_index, tensor_index]");
      FOVEA_CHECK(produced.count(source) && index < produced[source].size(), ValueError, where, ".config: '", key,
                  "' names '", source, "' node ", index, " which does not exist");
      out.push_back(produced[source][index]);
    }
    return out;
  };
  return std::make_shared<Model>(endpoints("input_layers"), endpoints("output_layers"),
                                 optional_string(config, "name", "model", where + ".config"));
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

std::string Model::to_json(int indent) const { return to_config().dump(indent); }

nlohmann::json Sequential::to_config() const {
  nlohmann::json layers = nlohmann::json::array();
  for (const Layer& layer : layers_) layers.push_back(layer_entry(layer));
  return {{"class_name", "Sequential"}, {"config", {{"name", name_}, {"layers", layers}}}};
}

std::shared_ptr<Model> model_from_config(const nlohmann::json& document, const std::string& source) {
  const std::string cls = string_member(document, "class_name", source);
  const nlohmann::json& config = member(document, "config", source);
  try {
    if (cls == "Sequential") return sequential_from_config(config, source);
    if (cls == "Functional" || cls == "Model") return functional_from_config(config, source);
  } catch (const nlohmann::json::exception& e) {
    // A shape of JSON the checks above do not name: still one line that says which file.
    throw ValueError(detail::concat(source, ": malformed ", cls, " config (", e.what(), ")"));
  }
  throw ValueError(detail::concat(source, ": unknown model class '", cls, "'; expected 'Sequential' or 'Functional'"));
}

std::shared_ptr<Model> model_from_json(const std::string& text, const std::string& source) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw ValueError(detail::concat(source, ": not valid JSON at byte ", e.byte, ": ", e.what()));
  } catch (const nlohmann::json::exception& e) {  // a number too large to hold
    throw ValueError(detail::concat(source, ": not valid JSON: ", core_detail::json_error_reason(e)));
  }
  return model_from_config(document, source);
}

std::shared_ptr<Model> load_model_config(const std::string& path) {
  core_detail::require_regular_file(path, "a JSON model config");  // before opening: opening a FIFO would block
  std::ifstream in(path);
  FOVEA_CHECK(in.good(), IoError, path, ": cannot open the model config for reading");
  std::stringstream text;
  text << in.rdbuf();
  return model_from_json(text.str(), path);
}

}  // namespace fovea
