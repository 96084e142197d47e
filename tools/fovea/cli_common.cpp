// Model sources, stored metadata and result printing shared by the subcommands.
#include "cli_common.h"

#include <filesystem>

#include "fovea/core/error.h"
#include "fovea/core/threading.h"
#include "fovea/io/model_file.h"
#include "fovea/io/onnx.h"
#include "fovea/models/config.h"
#include "fovea/train/progress.h"

namespace fovea::cli {

LoadedSource load_model_source(const std::string& spec, const zoo::ZooOptions& options) {
  if (zoo::contains(spec)) return {zoo::create(spec, options), nullptr};
  namespace fs = std::filesystem;
  if (fs::exists(spec)) {
    if (fs::path(spec).extension() == ".json") return {load_model_config(spec), nullptr};
    if (fs::path(spec).extension() == ".onnx") return {import_onnx(spec), nullptr};
    LoadedModel loaded = load_model_file(spec);
    return {loaded.model, loaded.user};
  }
  std::string names;
  for (const zoo::ZooEntry& e : zoo::entries()) names += (names.empty() ? "" : ", ") + e.name;
  throw ValueError(detail::concat("model '", spec,
                                  "' is neither a zoo network nor an existing file (a JSON config, an ONNX "
                                  "file or a model file); zoo networks: ",
                                  names));
}

Normalizer stored_normalizer(const nlohmann::json& user) {
  if (user.is_object() && user.contains("normalizer")) return Normalizer::from_json(user["normalizer"]);
  return Normalizer();
}

std::vector<std::string> stored_class_names(const nlohmann::json& user, int64_t num_classes) {
  if (user.is_object() && user.contains("class_names") && user["class_names"].is_array() &&
      static_cast<int64_t>(user["class_names"].size()) == num_classes) {
    return user["class_names"].get<std::vector<std::string>>();
  }
  std::vector<std::string> names;
  for (int64_t i = 0; i < num_classes; ++i) names.push_back(std::to_string(i));
  return names;
}

std::string logs_line(const Logs& logs) {
  std::string out;
  for (const auto& [name, value] : logs) out += (out.empty() ? "" : " - ") + name + ": " + format_log_value(value);
  return out;
}

nlohmann::json logs_json(const Logs& logs) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : logs) out[name] = value;
  return out;
}

void apply_threads(int threads) {
  if (threads > 0) set_num_threads(threads);
}

}  // namespace fovea::cli
