// Coarse-to-fine random search: rounds of random trials, each later round in ranges narrowed around the best
// trials so far.
#include <algorithm>
#include <cmath>

#include "check_options.h"
#include "fovea/core/error.h"
#include "steps.h"

namespace fovea::tune {
namespace {

std::string value_text(const Knob& knob, double value) {
  if (knob.kind == KnobKind::int_range) return std::to_string(std::llround(value));
  return detail::short_number(value);
}

class CoarseToFine : public Strategy {
 public:
  CoarseToFine(const SearchSpace& space, const StrategyOptions& options)
      : space_(space), ranges_(space.knobs()), options_(options), gen_(options.seed) {}

  std::optional<TrialStep> suggest() override {
    if (issued_in_round_ == options_.trials) {
      // A round is narrowed from every result of the rounds before it, so it waits for them all.
      if (!book_.empty() || round_ + 1 >= options_.rounds) return std::nullopt;
      ++round_;
      issued_in_round_ = 0;
      narrow();
    }
    if (issued_in_round_ == 0) {
      say(::fovea::detail::concat("round ", round_ + 1, " of ", options_.rounds, ": ", options_.trials, " random trials"));
    }
    Config config = Config::object();
    for (const Knob& knob : ranges_) config[knob.name] = knob.sample(gen_);
    TrialStep step{.trial = next_trial_++,
                   .config = space_.drop_inactive(std::move(config)),
                   .budget = options_.max_budget,
                   .round = round_};
    ++issued_in_round_;
    book_.issued(step);
    return step;
  }

  void report(const TrialResult& result) override {
    const TrialStep step = book_.take(result);
    results_.push_back({.trial = step.trial, .config = step.config, .budget = step.budget, .score = result.score});
  }

  bool finished() const override {
    return round_ + 1 >= options_.rounds && issued_in_round_ == options_.trials && book_.empty();
  }

  std::string name() const override { return "coarse-to-fine"; }
  nlohmann::json settings() const override {
    return {{"trials", options_.trials},
            {"rounds", options_.rounds},
            {"max_budget", options_.max_budget},
            {"seed", options_.seed}};
  }

 private:
  // Every numeric knob's range becomes the span of the best trials' values (in the original knob's unit interval:
  // log space for log knobs) widened by a quarter of the span on each side, and at least by a twentieth of the
  // original range, clipped to the original range. Ranking ties go to the lower trial number, so the order
  // results arrived in does not matter.
  void narrow() {
    std::vector<detail::Observation> best = detail::ranked(results_);
    const auto n_scored = std::count_if(best.begin(), best.end(), [](const auto& o) { return detail::scored(o.score); });
    const int64_t keep = std::min<int64_t>(n_scored, std::max<int64_t>(2, (n_scored + 3) / 4));
    if (keep == 0) {
      say(::fovea::detail::concat("round ", round_ + 1, ": no trial has a score yet, so the ranges stay"));
      return;
    }
    best.resize(static_cast<size_t>(keep));
    for (size_t k = 0; k < ranges_.size(); ++k) {
      const Knob& original = space_.knobs()[k];
      if (!original.numeric()) continue;
      std::vector<double> units;
      for (const auto& o : best) {
        const auto it = o.config.find(original.name);
        if (it != o.config.end()) units.push_back(original.to_unit(*it));
      }
      if (units.empty()) continue;  // a conditional knob none of the best trials had
      const auto [low_u, high_u] = std::minmax_element(units.begin(), units.end());
      const double margin = std::max(0.25 * (*high_u - *low_u), 0.05);
      // from_unit lands on the grid point whose share holds the position, so the best values stay inside.
      Knob narrowed = original;
      narrowed.low = original.from_unit(std::max(0.0, *low_u - margin)).get<double>();
      narrowed.high = original.from_unit(std::min(1.0, *high_u + margin)).get<double>();
      if (original.kind == KnobKind::float_range && narrowed.low == narrowed.high) {
        // A float with a coarse step collapsed onto one grid point; a float range needs two, so take a neighbour.
        const double share = 2 * original.to_unit(original.low);  // each grid point's part of the unit interval
        const double u = original.to_unit(narrowed.low);
        if (u + share <= 1) {
          narrowed.high = original.from_unit(u + share).get<double>();
        } else {
          narrowed.low = original.from_unit(u - share).get<double>();
        }
      }
      Knob& current = ranges_[k];
      say(::fovea::detail::concat("round ", round_ + 1, ": ", original.name, " in [", value_text(original, narrowed.low), ", ",
                         value_text(original, narrowed.high), "] (was [", value_text(original, current.low), ", ",
                         value_text(original, current.high), "])"));
      current = narrowed;
    }
  }

  SearchSpace space_;
  std::vector<Knob> ranges_;  // the space's knobs with this round's ranges
  StrategyOptions options_;
  Generator gen_;
  int64_t round_ = 0;
  int64_t issued_in_round_ = 0;
  int64_t next_trial_ = 0;
  detail::StepBook book_;
  std::vector<detail::Observation> results_;
};

}  // namespace

std::unique_ptr<Strategy> coarse_to_fine(const SearchSpace& space, const StrategyOptions& options) {
  detail::check_options("coarse-to-fine", options);
  return std::make_unique<CoarseToFine>(space, options);
}

}  // namespace fovea::tune
