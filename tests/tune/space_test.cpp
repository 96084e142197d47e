// Tests of the search space: every knob kind from JSON and from C++, `when` conditions, the exact text of each
// error, sampling (bounds, steps, log spacing, conditions, platform-independent values) and grids.
#include "fovea/tune/space.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "error_text.h"

namespace fovea::tune {
namespace {

using fovea::testing::error_text;
using nlohmann::json;
using nlohmann::ordered_json;

const char* kExample = R"({
  "lr":        {"log_uniform": [1e-4, 0.1]},
  "optimizer": {"choice": ["sgd", "adam"]},
  "momentum":  {"float": [0.0, 0.99], "when": {"optimizer": "sgd"}},
  "filters":   {"int": [8, 64], "step": 8},
  "units":     {"int": [16, 512], "log": true},
  "dropout":   {"float": [0.0, 0.5]},
  "epochs":    {"fixed": 5},
  "seed":      7
})";

std::string parse_error(const std::string& text) {
  return error_text([&] { SearchSpace::from_json_text(text); });
}

TEST(SearchSpace, ParsesEveryKindInFileOrder) {
  const SearchSpace space = SearchSpace::from_json_text(kExample);
  ASSERT_EQ(space.size(), 8);
  std::vector<std::string> names;
  for (const Knob& knob : space.knobs()) names.push_back(knob.name);
  EXPECT_EQ(names, (std::vector<std::string>{"lr", "optimizer", "momentum", "filters", "units", "dropout", "epochs",
                                             "seed"}));
  const Knob& lr = space.knobs()[0];
  EXPECT_EQ(lr.kind, KnobKind::float_range);
  EXPECT_TRUE(lr.log);
  EXPECT_EQ(lr.low, 1e-4);
  EXPECT_EQ(lr.high, 0.1);
  EXPECT_EQ(kind_name(lr), "log_uniform");
  EXPECT_EQ(space.knobs()[1].kind, KnobKind::choice);
  EXPECT_EQ(space.knobs()[1].values, (std::vector<json>{"sgd", "adam"}));
  const Knob& momentum = space.knobs()[2];
  ASSERT_EQ(momentum.conditions.size(), 1u);
  EXPECT_EQ(momentum.conditions[0].knob, "optimizer");
  EXPECT_EQ(momentum.conditions[0].values, (std::vector<json>{"sgd"}));
  const Knob& filters = space.knobs()[3];
  EXPECT_EQ(filters.kind, KnobKind::int_range);
  EXPECT_EQ(filters.step, 8);
  EXPECT_FALSE(filters.log);
  EXPECT_TRUE(space.knobs()[4].log);
  EXPECT_EQ(space.knobs()[4].step, 1);
  EXPECT_EQ(space.knobs()[5].kind, KnobKind::float_range);
  EXPECT_FALSE(space.knobs()[5].log);
  EXPECT_EQ(space.knobs()[6].kind, KnobKind::fixed);
  EXPECT_EQ(space.knobs()[6].values, (std::vector<json>{5}));
  EXPECT_EQ(space.knobs()[7].kind, KnobKind::fixed);  // a bare value
  EXPECT_EQ(space.knobs()[7].values, (std::vector<json>{7}));
}

TEST(SearchSpace, BareStringsAndBoolsAreFixedAndFloatLogIsLogUniform) {
  const SearchSpace space = SearchSpace::from_json_text(
      R"({"model": "mnist-cnn", "augment": true, "wd": {"float": [1e-6, 1e-2], "log": true}})");
  EXPECT_EQ(space.knobs()[0].values, (std::vector<json>{"mnist-cnn"}));
  EXPECT_EQ(space.knobs()[1].values, (std::vector<json>{true}));
  EXPECT_EQ(kind_name(space.knobs()[2]), "log_uniform");
}

