// What the strategies share: the book of steps waiting for results (and the checks on what is reported), the
// ranking of results (failed below every score, ties by trial number so that order of arrival never matters) and
// how numbers appear in messages.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fovea/tune/strategy.h"

namespace fovea::tune::detail {

// A reported step: what the samplers fit on.
struct Observation {
  int64_t trial = 0;
  Config config = Config::object();
  double budget = 0;
  std::optional<double> score{};  // none: failed (a NaN score counts as failed)
};

// Whether a result counts as scored: it has a score that is not NaN.
bool scored(const std::optional<double>& score);
// a ranks before b: scored before failed, higher scores first, then the lower trial number.
bool ranks_before(const Observation& a, const Observation& b);
// Sorted best first by ranks_before.
std::vector<Observation> ranked(std::vector<Observation> observations);

// Steps suggested and not yet reported.
class StepBook {
 public:
  void issued(const TrialStep& step);
  // The step `result` answers, removed from the book; ValueError when no step of that trial waits for a result or
  // the budgets differ.
  TrialStep take(const TrialResult& result);
  bool empty() const { return waiting_.empty(); }
  int64_t size() const { return static_cast<int64_t>(waiting_.size()); }

 private:
  std::map<int64_t, TrialStep> waiting_;
};

// A value for messages: three significant digits ("0.0012", "0.1", "128").
std::string short_number(double value);

}  // namespace fovea::tune::detail
