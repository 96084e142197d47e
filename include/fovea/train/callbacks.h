// Callbacks: hooks that fit(), evaluate() and predict() call at the start and end of training, epochs and
// batches, with Keras's names and semantics (History, EarlyStopping, CSVLogger, ...; ModelCheckpoint, which writes
// model files, is io's: fovea/io/model_checkpoint.h).
//
//   model.fit(x, y, {.epochs = 20, .validation_split = 0.1,
//                    .callbacks = {std::make_shared<EarlyStopping>(EarlyStoppingOptions{.patience = 3})}});
#pragma once

#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fovea/core/tensor.h"

namespace fovea {

class Model;

// Named values of one batch or epoch ("loss", "accuracy", "val_loss", "learning_rate", ...), in insertion order
// (the order Keras prints them).
class Logs {
 public:
  // Sets a value, keeping the position of an existing name.
  void set(const std::string& name, double value);
  std::optional<double> get(const std::string& name) const;
  bool contains(const std::string& name) const { return get(name).has_value(); }
  // Throws ValueError listing the available names when name is absent.
  double at(const std::string& name) const;
  bool empty() const { return items_.empty(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::vector<std::pair<std::string, double>> items_;
};

// What fit() tells callbacks before training starts.
struct TrainingParams {
  int64_t epochs = 1;
  int64_t steps = 0;  // batches per epoch
  int verbose = 1;
  int64_t initial_epoch = 0;  // > 0 when the run resumes (FitOptions::initial_epoch)
};

// What a callback must carry across a restart for a resumed run to continue exactly as the uninterrupted one
// (counters, best values, the best epoch's weights): a checkpoint stores it (SaveOptions::callback_states) and fit()
// hands it back (FitOptions::callback_states).
struct CallbackState {
  std::map<std::string, double> values{};
  std::vector<Tensor> tensors{};
  bool empty() const { return values.empty() && tensors.empty(); }
};

// Base class of every callback: override the hooks you need. model() is the model being trained, set by fit()
// before on_train_begin; a callback stops training with model().stop_training(true).
class Callback {
 public:
  virtual ~Callback() = default;

  virtual void on_train_begin(const Logs&) {}
  virtual void on_train_end(const Logs&) {}
  virtual void on_epoch_begin(int64_t /*epoch*/, const Logs&) {}
  // logs carries the epoch's training averages and, when there is validation data, the "val_" values.
  virtual void on_epoch_end(int64_t /*epoch*/, Logs&) {}
  virtual void on_train_batch_begin(int64_t /*batch*/, const Logs&) {}
  // logs carries the running averages of the epoch so far.
  virtual void on_train_batch_end(int64_t /*batch*/, const Logs&) {}
  virtual void on_test_begin(const Logs&) {}
  virtual void on_test_end(const Logs&) {}
  virtual void on_test_batch_end(int64_t /*batch*/, const Logs&) {}
  virtual void on_predict_begin(const Logs&) {}
  virtual void on_predict_end(const Logs&) {}
  virtual void on_predict_batch_end(int64_t /*batch*/, const Logs&) {}

  // The state on_train_begin would otherwise reset, for checkpoints; callbacks with none keep these defaults.
  // fit() calls set_state right after on_train_begin when it resumes with a state for this callback.
  virtual CallbackState state() const { return {}; }
  virtual void set_state(const CallbackState&) {}

  void set_model(Model* model) { model_ = model; }
  void set_params(const TrainingParams& params) { params_ = params; }
  const TrainingParams& params() const { return params_; }

 protected:
  // Throws ValueError when the callback is used outside fit/evaluate/predict.
  Model& model() const;

 private:
  Model* model_ = nullptr;
  TrainingParams params_;
};
using CallbackPtr = std::shared_ptr<Callback>;

// Every epoch's logs, as fit() returns them: history.at("val_loss")[3] is the validation loss of epoch 4.
class History : public Callback {
 public:
  void on_train_begin(const Logs&) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;

  const std::vector<int64_t>& epochs() const { return epochs_; }
  // The values of one log name per epoch; ValueError listing the names when absent.
  const std::vector<double>& at(const std::string& name) const;
  const std::map<std::string, std::vector<double>>& values() const { return values_; }
  // The names in the order they first appeared in the logs.
  const std::vector<std::string>& names() const { return names_; }
  // Appends a later fit's epochs (continuing training, fine-tuning).
  void extend(const History& later);

 private:
  std::vector<int64_t> epochs_;
  std::vector<std::string> names_;
  std::map<std::string, std::vector<double>> values_;
};

// Whether a monitored value improves by going down ("val_loss") or up ("val_accuracy"). auto_: up for names
// containing "acc", "auc", "precision" or "recall", down otherwise (Keras's rule).
enum class MonitorMode { auto_, min, max };

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  double min_delta = 0.0;  // a change smaller than this is no improvement
  int64_t patience = 0;    // epochs without improvement before stopping
  MonitorMode mode = MonitorMode::auto_;
  std::optional<double> baseline{};  // training stops if the value does not beat this within patience epochs
  bool restore_best_weights = false;
  int64_t start_from_epoch = 0;  // epochs to wait before monitoring starts
  int verbose = 0;
};

// Stops training when the monitored value has stopped improving; optionally puts back the best epoch's weights
// (also when training ends normally, as Keras does when the best epoch was not the last).
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(const EarlyStoppingOptions& options = {});
  void on_train_begin(const Logs&) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;
  void on_train_end(const Logs&) override;
  CallbackState state() const override;
  void set_state(const CallbackState& state) override;
  // The epoch (0-based) training stopped after; -1 when it ran to the end.
  int64_t stopped_epoch() const { return stopped_epoch_; }
  int64_t best_epoch() const { return best_epoch_; }