TEST(SearchSpace, TheCppFormMatchesTheJsonForm) {
  SearchSpace space;
  space.add(log_uniform("lr", 1e-4, 0.1));
  space.add(choice("optimizer", {"sgd", "adam"}));
  space.add(float_range("momentum", 0.0, 0.99).when("optimizer", "sgd"));
  space.add(int_range("filters", 8, 64, {.step = 8}));
  space.add(int_range("units", 16, 512, {.log = true}));
  space.add(float_range("dropout", 0.0, 0.5));
  space.add(fixed("epochs", 5));
  space.add(fixed("seed", 7));
  const ordered_json expected = ordered_json::parse(R"({
    "lr": {"log_uniform": [0.0001, 0.1]}, "optimizer": {"choice": ["sgd", "adam"]},
    "momentum": {"float": [0.0, 0.99], "when": {"optimizer": "sgd"}}, "filters": {"int": [8, 64], "step": 8},
    "units": {"int": [16, 512], "log": true}, "dropout": {"float": [0.0, 0.5]}, "epochs": {"fixed": 5},
    "seed": {"fixed": 7}})");
  EXPECT_EQ(space.to_json(), expected);
  EXPECT_EQ(SearchSpace::from_json_text(kExample).to_json(), expected);
  EXPECT_EQ(SearchSpace::from_json(expected).to_json(), expected);  // round trip
}

TEST(SearchSpace, WhenTakesListsAndSeveralKnobs) {
  const SearchSpace space = SearchSpace::from_json_text(R"({
    "beta":  {"float": [0.5, 0.9], "when": {"optimizer": ["adam", "rmsprop"], "layers": 2}},
    "optimizer": {"choice": ["sgd", "adam", "rmsprop"]},
    "layers": {"int": [1, 3]}})");
  const Knob& beta = space.knobs()[0];
  ASSERT_EQ(beta.conditions.size(), 2u);
  EXPECT_EQ(beta.conditions[0].values, (std::vector<json>{"adam", "rmsprop"}));
  EXPECT_TRUE(space.active(beta, {{"optimizer", "adam"}, {"layers", 2}}));
  EXPECT_FALSE(space.active(beta, {{"optimizer", "adam"}, {"layers", 3}}));
  EXPECT_FALSE(space.active(beta, {{"optimizer", "sgd"}, {"layers", 2}}));
  EXPECT_FALSE(space.active(beta, {{"layers", 2}}));
  // The C++ form: a braced list is a list of values.
  SearchSpace cpp;
  cpp.add(choice("optimizer", {"sgd", "adam", "rmsprop"}));
  cpp.add(float_range("beta", 0.5, 0.9).when("optimizer", {"adam", "rmsprop"}));
  EXPECT_EQ(cpp.knobs()[1].conditions[0].values, (std::vector<json>{"adam", "rmsprop"}));
}

TEST(SearchSpace, ConditionsOnConditionalKnobsChain) {
  const SearchSpace space = SearchSpace::from_json_text(R"({
    "nesterov": {"choice": [true, false], "when": {"momentum": [0.9]}},
    "momentum": {"choice": [0.0, 0.9], "when": {"optimizer": "sgd"}},
    "optimizer": {"choice": ["sgd", "adam"]}})");
  EXPECT_EQ(space.drop_inactive({{"optimizer", "adam"}, {"momentum", 0.9}, {"nesterov", true}}),
            (json{{"optimizer", "adam"}}));
  EXPECT_EQ(space.drop_inactive({{"optimizer", "sgd"}, {"momentum", 0.9}, {"nesterov", true}}),
            (json{{"optimizer", "sgd"}, {"momentum", 0.9}, {"nesterov", true}}));
  EXPECT_EQ(space.drop_inactive({{"optimizer", "sgd"}, {"momentum", 0.0}, {"nesterov", true}}),
            (json{{"optimizer", "sgd"}, {"momentum", 0.0}}));
}

