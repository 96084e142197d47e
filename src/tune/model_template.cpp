#include "fovea/tune/model_template.h"

#include <cmath>

#include "fovea/core/error.h"

namespace fovea::tune {

namespace {

constexpr const char* kRepeat = "$repeat";

// "$name" -> "name"; anything else -> "".
std::string placeholder_name(const nlohmann::json& value) {
  if (!value.is_string()) return "";
  const std::string& text = value.get_ref<const std::string&>();
  return text.size() > 1 && text[0] == '$' ? text.substr(1) : "";
}

bool is_repeat_block(const nlohmann::json& value) { return value.is_object() && value.contains(kRepeat); }

void check_repeat_block(const nlohmann::json& block) {
  FOVEA_CHECK(block.size() == 2 && block[kRepeat].is_string() && block.contains("layers") &&
                  block["layers"].is_array(),
              ValueError, "model template: a $repeat block is {\"$repeat\": \"knob\", \"layers\": [...]}, got ",
              block.dump());
}

void collect(const nlohmann::json& value, std::set<std::string>& names) {
  if (const std::string name = placeholder_name(value); !name.empty()) {
    names.insert(name);
  } else if (is_repeat_block(value)) {
    check_repeat_block(value);
    names.insert(value[kRepeat].get<std::string>());
    collect(value["layers"], names);
  } else if (value.is_structured()) {
    for (const nlohmann::json& item : value) collect(item, names);
  }
}

const nlohmann::json& value_of(const std::string& name, const Config& config) {
  FOVEA_CHECK(config.is_object() && config.contains(name), ValueError, "model template: '$", name,
              "' has no value in this configuration (no knob of that name applies)");
  return config[name];
}

int64_t repeat_count(const std::string& name, const Config& config) {
  const nlohmann::json& value = value_of(name, config);
  const bool whole = value.is_number_integer() ||
                     (value.is_number_float() && std::floor(value.get<double>()) == value.get<double>());
  FOVEA_CHECK(whole && value.get<double>() >= 0 && value.get<double>() <= 1000, ValueError, "model template: $repeat '",
              name, "' needs a whole number from 0 to 1000, got ", value.dump());
  return static_cast<int64_t>(value.get<double>());
}

nlohmann::json instantiate(const nlohmann::json& value, const Config& config) {
  if (const std::string name = placeholder_name(value); !name.empty()) return value_of(name, config);
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, item] : value.items()) out[key] = instantiate(item, config);
    return out;
  }
  if (!value.is_array()) return value;
  nlohmann::json out = nlohmann::json::array();
  for (const nlohmann::json& item : value) {
    if (!is_repeat_block(item)) {
      out.push_back(instantiate(item, config));
      continue;
    }
    check_repeat_block(item);
    const int64_t count = repeat_count(item[kRepeat].get<std::string>(), config);
    const nlohmann::json block = instantiate(item["layers"], config);  // its own $repeat blocks expanded
    for (int64_t i = 0; i < count; ++i) {
      for (const nlohmann::json& layer : block) out.push_back(layer);
    }
  }
  return out;
}

}  // namespace

std::set<std::string> template_placeholders(const nlohmann::json& model_template) {
  std::set<std::string> names;
  collect(model_template, names);
  return names;
}

nlohmann::json instantiate_template(const nlohmann::json& model_template, const Config& config) {
  template_placeholders(model_template);  // checks every $repeat block's form, also those repeated 0 times
  return instantiate(model_template, config);
}

}  // namespace fovea::tune
