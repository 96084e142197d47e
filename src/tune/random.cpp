// Random search (Bergstra & Bengio 2012): independent samples of the space, at the full budget.
#include "check_options.h"
#include "list_strategy.h"

namespace fovea::tune {

std::unique_ptr<Strategy> random_search(const SearchSpace& space, const StrategyOptions& options) {
  detail::check_options("random", options);
  // Drawn up front: no result changes them, so they may all run at once.
  Generator gen(options.seed);
  std::vector<Config> configs;
  for (int64_t i = 0; i < options.trials; ++i) configs.push_back(space.sample(gen));
  nlohmann::json settings = {{"trials", options.trials}, {"max_budget", options.max_budget}, {"seed", options.seed}};
  return std::make_unique<detail::ListStrategy>("random", std::move(settings), std::move(configs), options.max_budget);
}

}  // namespace fovea::tune