TEST(SearchSpace, MalformedEntriesNameTheKnob) {
  EXPECT_EQ(parse_error(R"({"lr": {"log_uniform": [0, 0.1]}})"),
            "knob 'lr': log_uniform needs bounds above 0, got [0, 0.1]");
  EXPECT_EQ(parse_error(R"({"units": {"int": [0, 512], "log": true}})"),
            "knob 'units': int with log needs bounds above 0, got [0, 512]");
  EXPECT_EQ(parse_error(R"({"filters": {"int": [64, 8]}})"),
            "knob 'filters': empty range [64, 8] (int needs low <= high)");
  EXPECT_EQ(parse_error(R"({"dropout": {"float": [0.5, 0.5]}})"),
            "knob 'dropout': empty range [0.5, 0.5] (float needs low < high)");
  EXPECT_EQ(parse_error(R"({"lr": {"log_uniform": [0.1, 0.001]}})"),
            "knob 'lr': empty range [0.1, 0.001] (log_uniform needs low < high)");
  EXPECT_EQ(parse_error(R"({"filters": {"int": [8, 64], "step": 0}})"), "knob 'filters': step must be above 0, got 0");
  EXPECT_EQ(parse_error(R"({"dropout": {"float": [0, 0.5], "step": -0.1}})"),
            "knob 'dropout': step must be above 0, got -0.1");
  EXPECT_EQ(parse_error(R"({"filters": {"int": [8, 64], "step": 2.5}})"),
            "knob 'filters': int step must be a whole number, got 2.5");
  EXPECT_EQ(parse_error(R"({"filters": {"int": [8.5, 64]}})"),
            "knob 'filters': int needs whole-number bounds, got [8.5, 64]");
  EXPECT_EQ(parse_error(R"({"units": {"int": [16, 512], "log": true, "step": 16}})"),
            "knob 'units': step and log do not combine (a log range has no step)");
  EXPECT_EQ(parse_error(R"({"lr": {"loguniform": [1e-4, 0.1]}})"),
            "knob 'lr': unknown key 'loguniform' (kinds: choice, int, float, log_uniform, fixed; options: step, log, "
            "when)");
  EXPECT_EQ(parse_error(R"({"lr": {}})"), "knob 'lr': no kind given (kinds: choice, int, float, log_uniform, fixed)");
  EXPECT_EQ(parse_error(R"({"lr": {"int": [1, 2], "float": [1, 2]}})"),
            "knob 'lr': give one kind, got both 'int' and 'float'");
  EXPECT_EQ(parse_error(R"({"lr": [1, 2]})"),
            "knob 'lr': expected an object with one of choice, int, float, log_uniform, fixed, or a bare number, "
            "string or bool (fixed), got [1,2]");
  EXPECT_EQ(parse_error(R"({"lr": {"float": [1]}})"), "knob 'lr': float needs [low, high], got [1]");
  EXPECT_EQ(parse_error(R"({"lr": {"log_uniform": [1e-4, 0.1], "log": true}})"),
            "knob 'lr': 'log' applies to int and float knobs, not log_uniform");
  EXPECT_EQ(parse_error(R"({"units": {"int": [16, 512], "log": 1}})"), "knob 'units': log must be true or false, got 1");
  EXPECT_EQ(parse_error(R"({"optimizer": {"choice": []}})"), "knob 'optimizer': choice needs at least one value");
  EXPECT_EQ(parse_error(R"({"optimizer": {"choice": "sgd"}})"),
            "knob 'optimizer': choice needs a list of values, got \"sgd\"");
  EXPECT_EQ(parse_error(R"({"optimizer": {"choice": ["sgd", ["adam"]]}})"),
            "knob 'optimizer': choice values must be numbers, strings or bools, got [\"adam\"]");
  EXPECT_EQ(parse_error(R"({"epochs": {"fixed": null}})"),
            "knob 'epochs': fixed needs a number, string or bool, got null");
  EXPECT_EQ(parse_error(R"([1, 2])"), "a search space's knobs must be a JSON object (name -> knob), got [1,2]");
}