 private:
  EarlyStoppingOptions options_;
  bool maximize_ = false;
  double best_ = 0;
  int64_t best_epoch_ = -1;
  int64_t wait_ = 0;
  int64_t stopped_epoch_ = -1;
  std::vector<Tensor> best_weights_;
};

struct CSVLoggerOptions {
  std::string filename{};
  char separator = ',';
  // Keep existing rows (resuming a run); the header is written only for a new file. When fit() resumes
  // (FitOptions::initial_epoch > 0), rows of the epochs it repeats (written after the last checkpoint by a run
  // that was then killed) and a row cut short are dropped first, so that no epoch appears twice.
  bool append = false;
};

// Writes one row per epoch ("epoch" then every log name) and flushes it, so the file is current while training
// runs.
class CSVLogger : public Callback {
 public:
  explicit CSVLogger(const CSVLoggerOptions& options);
  void on_train_begin(const Logs&) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;
  void on_train_end(const Logs&) override;

 private:
  CSVLoggerOptions options_;
  std::ofstream out_;
  std::vector<std::string> columns_;
};

// Sets the optimizer's learning rate at the start of every epoch from schedule(epoch, current rate).
class LearningRateScheduler : public Callback {
 public:
  explicit LearningRateScheduler(std::function<double(int64_t epoch, double learning_rate)> schedule,
                                 int verbose = 0);
  void on_epoch_begin(int64_t epoch, const Logs&) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;

 private:
  std::function<double(int64_t, double)> schedule_;
  int verbose_;
};

struct ReduceLROnPlateauOptions {
  std::string monitor = "val_loss";
  double factor = 0.1;      // new rate = rate * factor, in (0, 1)
  int64_t patience = 10;    // epochs without improvement before reducing
  MonitorMode mode = MonitorMode::auto_;
  double min_delta = 1e-4;  // a change smaller than this is no improvement
  int64_t cooldown = 0;     // epochs to wait after a reduction before counting again
  double min_lr = 0.0;
  int verbose = 0;
};

// Multiplies the learning rate by factor when the monitored value has not improved for patience epochs.
class ReduceLROnPlateau : public Callback {
 public:
  explicit ReduceLROnPlateau(const ReduceLROnPlateauOptions& options = {});
  void on_train_begin(const Logs&) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;
  CallbackState state() const override;
  void set_state(const CallbackState& state) override;

 private:
  ReduceLROnPlateauOptions options_;
  bool maximize_ = false;
  std::optional<double> best_;
  int64_t wait_ = 0;
  int64_t cooldown_left_ = 0;
};

// Stops training as soon as a batch's loss is NaN or infinite.
class TerminateOnNaN : public Callback {
 public:
  void on_train_batch_end(int64_t batch, const Logs& logs) override;
  bool terminated() const { return terminated_; }

 private:
  bool terminated_ = false;
};

// A callback from functions, for quick custom behaviour without a class.
struct LambdaCallbackOptions {
  std::function<void(const Logs&)> on_train_begin;
  std::function<void(const Logs&)> on_train_end;
  std::function<void(int64_t, const Logs&)> on_epoch_begin;
  std::function<void(int64_t, Logs&)> on_epoch_end;
  std::function<void(int64_t, const Logs&)> on_train_batch_end;
};
class LambdaCallback : public Callback {
 public:
  explicit LambdaCallback(LambdaCallbackOptions options) : options_(std::move(options)) {}
  void on_train_begin(const Logs& logs) override;
  void on_train_end(const Logs& logs) override;
  void on_epoch_begin(int64_t epoch, const Logs& logs) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;
  void on_train_batch_end(int64_t batch, const Logs& logs) override;

 private:
  LambdaCallbackOptions options_;
};

}  // namespace fovea
