// Logs, the Callback base, History, TerminateOnNaN, LambdaCallback and the monitoring helpers.
#include <cmath>
#include <iostream>
#include <limits>

#include "fovea/core/error.h"
#include "fovea/models/model.h"
#include "train/callbacks/monitor.h"

namespace fovea {

void Logs::set(const std::string& name, double value) {
  for (auto& [n, v] : items_) {
    if (n == name) {
      v = value;
      return;
    }
  }
  items_.emplace_back(name, value);
}

std::optional<double> Logs::get(const std::string& name) const {
  for (const auto& [n, v] : items_) {
    if (n == name) return v;
  }
  return std::nullopt;
}

namespace {
std::string names_of(const Logs& logs) {
  std::string out;
  for (const auto& [n, v] : logs) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}
}  // namespace

double Logs::at(const std::string& name) const {
  std::optional<double> v = get(name);
  FOVEA_CHECK(v.has_value(), ValueError, "logs have no value '", name, "'; available: ", names_of(*this));
  return *v;
}

Model& Callback::model() const {
  FOVEA_CHECK(model_ != nullptr, ValueError,
              "callback used outside fit/evaluate/predict: it has no model (set_model was not called)");
  return *model_;
}

void History::on_train_begin(const Logs&) {
  // Keras keeps extending the same History when fit() is called again on it; fit() gives each call a new one.
}

void History::on_epoch_end(int64_t epoch, Logs& logs) {
  epochs_.push_back(epoch);
  for (const auto& [name, value] : logs) {
    auto [it, added] = values_.try_emplace(name);
    if (added) names_.push_back(name);
    it->second.push_back(value);
  }
}

void History::extend(const History& later) {
  const size_t before = epochs_.size();
  epochs_.insert(epochs_.end(), later.epochs_.begin(), later.epochs_.end());
  for (const std::string& name : later.names_) {
    auto [it, added] = values_.try_emplace(name);
    if (added) names_.push_back(name);
    // A name new in the later run has no values for the earlier epochs: NaN keeps the columns aligned.
    it->second.resize(before, std::numeric_limits<double>::quiet_NaN());
    const std::vector<double>& more = later.values_.at(name);
    it->second.insert(it->second.end(), more.begin(), more.end());
  }
}

const std::vector<double>& History::at(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    std::string names;
    for (const std::string& n : names_) names += (names.empty() ? "" : ", ") + n;
    throw ValueError(detail::concat("History has no values '", name, "'; available: ",
                                    names.empty() ? "none" : names));
  }
  return it->second;
}

void TerminateOnNaN::on_train_batch_end(int64_t batch, const Logs& logs) {
  std::optional<double> loss = logs.get("loss");
  if (loss && !std::isfinite(*loss)) {
    std::cerr << "Batch " << batch << ": invalid loss, terminating training\n";
    terminated_ = true;
    model().stop_training(true);
  }
}

void LambdaCallback::on_train_begin(const Logs& logs) {
  if (options_.on_train_begin) options_.on_train_begin(logs);
}
void LambdaCallback::on_train_end(const Logs& logs) {
  if (options_.on_train_end) options_.on_train_end(logs);
}
void LambdaCallback::on_epoch_begin(int64_t epoch, const Logs& logs) {
  if (options_.on_epoch_begin) options_.on_epoch_begin(epoch, logs);
}
void LambdaCallback::on_epoch_end(int64_t epoch, Logs& logs) {
  if (options_.on_epoch_end) options_.on_epoch_end(epoch, logs);
}
void LambdaCallback::on_train_batch_end(int64_t batch, const Logs& logs) {
  if (options_.on_train_batch_end) options_.on_train_batch_end(batch, logs);
}

namespace callback_detail {

bool maximizes(const std::string& monitor, MonitorMode mode) {
  if (mode != MonitorMode::auto_) return mode == MonitorMode::max;
  for (const char* up : {"acc", "auc", "precision", "recall"}) {
    if (monitor.find(up) != std::string::npos) return true;
  }
  return false;
}

double monitored(const Logs& logs, const std::string& monitor, const std::string& callback) {
  std::optional<double> v = logs.get(monitor);
  FOVEA_CHECK(v.has_value(), ValueError, callback, ": monitors '", monitor, "' but the logs have only ",
              names_of(logs), monitor.rfind("val_", 0) == 0 ? " (is there validation data?)" : "");
  return *v;
}

bool improves(double current, double best, double min_delta, bool maximize) {
  return maximize ? current - min_delta > best : current + min_delta < best;
}

double state_value(const CallbackState& state, const std::string& name, const std::string& callback) {
  const auto it = state.values.find(name);
  FOVEA_CHECK(it != state.values.end(), ValueError, callback, ": the state to resume has no '", name,
              "'; it was written for another callback (resume with the callbacks of the checkpointed run, in order)");
  return it->second;
}

std::vector<Tensor> snapshot_weights(Model& model) {
  std::vector<Tensor> out;
  for (Weight* w : model.weights()) out.push_back(w->value.detach().clone());
  return out;
}

void restore_weights(Model& model, const std::vector<Tensor>& values) {
  std::vector<Weight*> weights = model.weights();
  FOVEA_CHECK(weights.size() == values.size(), ValueError, "restoring weights: the model has ", weights.size(),
              " weights but ", values.size(), " were saved");
  for (size_t i = 0; i < weights.size(); ++i) weights[i]->value.copy_(values[i]);
}

}  // namespace callback_detail
}  // namespace fovea