TEST(SearchSpace, ConditionErrorsNameTheKnob) {
  EXPECT_EQ(parse_error(R"({"momentum": {"float": [0, 0.99], "when": {"optimiser": "sgd"}}})"),
            "knob 'momentum': when names unknown knob 'optimiser'");
  EXPECT_EQ(parse_error(R"({"a": {"choice": [1, 2], "when": {"b": 1}}, "b": {"choice": [1, 2], "when": {"a": 1}}})"),
            "knob 'a': conditions form a cycle: a -> b -> a");
  EXPECT_EQ(parse_error(R"({"x": {"choice": [1, 2]}, "a": {"choice": [1, 2], "when": {"c": 1}},
                            "b": {"choice": [1, 2], "when": {"a": 1}}, "c": {"choice": [1, 2], "when": {"b": 2}}})"),
            "knob 'a': conditions form a cycle: a -> c -> b -> a");
  EXPECT_EQ(parse_error(R"({"a": {"choice": [1, 2], "when": {"a": 1}}})"), "knob 'a': conditions form a cycle: a -> a");
  EXPECT_EQ(parse_error(R"({"optimizer": {"choice": ["sgd", "adam"]},
                            "momentum": {"float": [0, 0.99], "when": {"optimizer": "sgdd"}}})"),
            "knob 'momentum': when asks for 'optimizer' = \"sgdd\", which it never is (its values: \"sgd\", \"adam\")");
  EXPECT_EQ(parse_error(R"({"layers": {"int": [1, 3]}, "width": {"int": [8, 9], "when": {"layers": [4, 5]}}})"),
            "knob 'width': when asks for 'layers' = one of [4,5], which it never is (its range: [1, 3])");
  EXPECT_EQ(parse_error(R"({"optimizer": "sgd", "momentum": {"float": [0, 0.99], "when": "sgd"}})"),
            "knob 'momentum': when needs an object {\"knob\": value or [values]}, got \"sgd\"");
  EXPECT_EQ(parse_error(R"({"optimizer": "sgd", "momentum": {"float": [0, 0.99], "when": {"optimizer": {}}}})"),
            "knob 'momentum': when 'optimizer' needs a value or a list of values, got {}");
}

TEST(SearchSpace, DuplicateNamesAreCaught) {
  EXPECT_EQ(parse_error(R"({"lr": {"log_uniform": [1e-4, 0.1]}, "lr": 0.1})"), "knob 'lr': given twice");
  SearchSpace space;
  space.add(fixed("lr", 0.1));
  EXPECT_EQ(error_text([&] { space.add(log_uniform("lr", 1e-4, 0.1)); }), "knob 'lr': given twice");
  // Nested objects may repeat names: only the knobs' own names count.
  EXPECT_NO_THROW(SearchSpace::from_json_text(R"({"a": {"choice": [1, 2]}, "b": {"int": [1, 2], "when": {"a": 1}},
                                                  "c": {"int": [1, 2], "when": {"a": 1}}})"));
}

TEST(SearchSpace, CppAddChecksTheSameWay) {
  SearchSpace space;
  EXPECT_EQ(error_text([&] { space.add(log_uniform("lr", 0, 0.1)); }),
            "knob 'lr': log_uniform needs bounds above 0, got [0, 0.1]");
  EXPECT_EQ(error_text([&] { space.add(float_range("momentum", 0, 0.99).when("optimizer", "sgd")); }),
            "knob 'momentum': when names unknown knob 'optimizer'");
  EXPECT_EQ(error_text([&] { space.add(choice("optimizer", {})); }), "knob 'optimizer': choice needs at least one value");
  EXPECT_EQ(error_text([&] { space.add(int_range("units", 0, 10, {.log = true})); }),
            "knob 'units': int with log needs bounds above 0, got [0, 10]");
  EXPECT_EQ(space.size(), 0);  // nothing half-added
}

