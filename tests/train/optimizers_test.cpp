// Tests of the optimizer updates (src/train/optimizers): each optimizer against hand-computed steps in float64,
// weight decay, the three clipping options, learning-rate schedules, float32 and the parallel path, and errors.
// Expected values come from an independent scalar transcription of Keras 3's update formulas; the weights start at
// {1, -2, 0.5} and see the gradients {0.1, -0.2, 0.3}, {-0.4, 0.05, 0.2}, {0.3, 0.1, -0.1} in turn.
#include "fovea/train/optimizers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include <nlohmann/json.hpp>

#include "fovea/core/error.h"
#include "fovea/layers/layer.h"

namespace fovea {
namespace {

const std::vector<std::vector<double>> kGrads = {{0.1, -0.2, 0.3}, {-0.4, 0.05, 0.2}, {0.3, 0.1, -0.1}};

Tensor start_weights(DType dtype = DType::f64) {
  Tensor w = Tensor::from_vector(Shape{3}, {1.0, -2.0, 0.5}, dtype);
  w.set_requires_grad();
  return w;
}

// Runs `steps` updates with the fixed gradients and returns the weights.
std::vector<double> run(const OptimizerPtr& opt, int steps = 2, DType dtype = DType::f64) {
  Tensor w = start_weights(dtype);
  for (int t = 0; t < steps; ++t) {
    w.set_grad(Tensor::from_vector(Shape{3}, kGrads[t], dtype));
    opt->step(std::vector<Tensor>{w});
  }
  EXPECT_EQ(opt->iterations(), steps);
  return w.to_vector();
}

void expect_values(const std::vector<double>& got, const std::vector<double>& want, double tol = 1e-12) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "element " << i;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ValueError& e) {
    return e.what();
  }
  return "no ValueError";
}

TEST(OptimizersTest, SgdPlainMomentumAndNesterov) {
  expect_values(run(optimizers::SGD({.learning_rate = 0.1})), {1.03, -1.985, 0.45});
  expect_values(run(optimizers::SGD({.learning_rate = 0.1, .momentum = 0.9})), {1.021, -1.967, 0.423});
  expect_values(run(optimizers::SGD({.learning_rate = 0.1, .momentum = 0.9, .nesterov = true})),
                {1.0489, -1.9553, 0.3807});
}

TEST(OptimizersTest, AdamTwoSteps) {
  expect_values(run(optimizers::Adam({.learning_rate = 0.1})),
                {0.9559530824525291, -1.8530554844524112, 0.3029666926142072});
}

TEST(OptimizersTest, AdamAmsgradKeepsTheLargestVelocity) {
  // beta_2 = 0.5 lets the velocity of elements 1 and 2 shrink at step 3, where AMSGrad keeps the old maximum.
  const std::vector<double> amsgrad = {0.946725914712463, -1.8539516956328894, 0.24645533202345338};
  const std::vector<double> plain = {0.946725914712463, -1.8384418616986087, 0.2272712833268365};
  expect_values(run(optimizers::Adam({.learning_rate = 0.1, .beta_2 = 0.5, .amsgrad = true}), 3), amsgrad);
  expect_values(run(optimizers::Adam({.learning_rate = 0.1, .beta_2 = 0.5}), 3), plain);
}

TEST(OptimizersTest, AdamWDecaysWeightsByDefault) {
  expect_values(run(optimizers::AdamW({.learning_rate = 0.1})),
                {0.955193241187658, -1.8514958038199658, 0.30260677219257465});
}

TEST(OptimizersTest, AdagradStartsFromTheInitialAccumulator) {
  expect_values(run(optimizers::Adagrad({.learning_rate = 0.1})),
                {1.0468289008836673, -1.9597930896307645, 0.38947242420501893});
}

TEST(OptimizersTest, AdadeltaAsInTheKerasMnistExample) {
  expect_values(run(optimizers::Adadelta({.learning_rate = 1.0})),
                {1.0005289639044626, -1.9990827073069852, 0.49745670254648594});
}

