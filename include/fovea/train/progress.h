// Progress display for fit/evaluate/predict, as Keras prints it: a bar that updates in place on a terminal,
// one line per epoch when output goes to a file or a CI log, nothing at verbose 0.
//
//   469/469 [==============================] - 12s 25ms/step - loss: 0.3121 - accuracy: 0.8874
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>

#include "fovea/train/callbacks.h"

namespace fovea {

// verbose: 0 silent, 1 a bar updated in place (needs a terminal), 2 one line when finished. -1 (auto) picks 1
// when the stream is a terminal and 2 otherwise.
int resolve_verbose(int verbose, const std::ostream& out);

// "12s", "1:02", "1:02:03" as Keras writes durations; "235ms" and "52us" below a second.
std::string format_duration(double seconds);
// A log value as Keras prints it: 4 decimals, or scientific notation for very small values ("1.2345e-05").
std::string format_log_value(double value);

// One bar for `target` steps (0 when unknown). update() redraws at most every 50 ms on a terminal; the final
// update (step == target, or finish()) always prints.
class ProgressBar {
 public:
  ProgressBar(int64_t target, int verbose, std::ostream& out);
  // step: steps completed; logs: the running values to show.
  void update(int64_t step, const Logs& logs);
  // Prints the final state (bar or line) with logs, then a newline. Called once.
  void finish(int64_t step, const Logs& logs);
  // Seconds since construction.
  double elapsed() const;

 private:
  std::string render(int64_t step, const Logs& logs, bool final) const;

  int64_t target_;
  int verbose_;
  std::ostream& out_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  size_t last_width_ = 0;
  bool finished_ = false;
};

// The callback fit() adds to show progress: "Epoch 3/10" then a bar per epoch.
class ProgressLogger : public Callback {
 public:
  ProgressLogger(int verbose, std::ostream& out);
  void on_epoch_begin(int64_t epoch, const Logs& logs) override;
  void on_train_batch_end(int64_t batch, const Logs& logs) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;

 private:
  int verbose_;
  std::ostream& out_;
  std::unique_ptr<ProgressBar> bar_;
  int64_t seen_ = 0;
};

}  // namespace fovea
