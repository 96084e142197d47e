// Successive halving (Jamieson & Talwalkar 2016): one bracket from min_budget to max_budget.
#include <algorithm>
#include <cmath>

#include "bandit.h"
#include "check_options.h"

namespace fovea::tune {

std::vector<Rung> successive_halving_schedule(const StrategyOptions& options) {
  detail::check_options("successive-halving", options);
  std::vector<Rung> rungs;
  int64_t n = options.trials;
  double budget = options.min_budget;
  const double last = options.max_budget * (1 - 1e-9);  // 1 * 3 * 3 * 3 may land a rounding error short of 27
  while (true) {
    rungs.push_back({.configs = n, .budget = budget});
    if (budget >= last) break;
    budget = budget * options.eta >= last ? options.max_budget : budget * options.eta;
    n = std::max<int64_t>(1, static_cast<int64_t>(std::floor(static_cast<double>(n) / options.eta + 1e-9)));
  }
  return rungs;
}

std::unique_ptr<Strategy> successive_halving(const SearchSpace& space, const StrategyOptions& options) {
  detail::check_options("successive-halving", options);
  const std::string sampler = options.sampler.empty() ? "random" : options.sampler;
  return detail::make_bandit({.name = "successive-halving",
                              .settings = {{"trials", options.trials},
                                           {"min_budget", options.min_budget},
                                           {"max_budget", options.max_budget},
                                           {"eta", options.eta},
                                           {"sampler", sampler},
                                           {"seed", options.seed}},
                              .brackets = {successive_halving_schedule(options)},
                              .bracket_ids = {-1},
                              .bracket_titles = {"successive halving"},
                              .sampler = detail::named_sampler(space, options, "random"),
                              .seed = options.seed});
}

}  // namespace fovea::tune
