// Tests of optimizer checkpoints and convergence (src/train/optimizers): exporting and importing the state resumes
// a run bit for bit, load_state rejects mismatched state, and every optimizer minimizes a quadratic through
// autograd.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "fovea/core/error.h"
#include "fovea/core/rng.h"
#include "fovea/ops/math.h"
#include "fovea/train/optimizers.h"

namespace fovea {
namespace {

using Factory = std::function<OptimizerPtr()>;

struct Case {
  std::string label;
  Factory make;
};

std::vector<Case> all_optimizers() {
  return {{"sgd_nesterov", [] { return optimizers::SGD({.learning_rate = 0.05, .momentum = 0.9, .nesterov = true}); }},
          {"adam_amsgrad", [] { return optimizers::Adam({.learning_rate = 0.05, .amsgrad = true, .clipnorm = 1.0}); }},
          {"adamw", [] { return optimizers::AdamW({.learning_rate = 0.05}); }},
          {"adagrad", [] { return optimizers::Adagrad({.learning_rate = 0.5}); }},
          {"adadelta", [] { return optimizers::Adadelta({.learning_rate = 1.0}); }},
          {"rmsprop_centered",
           [] { return optimizers::RMSprop({.learning_rate = 0.01, .momentum = 0.5, .centered = true}); }},
          {"adamax", [] { return optimizers::Adamax({.learning_rate = 0.05, .global_clipnorm = 2.0}); }},
          {"nadam_scheduled", [] {
             return optimizers::Nadam({.learning_rate_schedule = schedules::CosineDecay({.initial_learning_rate = 0.01,
                                                                                         .decay_steps = 2000,
                                                                                         .alpha = 0.1,
                                                                                         .warmup_target = 0.1,
                                                                                         .warmup_steps = 2})});
           }}};
}

// Gradients that differ per step and per parameter, so that every slot carries information.
void set_grads(std::vector<Tensor>& params, int step) {
  for (size_t p = 0; p < params.size(); ++p) {
    std::vector<float> g(static_cast<size_t>(params[p].numel()));
    for (size_t i = 0; i < g.size(); ++i) g[i] = std::sin(1.7f * static_cast<float>(step * 7 + p * 3 + i) + 0.3f);
    params[p].set_grad(Tensor::from_vector(params[p].shape(), g));
  }
}

std::vector<Tensor> make_params() {
  Generator gen(3);
  return {Tensor::normal(Shape{3}, 0, 1, &gen).set_requires_grad(),
          Tensor::normal(Shape{2, 2}, 0, 1, &gen).set_requires_grad()};
}

TEST(OptimizerStateTest, ExportAndImportResumeBitIdentically) {
  for (const Case& c : all_optimizers()) {
    SCOPED_TRACE(c.label);
    // Three uninterrupted steps.
    std::vector<Tensor> straight = make_params();
    OptimizerPtr a = c.make();
    for (int t = 0; t < 3; ++t) {
      set_grads(straight, t);
      a->step(straight);
    }
    // Two steps, a checkpoint, a fresh optimizer and fresh tensors restored from it, one more step.
    std::vector<Tensor> first = make_params();
    OptimizerPtr b = c.make();
    for (int t = 0; t < 2; ++t) {
      set_grads(first, t);
      b->step(first);
    }
    const OptimizerState saved = b->state();
    std::vector<Tensor> resumed;
    for (const Tensor& p : first) resumed.push_back(p.clone().set_requires_grad());
    OptimizerPtr restored = c.make();
    restored->load_state(saved, resumed);
    EXPECT_EQ(restored->iterations(), 2);
    EXPECT_EQ(restored->learning_rate(), b->learning_rate());
    set_grads(resumed, 2);
    restored->step(resumed);
    EXPECT_EQ(restored->iterations(), 3);
    for (size_t p = 0; p < straight.size(); ++p) EXPECT_EQ(resumed[p].to_vector(), straight[p].to_vector());
    EXPECT_EQ(restored->state().size(), a->state().size());
  }
}

TEST(OptimizerStateTest, StateIsASnapshot) {
  std::vector<Tensor> params = make_params();
  OptimizerPtr opt = optimizers::Adam();
  set_grads(params, 0);
  opt->step(params);
  const OptimizerState before = opt->state();
  ASSERT_EQ(before.size(), 2u + 2u * 2u);
  EXPECT_EQ(before[0].first, "iterations");
  EXPECT_EQ(before[1].first, "learning_rate");
  EXPECT_EQ(before[2].first, "0/momentum");
  EXPECT_EQ(before[5].first, "1/velocity");
  const std::vector<double> momentum = before[2].second.to_vector();
  set_grads(params, 1);
  opt->step(params);
  EXPECT_EQ(before[2].second.to_vector(), momentum);
  EXPECT_NE(opt->state()[2].second.to_vector(), momentum);
}

TEST(OptimizerStateTest, NadamExportsItsMomentumProduct) {
  std::vector<Tensor> params = make_params();
  OptimizerPtr opt = optimizers::Nadam();
  set_grads(params, 0);
  opt->step(params);
  const OptimizerState state = opt->state();
  ASSERT_EQ(state[2].first, "u_product");
  EXPECT_DOUBLE_EQ(state[2].second.item(), 0.9 * (1.0 - 0.5 * 0.96));
}

TEST(OptimizerStateTest, LoadStateRejectsMismatchedEntries) {
  std::vector<Tensor> params = make_params();
  OptimizerPtr opt = optimizers::Adam();
  set_grads(params, 0);
  opt->step(params);
  OptimizerState state = opt->state();
  const auto message = [&](const OptimizerState& s, const std::vector<Tensor>& p) -> std::string {
    try {
      optimizers::Adam()->load_state(s, p);
    } catch (const ValueError& e) {
      return e.what();
    }
    return "no ValueError";
  };
  EXPECT_EQ(message(state, {params[0]}),
            "Adam.load_state: entry '1/momentum' refers to parameter 1 but 1 parameters were given");
  EXPECT_EQ(message(state, {params[1], params[0]}),
            "Adam.load_state: entry '0/momentum' is float32 (3,) but parameter 0 is float32 (2, 2)");
  OptimizerState bogus = state;
  bogus.emplace_back("0/accumulator", Tensor::zeros(Shape{3}));
  EXPECT_EQ(message(bogus, params), "Adam.load_state: entry '0/accumulator' names a slot this optimizer does not have");
  OptimizerState scalar = state;
  scalar.emplace_back("u_product", Tensor::scalar(1.0));
  EXPECT_EQ(message(scalar, params), "Adam.load_state: unknown entry 'u_product'");
  EXPECT_EQ(message(OptimizerState(state.begin() + 1, state.end()), params),
            "Adam.load_state: the state has no 'iterations' entry");
}

TEST(OptimizerStateTest, EveryOptimizerMinimizesAQuadratic) {
  const Tensor target = Tensor::from_vector(Shape{3}, {3.0, -1.0, 0.5}, DType::f64);
  for (const Case& c : all_optimizers()) {
    SCOPED_TRACE(c.label);
    Tensor w = Tensor::zeros(Shape{3}, DType::f64).set_requires_grad();
    OptimizerPtr opt = c.make();
    for (int t = 0; t < 3000; ++t) {  // Adadelta (rate 1.0) needs ~2500 steps from its zero start
      w.zero_grad();
      const Tensor diff = w - target;
      sum(diff * diff).backward();
      opt->step(std::vector<Tensor>{w});
    }
    const std::vector<double> got = w.to_vector(), want = target.to_vector();
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 0.05) << "element " << i;
  }
}

}  // namespace
}  // namespace fovea
