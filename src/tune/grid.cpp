// Grid search: every configuration of the space's grid once, at the full budget.
#include "check_options.h"
#include "list_strategy.h"

namespace fovea::tune {

std::unique_ptr<Strategy> grid_search(const SearchSpace& space, const StrategyOptions& options) {
  detail::check_options("grid", options);
  std::vector<Config> configs = space.grid(options.grid_points);
  nlohmann::json settings = {{"grid_points", options.grid_points},
                             {"max_budget", options.max_budget},
                             {"configs", configs.size()}};
  return std::make_unique<detail::ListStrategy>("grid", std::move(settings), std::move(configs), options.max_budget);
}

}  // namespace fovea::tune
