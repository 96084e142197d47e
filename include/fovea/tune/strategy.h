// The interface every search strategy implements: it suggests trial steps and is told their results. A strategy
// never runs anything itself; a driver (fovea::tune::run_search, or `fovea tune`'s process pool) asks it for the
// next step, runs it, and reports back. Scores are "higher is better": a driver minimizing a loss reports -loss.
//
//   auto strategy = tune::make_strategy(space, {.name = "hyperband", .max_budget = 27, .eta = 3, .seed = 1});
//   while (auto step = strategy->suggest()) { ...; strategy->report({.trial = step->trial, .budget = step->budget,
//                                                                    .score = score}); }
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace fovea::tune {

// One point of a search space: knob name -> value (a number, string or bool). Only the knobs that apply are
// present (a knob conditioned on another is absent when its condition does not hold).
using Config = nlohmann::json;

// One step of a trial: train `config` until `budget` (epochs, or whatever unit the driver counts) in total.
// A trial may have several steps with growing budgets (successive halving promotes it): a step with
// `continues` set carries on from the trial's previous step (whose budget was `previous_budget`) rather than
// starting afresh, so only budget - previous_budget more is spent.
struct TrialStep {
  int64_t trial = 0;  // 0, 1, 2, ... in the order trials are first suggested
  Config config = Config::object();
  double budget = 0;
  double previous_budget = 0;
  bool continues = false;
  // Where the step belongs, for strategies that have such structure (-1 where they do not): Hyperband's bracket
  // and the rung (0 first) inside it; coarse-to-fine's round in `round`; TPE's generation in `round`.
  int64_t bracket = -1;
  int64_t rung = -1;
  int64_t round = -1;
};

// What came of one step. A failed step (crashed, diverged to NaN, bad configuration) has no score and a reason;
// strategies rank it below every scored step and never promote it.
struct TrialResult {
  int64_t trial = 0;
  double budget = 0;
  std::optional<double> score{};
  std::string failure{};  // empty when scored
};

class Strategy {
 public:
  virtual ~Strategy() = default;

  // The next step to run, or nullopt: either the strategy waits for results of steps it already suggested (a rung
  // of successive halving needs all of its results before promoting; TPE's next generation is fitted on the
  // previous ones), or the search is over (finished() then says so). Suggestions depend only on the seed and on
  // the results reported, never on the order results arrive in, so a search repeats exactly for the same seed
  // however many steps run at once.
  virtual std::optional<TrialStep> suggest() = 0;
  // The result of a step suggest() returned (each step reported once).
  virtual void report(const TrialResult& result) = 0;
  // True once every step has been suggested and reported and no more will come.
  virtual bool finished() const = 0;

  // The strategy's name ("hyperband") and what it is set to, for the journal, the output and best.json.
  virtual std::string name() const = 0;
  virtual nlohmann::json settings() const = 0;

  // Lines worth showing the user since the last call: a new round, a bracket's start, coarse-to-fine's narrowed
  // ranges ("round 2: lr in [0.0012, 0.0094] (was [0.0001, 0.1])").
  std::vector<std::string> take_messages() {
    std::vector<std::string> out;
    out.swap(messages_);
    return out;
  }
  // Trials the strategy dropped since the last call (successive halving did not promote them): a driver shows
  // them as stopped early.
  std::vector<int64_t> take_stopped() {
    std::vector<int64_t> out;
    out.swap(stopped_);
    return out;
  }

 protected:
  void say(std::string line) { messages_.push_back(std::move(line)); }
  void stop_trial(int64_t trial) { stopped_.push_back(trial); }

 private:
  std::vector<std::string> messages_;
  std::vector<int64_t> stopped_;
};

}  // namespace fovea::tune
