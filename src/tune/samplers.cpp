// How the bandit strategies draw a bracket's new configurations: uniformly, or from TPE as BOHB does.
#include <algorithm>
#include <map>

#include "bandit.h"
#include "fovea/core/error.h"
#include "parzen.h"

namespace fovea::tune::detail {

ConfigSampler random_sampler(const SearchSpace& space) {
  return [space](int64_t count, const std::vector<Observation>&, Generator& gen) {
    Drawn drawn;
    for (int64_t i = 0; i < count; ++i) drawn.configs.push_back(space.sample(gen));
    return drawn;
  };
}

ConfigSampler tpe_sampler(const SearchSpace& space, const TpeOptions& tpe) {
  return [space, tpe](int64_t count, const std::vector<Observation>& history, Generator& gen) {
    // BOHB fits on the largest budget with enough results: those are the closest to full training.
    const int64_t needed = std::max<int64_t>(tpe.startup, space.size() + 1);
    std::map<double, std::vector<Observation>> by_budget;
    for (const Observation& o : history) by_budget[o.budget].push_back(o);
    const std::vector<Observation>* fit_on = nullptr;
    double fit_budget = 0;
    for (auto it = by_budget.rbegin(); it != by_budget.rend() && fit_on == nullptr; ++it) {
      const auto n_scored = std::count_if(it->second.begin(), it->second.end(),
                                          [](const Observation& o) { return scored(o.score); });
      if (n_scored >= needed) {
        fit_on = &it->second;
        fit_budget = it->first;
      }
    }
    Drawn drawn;
    if (fit_on == nullptr) {
      for (int64_t i = 0; i < count; ++i) drawn.configs.push_back(space.sample(gen));
      drawn.note = ::fovea::detail::concat("configs at random (no budget has ", needed, " results yet)");
      return drawn;
    }
    std::vector<bool> from_model;
    int64_t n_model = 0;
    for (int64_t i = 0; i < count; ++i) {
      from_model.push_back(gen.uniform() >= tpe.random_fraction);
      n_model += from_model.back() ? 1 : 0;
    }
    const std::vector<Config> modelled = tpe_sample(space, {.observations = fit_on, .count = n_model, .options = tpe}, gen);
    size_t next = 0;
    for (int64_t i = 0; i < count; ++i) {
      drawn.configs.push_back(from_model[static_cast<size_t>(i)] ? modelled[next++] : space.sample(gen));
    }
    drawn.note = ::fovea::detail::concat("TPE on ", fit_on->size(), " results at budget ", short_number(fit_budget),
                                         " drew ", n_model, ", random ", count - n_model);
    return drawn;
  };
}

ConfigSampler named_sampler(const SearchSpace& space, const StrategyOptions& options, const std::string& fallback) {
  const std::string& name = options.sampler.empty() ? fallback : options.sampler;
  if (name == "tpe") return tpe_sampler(space, options.tpe);
  return random_sampler(space);
}

}  // namespace fovea::tune::detail
