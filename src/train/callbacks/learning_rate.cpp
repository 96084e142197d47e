// Callbacks that change the learning rate: LearningRateScheduler (a function of the epoch) and
// ReduceLROnPlateau (on a stalled monitored value).
#include <iostream>

#include "fovea/core/error.h"
#include "fovea/models/model.h"
#include "fovea/train/optimizers.h"
#include "train/callbacks/monitor.h"

namespace fovea {

using namespace callback_detail;

LearningRateScheduler::LearningRateScheduler(std::function<double(int64_t, double)> schedule, int verbose)
    : schedule_(std::move(schedule)), verbose_(verbose) {
  FOVEA_CHECK(schedule_ != nullptr, ValueError, "LearningRateScheduler: the schedule function is empty");
}

void LearningRateScheduler::on_epoch_begin(int64_t epoch, const Logs&) {
  Optimizer& opt = model().optimizer();
  const double rate = schedule_(epoch, opt.learning_rate());
  opt.set_learning_rate(rate);
  if (verbose_ > 0) {
    std::cout << "\nEpoch " << epoch + 1 << ": LearningRateScheduler setting learning rate to " << rate << ".\n";
  }
}

void LearningRateScheduler::on_epoch_end(int64_t, Logs& logs) {
  logs.set("learning_rate", model().optimizer().learning_rate());
}

ReduceLROnPlateau::ReduceLROnPlateau(const ReduceLROnPlateauOptions& options) : options_(options) {
  FOVEA_CHECK(options.factor > 0 && options.factor < 1, ValueError,
              "ReduceLROnPlateau: factor must be in (0, 1), got ", options.factor);
  FOVEA_CHECK(options.patience >= 0 && options.cooldown >= 0, ValueError,
              "ReduceLROnPlateau: patience and cooldown must be >= 0");
  maximize_ = maximizes(options.monitor, options.mode);
}

void ReduceLROnPlateau::on_train_begin(const Logs&) {
  best_.reset();
  wait_ = 0;
  cooldown_left_ = 0;
}

CallbackState ReduceLROnPlateau::state() const {
  CallbackState state{.values = {{"wait", static_cast<double>(wait_)},
                                 {"cooldown_left", static_cast<double>(cooldown_left_)}}};
  if (best_) state.values["best"] = *best_;
  return state;
}

void ReduceLROnPlateau::set_state(const CallbackState& state) {
  wait_ = static_cast<int64_t>(state_value(state, "wait", "ReduceLROnPlateau"));
  cooldown_left_ = static_cast<int64_t>(state_value(state, "cooldown_left", "ReduceLROnPlateau"));
  best_.reset();
  if (const auto best = state.values.find("best"); best != state.values.end()) best_ = best->second;
}

void ReduceLROnPlateau::on_epoch_end(int64_t epoch, Logs& logs) {
  Optimizer& opt = model().optimizer();
  logs.set("learning_rate", opt.learning_rate());
  const double current = monitored(logs, options_.monitor, "ReduceLROnPlateau");
  if (cooldown_left_ > 0) {
    --cooldown_left_;
    wait_ = 0;
  }
  if (!best_ || improves(current, *best_, options_.min_delta, maximize_)) {
    best_ = current;
    wait_ = 0;
    return;
  }
  if (cooldown_left_ > 0) return;
  if (++wait_ < options_.patience) return;
  const double old_rate = opt.learning_rate();
  if (old_rate > options_.min_lr) {
    const double new_rate = std::max(old_rate * options_.factor, options_.min_lr);
    opt.set_learning_rate(new_rate);
    if (options_.verbose > 0) {
      std::cout << "\nEpoch " << epoch + 1 << ": ReduceLROnPlateau reducing learning rate to " << new_rate
                << ".\n";
    }
    cooldown_left_ = options_.cooldown;
    wait_ = 0;
  }
}

}  // namespace fovea
