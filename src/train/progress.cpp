// Keras's progress bar (keras/utils/generic_utils.py Progbar), for fit, evaluate and predict.
#include "fovea/train/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace fovea {

namespace {

bool is_terminal(const std::ostream& out) {
  if (&out == &std::cout) return ::isatty(STDOUT_FILENO) != 0;
  if (&out == &std::cerr || &out == &std::clog) return ::isatty(STDERR_FILENO) != 0;
  return false;
}

std::string printf_string(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

std::string format_per_step(double seconds) {
  if (seconds >= 1) return printf_string("%.0fs/step", seconds);
  if (seconds >= 1e-3) return printf_string("%.0fms/step", seconds * 1e3);
  return printf_string("%.0fus/step", seconds * 1e6);
}

}  // namespace

int resolve_verbose(int verbose, const std::ostream& out) {
  if (verbose >= 0) return verbose;
  return is_terminal(out) ? 1 : 2;
}

std::string format_duration(double seconds) {
  if (seconds < 1e-3) return printf_string("%.0fus", seconds * 1e6);
  if (seconds < 1) return printf_string("%.0fms", seconds * 1e3);
  const auto total = static_cast<long long>(std::llround(seconds));
  char buffer[64];
  if (total >= 3600) {
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld:%02lld", total / 3600, (total % 3600) / 60, total % 60);
  } else if (total >= 60) {
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld", total / 60, total % 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%llds", total);
  }
  return buffer;
}

std::string format_log_value(double value) {
  return printf_string(std::abs(value) > 1e-3 || value == 0 ? "%.4f" : "%.4e", value);
}

ProgressBar::ProgressBar(int64_t target, int verbose, std::ostream& out)
    : target_(target), verbose_(verbose), out_(out), start_(std::chrono::steady_clock::now()) {
  // A bar redrawn in place needs a terminal; elsewhere verbose 1 prints the final bar once.
  if (verbose_ == 1 && !is_terminal(out_)) verbose_ = 3;
}

double ProgressBar::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string ProgressBar::render(int64_t step, const Logs& logs, bool final) const {
  const double seconds = elapsed();
  const double per_step = step > 0 ? seconds / static_cast<double>(step) : 0.0;
  std::string line;
  if (verbose_ == 2) {
    line = std::to_string(step) + "/" + std::to_string(target_) + " - " + format_duration(seconds) + " - " +
           format_per_step(per_step);
  } else {
    const int width = 30;
    if (target_ > 0) {
      const int digits = static_cast<int>(std::log10(static_cast<double>(target_))) + 1;
      line = printf_string(("%" + std::to_string(digits) + ".0f").c_str(), static_cast<double>(step)) + "/" +
             std::to_string(target_) + " [";
      const int filled = static_cast<int>(width * std::min(1.0, static_cast<double>(step) / target_));
      if (filled > 0) line += std::string(filled - 1, '=') + (step < target_ ? '>' : '=');
      line += std::string(width - filled, '.') + "]";
    } else {
      line = std::to_string(step) + "/Unknown";
    }
    if (final || (target_ > 0 && step >= target_)) {
      line += " - " + format_duration(seconds) + " " + format_per_step(per_step);
    } else if (target_ > 0) {
      line += " - ETA: " + format_duration(per_step * static_cast<double>(target_ - step));
    }
  }
  for (const auto& [name, value] : logs) line += " - " + name + ": " + format_log_value(value);
  return line;
}

void ProgressBar::update(int64_t step, const Logs& logs) {
  if (verbose_ != 1 || finished_) return;
  const auto now = std::chrono::steady_clock::now();
  if (step < target_ && now - last_draw_ < std::chrono::milliseconds(50)) return;
  last_draw_ = now;
  std::string line = render(step, logs, false);
  const size_t width = line.size();
  // Pad with spaces so a shorter line fully covers the previous one.
  if (width < last_width_) line += std::string(last_width_ - width, ' ');
  last_width_ = width;
  out_ << '\r' << line << std::flush;
}

void ProgressBar::finish(int64_t step, const Logs& logs) {
  if (finished_ || verbose_ == 0) return;
  finished_ = true;
  std::string line = render(step, logs, true);
  if (verbose_ == 1) {
    if (line.size() < last_width_) line += std::string(last_width_ - line.size(), ' ');
    out_ << '\r';
  }
  out_ << line << '\n' << std::flush;
}

ProgressLogger::ProgressLogger(int verbose, std::ostream& out) : verbose_(verbose), out_(out) {}

void ProgressLogger::on_epoch_begin(int64_t epoch, const Logs&) {
  if (verbose_ == 0) return;
  out_ << "Epoch " << epoch + 1 << "/" << params().epochs << '\n' << std::flush;
  bar_ = std::make_unique<ProgressBar>(params().steps, verbose_, out_);
  seen_ = 0;
}

void ProgressLogger::on_train_batch_end(int64_t batch, const Logs& logs) {
  seen_ = batch + 1;
  if (bar_) bar_->update(seen_, logs);
}

void ProgressLogger::on_epoch_end(int64_t, Logs& logs) {
  if (bar_) bar_->finish(seen_, logs);
  bar_.reset();
}

}  // namespace fovea
