// `fovea tune`'s view of its trials. Every ended step, stopped trial and strategy message is printed as a line of
// its own, so a log (output not a terminal) reads as a record of the search; on a terminal a block at the bottom
// also shows the running trials, the counts and the best so far, redrawn in place.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <ostream>
#include <string>

#include "fovea/tune/search.h"

namespace fovea::cli {

// "lr=0.0031 optimizer=adam units=128": a config in one line, numbers to 4 significant digits.
std::string config_line(const tune::Config& config);

class TrialTable {
 public:
  // interactive: out is a terminal of `width` columns (the live block is drawn, each of its lines cut to the width so
  // that none wraps and the block can be redrawn in place). objective names the value ("val_accuracy").
  TrialTable(std::ostream& out, bool interactive, int width, std::string objective, tune::Direction direction);

  void on_event(const tune::SearchEvent& event);
  // Redraws the live block (its clocks), at most about once a second.
  void tick();
  // Removes the live block and prints the final counts line.
  void finish();

 private:
  void print_line(const std::string& line);  // above the live block
  void draw_block();
  void clear_block();
  std::string counts_line() const;

  std::ostream& out_;
  bool interactive_;
  int width_;
  std::string objective_;
  tune::Direction direction_;
  int block_lines_ = 0;  // lines of the live block on screen
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
  struct Running {
    tune::TrialStep step;
    std::chrono::steady_clock::time_point since;
  };
  std::map<int64_t, Running> running_;  // by trial
  int64_t done_ = 0, failed_ = 0, stopped_ = 0, replayed_ = 0;
  std::map<int64_t, tune::StepRecord> latest_;  // each trial's latest ended step
};

}  // namespace fovea::cli
