// The part of fovea's API that holds JSON values, and nlohmann's JSON library itself. fovea's other headers
// (fovea/fovea.h too) only declare nlohmann::json (nlohmann/json_fwd.hpp), so that programs that use no JSON do not
// compile nlohmann/json.hpp, a large header. Include this one (or <nlohmann/json.hpp>) to call what takes or
// returns nlohmann::json (Model::to_config, Normalizer::to_json, layer and optimizer configs, model_from_config)
// and for the model files' SaveOptions and LoadedModel, whose user data is a JSON value.
//
//   save_model(model, "net.fovea", {.optimizer = opt.get(), .epoch = 3, .user = {{"classes", names}}});
//   LoadedModel run = load_model_file("net.fovea");   // run.model, run.optimizer, run.epoch, run.user
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fovea/io/model_file.h"
#include "fovea/models/model.h"
#include "fovea/train/callbacks.h"
#include "fovea/train/optimizers.h"

namespace fovea {

// save_model's extras (fovea/io/model_file.h).
struct SaveOptions {
  // Checkpoints: the optimizer's config and state (it must have been stepped with the model's trainable
  // weights, as fit() does, or not at all) and the number of completed epochs.
  const Optimizer* optimizer = nullptr;
  int64_t epoch = -1;  // -1: not stored
  // Anything else the program needs to use the model (normalizer, class names, compile settings): a JSON object
  // (or null for none), stored as text and given back by load_model_file.
  nlohmann::json user{};
  // Exact resumption: the default generator's state (DefaultGenerator()->state(); "" for none), which dropout and
  // initializers draw from, and the training callbacks' states (Callback::state(), in the run's callback order).
  std::string generator_state{};
  std::vector<CallbackState> callback_states{};
};

// What load_model_file (fovea/io/model_file.h) gives back.
struct LoadedModel {
  std::shared_ptr<Model> model{};
  OptimizerPtr optimizer{};  // null when the file has none; else restored so that the next step continues exactly
  int64_t epoch = -1;        // -1 when the file has none
  std::string generator_state{};                 // "" when the file has none; restore with Generator::set_state
  std::vector<CallbackState> callback_states{};  // for FitOptions::callback_states; empty when the file has none
  // "" when every tensor matched its checksum; otherwise (a file written before fovea stored checksums) the
  // one-line note that loading also wrote to std::clog.
  std::string note{};
  nlohmann::json user{};  // null when the file has none
};

}  // namespace fovea
