// ListStrategy: every configuration of its list once, all of them suggestable at once (no result changes the list).
#include "list_strategy.h"

namespace fovea::tune::detail {

ListStrategy::ListStrategy(std::string name, nlohmann::json settings, std::vector<Config> configs, double budget)
    : name_(std::move(name)), settings_(std::move(settings)), configs_(std::move(configs)), budget_(budget) {}

std::optional<TrialStep> ListStrategy::suggest() {
  if (next_ >= configs_.size()) return std::nullopt;
  TrialStep step{.trial = static_cast<int64_t>(next_), .config = configs_[next_], .budget = budget_};
  ++next_;
  book_.issued(step);
  return step;
}

void ListStrategy::report(const TrialResult& result) { book_.take(result); }

bool ListStrategy::finished() const { return next_ >= configs_.size() && book_.empty(); }

}  // namespace fovea::tune::detail
