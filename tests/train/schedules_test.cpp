// Tests of the learning-rate schedules (src/train/schedules.cpp) against hand-computed values, PyTorch's OneCycleLR
// values, the JSON round trip and the text of their errors.
#include "fovea/train/schedules.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>

#include "fovea/core/error.h"

namespace fovea {
namespace {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ValueError& e) {
    return e.what();
  }
  return "no ValueError";
}

TEST(SchedulesTest, ExponentialDecaySmoothAndStaircase) {
  auto smooth = schedules::ExponentialDecay({.initial_learning_rate = 0.1, .decay_steps = 10, .decay_rate = 0.5});
  EXPECT_DOUBLE_EQ((*smooth)(0), 0.1);
  EXPECT_DOUBLE_EQ((*smooth)(5), 0.1 * std::sqrt(0.5));
  EXPECT_DOUBLE_EQ((*smooth)(20), 0.025);
  auto stairs = schedules::ExponentialDecay(
      {.initial_learning_rate = 0.1, .decay_steps = 10, .decay_rate = 0.5, .staircase = true});
  EXPECT_DOUBLE_EQ((*stairs)(9), 0.1);
  EXPECT_DOUBLE_EQ((*stairs)(10), 0.05);
  EXPECT_DOUBLE_EQ((*stairs)(15), 0.05);
  EXPECT_DOUBLE_EQ((*stairs)(29), 0.025);
}

TEST(SchedulesTest, PiecewiseConstantDecayIncludesEachBoundaryInTheEarlierPiece) {
  auto s = schedules::PiecewiseConstantDecay({.boundaries = {100, 200}, .values = {1.0, 0.5, 0.1}});
  EXPECT_EQ((*s)(0), 1.0);
  EXPECT_EQ((*s)(100), 1.0);
  EXPECT_EQ((*s)(101), 0.5);
  EXPECT_EQ((*s)(200), 0.5);
  EXPECT_EQ((*s)(201), 0.1);
  EXPECT_EQ((*s)(100000), 0.1);
}

TEST(SchedulesTest, CosineDecayWithAndWithoutWarmup) {
  auto plain = schedules::CosineDecay({.initial_learning_rate = 1.0, .decay_steps = 100});
  EXPECT_DOUBLE_EQ((*plain)(0), 1.0);
  EXPECT_NEAR((*plain)(25), 0.5 * (1 + std::cos(std::numbers::pi / 4)), 1e-15);
  EXPECT_NEAR((*plain)(50), 0.5, 1e-15);
  EXPECT_NEAR((*plain)(100), 0.0, 1e-15);
  EXPECT_NEAR((*plain)(150), 0.0, 1e-15);
  auto floor = schedules::CosineDecay({.initial_learning_rate = 1.0, .decay_steps = 100, .alpha = 0.1});
  EXPECT_NEAR((*floor)(50), 0.55, 1e-15);
  EXPECT_NEAR((*floor)(1000), 0.1, 1e-15);
  auto warm = schedules::CosineDecay(
      {.initial_learning_rate = 0.0, .decay_steps = 100, .warmup_target = 1.0, .warmup_steps = 10});
  EXPECT_DOUBLE_EQ((*warm)(0), 0.0);
  EXPECT_DOUBLE_EQ((*warm)(5), 0.5);
  EXPECT_DOUBLE_EQ((*warm)(10), 1.0);
  EXPECT_NEAR((*warm)(60), 0.5, 1e-15);
  EXPECT_NEAR((*warm)(500), 0.0, 1e-15);
}

TEST(SchedulesTest, PolynomialAndInverseTimeDecay) {
  auto poly = schedules::PolynomialDecay(
      {.initial_learning_rate = 0.1, .decay_steps = 10, .end_learning_rate = 0.01, .power = 2.0});
  EXPECT_DOUBLE_EQ((*poly)(0), 0.1);
  EXPECT_DOUBLE_EQ((*poly)(5), 0.09 * 0.25 + 0.01);
  EXPECT_DOUBLE_EQ((*poly)(20), 0.01);
  auto cyclic = schedules::PolynomialDecay(
      {.initial_learning_rate = 0.1, .decay_steps = 10, .end_learning_rate = 0.01, .power = 2.0, .cycle = true});
  EXPECT_DOUBLE_EQ((*cyclic)(0), 0.1);
  EXPECT_DOUBLE_EQ((*cyclic)(15), 0.09 * 0.0625 + 0.01);  // horizon 20, 3/4 of the way
  auto inverse = schedules::InverseTimeDecay({.initial_learning_rate = 1.0, .decay_steps = 10, .decay_rate = 0.5});
  EXPECT_DOUBLE_EQ((*inverse)(10), 1.0 / 1.5);
  EXPECT_DOUBLE_EQ((*inverse)(15), 1.0 / 1.75);
  auto inverse_stairs = schedules::InverseTimeDecay(
      {.initial_learning_rate = 1.0, .decay_steps = 10, .decay_rate = 0.5, .staircase = true});
  EXPECT_DOUBLE_EQ((*inverse_stairs)(15), 1.0 / 1.5);
}

