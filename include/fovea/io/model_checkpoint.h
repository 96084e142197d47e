// ModelCheckpoint: the training callback that saves the model as fit() runs. A callback like those of
// fovea/train/callbacks.h, but io's, since it writes model files (fovea/io/model_file.h) and model files in turn
// store training state (the optimizer's).
//
//   model.fit(x, y, {.epochs = 20, .validation_split = 0.1,
//                    .callbacks = {std::make_shared<ModelCheckpoint>(ModelCheckpointOptions{
//                        .filepath = "ckpt/model-{epoch:02d}.fovea", .save_best_only = true})}});
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "fovea/train/callbacks.h"

namespace fovea {

struct ModelCheckpointOptions {
  // The file to write; "{epoch}" / "{epoch:02d}" and "{name}" / "{name:.4f}" (any log name) are replaced, as
  // in Keras: "ckpt/model-{epoch:02d}-{val_loss:.3f}.fovea".
  std::string filepath{};
  std::string monitor = "val_loss";
  bool save_best_only = false;
  bool save_weights_only = false;  // weights without architecture or optimizer
  MonitorMode mode = MonitorMode::auto_;
  int verbose = 0;
};

// Saves the model (architecture, weights, optimizer state and epoch) after each epoch, or only when the
// monitored value improves. Writes are atomic: a failed write leaves the previous file as it was.
class ModelCheckpoint : public Callback {
 public:
  explicit ModelCheckpoint(const ModelCheckpointOptions& options);
  void on_train_begin(const Logs&) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;
  // The path written last ("" before the first save).
  const std::string& last_saved() const { return last_saved_; }

 private:
  ModelCheckpointOptions options_;
  bool maximize_ = false;
  std::optional<double> best_;
  std::string last_saved_;
};

// The checkpoint path for an epoch (1-based, as Keras formats it) and logs: ValueError naming the placeholder
// when a name is not in the logs or a format is not understood.
std::string format_checkpoint_path(const std::string& pattern, int64_t epoch, const Logs& logs);

}  // namespace fovea
