// make_strategy: a strategy by name, and the checks on the options each strategy reads.
#include <algorithm>
#include <cmath>

#include "check_options.h"
#include "fovea/core/error.h"

namespace fovea::tune {

const std::vector<std::string>& strategy_names() {
  static const std::vector<std::string> names = {"grid",       "random", "coarse-to-fine", "successive-halving",
                                                 "hyperband", "tpe",    "bohb"};
  return names;
}

namespace detail {

void check_options(const std::string& name, const StrategyOptions& o) {
  const std::string at = "strategy '" + name + "': ";
  const bool bandit = name == "successive-halving" || name == "hyperband" || name == "bohb";
  FOVEA_CHECK(std::isfinite(o.max_budget) && o.max_budget > 0, ValueError, at, "max_budget must be above 0, got ",
              o.max_budget);
  if (name == "random" || name == "coarse-to-fine" || name == "successive-halving" || name == "tpe") {
    FOVEA_CHECK(o.trials >= 1, ValueError, at, "trials must be at least 1, got ", o.trials);
  }
  if (name == "coarse-to-fine") FOVEA_CHECK(o.rounds >= 1, ValueError, at, "rounds must be at least 1, got ", o.rounds);
  if (name == "grid") {
    FOVEA_CHECK(o.grid_points >= 1, ValueError, at, "grid_points must be at least 1, got ", o.grid_points);
  }
  if (bandit) {
    FOVEA_CHECK(std::isfinite(o.min_budget) && o.min_budget > 0, ValueError, at, "min_budget must be above 0, got ",
                o.min_budget);
    FOVEA_CHECK(o.max_budget >= o.min_budget, ValueError, at, "max_budget ", o.max_budget, " is below min_budget ",
                o.min_budget);
    FOVEA_CHECK(std::isfinite(o.eta) && o.eta > 1, ValueError, at, "eta must be above 1, got ", o.eta);
    FOVEA_CHECK(o.sampler.empty() || o.sampler == "random" || o.sampler == "tpe", ValueError, at, "unknown sampler '",
                o.sampler, "' (samplers: random, tpe)");
    FOVEA_CHECK(name != "bohb" || o.sampler != "random", ValueError, at,
                "draws its configurations with tpe (for random ones use hyperband)");
  } else {
    FOVEA_CHECK(o.sampler.empty(), ValueError, at, "a sampler applies to successive-halving, hyperband and bohb only");
  }
  if (name == "tpe" || name == "bohb" || (bandit && o.sampler == "tpe")) {
    FOVEA_CHECK(o.tpe.startup >= 0, ValueError, at, "tpe.startup must be at least 0, got ", o.tpe.startup);
    FOVEA_CHECK(o.tpe.candidates >= 1, ValueError, at, "tpe.candidates must be at least 1, got ", o.tpe.candidates);
    FOVEA_CHECK(o.tpe.generation >= 1, ValueError, at, "tpe.generation must be at least 1, got ", o.tpe.generation);
    FOVEA_CHECK(std::isfinite(o.tpe.prior_weight) && o.tpe.prior_weight > 0, ValueError, at,
                "tpe.prior_weight must be above 0, got ", o.tpe.prior_weight);
    FOVEA_CHECK(o.tpe.random_fraction >= 0 && o.tpe.random_fraction <= 1, ValueError, at,
                "tpe.random_fraction must be in [0, 1], got ", o.tpe.random_fraction);
  }
}

}  // namespace detail

std::unique_ptr<Strategy> make_strategy(const SearchSpace& space, const StrategyOptions& options) {
  const std::string& name = options.name;
  if (name == "grid") return grid_search(space, options);
  if (name == "random") return random_search(space, options);
  if (name == "coarse-to-fine") return coarse_to_fine(space, options);
  if (name == "successive-halving") return successive_halving(space, options);
  if (name == "hyperband") return hyperband(space, options);
  if (name == "tpe") return tpe(space, options);
  if (name == "bohb") return bohb(space, options);
  std::string valid;
  for (const auto& n : strategy_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw ValueError("unknown strategy '" + name + "' (strategies: " + valid + ")");
}

}  // namespace fovea::tune
