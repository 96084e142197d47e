// The TPE strategy: random startup trials, then generations of trials drawn from Parzen estimators fitted on the
// results of the generations before.
#include <algorithm>

#include "check_options.h"
#include "fovea/core/error.h"
#include "parzen.h"

namespace fovea::tune {
namespace {

class TpeStrategy : public Strategy {
 public:
  TpeStrategy(const SearchSpace& space, const StrategyOptions& options)
      : space_(space), options_(options), gen_(options.seed) {}

  std::optional<TrialStep> suggest() override {
    if (next_in_batch_ >= batch_.size()) {
      // Generation g is fitted on every result of the generations before it, so it waits for them all: then
      // however many trials run at once, the same results make the same model.
      if (next_trial_ >= options_.trials || !book_.empty()) return std::nullopt;
      start_generation();
    }
    TrialStep step{.trial = next_trial_++,
                   .config = batch_[next_in_batch_++],
                   .budget = options_.max_budget,
                   .round = generation_};
    book_.issued(step);
    return step;
  }

  void report(const TrialResult& result) override {
    const TrialStep step = book_.take(result);
    history_.push_back({.trial = step.trial, .config = step.config, .budget = step.budget, .score = result.score});
  }

  bool finished() const override { return next_trial_ >= options_.trials && book_.empty(); }
  std::string name() const override { return "tpe"; }
  nlohmann::json settings() const override {
    return {{"trials", options_.trials},
            {"max_budget", options_.max_budget},
            {"seed", options_.seed},
            {"startup", options_.tpe.startup},
            {"candidates", options_.tpe.candidates},
            {"generation", options_.tpe.generation},
            {"prior_weight", options_.tpe.prior_weight}};
  }

 private:
  void start_generation() {
    ++generation_;
    const int64_t remaining = options_.trials - next_trial_;
    batch_.clear();
    next_in_batch_ = 0;
    if (generation_ == 0 && options_.tpe.startup > 0) {
      const int64_t count = std::min(options_.tpe.startup, remaining);
      for (int64_t i = 0; i < count; ++i) batch_.push_back(space_.sample(gen_));
      say(::fovea::detail::concat("generation 0: ", count, " random trials to start from"));
      return;
    }
    std::vector<detail::Observation> history = history_;
    std::sort(history.begin(), history.end(), [](const auto& a, const auto& b) { return a.trial < b.trial; });
    const int64_t count = std::min(options_.tpe.generation, remaining);
    batch_ = detail::tpe_sample(space_, {.observations = &history, .count = count, .options = options_.tpe}, gen_);
    if (!announced_) {
      say(::fovea::detail::concat("generation ", generation_, ": TPE takes over, fitted on ", history.size(),
                                  " results (then refitted every ", options_.tpe.generation, " trials)"));
      announced_ = true;
    }
  }

  SearchSpace space_;
  StrategyOptions options_;
  Generator gen_;
  int64_t next_trial_ = 0;
  int64_t generation_ = -1;
  std::vector<Config> batch_;
  size_t next_in_batch_ = 0;
  bool announced_ = false;
  detail::StepBook book_;
  std::vector<detail::Observation> history_;
};

}  // namespace

std::unique_ptr<Strategy> tpe(const SearchSpace& space, const StrategyOptions& options) {
  detail::check_options("tpe", options);
  return std::make_unique<TpeStrategy>(space, options);
}

}  // namespace fovea::tune