TEST(SearchSpace, SamplesRespectBoundsStepsAndConditions) {
  const SearchSpace space = SearchSpace::from_json_text(kExample);
  Generator gen(3);
  std::set<int64_t> filters;
  int sgd = 0;
  int lr_below_1e3 = 0;
  int units_below_91 = 0;
  constexpr int kSamples = 2000;
  for (int i = 0; i < kSamples; ++i) {
    const Config c = space.sample(gen);
    const double lr = c.at("lr").get<double>();
    ASSERT_GE(lr, 1e-4);
    ASSERT_LE(lr, 0.1);
    lr_below_1e3 += lr < 1e-3 ? 1 : 0;
    ASSERT_TRUE(c.at("filters").is_number_integer());
    const auto f = c.at("filters").get<int64_t>();
    ASSERT_EQ(f % 8, 0);
    filters.insert(f);
    const auto units = c.at("units").get<int64_t>();
    ASSERT_GE(units, 16);
    ASSERT_LE(units, 512);
    units_below_91 += units < 91 ? 1 : 0;  // 90.5 is the geometric middle of [15.5, 512.5]
    const double dropout = c.at("dropout").get<double>();
    ASSERT_GE(dropout, 0);
    ASSERT_LE(dropout, 0.5);
    ASSERT_EQ(c.at("epochs"), 5);
    ASSERT_EQ(c.at("seed"), 7);
    const bool is_sgd = c.at("optimizer") == "sgd";
    sgd += is_sgd ? 1 : 0;
    ASSERT_EQ(c.contains("momentum"), is_sgd) << c.dump();
    ASSERT_EQ(c.size(), is_sgd ? 8u : 7u);
  }
  EXPECT_EQ(filters, (std::set<int64_t>{8, 16, 24, 32, 40, 48, 56, 64}));
  // Log spacing: a third of lr's log range lies below 1e-3, half of units' below 91.
  EXPECT_NEAR(lr_below_1e3, kSamples / 3, 100);
  EXPECT_NEAR(units_below_91, kSamples / 2, 100);
  EXPECT_NEAR(sgd, kSamples / 2, 100);
}

TEST(SearchSpace, SamplesAreTheSameOnEveryPlatform) {
  // Golden values from Generator(1)'s uniform() only: a change of the mapping or of the draw order shows up here.
  SearchSpace space;
  space.add(log_uniform("lr", 1e-4, 0.1));
  space.add(choice("optimizer", {"sgd", "adam"}));
  space.add(int_range("filters", 8, 64, {.step = 8}));
  Generator gen(1);
  const Config a = space.sample(gen);
  const Config b = space.sample(gen);
  Generator again(1);
  EXPECT_EQ(space.sample(again), a);
  EXPECT_NE(a, b);
  // lr goes through exp and log, which a libm may round differently in the last bit.
  EXPECT_EQ(a.at("filters"), 32);
  EXPECT_EQ(a.at("optimizer"), "sgd");
  EXPECT_NEAR(a.at("lr").get<double>(), 0.0002521331397660799, 1e-16);
  EXPECT_EQ(b.at("filters"), 64);
  EXPECT_EQ(b.at("optimizer"), "sgd");
  EXPECT_NEAR(b.at("lr").get<double>(), 0.00011563057499234795, 1e-16);
}

TEST(SearchSpace, UnitIntervalMapping) {
  const Knob lr = log_uniform("lr", 1e-4, 0.1);
  EXPECT_NEAR(lr.from_unit(0).get<double>(), 1e-4, 1e-18);
  EXPECT_NEAR(lr.from_unit(1).get<double>(), 0.1, 1e-15);
  EXPECT_NEAR(lr.from_unit(1.0 / 3).get<double>(), 1e-3, 1e-15);
  EXPECT_NEAR(lr.to_unit(1e-2), 2.0 / 3, 1e-12);
  // Ints: each value owns an equal share, to_unit gives its centre.
  const Knob filters = int_range("filters", 8, 64, {.step = 8});
  EXPECT_EQ(filters.from_unit(0), 8);
  EXPECT_EQ(filters.from_unit(0.124), 8);
  EXPECT_EQ(filters.from_unit(0.126), 16);
  EXPECT_EQ(filters.from_unit(1), 64);
  EXPECT_NEAR(filters.to_unit(8), 1.0 / 16, 1e-12);
  EXPECT_NEAR(filters.to_unit(64), 15.0 / 16, 1e-12);
  for (double u = 0; u < 1; u += 0.01) EXPECT_NEAR(filters.to_unit(filters.from_unit(u)), u, 1.0 / 16 + 1e-12);
  const Knob dropout = float_range("dropout", 0, 0.5, {.step = 0.1});
  EXPECT_EQ(dropout.from_unit(0.45), 0.2);  // 6 values, a sixth each
  EXPECT_EQ(dropout.from_unit(0.55), 0.3);  // as written, not 0.1 * 3 = 0.30000000000000004
  EXPECT_EQ(dropout.from_unit(1), 0.5);
}

