// Tests of the search strategies on a toy objective: each repeats exactly for a seed and for any order results
// arrive in, a new seed changes it, random's and TPE's first configurations are pinned, grid runs the product,
// Hyperband's schedule is the paper's table and its steps add up, successive halving promotes the best and never a
// failed trial, coarse-to-fine narrows around the best and says so, TPE beats random, and bad options and reports
// are refused with their messages.
#include "fovea/tune/strategies.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <regex>
#include <set>

#include "error_text.h"

namespace fovea::tune {
namespace {

using fovea::testing::error_text;
using nlohmann::json;

SearchSpace toy_space() {
  SearchSpace space;
  space.add(log_uniform("lr", 1e-5, 1.0));
  space.add(int_range("units", 16, 512, {.log = true}));
  space.add(choice("optimizer", {"sgd", "adam"}));
  space.add(float_range("momentum", 0.0, 0.99).when("optimizer", "sgd"));
  return space;
}

// Best at lr = 10^-2.5 and 128 units; the optimizer and momentum do not matter.
double toy_score(const Config& c) {
  const double lr = std::log10(c.at("lr").get<double>()) + 2.5;
  const double units = c.at("units").get<double>() - 128;
  return -lr * lr - units * units / 1e4;
}

// For the bandits: noise (fixed per configuration) that shrinks as the budget grows.
double noisy_score(const Config& c, double budget) {
  const uint64_t bits = splitmix64(std::hash<std::string>{}(c.dump()));
  const double noise = static_cast<double>(bits >> 11) * 0x1.0p-53 - 0.5;
  return toy_score(c) + noise / budget;
}

using Objective = std::function<TrialResult(const TrialStep&)>;

Objective scored_by(std::function<double(const TrialStep&)> score) {
  return [score](const TrialStep& step) {
    return TrialResult{.trial = step.trial, .budget = step.budget, .score = score(step)};
  };
}

const Objective kToy = scored_by([](const TrialStep& s) { return noisy_score(s.config, s.budget); });

struct SearchRun {
  std::vector<TrialStep> steps;
  std::vector<TrialResult> results;
  std::vector<std::string> messages;
  std::vector<int64_t> stopped;
};

// Runs the strategy to its end as a pool of `workers` would, each step's result coming back at a moment a seeded
// generator picks, while the others run (suggestions are taken whenever a worker is free).
SearchRun drive_pool(Strategy& strategy, const Objective& objective, int workers, uint64_t seed) {
  SearchRun run;
  Generator order(seed);
  std::vector<TrialStep> running;
  for (int guard = 0; !strategy.finished() && guard < 100000; ++guard) {
    while (static_cast<int>(running.size()) < workers) {
      auto step = strategy.suggest();
      if (!step) break;
      run.steps.push_back(*step);
      running.push_back(*step);
    }
    if (running.empty()) {
      ADD_FAILURE() << "nothing to run, yet not finished";
      break;
    }
    const auto pick = static_cast<size_t>(order.uniform() * static_cast<double>(running.size()));
    run.results.push_back(objective(running[pick]));
    running.erase(running.begin() + static_cast<std::ptrdiff_t>(pick));
    strategy.report(run.results.back());
  }
  EXPECT_TRUE(strategy.finished());
  return run;
}

// Runs the strategy to its end. Sequential: one step at a time. Parallel: every step it will give at once, their
// results reported in reverse order (as if the later ones finished first).
SearchRun drive(Strategy& strategy, const Objective& objective, bool parallel) {
  SearchRun run;
  for (int guard = 0; !strategy.finished(); ++guard) {
    if (guard > 100000) {
      ADD_FAILURE() << "the strategy never finishes";
      break;
    }
    std::vector<TrialStep> batch;
    while (auto step = strategy.suggest()) {
      batch.push_back(*step);
      if (!parallel) break;
    }
    if (batch.empty()) {
      ADD_FAILURE() << "nothing to run, yet not finished";
      break;
    }
    run.steps.insert(run.steps.end(), batch.begin(), batch.end());
    if (parallel) std::reverse(batch.begin(), batch.end());
    for (const TrialStep& step : batch) {
      run.results.push_back(objective(step));
      strategy.report(run.results.back());
    }
    for (auto& m : strategy.take_messages()) run.messages.push_back(std::move(m));
    for (int64_t t : strategy.take_stopped()) run.stopped.push_back(t);
  }
  EXPECT_FALSE(strategy.suggest().has_value());
  return run;
}

SearchRun drive(const SearchSpace& space, const StrategyOptions& options, bool parallel = false,
          const Objective& objective = kToy) {
  auto strategy = make_strategy(space, options);
  return drive(*strategy, objective, parallel);
}

json steps_json(const std::vector<TrialStep>& steps) {
  json out = json::array();
  for (const TrialStep& s : steps) {
    out.push_back({s.trial, s.config, s.budget, s.previous_budget, s.continues, s.bracket, s.rung, s.round});
  }
  return out;
}

std::vector<StrategyOptions> every_strategy(uint64_t seed) {
  return {
      {.name = "grid", .max_budget = 9, .grid_points = 2, .seed = seed},
      {.name = "random", .trials = 12, .max_budget = 9, .seed = seed},
      {.name = "coarse-to-fine", .trials = 8, .rounds = 3, .max_budget = 9, .seed = seed},
      {.name = "successive-halving", .trials = 9, .max_budget = 9, .seed = seed},
      {.name = "hyperband", .max_budget = 9, .seed = seed},
      {.name = "tpe", .trials = 22, .max_budget = 9, .seed = seed, .tpe = {.startup = 6, .generation = 4}},
      {.name = "bohb", .max_budget = 9, .seed = seed, .tpe = {.startup = 5}},
  };
}

TEST(Strategies, RepeatForASeedAndForAnyOrderOfResults) {
  const SearchSpace space = toy_space();
  for (const StrategyOptions& options : every_strategy(1)) {
    SCOPED_TRACE(options.name);
    const json first = steps_json(drive(space, options).steps);
    EXPECT_EQ(steps_json(drive(space, options).steps), first);
    EXPECT_EQ(steps_json(drive(space, options, /*parallel=*/true).steps), first);
    for (const uint64_t order : {1, 2}) {
      auto strategy = make_strategy(space, options);
      EXPECT_EQ(steps_json(drive_pool(*strategy, kToy, 3, order).steps), first) << "pool order " << order;
    }
  }
}

TEST(Strategies, ADifferentSeedGivesADifferentSearch) {
  const SearchSpace space = toy_space();
  const std::vector<StrategyOptions> one = every_strategy(1);
  const std::vector<StrategyOptions> two = every_strategy(2);
  for (size_t i = 0; i < one.size(); ++i) {
    if (one[i].name == "grid") continue;  // a grid has no randomness
    SCOPED_TRACE(one[i].name);
    EXPECT_NE(steps_json(drive(space, one[i]).steps), steps_json(drive(space, two[i]).steps));
  }
}

TEST(Strategies, NamesAndSettings) {
  const SearchSpace space = toy_space();
  for (const StrategyOptions& options : every_strategy(1)) {
    EXPECT_EQ(make_strategy(space, options)->name(), options.name);
  }
  EXPECT_EQ(make_strategy(space, {.name = "hyperband", .max_budget = 9, .sampler = "tpe"})->name(), "bohb");
  EXPECT_EQ(make_strategy(space, {.name = "random", .trials = 5, .max_budget = 3, .seed = 4})->settings(),
            (json{{"trials", 5}, {"max_budget", 3.0}, {"seed", 4}}));
  EXPECT_EQ(make_strategy(space, {.name = "hyperband", .max_budget = 27})->settings(),
            (json{{"min_budget", 1.0}, {"max_budget", 27.0}, {"eta", 3.0}, {"brackets", 4}, {"sampler", "random"},
                  {"seed", 0}}));
  EXPECT_EQ(strategy_names(), (std::vector<std::string>{"grid", "random", "coarse-to-fine", "successive-halving",
                                                        "hyperband", "tpe", "bohb"}));
}

TEST(Strategies, BadOptionsAreRefused) {
  const SearchSpace space = toy_space();
  const auto error = [&](const StrategyOptions& options) {
    return error_text([&] { make_strategy(space, options); });
  };
  EXPECT_EQ(error({.name = "anneal"}),
            "unknown strategy 'anneal' (strategies: grid, random, coarse-to-fine, successive-halving, hyperband, tpe, "
            "bohb)");
  EXPECT_EQ(error({.name = "random", .trials = 0}), "strategy 'random': trials must be at least 1, got 0");
  EXPECT_EQ(error({.name = "coarse-to-fine", .rounds = 0}), "strategy 'coarse-to-fine': rounds must be at least 1, got 0");
  EXPECT_EQ(error({.name = "grid", .grid_points = 0}), "strategy 'grid': grid_points must be at least 1, got 0");
  EXPECT_EQ(error({.name = "tpe", .max_budget = 0}), "strategy 'tpe': max_budget must be above 0, got 0");
  EXPECT_EQ(error({.name = "hyperband", .max_budget = 27, .eta = 1}), "strategy 'hyperband': eta must be above 1, got 1");
  EXPECT_EQ(error({.name = "hyperband", .max_budget = 2, .min_budget = 3}),
            "strategy 'hyperband': max_budget 2 is below min_budget 3");
  EXPECT_EQ(error({.name = "successive-halving", .max_budget = 9, .min_budget = 0}),
            "strategy 'successive-halving': min_budget must be above 0, got 0");
  EXPECT_EQ(error({.name = "hyperband", .max_budget = 9, .sampler = "smac"}),
            "strategy 'hyperband': unknown sampler 'smac' (samplers: random, tpe)");
  EXPECT_EQ(error({.name = "random", .sampler = "tpe"}),
            "strategy 'random': a sampler applies to successive-halving, hyperband and bohb only");
  EXPECT_EQ(error({.name = "bohb", .max_budget = 9, .sampler = "random"}),
            "strategy 'bohb': draws its configurations with tpe (for random ones use hyperband)");
  EXPECT_EQ(error({.name = "tpe", .tpe = {.candidates = 0}}), "strategy 'tpe': tpe.candidates must be at least 1, got 0");
  EXPECT_EQ(error({.name = "tpe", .tpe = {.generation = 0}}), "strategy 'tpe': tpe.generation must be at least 1, got 0");
}

TEST(Strategies, BadReportsAreRefused) {
  auto strategy = make_strategy(toy_space(), {.name = "random", .trials = 2, .max_budget = 3});
  const TrialStep step = *strategy->suggest();
  EXPECT_EQ(error_text([&] { strategy->report({.trial = 5, .budget = 3, .score = 1}); }),
            "report: trial 5 has no step waiting for a result (reported twice, or never suggested)");
  EXPECT_EQ(error_text([&] { strategy->report({.trial = step.trial, .budget = 1, .score = 1}); }),
            "report: trial 0's step has budget 3, the result says 1");
  strategy->report({.trial = step.trial, .budget = 3, .score = 1});
  EXPECT_EQ(error_text([&] { strategy->report({.trial = step.trial, .budget = 3, .score = 1}); }),
            "report: trial 0 has no step waiting for a result (reported twice, or never suggested)");
}

TEST(Grid, RunsEveryConfigurationOnceAtTheFullBudget) {
  SearchSpace space;
  space.add(choice("optimizer", {"sgd", "adam"}));
  space.add(int_range("filters", 8, 32, {.step = 8}));
  const SearchRun run = drive(space, {.name = "grid", .max_budget = 5, .grid_points = 2}, false,
                              scored_by([](const TrialStep&) { return 1.0; }));
  std::vector<Config> configs;
  for (const TrialStep& s : run.steps) {
    configs.push_back(s.config);
    EXPECT_EQ(s.budget, 5);
    EXPECT_FALSE(s.continues);
  }
  const std::vector<Config> expected = {{{"optimizer", "sgd"}, {"filters", 8}},
                                        {{"optimizer", "sgd"}, {"filters", 32}},
                                        {{"optimizer", "adam"}, {"filters", 8}},
                                        {{"optimizer", "adam"}, {"filters", 32}}};
  EXPECT_EQ(configs, expected);
  EXPECT_EQ(run.steps.back().trial, 3);
}

// Golden values: a change of the sampler, the mapping to the unit interval or the draw order shows up here. lr
// passes through exp and log, which a libm may round differently in the last bit.
void expect_config(const Config& got, double lr, int64_t units, const char* optimizer, double momentum) {
  EXPECT_NEAR(got.at("lr").get<double>(), lr, lr * 1e-12) << got.dump();
  EXPECT_EQ(got.at("units"), units) << got.dump();
  EXPECT_EQ(got.at("optimizer"), optimizer) << got.dump();
  if (momentum < 0) {
    EXPECT_FALSE(got.contains("momentum")) << got.dump();
  } else {
    EXPECT_NEAR(got.at("momentum").get<double>(), momentum, 1e-12) << got.dump();
  }
}

TEST(Random, FirstConfigurationsForSeedOne) {
  const SearchRun run = drive(toy_space(), {.name = "random", .trials = 3, .max_budget = 2, .seed = 1});
  ASSERT_EQ(run.steps.size(), 3u);
  expect_config(run.steps[0].config, 4.6707134078943184e-05, 25, "sgd", 0.02081398613255975);
  expect_config(run.steps[1].config, 0.0005681860527676906, 376, "sgd", 0.07368078967045501);
  expect_config(run.steps[2].config, 0.007067010612777947, 143, "sgd", 0.5506171101311561);
  for (const auto& s : run.steps) EXPECT_EQ(s.budget, 2);
}

TEST(Tpe, FirstModelledConfigurationsForSeedOne) {
  const SearchRun run = drive(toy_space(), {.name = "tpe", .trials = 13, .max_budget = 2, .seed = 1,
                                      .tpe = {.startup = 10, .generation = 3}});
  ASSERT_EQ(run.steps.size(), 13u);
  // The startup trials are random search's; generation 1 comes from the model.
  const SearchRun random = drive(toy_space(), {.name = "random", .trials = 10, .max_budget = 2, .seed = 1});
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(run.steps[i].config, random.steps[i].config);
    EXPECT_EQ(run.steps[i].round, 0);
  }
  for (size_t i = 10; i < 13; ++i) EXPECT_EQ(run.steps[i].round, 1);
  expect_config(run.steps[10].config, 0.008493584456506173, 115, "adam", -1);
  expect_config(run.steps[11].config, 0.008968988009558698, 112, "adam", -1);
  expect_config(run.steps[12].config, 0.00861574559734129, 117, "adam", -1);
}

TEST(Tpe, GenerationsWaitForTheResultsTheyAreFittedOn) {
  auto strategy = make_strategy(toy_space(), {.name = "tpe", .trials = 10, .seed = 3,
                                              .tpe = {.startup = 4, .generation = 3}});
  std::vector<TrialStep> startup;
  while (auto step = strategy->suggest()) startup.push_back(*step);
  ASSERT_EQ(startup.size(), 4u);  // the startup trials at once, then a wait
  for (size_t i = 0; i < 3; ++i) strategy->report(kToy(startup[i]));
  EXPECT_FALSE(strategy->suggest().has_value());
  strategy->report(kToy(startup[3]));
  std::vector<TrialStep> generation;
  while (auto step = strategy->suggest()) generation.push_back(*step);
  ASSERT_EQ(generation.size(), 3u);
  EXPECT_EQ(generation[0].trial, 4);
  EXPECT_EQ(generation[2].round, 1);
  EXPECT_FALSE(strategy->finished());
}

TEST(Tpe, RespectsConditionsAndStepsOfKnobs) {
  SearchSpace space = toy_space();
  space.add(int_range("filters", 8, 64, {.step = 8}));
  const SearchRun run = drive(space, {.name = "tpe", .trials = 40, .seed = 5, .tpe = {.startup = 8}});
  for (const TrialStep& s : run.steps) {
    EXPECT_EQ(s.config.contains("momentum"), s.config.at("optimizer") == "sgd") << s.config.dump();
    EXPECT_EQ(s.config.at("filters").get<int64_t>() % 8, 0);
    EXPECT_GE(s.config.at("lr").get<double>(), 1e-5);
    EXPECT_LE(s.config.at("lr").get<double>(), 1.0);
  }
}

double best_score(const SearchRun& run) {
  double best = -1e300;
  for (const TrialResult& r : run.results) best = std::max(best, r.score.value_or(-1e300));
  return best;
}

TEST(Tpe, FindsABetterOptimumThanRandomSearch) {
  const SearchSpace space = toy_space();
  const Objective exact = scored_by([](const TrialStep& s) { return toy_score(s.config); });
  double tpe_total = 0;
  double random_total = 0;
  constexpr int kSeeds = 5;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    tpe_total += best_score(drive(space, {.name = "tpe", .trials = 40, .seed = seed}, false, exact));
    random_total += best_score(drive(space, {.name = "random", .trials = 40, .seed = seed}, false, exact));
  }
  EXPECT_GT(tpe_total / kSeeds, random_total / kSeeds);  // here about -0.057 against -0.18
}

