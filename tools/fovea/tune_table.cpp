#include "tune_table.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

namespace fovea::cli {

namespace {

std::string number(double value, int digits = 4) {
  std::ostringstream text;
  text << std::setprecision(digits) << value;
  return text.str();
}

std::string duration(double seconds) {
  const auto whole = static_cast<int64_t>(seconds);
  if (whole < 60) return number(seconds, 3) + " s";
  if (whole < 3600) return std::to_string(whole / 60) + " min " + std::to_string(whole % 60) + " s";
  return std::to_string(whole / 3600) + " h " + std::to_string(whole / 60 % 60) + " min";
}

std::string trial_label(int64_t trial) {
  std::string text = "trial " + std::to_string(trial);
  return text + std::string(text.size() < 10 ? 10 - text.size() : 1, ' ');
}

}  // namespace

std::string config_line(const tune::Config& config) {
  std::string out;
  for (const auto& [name, value] : config.items()) {
    out += (out.empty() ? "" : " ") + name + "=";
    if (value.is_number_float()) {
      out += number(value.get<double>());
    } else if (value.is_string()) {
      out += value.get<std::string>();
    } else {
      out += value.dump();
    }
  }
  return out;
}

TrialTable::TrialTable(std::ostream& out, bool interactive, int width, std::string objective,
                       tune::Direction direction)
    : out_(out), interactive_(interactive), width_(std::max(20, width)), objective_(std::move(objective)), direction_(direction) {}

void TrialTable::on_event(const tune::SearchEvent& event) {
  using Kind = tune::SearchEvent::Kind;
  if (event.kind == Kind::message) {
    print_line(event.message);
  } else if (event.kind == Kind::started) {
    const tune::TrialStep& step = event.record->step;
    running_[step.trial] = {step, std::chrono::steady_clock::now()};
    if (!interactive_) {
      print_line(trial_label(step.trial) + "started   budget " + number(step.budget) +
                 (step.continues ? " (continues from " + number(step.previous_budget) + ")" : "") + "  " +
                 config_line(step.config));
    }
  } else if (event.kind == Kind::ended) {
    const tune::StepRecord& record = *event.record;
    running_.erase(record.step.trial);
    if (event.replayed) ++replayed_;
    std::string line = trial_label(record.step.trial);
    latest_[record.step.trial] = record;
    if (record.status == tune::StepRecord::Status::done) {
      ++done_;
      line += "done      budget " + number(record.step.budget) + "  " + objective_ + " " + number(*record.value) +
              "  " + duration(record.seconds) + (event.replayed ? " (from the journal)" : "") + "  " +
              config_line(record.step.config);
    } else {
      ++failed_;
      line += "failed    budget " + number(record.step.budget) + "  " + record.failure +
              (event.replayed ? " (from the journal)" : "");
    }
    print_line(line);
  } else if (event.kind == Kind::stopped) {
    ++stopped_;
    const tune::StepRecord& record = *event.record;
    print_line(trial_label(record.step.trial) + "stopped early after budget " + number(record.step.budget) +
               (record.value ? " (" + objective_ + " " + number(*record.value) + ")" : ""));
  }
}

std::string TrialTable::counts_line() const {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string line = std::to_string(done_) + " done, " + std::to_string(stopped_) + " stopped early, " +
                     std::to_string(failed_) + " failed";
  if (!running_.empty()) line += ", " + std::to_string(running_.size()) + " running";
  if (replayed_ > 0) line += " (" + std::to_string(replayed_) + " from the journal)";
  // The best trial as the search judges it: by each trial's latest step (SearchResult::best).
  const tune::StepRecord* best = nullptr;
  for (const auto& [trial, record] : latest_) {
    if (record.status != tune::StepRecord::Status::done) continue;
    if (best == nullptr || (direction_ == tune::Direction::maximize ? *record.value > *best->value
                                                                    : *record.value < *best->value)) {
      best = &record;
    }
  }
  if (best != nullptr) {
    line += "; best " + objective_ + " " + number(*best->value) + " (trial " + std::to_string(best->step.trial) +
            ", budget " + number(best->step.budget) + ")";
  }
  return line + "; " + duration(seconds);
}

void TrialTable::print_line(const std::string& line) {
  clear_block();
  out_ << line << "\n";
  draw_block();
  out_ << std::flush;  // a log (a file, a pipe) gets each line as it happens, not a buffer at a time
}

void TrialTable::clear_block() {
  if (!interactive_ || block_lines_ == 0) return;
  out_ << "\x1b[" << block_lines_ << "F\x1b[J";  // up to the block's first line, then erase to the screen's end
  block_lines_ = 0;
}

void TrialTable::draw_block() {
  if (!interactive_) return;
  const auto now = std::chrono::steady_clock::now();
  auto block_line = [&](std::string line) {
    if (static_cast<int>(line.size()) >= width_) line = line.substr(0, static_cast<size_t>(width_ - 4)) + "...";
    out_ << line << "\n";
    ++block_lines_;
  };
  for (const auto& [trial, running] : running_) {
    block_line("  " + trial_label(trial) + "running   budget " + number(running.step.budget) + "  " +
               duration(std::chrono::duration<double>(now - running.since).count()) + "  " +
               config_line(running.step.config));
  }
  block_line("  " + counts_line());
  out_ << std::flush;
  last_draw_ = now;
}

void TrialTable::tick() {
  if (!interactive_ || std::chrono::steady_clock::now() - last_draw_ < std::chrono::seconds(1)) return;
  clear_block();
  draw_block();
}

void TrialTable::finish() {
  clear_block();
  out_ << counts_line() << "\n" << std::flush;
}

}  // namespace fovea::cli
