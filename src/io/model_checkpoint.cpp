// ModelCheckpoint: saves after each epoch (or when the monitored value improves) through the atomic model
// file writer, so an interrupted or failed save never destroys the previous checkpoint.
#include "fovea/io/model_checkpoint.h"

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "fovea/core/error.h"
#include "fovea/io/json.h"
#include "fovea/io/model_file.h"
#include "fovea/models/model.h"
#include "train/callbacks/monitor.h"

namespace fovea {

using namespace callback_detail;

namespace {

// "02d", ".4f", "" -> a printf conversion; ValueError for anything else.
std::string printf_format(const std::string& spec, const std::string& pattern) {
  if (spec.empty()) return "";
  const char conversion = spec.back();
  bool valid = conversion == 'd' || conversion == 'f' || conversion == 'e' || conversion == 'g';
  for (size_t i = 0; valid && i + 1 < spec.size(); ++i) {
    valid = (spec[i] >= '0' && spec[i] <= '9') || spec[i] == '.';
  }
  FOVEA_CHECK(valid, ValueError, "ModelCheckpoint: filepath '", pattern, "': format '", spec,
              "' is not understood (use forms like {epoch:02d} or {val_loss:.4f})");
  return "%" + spec;
}

std::string format_value(double value, const std::string& spec, const std::string& pattern) {
  std::string fmt = printf_format(spec, pattern);
  char buffer[64];
  if (fmt.empty()) {
    std::snprintf(buffer, sizeof buffer, "%g", value);
  } else if (fmt.back() == 'd') {
    fmt.insert(fmt.size() - 1, "ll");
    std::snprintf(buffer, sizeof buffer, fmt.c_str(), static_cast<long long>(value));
  } else {
    std::snprintf(buffer, sizeof buffer, fmt.c_str(), value);
  }
  return buffer;
}

}  // namespace

std::string format_checkpoint_path(const std::string& pattern, int64_t epoch, const Logs& logs) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '{') {
      out += pattern[i];
      continue;
    }
    const size_t close = pattern.find('}', i);
    FOVEA_CHECK(close != std::string::npos, ValueError, "ModelCheckpoint: filepath '", pattern,
                "' has an unclosed '{'");
    const std::string field = pattern.substr(i + 1, close - i - 1);
    const size_t colon = field.find(':');
    const std::string name = field.substr(0, colon);
    const std::string spec = colon == std::string::npos ? "" : field.substr(colon + 1);
    if (name == "epoch") {
      out += spec.empty() ? std::to_string(epoch) : format_value(static_cast<double>(epoch), spec, pattern);
    } else {
      std::optional<double> v = logs.get(name);
      FOVEA_CHECK(v.has_value(), ValueError, "ModelCheckpoint: filepath '", pattern, "' uses {", name,
                  "} but the logs have no such value");
      out += format_value(*v, spec, pattern);
    }
    i = close;
  }
  return out;
}

ModelCheckpoint::ModelCheckpoint(const ModelCheckpointOptions& options) : options_(options) {
  FOVEA_CHECK(!options.filepath.empty(), ValueError, "ModelCheckpoint: filepath is empty");
  maximize_ = maximizes(options.monitor, options.mode);
}

void ModelCheckpoint::on_train_begin(const Logs&) { best_.reset(); }

void ModelCheckpoint::on_epoch_end(int64_t epoch, Logs& logs) {
  if (options_.save_best_only) {
    const double current = monitored(logs, options_.monitor, "ModelCheckpoint");
    if (best_ && !improves(current, *best_, 0.0, maximize_)) {
      if (options_.verbose > 0) {
        std::cout << "\nEpoch " << epoch + 1 << ": " << options_.monitor << " did not improve from " << *best_
                  << "\n";
      }
      return;
    }
    if (options_.verbose > 0) {
      std::cout << "\nEpoch " << epoch + 1 << ": " << options_.monitor << " improved to " << current << "\n";
    }
    best_ = current;
  }
  const std::string path = format_checkpoint_path(options_.filepath, epoch + 1, logs);
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  Model& m = model();
  if (options_.save_weights_only) {
    save_weights(m, path);
  } else {
    save_model(m, path, {.optimizer = m.compiled() ? &m.optimizer() : nullptr, .epoch = epoch + 1});
  }
  last_saved_ = path;
  if (options_.verbose > 0) std::cout << "Epoch " << epoch + 1 << ": saving model to " << path << "\n";
}

}  // namespace fovea
