// The search space of a hyperparameter search: named knobs (a choice, an int or float range, log-uniform, a fixed
// value), some of which apply only when another knob has a given value. Strategies sample it, grid it and map its
// numeric knobs to and from the unit interval.
//
//   tune::SearchSpace space;
//   space.add(tune::log_uniform("lr", 1e-4, 0.1));
//   space.add(tune::choice("optimizer", {"sgd", "adam"}));
//   space.add(tune::float_range("momentum", 0, 0.99).when("optimizer", "sgd"));
//   space.add(tune::int_range("filters", 8, 64, {.step = 8}));
//   Generator gen(1);
//   tune::Config config = space.sample(gen);   // {"filters": 24, "lr": 0.0031, "optimizer": "adam"}
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "fovea/core/rng.h"
#include "fovea/tune/strategy.h"

namespace fovea::tune {

enum class KnobKind {
  choice,       // one of a list of values (numbers, strings, bools)
  int_range,    // a whole number in [low, high] on a grid of `step`
  float_range,  // a real number in [low, high] (log_uniform is a float range with `log`)
  fixed,        // always the same value
};

// A knob applies only when `knob` has one of `values`.
struct KnobCondition {
  std::string knob{};
  std::vector<nlohmann::json> values{};
};

// Range knobs' extras: `step` quantizes (int: default 1; float: 0 = continuous), `log` samples uniformly in log
// space (bounds above 0; not with a step other than an int's 1).
struct RangeOptions {
  double step = 0;
  bool log = false;
};

// One knob. Build it with choice(), int_range(), float_range(), log_uniform() or fixed() below; SearchSpace::add
// checks it.
struct Knob {
  std::string name{};
  KnobKind kind = KnobKind::fixed;
  double low = 0;   // int_range, float_range
  double high = 0;
  double step = 0;  // int_range: >= 1; float_range: 0 = continuous
  bool log = false;
  std::vector<nlohmann::json> values{};  // choice: the values; fixed: the one value
  std::vector<KnobCondition> conditions{};  // all must hold

  // A copy of the knob that applies only when `knob` has `value` (or, for a JSON array, one of its values). Several
  // when()s must all hold: float_range("momentum", 0, 0.99).when("optimizer", {"sgd", "rmsprop"}).
  Knob when(const std::string& knob, const nlohmann::json& value) const;
  Knob when(const std::string& knob, std::initializer_list<nlohmann::json> values) const;

  bool numeric() const { return kind == KnobKind::int_range || kind == KnobKind::float_range; }

  // Numeric knobs only. The unit interval [0, 1] covers the range in the space sampling is uniform in: log space
  // for log knobs, and for int knobs the range widened by half a step at each end, so that every int value owns an
  // equal share (in log space for log ints). from_unit rounds onto the step grid and clamps to [low, high];
  // to_unit(from_unit(u)) is the centre of u's share.
  double to_unit(const nlohmann::json& value) const;
  nlohmann::json from_unit(double u) const;

  // A value drawn uniformly (uniform in log space for log knobs) with gen.uniform() only, one draw per call.
  nlohmann::json sample(Generator& gen) const;
  // The knob's grid with at most `points` values per numeric knob: choice: every value; int: every value when
  // there are at most `points`, else `points` evenly spaced ones (log-spaced for log) rounded onto the step grid,
  // duplicates removed; float: `points` evenly spaced from low to high (log-spaced for log; the middle for 1);
  // fixed: its value.
  std::vector<nlohmann::json> grid_values(int64_t points) const;
  // The value as the knob's type: int knobs give integers, float knobs doubles.
  nlohmann::json typed(double value) const;
};

Knob choice(std::string name, std::vector<nlohmann::json> values);
Knob int_range(std::string name, int64_t low, int64_t high, RangeOptions options = {});
Knob float_range(std::string name, double low, double high, RangeOptions options = {});
Knob log_uniform(std::string name, double low, double high);
Knob fixed(std::string name, nlohmann::json value);

// Knobs in the order they were given (grid() varies the first one slowest; sample() draws them in that order).
class SearchSpace {
 public:
  SearchSpace() = default;

  // The `knobs` object of a search-space file, in file order (nlohmann::ordered_json keeps it; nlohmann::json
  // would sort the names): name -> {"choice": [...]}, {"int": [low, high], "step": s, "log": true},
  // {"float": [low, high], "step": s, "log": true}, {"log_uniform": [low, high]}, {"fixed": value} or a bare
  // number, string or bool, each with an optional "when": {"other knob": value or [values], ...}. Knobs may name
  // knobs given later in `when`. Throws ValueError naming the knob for anything malformed.
  static SearchSpace from_json(const nlohmann::ordered_json& knobs);
  // The same from JSON text, which also catches a knob name given twice (a parsed object keeps only one).
  static SearchSpace from_json_text(std::string_view text);
  // The JSON form (from_json(to_json()) gives the same space).
  nlohmann::ordered_json to_json() const;

  // Adds a knob after checking it (ValueError naming it): range, step, log bounds, values, a duplicate name, and
  // that the knobs its conditions name were added before it and can take the values asked for.
  void add(Knob knob);

  const std::vector<Knob>& knobs() const { return knobs_; }
  int64_t size() const { return static_cast<int64_t>(knobs_.size()); }
  // The knob called `name`, or nullptr.
  const Knob* find(std::string_view name) const;

  // Whether `knob`'s conditions hold in `config` (every knob they name present with an allowed value).
  bool active(const Knob& knob, const Config& config) const;
  // `config` without the knobs whose conditions fail (a conditional knob's parent decided first).
  Config drop_inactive(Config config) const;

  // A random config: every knob drawn in order (inactive ones too, so that each sample takes the same number of
  // draws), then the inactive ones dropped. Uses gen.uniform() only: the same on every platform.
  Config sample(Generator& gen) const;
  // Every combination of the knobs' grid values (Knob::grid_values), the first knob varying slowest, with inactive
  // knobs dropped and the duplicates that leaves removed (first kept). Throws ValueError for points < 1 or when the
  // grid passes a million configs.
  std::vector<Config> grid(int64_t points) const;

 private:
  void check_conditions() const;  // names exist, no cycle
  void order_knobs();             // conditions' knobs before the knobs they govern, for drop_inactive
  void add_unchecked_conditions(Knob knob);

  std::vector<Knob> knobs_;
  std::vector<size_t> decide_order_;  // indices into knobs_, parents first
};

// "choice", "int", "float" (with "log" for log ranges), "fixed": for messages.
std::string kind_name(const Knob& knob);

}  // namespace fovea::tune
