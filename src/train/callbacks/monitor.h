// Shared by the callbacks that watch a logged value (EarlyStopping, ModelCheckpoint, ReduceLROnPlateau).
#pragma once

#include <string>
#include <vector>

#include "fovea/train/callbacks.h"

namespace fovea::callback_detail {

// True when larger values of `monitor` are better under mode (auto: accuracy-like names go up).
bool maximizes(const std::string& monitor, MonitorMode mode);

// The monitored value; ValueError naming the callback and listing the logged names when it is absent (for
// example "val_loss" without validation data).
double monitored(const Logs& logs, const std::string& monitor, const std::string& callback);

// Whether current beats best by more than min_delta in the monitor's direction.
bool improves(double current, double best, double min_delta, bool maximize);

// A value of a callback's stored state; ValueError naming the callback when a checkpoint lacks it (a checkpoint
// written for other callbacks).
double state_value(const CallbackState& state, const std::string& name, const std::string& callback);

// Copies of every weight value of the model, and their restoration.
std::vector<Tensor> snapshot_weights(Model& model);
void restore_weights(Model& model, const std::vector<Tensor>& values);

}  // namespace fovea::callback_detail
