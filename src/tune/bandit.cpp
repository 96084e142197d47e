// BanditStrategy: brackets of successive halving, one after the other, each drawing its configurations from a
// sampler when it starts.
#include "bandit.h"

#include <algorithm>

#include "fovea/core/error.h"

namespace fovea::tune::detail {
namespace {

using ::fovea::detail::concat;

std::string rungs_text(const std::vector<Rung>& rungs) {
  std::string out;
  for (const Rung& rung : rungs) {
    out += (out.empty() ? "" : ", ") + std::to_string(rung.configs) + " x " + short_number(rung.budget);
  }
  return out;
}

class BanditStrategy : public Strategy {
 public:
  explicit BanditStrategy(BanditPlan plan) : plan_(std::move(plan)), gen_(plan_.seed) {}

  std::optional<TrialStep> suggest() override {
    if (finished_brackets()) return std::nullopt;
    if (!started_) start_bracket();
    if (issued_ >= members_.size()) return std::nullopt;  // the rung waits for its results
    const std::vector<Rung>& rungs = plan_.brackets[bracket_];
    const int64_t trial = members_[issued_++];
    TrialStep step{.trial = trial,
                   .config = configs_[static_cast<size_t>(trial)],
                   .budget = rungs[rung_].budget,
                   .previous_budget = rung_ > 0 ? rungs[rung_ - 1].budget : 0.0,
                   .continues = rung_ > 0,
                   .bracket = plan_.bracket_ids[bracket_],
                   .rung = static_cast<int64_t>(rung_)};
    book_.issued(step);
    return step;
  }

  void report(const TrialResult& result) override {
    const TrialStep step = book_.take(result);
    history_.push_back({.trial = step.trial, .config = step.config, .budget = step.budget, .score = result.score});
    rung_results_.push_back(history_.back());
    settle();
  }

  bool finished() const override { return finished_brackets(); }
  std::string name() const override { return plan_.name; }
  nlohmann::json settings() const override { return plan_.settings; }

 private:
  bool finished_brackets() const { return bracket_ >= plan_.brackets.size(); }

  void start_bracket() {
    std::vector<Observation> history = history_;
    std::sort(history.begin(), history.end(), [](const Observation& a, const Observation& b) {
      return a.trial != b.trial ? a.trial < b.trial : a.budget < b.budget;
    });
    const std::vector<Rung>& rungs = plan_.brackets[bracket_];
    Drawn drawn = plan_.sampler(rungs[0].configs, history, gen_);
    say(concat(plan_.bracket_titles[bracket_], ": ", rungs_text(rungs), " (configs x budget)",
               drawn.note.empty() ? "" : "; ", drawn.note));
    members_.clear();
    for (Config& config : drawn.configs) {
      members_.push_back(static_cast<int64_t>(configs_.size()));
      configs_.push_back(std::move(config));
    }
    started_ = true;
    rung_ = 0;
    issued_ = 0;
    rung_results_.clear();
  }

  // Promotes every rung whose results are all in, and ends brackets whose last rung is done.
  void settle() {
    while (started_ && issued_ == members_.size() && rung_results_.size() == members_.size()) {
      const std::vector<Rung>& rungs = plan_.brackets[bracket_];
      if (rung_ + 1 < rungs.size() && promote(rungs[rung_ + 1].configs)) continue;
      ++bracket_;
      started_ = false;
    }
  }

  // The best `count` scored trials of the rung go on; false when none has a score.
  bool promote(int64_t count) {
    const std::vector<Observation> order = ranked(rung_results_);
    std::vector<int64_t> kept;
    for (const Observation& o : order) {
      if (!scored(o.score)) continue;
      if (static_cast<int64_t>(kept.size()) < count) {
        kept.push_back(o.trial);
      } else {
        stop_trial(o.trial);
      }
    }
    if (kept.empty()) {
      say(concat(plan_.bracket_titles[bracket_], ": no trial of rung ", rung_, " has a score; the bracket ends"));
      return false;
    }
    members_ = std::move(kept);
    ++rung_;
    issued_ = 0;
    rung_results_.clear();
    return true;
  }

  BanditPlan plan_;
  Generator gen_;
  size_t bracket_ = 0;
  bool started_ = false;
  size_t rung_ = 0;
  std::vector<int64_t> members_;  // the rung's trials, in the order they are suggested
  size_t issued_ = 0;
  std::vector<Observation> rung_results_;
  std::vector<Config> configs_;  // by trial
  std::vector<Observation> history_;
  StepBook book_;
};

}  // namespace

std::unique_ptr<Strategy> make_bandit(BanditPlan plan) { return std::make_unique<BanditStrategy>(std::move(plan)); }

}  // namespace fovea::tune::detail