TEST(SchedulesTest, OneCycleMatchesPyTorch) {
  // torch.optim.lr_scheduler.OneCycleLR(max_lr=1.0, total_steps=100, cycle_momentum=False), PyTorch 1.13.
  auto s = schedules::OneCycle({.max_lr = 1.0, .total_steps = 100});
  EXPECT_NEAR((*s)(0), 0.040000000000000036, 1e-15);
  EXPECT_NEAR((*s)(10), 0.29516394846410077, 1e-15);
  EXPECT_NEAR((*s)(29), 1.0, 1e-15);
  EXPECT_NEAR((*s)(30), 0.9994965352845243, 1e-15);
  EXPECT_NEAR((*s)(64), 0.500002, 1e-15);
  EXPECT_NEAR((*s)(99), 4e-06, 1e-18);
  EXPECT_NEAR((*s)(150), 4e-06, 1e-18);  // past the end: the final rate
}

TEST(SchedulesTest, JsonRoundTrip) {
  const std::vector<LearningRateSchedulePtr> all = {
      schedules::ExponentialDecay(
          {.initial_learning_rate = 0.1, .decay_steps = 7, .decay_rate = 0.9, .staircase = true}),
      schedules::PiecewiseConstantDecay({.boundaries = {3, 9}, .values = {0.3, 0.2, 0.1}}),
      schedules::CosineDecay({.initial_learning_rate = 0.1, .decay_steps = 50, .alpha = 0.2}),
      schedules::CosineDecay(
          {.initial_learning_rate = 0.0, .decay_steps = 50, .warmup_target = 0.4, .warmup_steps = 5}),
      schedules::PolynomialDecay({.initial_learning_rate = 0.1, .decay_steps = 10, .power = 0.5, .cycle = true}),
      schedules::InverseTimeDecay({.initial_learning_rate = 0.1, .decay_steps = 10, .decay_rate = 2.0}),
      schedules::OneCycle({.max_lr = 0.5, .total_steps = 40, .pct_start = 0.25, .div_factor = 10})};
  for (const auto& s : all) {
    const nlohmann::json spec = schedules::to_json(s);
    const LearningRateSchedulePtr back = schedules::from_json(spec);
    EXPECT_EQ(back->class_name(), s->class_name());
    EXPECT_EQ(back->config(), s->config()) << spec.dump();
    for (int64_t step : {0, 1, 4, 9, 30, 100}) EXPECT_EQ((*back)(step), (*s)(step)) << spec.dump();
  }
  EXPECT_EQ(schedules::to_json(all[3])["config"]["warmup_target"], 0.4);
  EXPECT_TRUE(schedules::to_json(all[2])["config"]["warmup_target"].is_null());
}

TEST(SchedulesTest, ErrorsSayWhatWasWrong) {
  EXPECT_EQ(error_of([] { schedules::ExponentialDecay({.initial_learning_rate = 0.1, .decay_rate = 0.5}); }),
            "ExponentialDecay: decay_steps must be > 0, got 0");
  EXPECT_EQ(error_of([] {
              schedules::PiecewiseConstantDecay({.boundaries = {10, 20}, .values = {1.0, 0.5}});
            }),
            "PiecewiseConstantDecay: values must have one more entry than boundaries, got 2 boundaries and 2 values");
  EXPECT_EQ(error_of([] {
              schedules::PiecewiseConstantDecay({.boundaries = {20, 10}, .values = {1, 0.5, 0.1}});
            }),
            "PiecewiseConstantDecay: boundaries must be strictly increasing, got 20 before 10");
  EXPECT_EQ(error_of([] { schedules::CosineDecay({.initial_learning_rate = -1.0, .decay_steps = 10}); }),
            "CosineDecay: initial_learning_rate must be a finite number >= 0, got -1");
  EXPECT_EQ(error_of([] { schedules::OneCycle({.max_lr = 1.0, .total_steps = 3}); }),
            "OneCycle: pct_start * total_steps must be > 1, got 0.3 * 3");
  EXPECT_EQ(error_of([] {
              schedules::from_json({{"class_name", "StepDecay"}});
            }),
            "unknown learning-rate schedule 'StepDecay'; valid names: ExponentialDecay, PiecewiseConstantDecay, "
            "CosineDecay, PolynomialDecay, InverseTimeDecay, OneCycle");
}

}  // namespace
}  // namespace fovea
