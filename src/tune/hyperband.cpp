// Hyperband (Li et al., JMLR 2018, algorithm 1) and BOHB (Falkner et al. 2018), which is Hyperband drawing its
// configurations from TPE.
#include <cmath>

#include "bandit.h"
#include "check_options.h"
#include "fovea/core/error.h"

namespace fovea::tune {
namespace {

std::unique_ptr<Strategy> make_hyperband(const std::string& name, const SearchSpace& space,
                                         const StrategyOptions& options, const std::string& sampler) {
  const std::vector<std::vector<Rung>> brackets =
      hyperband_schedule(options.max_budget, options.min_budget, options.eta);
  detail::BanditPlan plan{.name = name, .brackets = brackets, .seed = options.seed};
  plan.settings = {{"min_budget", options.min_budget},
                   {"max_budget", options.max_budget},
                   {"eta", options.eta},
                   {"brackets", brackets.size()},
                   {"sampler", sampler},
                   {"seed", options.seed}};
  if (sampler == "tpe") {
    plan.settings["tpe"] = {{"startup", options.tpe.startup},
                            {"candidates", options.tpe.candidates},
                            {"prior_weight", options.tpe.prior_weight},
                            {"random_fraction", options.tpe.random_fraction}};
  }
  for (size_t b = 0; b < brackets.size(); ++b) {
    const auto s = static_cast<int64_t>(brackets.size() - 1 - b);
    plan.bracket_ids.push_back(s);
    plan.bracket_titles.push_back(::fovea::detail::concat("bracket s=", s));
  }
  plan.sampler = detail::named_sampler(space, options, sampler);
  return detail::make_bandit(std::move(plan));
}

}  // namespace

std::vector<std::vector<Rung>> hyperband_schedule(double max_budget, double min_budget, double eta) {
  FOVEA_CHECK(std::isfinite(min_budget) && min_budget > 0, ValueError, "hyperband: min_budget must be above 0, got ",
              min_budget);
  FOVEA_CHECK(std::isfinite(max_budget) && max_budget >= min_budget, ValueError, "hyperband: max_budget ", max_budget,
              " is below min_budget ", min_budget);
  FOVEA_CHECK(std::isfinite(eta) && eta > 1, ValueError, "hyperband: eta must be above 1, got ", eta);
  const double ratio = max_budget / min_budget;
  // The largest s with eta^s <= R, allowing for rounding (log(27) / log(3) is 3.0000000000000004 or 2.9999...).
  int64_t s_max = 0;
  while (std::pow(eta, static_cast<double>(s_max + 1)) <= ratio * (1 + 1e-9)) ++s_max;
  std::vector<std::vector<Rung>> brackets;
  for (int64_t s = s_max; s >= 0; --s) {
    const double eta_s = std::pow(eta, static_cast<double>(s));
    const auto n = static_cast<int64_t>(
        std::ceil(static_cast<double>(s_max + 1) * eta_s / static_cast<double>(s + 1) - 1e-9));
    std::vector<Rung> rungs;
    for (int64_t i = 0; i <= s; ++i) {
      const double eta_i = std::pow(eta, static_cast<double>(i));
      rungs.push_back({.configs = static_cast<int64_t>(std::floor(static_cast<double>(n) / eta_i + 1e-9)),
                       .budget = max_budget / std::pow(eta, static_cast<double>(s - i))});
    }
    brackets.push_back(std::move(rungs));
  }
  return brackets;
}

std::unique_ptr<Strategy> hyperband(const SearchSpace& space, const StrategyOptions& options) {
  detail::check_options("hyperband", options);
  const std::string sampler = options.sampler.empty() ? "random" : options.sampler;
  return make_hyperband(sampler == "tpe" ? "bohb" : "hyperband", space, options, sampler);
}

std::unique_ptr<Strategy> bohb(const SearchSpace& space, const StrategyOptions& options) {
  detail::check_options("bohb", options);
  return make_hyperband("bohb", space, options, "tpe");
}

}  // namespace fovea::tune
