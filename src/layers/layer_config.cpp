// Layer config reading and writing helpers.
#include "fovea/layers/layer_config.h"

#include <nlohmann/json.hpp>

#include "fovea/core/error.h"

namespace fovea {

nlohmann::json activation_to_json(const Activation& a) {
  // Keras stores activations by name; parameters that differ from the kind's defaults need an object.
  const std::string name(activation_name(a.kind));
  bool defaults = true;
  try {
    defaults = Activation::of(a.kind) == a;
  } catch (const ValueError&) {
    defaults = false;  // kinds without defaults (pow, clip)
  }
  if (defaults) return name;
  return {{"class_name", name}, {"config", {{"alpha", a.alpha}, {"beta", a.beta}, {"threshold", a.threshold}}}};
}

nlohmann::json dims_to_json(const Dims& d) {
  nlohmann::json out = nlohmann::json::array();
  for (int64_t v : d) out.push_back(v);
  return out;
}

std::string data_format_name(DataFormat f) {
  return f == DataFormat::channels_last ? "channels_last" : "channels_first";
}

std::string padding_name(Padding p) {
  switch (p) {
    case Padding::valid: return "valid";
    case Padding::same: return "same";
    case Padding::full: return "full";
    case Padding::causal: return "causal";
    case Padding::explicit_: return "explicit";
  }
  return "?";
}

ConfigReader::ConfigReader(const nlohmann::json& config, std::string where)
    : config_(config), where_(std::move(where)) {
  FOVEA_CHECK(config.is_object(), ValueError, where_, ": expected a config object, got ", config.dump());
}

bool ConfigReader::has(const std::string& key) const { return find(key) != nullptr; }

const nlohmann::json* ConfigReader::find(const std::string& key) const {
  auto it = config_.find(key);
  if (it == config_.end() || it->is_null()) return nullptr;
  return &*it;
}

void ConfigReader::fail(const std::string& key, const std::string& expected) const {
  const nlohmann::json* v = find(key);
  throw ValueError(detail::concat(where_, ": '", key, "' must be ", expected, ", got ",
                                  v ? v->dump() : std::string("nothing")));
}

int64_t ConfigReader::integer(const std::string& key, std::optional<int64_t> fallback) const {
  const nlohmann::json* v = find(key);
  if (!v && fallback) return *fallback;
  if (!v || !v->is_number_integer()) fail(key, "an integer");
  return v->get<int64_t>();
}

double ConfigReader::number(const std::string& key, std::optional<double> fallback) const {
  const nlohmann::json* v = find(key);
  if (!v && fallback) return *fallback;
  if (!v || !v->is_number()) fail(key, "a number");
  return v->get<double>();
}

bool ConfigReader::boolean(const std::string& key, std::optional<bool> fallback) const {
  const nlohmann::json* v = find(key);
  if (!v && fallback) return *fallback;
  if (!v || !v->is_boolean()) fail(key, "true or false");
  return v->get<bool>();
}

std::string ConfigReader::string(const std::string& key, std::optional<std::string> fallback) const {
  const nlohmann::json* v = find(key);
  if (!v && fallback) return *fallback;
  if (!v || !v->is_string()) fail(key, "a string");
  return v->get<std::string>();
}

Dims ConfigReader::int_tuple(const std::string& key, std::optional<Dims> fallback) const {
  const nlohmann::json* v = find(key);
  if (!v && fallback) return *fallback;
  if (v && v->is_number_integer()) return Dims{v->get<int64_t>()};
  if (!v || !v->is_array() || v->empty() || v->size() > 6) fail(key, "an integer or a list of integers");
  Dims out;
  for (const auto& e : *v) {
    if (!e.is_number_integer()) fail(key, "an integer or a list of integers");
    out.push_back(e.get<int64_t>());
  }
  return out;
}

Activation ConfigReader::activation(const std::string& key) const {
  const nlohmann::json* v = find(key);
  if (!v) return Activation::linear();
  try {
    if (v->is_string()) return Activation::of(parse_activation(v->get<std::string>()));
    if (v->is_object() && v->contains("class_name") && (*v)["class_name"].is_string()) {
      Activation a = Activation::of(parse_activation((*v)["class_name"].get<std::string>()));
      const ConfigReader params(v->value("config", nlohmann::json::object()), where_ + ": '" + key + "'");
      a.alpha = params.number("alpha", a.alpha);
      a.beta = params.number("beta", a.beta);
      a.threshold = params.number("threshold", a.threshold);
      return a;
    }
  } catch (const ValueError& e) {
    throw ValueError(detail::concat(where_, ": '", key, "': ", e.what()));
  }
  fail(key, "an activation name");
}

DataFormat ConfigReader::data_format(const std::string& key) const {
  const std::string f = string(key, "channels_last");
  if (f == "channels_last") return DataFormat::channels_last;
  if (f == "channels_first") return DataFormat::channels_first;
  fail(key, "'channels_last' or 'channels_first'");
}

Padding ConfigReader::padding(const std::string& key, Padding fallback) const {
  if (!has(key)) return fallback;
  const std::string p = string(key);
  try {
    return parse_padding(p);
  } catch (const ValueError& e) {
    throw ValueError(detail::concat(where_, ": '", key, "': ", e.what()));
  }
}

InitializerPtr ConfigReader::initializer(const std::string& key, InitializerPtr fallback) const {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  try {
    return initializers::from_json(*v);
  } catch (const ValueError& e) {
    throw ValueError(detail::concat(where_, ": '", key, "': ", e.what()));
  }
}

RegularizerPtr ConfigReader::regularizer(const std::string& key) const {
  const nlohmann::json* v = find(key);
  if (!v) return nullptr;
  try {
    return regularizers::from_json(*v);
  } catch (const ValueError& e) {
    throw ValueError(detail::concat(where_, ": '", key, "': ", e.what()));
  }
}

ConstraintPtr ConfigReader::constraint(const std::string& key) const {
  const nlohmann::json* v = find(key);
  if (!v) return nullptr;
  try {
    return constraints::from_json(*v);
  } catch (const ValueError& e) {
    throw ValueError(detail::concat(where_, ": '", key, "': ", e.what()));
  }
}

}  // namespace fovea
