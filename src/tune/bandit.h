// Brackets of successive halving run one after the other, with a pluggable way to draw each bracket's new
// configurations: successive halving is one bracket, Hyperband its schedule of brackets, BOHB Hyperband drawing from
// TPE.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fovea/tune/strategies.h"
#include "steps.h"

namespace fovea::tune::detail {

// New configurations and a note for the bracket's message ("" for none).
struct Drawn {
  std::vector<Config> configs{};
  std::string note{};
};

// Draws `count` new configurations given every step reported so far (sorted by trial, then budget).
using ConfigSampler = std::function<Drawn(int64_t count, const std::vector<Observation>& history, Generator& gen)>;

// Uniform samples of the space.
ConfigSampler random_sampler(const SearchSpace& space);
// BOHB's: TPE fitted on the results at the largest budget with at least max(tpe.startup, knobs + 1) scored ones,
// each configuration drawn at random instead with probability tpe.random_fraction; random while no budget has
// enough.
ConfigSampler tpe_sampler(const SearchSpace& space, const TpeOptions& tpe);
// The sampler `options.sampler` names ("" = `fallback`).
ConfigSampler named_sampler(const SearchSpace& space, const StrategyOptions& options, const std::string& fallback);

struct BanditPlan {
  std::string name{};
  nlohmann::json settings{};
  std::vector<std::vector<Rung>> brackets{};
  std::vector<int64_t> bracket_ids{};  // TrialStep::bracket per bracket (Hyperband's s; -1 for successive halving)
  std::vector<std::string> bracket_titles{};  // how messages name each bracket ("bracket s=4")
  ConfigSampler sampler{};
  uint64_t seed = 0;
};

// A bracket's configurations are drawn when it starts, which is when the bracket before it has every result in;
// a rung is promoted when all its results are in: the best scored ones (ties to the lower trial number) go on,
// failed ones never, and the scored ones left behind are stopped.
std::unique_ptr<Strategy> make_bandit(BanditPlan plan);

}  // namespace fovea::tune::detail
