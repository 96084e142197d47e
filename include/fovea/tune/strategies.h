// The search strategies of fovea::tune over one SearchSpace: grid, random, coarse-to-fine, successive halving,
// Hyperband, TPE and BOHB, made by name from an options struct (what `fovea tune` reads) or one by one in C++.
//
//   auto strategy = tune::make_strategy(space, {.name = "tpe", .trials = 40, .max_budget = 10, .seed = 1});
//   auto bandit = tune::hyperband(space, {.max_budget = 27, .eta = 3, .seed = 1});
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fovea/tune/space.h"
#include "fovea/tune/strategy.h"

namespace fovea::tune {

// The Tree-structured Parzen Estimator's settings (Bergstra et al. 2011, as Optuna's defaults).
struct TpeOptions {
  int64_t startup = 10;     // random trials before the first model (tpe); bohb: scored results a budget needs
                            // before a model is fitted on it (at least the number of knobs + 1)
  int64_t candidates = 24;  // draws from l(x) per knob, of which the one with the largest l(x)/g(x) is kept
  // tpe suggests in generations of this many trials after the startup ones: generation g is fitted on the results
  // of generations before it only, and suggested once they are all in, so runs in parallel repeat exactly.
  int64_t generation = 4;
  double prior_weight = 1.0;  // weight of the prior component (uniform-ish over the range / the categories)
  // bohb: the share of new configurations drawn at random even when a model exists (Falkner et al.'s rho), which
  // keeps Hyperband's guarantees.
  double random_fraction = 1.0 / 3.0;
};

struct StrategyOptions {
  // grid, random, coarse-to-fine, successive-halving, hyperband, tpe, bohb
  std::string name = "random";
  // random and tpe: trials in all; coarse-to-fine: trials per round; successive-halving: configurations at the
  // first rung.
  int64_t trials = 20;
  int64_t rounds = 3;  // coarse-to-fine
  // The budget (epochs) of a full trial; the bandits (successive-halving, hyperband, bohb) start configurations at
  // min_budget and multiply by eta per rung. Budgets are doubles: the driver rounds them.
  double max_budget = 1;
  double min_budget = 1;
  double eta = 3;
  int64_t grid_points = 3;  // grid: values per numeric knob
  uint64_t seed = 0;
  // How the bandits draw new configurations: "random" or "tpe" ("" = the strategy's own: tpe for bohb, random
  // otherwise). hyperband with "tpe" is bohb.
  std::string sampler{};
  TpeOptions tpe{};
};

// The strategy `options.name` names. Throws ValueError for an unknown name (listing the valid ones) and for options
// out of range (trials < 1, eta <= 1, max_budget < min_budget, ...), naming the strategy and the option.
std::unique_ptr<Strategy> make_strategy(const SearchSpace& space, const StrategyOptions& options);
// The names make_strategy knows, in the order of the list above.
const std::vector<std::string>& strategy_names();

// Each strategy on its own (options.name is ignored; the same checks as make_strategy).
// Every grid config once (SearchSpace::grid(grid_points)), each at max_budget.
std::unique_ptr<Strategy> grid_search(const SearchSpace& space, const StrategyOptions& options);
// `trials` independent samples at max_budget (Bergstra & Bengio 2012).
std::unique_ptr<Strategy> random_search(const SearchSpace& space, const StrategyOptions& options);
// `rounds` rounds of `trials` random samples; before each later round every numeric knob's range is narrowed
// around the best quarter of the scored trials so far (at least 2), widened by a margin and clipped to the original
// range (in log space for log knobs), and said so ("round 2: lr in [0.0012, 0.0094] (was [0.0001, 0.1])").
// Steps carry `round` (0 first).
std::unique_ptr<Strategy> coarse_to_fine(const SearchSpace& space, const StrategyOptions& options);
// `trials` configurations at min_budget; each rung, once all its results are in, continues the best
// floor(n / eta) (at least 1; never a failed one) at eta times the budget, up to max_budget; the scored ones it
// drops come out of take_stopped(). Steps carry `rung`.
std::unique_ptr<Strategy> successive_halving(const SearchSpace& space, const StrategyOptions& options);
// Hyperband (Li et al. 2018, algorithm 1): hyperband_schedule's brackets one after the other, each a successive
// halving. Steps carry `bracket` (Hyperband's s, from s_max down to 0) and `rung`.
std::unique_ptr<Strategy> hyperband(const SearchSpace& space, const StrategyOptions& options);
// TPE: `tpe.startup` random trials, then generations of `tpe.generation` trials from per-knob Parzen estimators
// fitted on the results so far, `trials` in all, each at max_budget. Steps carry `round` = generation (0 = startup).
std::unique_ptr<Strategy> tpe(const SearchSpace& space, const StrategyOptions& options);
// BOHB (Falkner et al. 2018): Hyperband whose brackets draw their configurations from TPE fitted on the results
// at the largest budget with enough of them (TpeOptions::startup), else at random.
std::unique_ptr<Strategy> bohb(const SearchSpace& space, const StrategyOptions& options);

// One rung of a bracket: this many configurations run to this budget.
struct Rung {
  int64_t configs = 0;
  double budget = 0;
};

// Hyperband's brackets, s = s_max first: with R = max_budget / min_budget and s_max = floor(log_eta(R)), bracket s
// starts n = ceil((s_max + 1) / (s + 1) * eta^s) configurations, and its rung i runs floor(n * eta^-i) of them to
// max_budget * eta^(i - s). For max_budget 81, min_budget 1, eta 3: s = 4 is (81, 1) (27, 3) (9, 9) (3, 27) (1, 81).
std::vector<std::vector<Rung>> hyperband_schedule(double max_budget, double min_budget, double eta);
// Successive halving's rungs: `trials` at min_budget, then floor(n / eta) (at least 1) at eta times the budget,
// the last at max_budget.
// Reads trials, min_budget, max_budget and eta.
std::vector<Rung> successive_halving_schedule(const StrategyOptions& options);

}  // namespace fovea::tune
