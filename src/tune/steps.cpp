// The strategies' shared bookkeeping: waiting steps, ranking, numbers in messages.
#include "steps.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "fovea/core/error.h"

namespace fovea::tune::detail {

bool scored(const std::optional<double>& score) { return score.has_value() && !std::isnan(*score); }

bool ranks_before(const Observation& a, const Observation& b) {
  const bool a_scored = scored(a.score);
  const bool b_scored = scored(b.score);
  if (a_scored != b_scored) return a_scored;
  if (a_scored && *a.score != *b.score) return *a.score > *b.score;
  return a.trial < b.trial;
}

std::vector<Observation> ranked(std::vector<Observation> observations) {
  std::sort(observations.begin(), observations.end(), ranks_before);
  return observations;
}

void StepBook::issued(const TrialStep& step) { waiting_[step.trial] = step; }

TrialStep StepBook::take(const TrialResult& result) {
  const auto it = waiting_.find(result.trial);
  FOVEA_CHECK(it != waiting_.end(), ValueError, "report: trial ", result.trial,
              " has no step waiting for a result (reported twice, or never suggested)");
  const double budget = it->second.budget;
  FOVEA_CHECK(std::abs(result.budget - budget) <= 1e-9 * std::max(1.0, std::abs(budget)), ValueError, "report: trial ",
              result.trial, "'s step has budget ", budget, ", the result says ", result.budget);
  TrialStep step = std::move(it->second);
  waiting_.erase(it);
  return step;
}

std::string short_number(double value) {
  std::ostringstream out;
  out.precision(3);
  out << value;
  return out.str();
}

}  // namespace fovea::tune::detail