TEST(SearchSpace, GridOfASmallSpace) {
  SearchSpace space;
  space.add(choice("optimizer", {"sgd", "adam"}));
  space.add(float_range("momentum", 0.0, 0.9).when("optimizer", "sgd"));
  space.add(int_range("filters", 8, 16, {.step = 8}));
  space.add(fixed("epochs", 5));
  const std::vector<Config> grid = space.grid(3);
  const std::vector<Config> expected = {
      {{"optimizer", "sgd"}, {"momentum", 0.0}, {"filters", 8}, {"epochs", 5}},
      {{"optimizer", "sgd"}, {"momentum", 0.0}, {"filters", 16}, {"epochs", 5}},
      {{"optimizer", "sgd"}, {"momentum", 0.45}, {"filters", 8}, {"epochs", 5}},
      {{"optimizer", "sgd"}, {"momentum", 0.45}, {"filters", 16}, {"epochs", 5}},
      {{"optimizer", "sgd"}, {"momentum", 0.9}, {"filters", 8}, {"epochs", 5}},
      {{"optimizer", "sgd"}, {"momentum", 0.9}, {"filters", 16}, {"epochs", 5}},
      {{"optimizer", "adam"}, {"filters", 8}, {"epochs", 5}},  // momentum inactive: its three points are one
      {{"optimizer", "adam"}, {"filters", 16}, {"epochs", 5}},
  };
  EXPECT_EQ(grid, expected);
}

TEST(SearchSpace, GridValuesPerKind) {
  EXPECT_EQ(log_uniform("lr", 1e-4, 1e-2).grid_values(3).size(), 3u);
  const auto lr = log_uniform("lr", 1e-4, 1e-2).grid_values(3);
  EXPECT_EQ(lr[0], 1e-4);
  EXPECT_NEAR(lr[1].get<double>(), 1e-3, 1e-15);
  EXPECT_EQ(lr[2], 1e-2);
  EXPECT_EQ(int_range("layers", 1, 3).grid_values(5), (std::vector<json>{1, 2, 3}));  // every value
  EXPECT_EQ(int_range("filters", 8, 64, {.step = 8}).grid_values(3), (std::vector<json>{8, 40, 64}));  // 36 -> 40
  EXPECT_EQ(int_range("units", 16, 1024, {.log = true}).grid_values(4), (std::vector<json>{16, 64, 256, 1024}));
  EXPECT_EQ(int_range("n", 1, 4).grid_values(3), (std::vector<json>{1, 3, 4}));  // 2.5 rounds to 3
  EXPECT_EQ(float_range("dropout", 0, 0.5).grid_values(1), (std::vector<json>{0.25}));
  EXPECT_EQ(choice("act", {"relu", "tanh"}).grid_values(1), (std::vector<json>{"relu", "tanh"}));
  EXPECT_EQ(fixed("epochs", 5).grid_values(3), (std::vector<json>{5}));
  EXPECT_EQ(error_text([] { fixed("epochs", 5).grid_values(0); }), "a grid needs at least 1 point per knob, got 0");
}

TEST(SearchSpace, GridThatIsTooLargeIsRefused) {
  SearchSpace space;
  for (int i = 0; i < 7; ++i) space.add(float_range("x" + std::to_string(i), 0, 1));
  EXPECT_EQ(error_text([&] { space.grid(10); }),
            "the grid passes 1000000 configs (at knob 'x6'): use fewer points or random search");
}

}  // namespace
}  // namespace fovea::tune
