#include "tune_space_file.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fovea/core/error.h"
#include "fovea/tune/model_template.h"
#include "train_settings.h"

namespace fovea::cli {

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// The budget (epochs) and how a trial runs (threads, output, ...) are fovea tune's to decide, not the space's.
bool set_by_search(const std::string& name) {
  const SettingSpec* spec = find_setting(name);
  return name == "epochs" || (spec != nullptr && spec->role == SettingRole::runs);
}

nlohmann::ordered_json read_json_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  FOVEA_CHECK(in.good(), IoError, path, ": cannot open the ", what);
  std::stringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::ordered_json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw IoError(::fovea::detail::concat(path, ": the ", what, " is not valid JSON (", e.what(), ")"));
  }
}

}  // namespace

TuneSpaceFile parse_space_file(const nlohmann::ordered_json& document, const std::string& path) {
  FOVEA_CHECK(document.is_object(), ValueError, path, ": a search space is a JSON object with \"knobs\"");
  TuneSpaceFile file;
  file.path = path;
  file.document = document;
  for (const auto& [key, value] : document.items()) {
    FOVEA_CHECK(key == "knobs" || key == "settings" || key == "model" || key == "objective", ValueError, path,
                ": unknown entry '", key, "' (expected knobs, settings, model, objective)");
  }
  FOVEA_CHECK(document.contains("knobs") && document["knobs"].is_object() && !document["knobs"].empty(), ValueError,
              path, ": \"knobs\" must be an object with at least one knob");
  try {
    file.space = tune::SearchSpace::from_json(document["knobs"]);
  } catch (const ValueError& e) {
    throw ValueError(::fovea::detail::concat(path, ": ", e.what()));
  }

  if (document.contains("objective")) {
    FOVEA_CHECK(document["objective"].is_string(), ValueError, path, ": \"objective\" must be a string");
    file.objective = document["objective"].get<std::string>();
  }
  FOVEA_CHECK(file.objective == "val_accuracy" || file.objective == "val_loss" || file.objective == "accuracy" ||
                  file.objective == "loss",
              ValueError, path, ": objective '", file.objective,
              "' is not one of val_accuracy, val_loss, accuracy, loss");
  file.direction = file.objective.ends_with("loss") ? tune::Direction::minimize : tune::Direction::maximize;

  if (document.contains("settings")) {
    FOVEA_CHECK(document["settings"].is_object(), ValueError, path, ": \"settings\" must be an object of fovea train "
                                                                    "settings");
    file.settings = nlohmann::json::parse(document["settings"].dump());
    for (const auto& [name, value] : file.settings.items()) {
      FOVEA_CHECK(!set_by_search(name), ValueError, path, ": setting '", name, "' is set by fovea tune itself (",
                  name == "epochs" ? "the budget gives every trial its epochs" : "for every trial", ")");
    }
    try {
      check_settings(from_json(file.settings));
    } catch (const ValueError& e) {
      throw ValueError(::fovea::detail::concat(path, ": ", e.what()));
    }
  }

  std::set<std::string> placeholders;
  if (document.contains("model")) {
    const nlohmann::ordered_json& model = document["model"];
    FOVEA_CHECK(model.is_object() || model.is_string(), ValueError, path,
                ": \"model\" must be a model config template (an object) or the path of one");
    if (model.is_string()) {
      const std::filesystem::path relative = model.get<std::string>();
      const std::string template_path =
          relative.is_absolute() ? relative.string() : (std::filesystem::path(path).parent_path() / relative).string();
      file.model_template = nlohmann::json::parse(read_json_file(template_path, "model template").dump());
    } else {
      file.model_template = nlohmann::json::parse(model.dump());
    }
    FOVEA_CHECK(!file.settings.contains("model"), ValueError, path,
                ": both a model template and the setting 'model': give one");
    placeholders = tune::template_placeholders(*file.model_template);
  }

  for (const tune::Knob& knob : file.space.knobs()) {
    FOVEA_CHECK(!set_by_search(knob.name), ValueError, path, ": knob '", knob.name, "': ",
                knob.name == "epochs" ? "the budget gives every trial its epochs (--budget)"
                                      : "fovea tune sets it for every trial");
    FOVEA_CHECK(!file.settings.contains(knob.name), ValueError, path, ": '", knob.name,
                "' is both a fixed setting and a knob");
    const bool setting = is_setting(knob.name);
    FOVEA_CHECK(!(setting && placeholders.count(knob.name) > 0), ValueError, path, ": knob '", knob.name,
                "' is a fovea train setting and also a placeholder of the model template: rename the placeholder");
    FOVEA_CHECK(!(knob.name == "model" && file.model_template), ValueError, path,
                ": knob 'model' and a model template: give one");
    FOVEA_CHECK(setting || placeholders.count(knob.name) > 0, ValueError, path, ": knob '", knob.name,
                "' is neither a fovea train setting nor a placeholder of the model template (settings: ",
                joined(setting_names()), ")");
  }
  for (const std::string& name : placeholders) {
    FOVEA_CHECK(file.space.find(name) != nullptr, ValueError, path, ": the model template's placeholder '$", name,
                "' has no knob");
  }
  return file;
}

TuneSpaceFile read_space_file(const std::string& path) {
  return parse_space_file(read_json_file(path, "search space"), path);
}

nlohmann::json trial_settings(const TuneSpaceFile& file, const tune::Config& config) {
  nlohmann::json settings = file.settings;
  for (const auto& [name, value] : config.items()) {
    if (is_setting(name)) settings[name] = value;
  }
  return settings;
}

std::optional<nlohmann::json> trial_model(const TuneSpaceFile& file, const tune::Config& config) {
  if (!file.model_template) return std::nullopt;
  return tune::instantiate_template(*file.model_template, config);
}

}  // namespace fovea::cli
