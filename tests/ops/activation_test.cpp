// Tests for src/ops/activation.cpp: every activation kind's values and float64 gradients, prelu, softmax and
// log-softmax (the seed example, stability, several axes), and activation names.
#include "fovea/ops/activation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gradcheck.h"

namespace fovea {
namespace {

using testing::expect_close;
using testing::expect_gradients_match;
using testing::random64;

Tensor f64(const Shape& shape, const std::vector<double>& values) {
  return Tensor::from_vector(shape, values, DType::f64);
}

// Points away from every kink of the activations below (0, relu's 0.5 and 2, relu6's 6, hard_sigmoid's +-3).
Tensor mixed_points() { return f64({3, 4}, {-3.7, -1.7, -0.9, -0.35, -0.12, 0.15, 0.4, 0.8, 1.3, 2.6, 4.2, 7.5}); }
Tensor positive_points() { return f64({2, 4}, {0.2, 0.45, 0.7, 1.1, 1.6, 2.3, 3.1, 4.4}); }

double value_of(const Activation& f, double x) {
  return activation(Tensor::from_vector({1}, {x}, DType::f64), f).item();
}

struct Case {
  std::string label;
  Activation f;
  bool positive_only = false;
};

std::vector<Case> every_kind() {
  return {
      {"linear", Activation::linear()},
      {"relu", Activation::relu()},
      {"relu negative_slope", Activation::relu(0.2)},
      {"relu max_value", Activation::relu(0.0, 2.0)},
      {"relu threshold", Activation::relu(0.0, std::numeric_limits<double>::infinity(), 0.5)},
      {"relu all three", Activation::relu(0.1, 2.0, 0.5)},
      {"leaky_relu", Activation::leaky_relu(0.3)},
      {"relu6", Activation::of(ActivationKind::relu6)},
      {"elu", Activation::elu(1.0)},
      {"elu alpha 0.5", Activation::elu(0.5)},
      {"selu", Activation::of(ActivationKind::selu)},
      {"gelu", Activation::of(ActivationKind::gelu)},
      {"gelu_tanh", Activation::of(ActivationKind::gelu_tanh)},
      {"sigmoid", Activation::of(ActivationKind::sigmoid)},
      {"hard_sigmoid", Activation::hard_sigmoid()},
      {"hard_sigmoid 0.2", Activation::hard_sigmoid(0.2, 0.5)},
      {"exponential", Activation::of(ActivationKind::exponential)},
      {"softplus", Activation::of(ActivationKind::softplus)},
      {"softsign", Activation::of(ActivationKind::softsign)},
      {"swish", Activation::of(ActivationKind::swish)},
      {"tanh", Activation::of(ActivationKind::tanh)},
      {"log", Activation::of(ActivationKind::log), true},
      {"sqrt", Activation::of(ActivationKind::sqrt), true},
      {"square", Activation::of(ActivationKind::square)},
      {"abs", Activation::of(ActivationKind::abs)},
      {"pow 3", Activation::pow(3.0)},
      {"pow 1.5", Activation::pow(1.5), true},
      {"clip", Activation::clip(-0.5, 1.0)},
      {"softmax", Activation::of(ActivationKind::softmax)},
      {"log_softmax", Activation::of(ActivationKind::log_softmax)},
  };
}

TEST(Activation, GradientsOfEveryKind) {
  for (const Case& c : every_kind()) {
    SCOPED_TRACE(c.label);
    const Activation f = c.f;
    expect_gradients_match([f](const std::vector<Tensor>& in) { return activation(in[0], f); },
                           {c.positive_only ? positive_points() : mixed_points()});
  }
}

TEST(Activation, EveryKindIsCovered) {
  // A kind added to the enum without a gradient case above fails here.
  std::vector<bool> seen(static_cast<int>(ActivationKind::log_softmax) + 1, false);
  for (const Case& c : every_kind()) seen[static_cast<int>(c.f.kind)] = true;
  for (size_t k = 0; k < seen.size(); ++k) EXPECT_TRUE(seen[k]) << activation_name(static_cast<ActivationKind>(k));
}

TEST(Activation, WrappersMatchTheirKinds) {
  Tensor x = positive_points();
  expect_close(relu(x), activation(x, Activation::relu()));
  expect_close(sigmoid(x), activation(x, Activation::of(ActivationKind::sigmoid)));
  expect_close(fovea::tanh(x), activation(x, Activation::of(ActivationKind::tanh)));
  expect_close(fovea::exp(x), activation(x, Activation::of(ActivationKind::exponential)));
  expect_close(fovea::log(x), activation(x, Activation::of(ActivationKind::log)));
  expect_close(fovea::sqrt(x), activation(x, Activation::of(ActivationKind::sqrt)));
  expect_close(square(x), activation(x, Activation::of(ActivationKind::square)));
  expect_close(fovea::abs(x), activation(x, Activation::of(ActivationKind::abs)));
  expect_close(fovea::pow(x, 2.5), activation(x, Activation::pow(2.5)));
  expect_close(clip(x, 0.5, 2.0), activation(x, Activation::clip(0.5, 2.0)));
  expect_close(softmax(x, -1), activation(x, ActivationKind::softmax));
  expect_close(log_softmax(x, -1), activation(x, ActivationKind::log_softmax));
  EXPECT_DOUBLE_EQ(fovea::sqrt(f64({1}, {9.0})).item(), 3.0);
  EXPECT_DOUBLE_EQ(fovea::pow(f64({1}, {2.0}), 3.0).item(), 8.0);
  EXPECT_DOUBLE_EQ(fovea::log(f64({1}, {std::exp(2.0)})).item(), 2.0);
  EXPECT_THROW(clip(x, 2.0, 1.0), ValueError);
}

TEST(Activation, KnownValues) {
  EXPECT_NEAR(value_of(Activation::of(ActivationKind::gelu), 1.0), 0.8413447, 1e-7);
  EXPECT_NEAR(value_of(Activation::of(ActivationKind::gelu_tanh), 1.0), 0.8411920, 1e-7);
  EXPECT_NEAR(value_of(Activation::of(ActivationKind::selu), -1.0), -1.1113307, 1e-7);
  EXPECT_NEAR(value_of(Activation::of(ActivationKind::selu), 2.0), 2.1014020, 1e-7);
  EXPECT_NEAR(value_of(Activation::hard_sigmoid(), 1.0), 2.0 / 3.0, 1e-12);
  EXPECT_EQ(value_of(Activation::hard_sigmoid(), -4.0), 0.0);
  EXPECT_EQ(value_of(Activation::hard_sigmoid(), 4.0), 1.0);
  EXPECT_NEAR(value_of(Activation::of(ActivationKind::swish), 1.0), 0.7310586, 1e-7);
  EXPECT_NEAR(value_of(Activation::elu(), -1.0), std::exp(-1.0) - 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(value_of(Activation::of(ActivationKind::softsign), 3.0), 0.75);
  EXPECT_DOUBLE_EQ(value_of(Activation::leaky_relu(), -2.0), -0.6);
  EXPECT_DOUBLE_EQ(value_of(Activation::of(ActivationKind::relu6), 7.0), 6.0);
  EXPECT_NEAR(value_of(Activation::of(ActivationKind::softplus), 0.0), std::log(2.0), 1e-12);
}

TEST(Activation, ReluFollowsKerasSemantics) {
  // negative_slope 0.1, max_value 2, threshold 0.5.
  Tensor x = f64({7}, {-1.0, 0.3, 0.5, 1.0, 1.99, 2.0, 3.0});
  expect_close(activation(x, Activation::relu(0.1, 2.0, 0.5)), f64({7}, {-0.15, -0.02, 0.5, 1.0, 1.99, 2.0, 2.0}),
               1e-12);
  expect_close(relu(x), f64({7}, {0.0, 0.3, 0.5, 1.0, 1.99, 2.0, 3.0}), 1e-12);
}

TEST(Activation, StableForLargeInputs) {
  Tensor x = f64({4}, {-1000.0, -50.0, 50.0, 1000.0});
  expect_close(sigmoid(x), f64({4}, {0.0, std::exp(-50.0), 1.0, 1.0}), 1e-12, 1e-12);
  expect_close(activation(x, Activation::of(ActivationKind::softplus)), f64({4}, {0.0, std::exp(-50.0), 50.0, 1000.0}),
               1e-12, 1e-12);
  expect_close(activation(x, Activation::of(ActivationKind::swish)),
               f64({4}, {0.0, -50.0 * std::exp(-50.0), 50.0, 1000.0}), 1e-12, 1e-12);
}

TEST(Activation, Float32MatchesFloat64) {
  Tensor x64 = mixed_points();
  Tensor x32 = x64.to(DType::f32);
  for (const Case& c : every_kind()) {
    if (c.positive_only) continue;
    SCOPED_TRACE(c.label);
    Tensor y32 = activation(x32, c.f);
    EXPECT_EQ(y32.dtype(), DType::f32);
    expect_close(y32, activation(x64, c.f), 1e-4, 1e-5);
  }
}

TEST(Activation, OfGivesKerasDefaults) {
  EXPECT_EQ(Activation::of(ActivationKind::relu), Activation::relu());
  EXPECT_EQ(Activation::of(ActivationKind::relu).beta, std::numeric_limits<double>::infinity());
  EXPECT_EQ(Activation::of(ActivationKind::hard_sigmoid), Activation::hard_sigmoid(1.0 / 6.0, 0.5));
  EXPECT_EQ(Activation::of(ActivationKind::elu), Activation::elu(1.0));
  EXPECT_EQ(Activation::of(ActivationKind::tanh).kind, ActivationKind::tanh);
  EXPECT_THROW(Activation::of(ActivationKind::clip), ValueError);
  EXPECT_THROW(Activation::of(ActivationKind::pow), ValueError);
}

TEST(Activation, ParsesKerasNames) {
  EXPECT_EQ(parse_activation("relu"), ActivationKind::relu);
  EXPECT_EQ(parse_activation("silu"), ActivationKind::swish);
  EXPECT_EQ(parse_activation("swish"), ActivationKind::swish);
  EXPECT_EQ(parse_activation("gelu"), ActivationKind::gelu);
  EXPECT_EQ(parse_activation("hard_sigmoid"), ActivationKind::hard_sigmoid);
  EXPECT_EQ(parse_activation("linear"), ActivationKind::linear);
  for (int k = 0; k <= static_cast<int>(ActivationKind::tanh); ++k) {
    const auto kind = static_cast<ActivationKind>(k);
    EXPECT_EQ(parse_activation(activation_name(kind)), kind) << activation_name(kind);
  }
}

TEST(Activation, UnknownNameListsValidNames) {
  try {
    parse_activation("rellu");
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(),
                 "unknown activation 'rellu'; valid names: linear, relu, leaky_relu, relu6, elu, selu, gelu, "
                 "gelu_tanh, sigmoid, hard_sigmoid, exponential, softplus, softsign, swish, silu, tanh, softmax, "
                 "log_softmax");
  }
}

TEST(Activation, RecordsOnlyWhenAnInputRequiresGrad) {
  Tensor x = mixed_points();
  EXPECT_FALSE(sigmoid(x).requires_grad());
  x.set_requires_grad(true);
  Tensor y = sigmoid(x);
  EXPECT_TRUE(y.requires_grad());
  ASSERT_NE(y.grad_fn(), nullptr);
  EXPECT_EQ(y.grad_fn()->name(), "sigmoid");
}

TEST(Prelu, ValuesAndGradients) {
  Tensor x = f64({2, 3}, {-2.0, -1.0, 0.5, 1.5, -0.5, 3.0});
  Tensor slope = f64({3}, {0.1, 0.2, 0.3});
  expect_close(prelu(x, slope), f64({2, 3}, {-0.2, -0.2, 0.5, 1.5, -0.1, 3.0}), 1e-12);
  expect_gradients_match([](const std::vector<Tensor>& in) { return prelu(in[0], in[1]); }, {x, slope});
}

TEST(Prelu, GradientsWithChannelSlope) {
  // x (2, 3, 4) with a per-channel slope (3, 1), as PReLU with shared spatial axes would use.
  Tensor x = random64({2, 3, 4}, 11);
  double* p = x.data<double>();
  for (int64_t i = 0; i < x.numel(); ++i) p[i] += p[i] >= 0 ? 0.05 : -0.05;  // keep away from the kink
  Tensor slope = random64({3, 1}, 12, 0.1, 0.5);
  expect_gradients_match([](const std::vector<Tensor>& in) { return prelu(in[0], in[1]); }, {x, slope});
}

TEST(Prelu, SlopeMustBroadcastToInput) {
  try {
    prelu(Tensor::zeros({2, 3}, DType::f64), Tensor::zeros({2, 1, 3}, DType::f64));
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "prelu: slope shape (2, 1, 3) does not broadcast to the input shape (2, 3)");
  }
}

TEST(Softmax, SeedExample) {
  Tensor y = softmax(Tensor::from_vector({3}, std::vector<float>{8.0f, 5.0f, 0.0f}));
  const std::vector<double> v = y.to_vector();
  const double expected[] = {0.9523, 0.0474, 0.0003};
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(std::round(v[i] * 1e4) / 1e4, expected[i], 1e-9) << i;
}

TEST(Softmax, StableForLargeInputs) {
  Tensor big = f64({2, 3}, {1000.0, 1001.0, 1002.0, -1000.0, -1001.0, -1002.0});
  Tensor small = f64({2, 3}, {0.0, 1.0, 2.0, 0.0, -1.0, -2.0});
  expect_close(softmax(big), softmax(small), 1e-12);
  expect_close(log_softmax(f64({2}, {1000.0, 0.0})), f64({2}, {0.0, -1000.0}), 1e-9);
  Tensor y32 = softmax(Tensor::from_vector({3}, std::vector<float>{1000.0f, 1000.0f, 1000.0f}));
  for (double v : y32.to_vector()) EXPECT_NEAR(v, 1.0 / 3.0, 1e-6);
}

TEST(Softmax, SumsToOneAlongTheAxis) {
  Tensor x = random64({2, 3, 4}, 5, -3.0, 3.0);
  for (int axis : {0, 1, 2, -1}) {
    SCOPED_TRACE(axis);
    Tensor total = sum(softmax(x, axis), {axis});
    for (double v : total.to_vector()) EXPECT_NEAR(v, 1.0, 1e-12);
    expect_close(fovea::exp(log_softmax(x, axis)), softmax(x, axis), 1e-12);
  }
}

TEST(Softmax, MiddleAxisMatchesManualComputation) {
  Tensor x = f64({1, 2, 2}, {1.0, 2.0, 3.0, 5.0});
  // Along axis 1 the pairs are (1, 3) and (2, 5).
  const double a = 1.0 / (1.0 + std::exp(2.0));
  const double b = 1.0 / (1.0 + std::exp(3.0));
  expect_close(softmax(x, 1), f64({1, 2, 2}, {a, b, 1.0 - a, 1.0 - b}), 1e-12);
}

TEST(Softmax, GradientsOnSeveralAxes) {
  for (int axis : {0, 1, 2, -1, -2}) {
    SCOPED_TRACE(axis);
    expect_gradients_match([axis](const std::vector<Tensor>& in) { return softmax(in[0], axis); },
                           {random64({2, 3, 4}, 21, -2.0, 2.0)});
    expect_gradients_match([axis](const std::vector<Tensor>& in) { return log_softmax(in[0], axis); },
                           {random64({2, 3, 4}, 22, -2.0, 2.0)});
  }
}

TEST(Softmax, AxisOutOfRangeIsAShapeError) {
  EXPECT_THROW(softmax(Tensor::zeros({2, 3}, DType::f64), 2), ShapeError);
  EXPECT_THROW(softmax(Tensor::zeros({2, 3}, DType::f64), -3), ShapeError);
}

}  // namespace
}  // namespace fovea