TEST(OptimizersTest, RmspropPlainAndCenteredWithMomentum) {
  expect_values(run(optimizers::RMSprop({.learning_rate = 0.1})),
                {0.9914794415497838, -1.7643574366557175, 0.0019565602814064775});
  expect_values(run(optimizers::RMSprop({.learning_rate = 0.1, .momentum = 0.5, .centered = true})),
                {0.8168590859255349, -1.5824171876461905, -0.2010948895098168});
}

TEST(OptimizersTest, AdamaxTwoSteps) {
  expect_values(run(optimizers::Adamax({.learning_rate = 0.1})),
                {0.9407895634867447, -1.8657552960526151, 0.3174613818438394});
}

TEST(OptimizersTest, NadamFollowsTheMomentumCache) {
  expect_values(run(optimizers::Nadam({.learning_rate = 0.1})),
                {0.9910927886155504, -1.9115163470361882, 0.3310302513035651});
}

TEST(OptimizersTest, DecoupledWeightDecayComesBeforeTheUpdate) {
  // Each step: w -= lr * wd * w, then w -= lr * g.
  expect_values(run(optimizers::SGD({.learning_rate = 0.1, .weight_decay = 0.1})), {1.0102, -1.9454, 0.44035});
}

TEST(OptimizersTest, ClipnormRescalesEachGradient) {
  expect_values(run(optimizers::SGD({.learning_rate = 0.1, .clipnorm = 0.25})),
                {1.0155406911744116, -1.9894147156821564, 0.46884429574545705});
}

TEST(OptimizersTest, ClipvalueClipsEachElement) {
  expect_values(run(optimizers::SGD({.learning_rate = 0.1, .clipvalue = 0.15})), {1.005, -1.99, 0.47});
}

TEST(OptimizersTest, GlobalClipnormRescalesAllGradientsTogether) {
  // Joint norm of {3, 4} and {12} is 13; clipping to 6.5 halves both, which per-tensor clipnorm would not.
  Tensor a = Tensor::ones(Shape{2}, DType::f64).set_requires_grad();
  Tensor b = Tensor::ones(Shape{1}, DType::f64).set_requires_grad();
  a.set_grad(Tensor::from_vector(Shape{2}, {3.0, 4.0}, DType::f64));
  b.set_grad(Tensor::from_vector(Shape{1}, {12.0}, DType::f64));
  optimizers::SGD({.learning_rate = 0.1, .global_clipnorm = 6.5})->step(std::vector<Tensor>{a, b});
  expect_values(a.to_vector(), {0.85, 0.8});
  expect_values(b.to_vector(), {0.4});
}

TEST(OptimizersTest, ScheduleDrivesTheLearningRate) {
  auto opt = optimizers::SGD(
      {.learning_rate_schedule = schedules::PiecewiseConstantDecay({.boundaries = {0}, .values = {0.1, 0.01}})});
  EXPECT_DOUBLE_EQ(opt->learning_rate(), 0.1);
  // Step 1 runs at schedule(0) = 0.1, step 2 at schedule(1) = 0.01.
  expect_values(run(opt), {1.0 - 0.01 + 0.004, -2.0 + 0.02 - 0.0005, 0.5 - 0.03 - 0.002});
  EXPECT_DOUBLE_EQ(opt->learning_rate(), 0.01);
  EXPECT_EQ(error_of([&] { opt->set_learning_rate(0.5); }),
            "SGD: the learning rate comes from a PiecewiseConstantDecay schedule and cannot be set");
}

TEST(OptimizersTest, SetLearningRateChangesLaterSteps) {
  auto opt = optimizers::SGD({.learning_rate = 0.1});
  opt->set_learning_rate(0.5);
  EXPECT_DOUBLE_EQ(opt->learning_rate(), 0.5);
  expect_values(run(opt, 1), {0.95, -1.9, 0.35});
  EXPECT_EQ(error_of([&] { opt->set_learning_rate(-1); }), "SGD: learning_rate must be a finite number >= 0, got -1");
}

