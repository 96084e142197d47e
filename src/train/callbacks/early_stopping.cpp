// EarlyStopping: Keras 3's rule (patience counted from the last improvement, optional baseline, restoring the
// best epoch's weights).
#include <iostream>
#include <limits>

#include "fovea/core/error.h"
#include "fovea/models/model.h"
#include "train/callbacks/monitor.h"

namespace fovea {

using namespace callback_detail;

EarlyStopping::EarlyStopping(const EarlyStoppingOptions& options) : options_(options) {
  FOVEA_CHECK(options.patience >= 0, ValueError, "EarlyStopping: patience must be >= 0, got ", options.patience);
  FOVEA_CHECK(options.min_delta >= 0, ValueError, "EarlyStopping: min_delta must be >= 0, got ",
              options.min_delta);
  maximize_ = maximizes(options.monitor, options.mode);
}

void EarlyStopping::on_train_begin(const Logs&) {
  wait_ = 0;
  stopped_epoch_ = -1;
  best_epoch_ = -1;
  best_ = maximize_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  best_weights_.clear();
}

void EarlyStopping::on_epoch_end(int64_t epoch, Logs& logs) {
  if (epoch < options_.start_from_epoch) return;
  const double current = monitored(logs, options_.monitor, "EarlyStopping");
  ++wait_;
  if (improves(current, best_, options_.min_delta, maximize_)) {
    best_ = current;
    best_epoch_ = epoch;
    if (options_.restore_best_weights) best_weights_ = snapshot_weights(model());
    if (!options_.baseline || improves(current, *options_.baseline, options_.min_delta, maximize_)) {
      wait_ = 0;
      return;
    }
  }
  if (wait_ >= options_.patience && epoch > 0) {
    stopped_epoch_ = epoch;
    model().stop_training(true);
  }
}

CallbackState EarlyStopping::state() const {
  return {.values = {{"best", best_},
                     {"best_epoch", static_cast<double>(best_epoch_)},
                     {"wait", static_cast<double>(wait_)},
                     {"stopped_epoch", static_cast<double>(stopped_epoch_)}},
          .tensors = best_weights_};
}

void EarlyStopping::set_state(const CallbackState& state) {
  const auto value = [&](const char* name) { return state_value(state, name, "EarlyStopping"); };
  best_ = value("best");
  best_epoch_ = static_cast<int64_t>(value("best_epoch"));
  wait_ = static_cast<int64_t>(value("wait"));
  stopped_epoch_ = static_cast<int64_t>(value("stopped_epoch"));
  best_weights_ = state.tensors;
  // The interrupted run had decided to stop: its resumption ends here too (fit() cleared the flag before).
  if (stopped_epoch_ >= 0) model().stop_training(true);
}

void EarlyStopping::on_train_end(const Logs&) {
  if (stopped_epoch_ >= 0 && options_.verbose > 0) {
    std::cout << "Epoch " << stopped_epoch_ + 1 << ": early stopping\n";
  }
  if (options_.restore_best_weights && !best_weights_.empty()) {
    if (options_.verbose > 0) {
      std::cout << "Restoring model weights from the end of the best epoch: " << best_epoch_ + 1 << ".\n";
    }
    restore_weights(model(), best_weights_);
  }
}

}  // namespace fovea
