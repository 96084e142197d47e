// `fovea train`'s checkpoint (OUTPUT/checkpoint.fovea): written after every epoch with all an exact resume needs
// (weights, optimizer, the default generator, the other callbacks' states, the run's settings and phase), and read
// back by --resume, which refuses a checkpoint of a run with other settings.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fovea/io/json.h"
#include "fovea/io/model_file.h"
#include "fovea/train/callbacks.h"
#include "train_settings.h"

namespace fovea::cli {

// A run's two phases: the model (or a transferred model's new head), then fine-tuning everything (--base with
// --fine-tune-epochs).
enum class TrainPhase { head, fine_tune };

// Where an interrupted run stopped.
struct RunCheckpoint {
  LoadedModel loaded;  // model, optimizer, epoch, generator and callback states
  TrainPhase phase = TrainPhase::head;
  int64_t fine_tune_end = 0;  // the epoch fine-tuning ends at, once it has started
};

// Reads the checkpoint at path and checks that it belongs to a run with these settings: a ValueError names each
// setting that differs (epochs may: training longer). The stored settings are read as a --settings file is, so a
// setting the checkpoint lacks (written before the setting existed) has its default. Notes (another thread count,
// a checkpoint from an older fovea without settings) go to log.
RunCheckpoint read_run_checkpoint(const std::string& path, const TrainSettings& settings, std::ostream& log);

// Writes the checkpoint at the end of every epoch. It must come last among fit's callbacks, so that the states it
// stores are those after the epoch: it stores the states of the callbacks before it in `callbacks` (fit's list).
class CheckpointWriter : public Callback {
 public:
  // settings: to_json(the run's settings).
  CheckpointWriter(std::string path, nlohmann::json user, nlohmann::json settings,
                   const std::vector<CallbackPtr>* callbacks);
  void set_phase(TrainPhase phase, int64_t fine_tune_end);
  void on_epoch_end(int64_t epoch, Logs& logs) override;

 private:
  std::string path_;
  nlohmann::json user_;  // the model file's user entry, to which the run's settings and phase are added
  nlohmann::json settings_;
  const std::vector<CallbackPtr>* callbacks_;
  TrainPhase phase_ = TrainPhase::head;
  int64_t fine_tune_end_ = 0;
};

}  // namespace fovea::cli