TEST(OptimizersTest, Float32MatchesFloat64) {
  const std::vector<double> f64 = run(optimizers::Nadam({.learning_rate = 0.1}), 3, DType::f64);
  expect_values(run(optimizers::Nadam({.learning_rate = 0.1}), 3, DType::f32), f64, 1e-6);
  const std::vector<double> r64 = run(optimizers::RMSprop({.momentum = 0.5, .centered = true}), 3, DType::f64);
  expect_values(run(optimizers::RMSprop({.momentum = 0.5, .centered = true}), 3, DType::f32), r64, 1e-6);
}

TEST(OptimizersTest, LargeTensorsGiveTheSameValuesAsSmallOnes) {
  // 40,000 elements take the OpenMP path; updating the same values in 8-element pieces does not.
  const int64_t n = 40000;
  Generator gen(7);
  Tensor big = Tensor::normal(Shape{n}, 0, 1, &gen).set_requires_grad();
  const Tensor grad1 = Tensor::normal(Shape{n}, 0, 1, &gen), grad2 = Tensor::normal(Shape{n}, 0, 1, &gen);
  const std::vector<double> w0 = big.to_vector(), g1 = grad1.to_vector(), g2 = grad2.to_vector();
  auto opt = optimizers::Adam({.learning_rate = 0.01, .weight_decay = 0.1});
  for (const Tensor& g : {grad1, grad2}) {
    big.set_grad(g);
    opt->step(std::vector<Tensor>{big});
  }
  const std::vector<double> got = big.to_vector();
  for (int64_t start = 0; start < n; start += 4999) {
    const int64_t len = std::min<int64_t>(8, n - start);
    auto slice = [&](const std::vector<double>& v) {
      return std::vector<float>(v.begin() + start, v.begin() + start + len);
    };
    Tensor small = Tensor::from_vector(Shape{len}, slice(w0)).set_requires_grad();
    auto small_opt = optimizers::Adam({.learning_rate = 0.01, .weight_decay = 0.1});
    for (const auto* g : {&g1, &g2}) {
      small.set_grad(Tensor::from_vector(Shape{len}, slice(*g)));
      small_opt->step(std::vector<Tensor>{small});
    }
    const std::vector<double> want = small.to_vector();
    for (int64_t i = 0; i < len; ++i) EXPECT_EQ(got[start + i], want[i]) << "element " << start + i;
  }
}

TEST(OptimizersTest, ParametersWithoutGradientsAreSkipped) {
  auto opt = optimizers::Adam();
  Tensor a = start_weights(), b = start_weights();
  opt->step(std::vector<Tensor>{a, b});  // no gradients at all: nothing happens
  EXPECT_EQ(opt->iterations(), 0);
  b.set_grad(Tensor::ones(Shape{3}, DType::f64));
  opt->step(std::vector<Tensor>{a, b});
  EXPECT_EQ(opt->iterations(), 1);
  expect_values(a.to_vector(), {1.0, -2.0, 0.5}, 0);
  EXPECT_LT(b.to_vector()[0], 1.0);
  // Only b has slots.
  const OptimizerState state = opt->state();
  ASSERT_EQ(state.size(), 4u);
  EXPECT_EQ(state[2].first, "1/momentum");
  EXPECT_EQ(state[3].first, "1/velocity");
}

TEST(OptimizersTest, WeightsStepAppliesConstraintsAndSkipsFrozenOnes) {
  Weight kernel{.name = "kernel", .value = start_weights(), .constraint = constraints::NonNeg()};
  Weight frozen{.name = "moving_mean", .value = start_weights(), .trainable = false};
  kernel.value.set_grad(Tensor::from_vector(Shape{3}, {0.1, -0.2, 10.0}, DType::f64));
  frozen.value.set_grad(Tensor::ones(Shape{3}, DType::f64));
  optimizers::SGD({.learning_rate = 0.1})->step(std::vector<Weight*>{&kernel, &frozen});
  expect_values(kernel.value.to_vector(), {0.99, 0.0, 0.0});  // -1.98 and -0.5 projected to 0
  expect_values(frozen.value.to_vector(), {1.0, -2.0, 0.5}, 0);
}