TEST(Hyperband, ScheduleIsThePapersTable) {
  // Li et al. 2018, table 1: R = 81, eta = 3.
  const std::vector<std::vector<std::pair<int64_t, double>>> table = {
      {{81, 1}, {27, 3}, {9, 9}, {3, 27}, {1, 81}},
      {{34, 3}, {11, 9}, {3, 27}, {1, 81}},
      {{15, 9}, {5, 27}, {1, 81}},
      {{8, 27}, {2, 81}},
      {{5, 81}}};
  const auto schedule = hyperband_schedule(81, 1, 3);
  ASSERT_EQ(schedule.size(), table.size());
  for (size_t b = 0; b < table.size(); ++b) {
    ASSERT_EQ(schedule[b].size(), table[b].size());
    for (size_t i = 0; i < table[b].size(); ++i) {
      EXPECT_EQ(schedule[b][i].configs, table[b][i].first) << b << ", " << i;
      EXPECT_EQ(schedule[b][i].budget, table[b][i].second) << b << ", " << i;
    }
  }
  // log_3(27) must give three, not two, brackets above s = 0, whatever the rounding.
  EXPECT_EQ(hyperband_schedule(27, 1, 3).size(), 4u);
  EXPECT_EQ(hyperband_schedule(270, 10, 3).size(), 4u);
  EXPECT_EQ(hyperband_schedule(270, 10, 3)[0][0].budget, 10);
  EXPECT_EQ(hyperband_schedule(1, 1, 3).size(), 1u);
}

