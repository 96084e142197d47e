// `fovea tune`'s search-space file (SPACE.json):
//
//   {"objective": "val_accuracy",                        optional; val_accuracy (default), val_loss, accuracy, loss
//    "settings": {"model": "mnist-cnn", "limit": 10000},  optional; fixed `fovea train` settings of every trial
//    "model": {...},                                      optional; a JSON model config with placeholders
//                                                         (fovea/tune/model_template.h), or the path of one
//    "knobs": {"lr": {"log_uniform": [1e-4, 0.1]},        the search space (fovea/tune/space.h): a knob named like
//              "filters": {"choice": [16, 32, 64]}}}      a `fovea train` setting sets it; any other knob fills the
//                                                         model template's placeholder of its name
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fovea/tune/search.h"
#include "fovea/tune/space.h"

namespace fovea::cli {

struct TuneSpaceFile {
  std::string path;
  nlohmann::ordered_json document;  // as read: the search's description keeps it
  tune::SearchSpace space;
  nlohmann::json settings = nlohmann::json::object();  // fixed settings
  std::optional<nlohmann::json> model_template;
  std::string objective = "val_accuracy";
  tune::Direction direction = tune::Direction::maximize;
};

// Reads and checks a space file: ValueError naming the file and the entry or knob for anything a trial could not
// run with (unknown entry, a knob that is neither a setting nor a placeholder, a placeholder without a knob, a
// setting given twice or one the search sets, an unknown objective).
TuneSpaceFile read_space_file(const std::string& path);
TuneSpaceFile parse_space_file(const nlohmann::ordered_json& document, const std::string& path);

// One trial's `fovea train` settings: the fixed ones, then the knobs that are settings. The model config, when
// the space has a template, is instantiate_template(template, config).
nlohmann::json trial_settings(const TuneSpaceFile& file, const tune::Config& config);
std::optional<nlohmann::json> trial_model(const TuneSpaceFile& file, const tune::Config& config);

}  // namespace fovea::cli
