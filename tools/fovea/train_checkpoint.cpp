// fovea train's checkpoint: the run's settings and phase next to the model file's training state, and the check
// that --resume continues the same run.
#include "train_checkpoint.h"

#include <ostream>

#include "fovea/core/error.h"
#include "fovea/core/rng.h"
#include "fovea/core/threading.h"
#include "fovea/models/model.h"

namespace fovea::cli {
namespace {

// A flag's value as a person types it: strings without JSON quotes, an unset optional setting as "(not set)".
std::string flag_value(const nlohmann::json& value) {
  if (value.is_null()) return "(not set)";
  if (value.is_string()) return value.get<std::string>().empty() ? "''" : value.get<std::string>();
  return value.dump();
}

// Refuses to resume from a checkpoint whose run had other settings, naming each difference (by name, A-Z).
void check_resumable(const TrainSettings& stored, const TrainSettings& current, const std::string& checkpoint) {
  const nlohmann::json was = to_json(stored), is = to_json(current);
  std::string differences;
  for (const auto& [name, value] : is.items()) {
    if (find_setting(name)->role != SettingRole::computes || was[name] == value) continue;
    differences += detail::concat(differences.empty() ? "" : ", ", "--", name, " ", flag_value(was[name]),
                                  " (this run: ", flag_value(value), ")");
  }
  FOVEA_CHECK(differences.empty(), ValueError, "--resume: ", checkpoint,
              " was written by a run with other settings: ", differences,
              "; repeat that run's settings to continue it, or train into another output folder (-o)");
}

}  // namespace

RunCheckpoint read_run_checkpoint(const std::string& path, const TrainSettings& settings, std::ostream& log) {
  RunCheckpoint out;
  out.loaded = load_model_file(path);
  const nlohmann::json& user = out.loaded.user;
  const nlohmann::json run = user.is_object() ? user.value("run", nlohmann::json()) : nlohmann::json();
  if (!run.is_object()) {
    log << "Note: " << path << " was written by an older fovea without its run's settings; resuming with this "
        << "run's\n";
    return out;
  }
  const nlohmann::json stored = run.value("settings", nlohmann::json::object());
  TrainSettings stored_settings;
  try {
    apply_json(stored_settings, stored.is_object() ? stored : nlohmann::json::object());
  } catch (const ValueError& e) {
    throw ValueError(detail::concat("--resume: ", path, ": its stored settings: ", e.what()));
  }
  check_resumable(stored_settings, settings, path);
  const nlohmann::json phase = run.value("phase", nlohmann::json());
  out.phase = phase.is_string() && phase.get<std::string>() == "fine-tune" ? TrainPhase::fine_tune : TrainPhase::head;
  const nlohmann::json end = run.value("fine_tune_end", nlohmann::json());
  out.fine_tune_end = end.is_number_integer() ? end.get<int64_t>() : 0;
  const nlohmann::json threads = run.value("threads", nlohmann::json());
  if (threads.is_number_integer() && threads.get<int64_t>() != num_threads()) {
    log << "Note: the run used " << threads.get<int64_t>() << " compute threads and this one uses " << num_threads()
        << "; results will not repeat bit for bit (--threads " << threads.get<int64_t>() << " would)\n";
  }
  return out;
}

CheckpointWriter::CheckpointWriter(std::string path, nlohmann::json user, nlohmann::json settings,
                                   const std::vector<CallbackPtr>* callbacks)
    : path_(std::move(path)), user_(std::move(user)), settings_(std::move(settings)), callbacks_(callbacks) {}

void CheckpointWriter::set_phase(TrainPhase phase, int64_t fine_tune_end) {
  phase_ = phase;
  fine_tune_end_ = fine_tune_end;
}

void CheckpointWriter::on_epoch_end(int64_t epoch, Logs&) {
  std::vector<CallbackState> states;
  for (const CallbackPtr& c : *callbacks_) {
    if (c.get() == this) break;
    states.push_back(c->state());
  }
  nlohmann::json user = user_;
  user["run"] = {{"settings", settings_},
                 {"phase", phase_ == TrainPhase::fine_tune ? "fine-tune" : "head"},
                 {"fine_tune_end", fine_tune_end_},
                 {"threads", num_threads()}};
  Model& trained = model();
  save_model(trained, path_,
             {.optimizer = &trained.optimizer(),
              .epoch = epoch + 1,
              .user = user,
              .generator_state = DefaultGenerator()->state(),
              .callback_states = states});
}

}  // namespace fovea::cli