TEST(Hyperband, StepsForR27AddUp) {
  const SearchRun run = drive(toy_space(), {.name = "hyperband", .max_budget = 27, .seed = 2}, /*parallel=*/true);
  // bracket s -> rung -> (steps, budget): s=3: 27x1 9x3 3x9 1x27; s=2: 12x3 4x9 1x27; s=1: 6x9 2x27; s=0: 4x27.
  std::map<std::pair<int64_t, int64_t>, int64_t> count;
  double spent = 0;
  for (const TrialStep& s : run.steps) {
    ++count[{s.bracket, s.rung}];
    spent += s.budget - s.previous_budget;
    EXPECT_EQ(s.continues, s.rung > 0);
    EXPECT_EQ(s.budget, 27 / std::pow(3.0, static_cast<double>(s.bracket - s.rung)));
    if (s.continues) {
      EXPECT_EQ(s.previous_budget, s.budget / 3);
    }
  }
  const std::map<std::pair<int64_t, int64_t>, int64_t> expected = {
      {{3, 0}, 27}, {{3, 1}, 9}, {{3, 2}, 3}, {{3, 3}, 1}, {{2, 0}, 12}, {{2, 1}, 4},
      {{2, 2}, 1},  {{1, 0}, 6}, {{1, 1}, 2}, {{0, 0}, 4}};
  EXPECT_EQ(count, expected);
  EXPECT_EQ(spent, 81 + 78 + 90 + 108);
  // Trials are numbered as first suggested: 27 + 12 + 6 + 4 configurations.
  int64_t last = -1;
  for (const TrialStep& s : run.steps) last = std::max(last, s.trial);
  EXPECT_EQ(last, 48);
  // Brackets run one after the other, each announced.
  for (size_t i = 1; i < run.steps.size(); ++i) EXPECT_LE(run.steps[i].bracket, run.steps[i - 1].bracket);
  ASSERT_GE(run.messages.size(), 4u);
  EXPECT_EQ(run.messages[0], "bracket s=3: 27 x 1, 9 x 3, 3 x 9, 1 x 27 (configs x budget)");
  EXPECT_EQ(run.messages[3], "bracket s=0: 4 x 27 (configs x budget)");
}