TEST(OptimizersTest, ErrorsNameTheOptimizerAndTheValue) {
  EXPECT_EQ(error_of([] { optimizers::Adam({.learning_rate = -0.1}); }),
            "Adam: learning_rate must be a finite number >= 0, got -0.1");
  EXPECT_EQ(error_of([] { optimizers::SGD({.momentum = 1.5}); }), "SGD: momentum must be in [0, 1], got 1.5");
  EXPECT_EQ(error_of([] { optimizers::RMSprop({.clipnorm = 1.0, .clipvalue = 0.5}); }),
            "RMSprop: only one of clipnorm, clipvalue and global_clipnorm can be set, got clipnorm=1, clipvalue=0.5, "
            "global_clipnorm=None");
  EXPECT_EQ(error_of([] { optimizers::Adamax({.beta_1 = 1.0}); }), "Adamax: beta_1 must be in [0, 1), got 1");
  EXPECT_EQ(error_of([] { optimizers::Adagrad({.clipnorm = 0.0}); }),
            "Adagrad: clipnorm must be a finite number > 0, got 0");
  EXPECT_EQ(error_of([] { optimizers::from_name("adamm"); }),
            "unknown optimizer 'adamm'; valid names: sgd, adam, adamw, adagrad, adadelta, rmsprop, adamax, nadam");
  Tensor w = start_weights();
  w.set_grad(Tensor::ones(Shape{2}, DType::f64));
  EXPECT_EQ(error_of([&] { optimizers::Nadam()->step(std::vector<Tensor>{w}); }),
            "Nadam.step: the gradient of parameter 0 is float64 (2,) but the parameter is float64 (3,)");
}

TEST(OptimizersTest, FromNameUsesKerasNamesAndDefaults) {
  const std::vector<std::pair<std::string, std::string>> names = {
      {"sgd", "SGD"},           {"adam", "Adam"},       {"adamw", "AdamW"},   {"adagrad", "Adagrad"},
      {"adadelta", "Adadelta"}, {"rmsprop", "RMSprop"}, {"adamax", "Adamax"}, {"nadam", "Nadam"}};
  for (const auto& [name, cls] : names) {
    EXPECT_EQ(optimizers::from_name(name)->class_name(), cls);
    EXPECT_EQ(optimizers::from_name(cls)->class_name(), cls);
    EXPECT_DOUBLE_EQ(optimizers::from_name(name, 0.25)->learning_rate(), 0.25);
  }
  EXPECT_DOUBLE_EQ(optimizers::from_name("sgd")->learning_rate(), 0.01);
  EXPECT_DOUBLE_EQ(optimizers::from_name("adam")->learning_rate(), 0.001);
  EXPECT_EQ(optimizers::from_name("adamw")->config()["weight_decay"], 0.004);
}

TEST(OptimizersTest, JsonRoundTripKeepsEveryOption) {
  const std::vector<OptimizerPtr> all = {
      optimizers::SGD({.learning_rate = 0.2, .momentum = 0.8, .nesterov = true, .clipvalue = 3.0}),
      optimizers::Adam({.beta_1 = 0.8, .amsgrad = true, .global_clipnorm = 2.0}),
      optimizers::AdamW({.weight_decay = 0.01, .epsilon = 1e-6}),
      optimizers::Adagrad({.initial_accumulator_value = 0.5}),
      optimizers::Adadelta({.learning_rate = 1.0, .rho = 0.9}),
      optimizers::RMSprop({.rho = 0.8, .momentum = 0.1, .centered = true, .clipnorm = 1.0}),
      optimizers::Adamax({.beta_2 = 0.99, .weight_decay = 0.1}),
      optimizers::Nadam({.learning_rate_schedule = schedules::ExponentialDecay(
                             {.initial_learning_rate = 0.1, .decay_steps = 10, .decay_rate = 0.5})})};
  for (const OptimizerPtr& opt : all) {
    const nlohmann::json spec = optimizers::to_json(*opt);
    const OptimizerPtr back = optimizers::from_json(spec);
    EXPECT_EQ(back->class_name(), opt->class_name());
    EXPECT_EQ(back->config(), opt->config()) << spec.dump();
  }
  EXPECT_EQ(all[7]->config()["learning_rate"]["class_name"], "ExponentialDecay");
}

}  // namespace
}  // namespace fovea