TEST(SuccessiveHalving, PromotesTheBestAndNeverAFailedTrial) {
  SearchSpace space;
  space.add(int_range("x", 0, 1000));
  // Higher x scores better, but every x above 600 fails: the best would be failed ones.
  const Objective objective = [](const TrialStep& step) {
    const auto x = step.config.at("x").get<int64_t>();
    if (x > 600) return TrialResult{.trial = step.trial, .budget = step.budget, .failure = "diverged"};
    return TrialResult{.trial = step.trial, .budget = step.budget, .score = static_cast<double>(x)};
  };
  const StrategyOptions options{.name = "successive-halving", .trials = 27, .max_budget = 9, .eta = 3, .seed = 4};
  const auto rungs = successive_halving_schedule(options);
  ASSERT_EQ(rungs.size(), 3u);
  EXPECT_EQ(rungs[0].configs, 27);
  EXPECT_EQ(rungs[1].configs, 9);
  EXPECT_EQ(rungs[2].configs, 3);
  EXPECT_EQ(rungs[2].budget, 9);
  const SearchRun run = drive(space, options, /*parallel=*/true, objective);

  std::map<int64_t, int64_t> x_of;
  std::vector<std::vector<int64_t>> by_rung(3);
  for (const TrialStep& s : run.steps) {
    x_of[s.trial] = s.config.at("x").get<int64_t>();
    by_rung.at(static_cast<size_t>(s.rung)).push_back(s.trial);
    EXPECT_EQ(s.budget, rungs[static_cast<size_t>(s.rung)].budget);
    EXPECT_EQ(s.bracket, -1);
  }
  ASSERT_EQ(by_rung[0].size(), 27u);
  std::vector<int64_t> scored_xs;
  int failed = 0;
  for (const int64_t t : by_rung[0]) {
    if (x_of[t] > 600) {
      ++failed;
    } else {
      scored_xs.push_back(x_of[t]);
    }
  }
  ASSERT_GT(failed, 0);  // the test means something only with failures among the first rung
  std::sort(scored_xs.rbegin(), scored_xs.rend());
  // Rung 1 holds the 9 best scored of rung 0, best first; rung 2 the 3 best of those.
  ASSERT_EQ(by_rung[1].size(), 9u);
  for (size_t i = 0; i < 9; ++i) EXPECT_EQ(x_of[by_rung[1][i]], scored_xs[i]);
  ASSERT_EQ(by_rung[2].size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(x_of[by_rung[2][i]], scored_xs[i]);
  // The scored ones left behind were stopped, each once; failed ones are not "stopped", they failed.
  const std::set<int64_t> stopped(run.stopped.begin(), run.stopped.end());
  EXPECT_EQ(stopped.size(), run.stopped.size());
  EXPECT_EQ(static_cast<int64_t>(stopped.size()), static_cast<int64_t>(scored_xs.size()) - 3);
  for (const int64_t t : by_rung[2]) EXPECT_EQ(stopped.count(t), 0u);
  for (const int64_t t : stopped) EXPECT_LE(x_of[t], 600);
}

TEST(SuccessiveHalving, ABracketWhoseTrialsAllFailEnds) {
  const Objective fail = [](const TrialStep& step) {
    return TrialResult{.trial = step.trial, .budget = step.budget, .failure = "crashed"};
  };
  const SearchRun run = drive(toy_space(), {.name = "successive-halving", .trials = 9, .max_budget = 9}, true, fail);
  EXPECT_EQ(run.steps.size(), 9u);
  EXPECT_TRUE(run.stopped.empty());
  EXPECT_EQ(run.messages.back(), "successive halving: no trial of rung 0 has a score; the bracket ends");
}

TEST(CoarseToFine, NarrowsAroundTheBestAndSaysSo) {
  const StrategyOptions options{.name = "coarse-to-fine", .trials = 20, .rounds = 3, .max_budget = 4, .seed = 7};
  const Objective exact = scored_by([](const TrialStep& s) { return toy_score(s.config); });
  const SearchRun run = drive(toy_space(), options, /*parallel=*/true, exact);
  ASSERT_EQ(run.steps.size(), 60u);
  std::map<int64_t, double> score_of;
  for (const TrialResult& r : run.results) score_of[r.trial] = *r.score;
  // "round 2: lr in [0.0012, 0.0094] (was [1e-05, 1])"
  const std::regex line(R"(round (\d): (\w+) in \[([^,]+), ([^\]]+)\] \(was \[([^,]+), ([^\]]+)\]\))");
  std::map<std::pair<int, std::string>, std::pair<double, double>> ranges;
  std::map<std::pair<int, std::string>, std::pair<double, double>> was;
  for (const std::string& m : run.messages) {
    std::smatch match;
    if (!std::regex_match(m, match, line)) continue;
    const std::pair<int, std::string> key{std::stoi(match[1]), match[2]};
    ranges[key] = {std::stod(match[3]), std::stod(match[4])};
    was[key] = {std::stod(match[5]), std::stod(match[6])};
  }
  // lr, units and momentum are narrowed before rounds 2 and 3; the optimizer, a choice, is not.
  ASSERT_EQ(ranges.size(), 6u);
  EXPECT_EQ(was.at({2, "lr"}), (std::pair<double, double>{1e-5, 1}));
  EXPECT_EQ(was.at({2, "units"}), (std::pair<double, double>{16, 512}));
  EXPECT_EQ(was.at({3, "lr"}), ranges.at({2, "lr"}));
  for (const std::string knob : {"lr", "units"}) {
    SCOPED_TRACE(knob);
    const auto log_width = [](std::pair<double, double> r) { return std::log(r.second / r.first); };
    EXPECT_LT(log_width(ranges.at({2, knob})), log_width(was.at({2, knob})));
    EXPECT_LE(log_width(ranges.at({3, knob})), log_width(ranges.at({2, knob})));
    for (const int round : {2, 3}) {
      // Every trial of the round inside the announced range (3 significant digits), the best so far too.
      const auto [low, high] = ranges.at({round, knob});
      double best = -1e300;
      double best_value = 0;
      for (const TrialStep& s : run.steps) {
        const double value = s.config.at(knob).get<double>();
        if (s.round == round - 1) {
          EXPECT_GE(value, low * (1 - 5e-3));
          EXPECT_LE(value, high * (1 + 5e-3));
        }
        if (s.round < round - 1 && score_of.at(s.trial) > best) {
          best = score_of.at(s.trial);
          best_value = value;
        }
      }
      EXPECT_GE(best_value, low * (1 - 5e-3));
      EXPECT_LE(best_value, high * (1 + 5e-3));
    }
  }
  EXPECT_EQ(run.messages[0], "round 1 of 3: 20 random trials");
  for (const TrialStep& s : run.steps) EXPECT_EQ(s.round, s.trial / 20);
}

TEST(CoarseToFine, ARoundWaitsForThePreviousOne) {
  auto strategy = make_strategy(toy_space(), {.name = "coarse-to-fine", .trials = 3, .rounds = 2});
  std::vector<TrialStep> first;
  while (auto step = strategy->suggest()) first.push_back(*step);
  ASSERT_EQ(first.size(), 3u);
  strategy->report(kToy(first[2]));
  strategy->report({.trial = first[0].trial, .budget = first[0].budget, .failure = "nan loss"});
  EXPECT_FALSE(strategy->suggest().has_value());
  strategy->report(kToy(first[1]));
  const auto next = strategy->suggest();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->round, 1);
  EXPECT_EQ(next->trial, 3);
}

TEST(CoarseToFine, AFloatWithACoarseStepKeepsTwoValues) {
  SearchSpace space;
  space.add(float_range("dropout", 0, 0.4, {.step = 0.2}));
  const Objective objective = scored_by([](const TrialStep& s) {
    const double d = s.config.at("dropout").get<double>() - 0.2;
    return -d * d;
  });
  const SearchRun run =
      drive(space, {.name = "coarse-to-fine", .trials = 12, .rounds = 2, .seed = 1}, false, objective);
  // The best three are all 0.2: the range keeps a neighbour, since a float range needs two values.
  EXPECT_EQ(run.messages.at(1), "round 2: dropout in [0.2, 0.4] (was [0, 0.4])");
  for (const TrialStep& s : run.steps) {
    if (s.round == 1) {
      EXPECT_GE(s.config.at("dropout").get<double>(), 0.2);
    }
  }
}

TEST(Bohb, DrawsLaterBracketsFromTpe) {
  const SearchRun run = drive(toy_space(), {.name = "bohb", .max_budget = 27, .seed = 3}, /*parallel=*/true);
  ASSERT_GE(run.messages.size(), 4u);
  EXPECT_NE(run.messages[0].find("at random (no budget has 10 results yet)"), std::string::npos);
  EXPECT_NE(run.messages[1].find("TPE on 27 results at budget 1 drew 7, random 5"), std::string::npos);
}

}  // namespace
}  // namespace fovea::tune
