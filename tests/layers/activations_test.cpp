// Tests of the Activation, ReLU, LeakyReLU, PReLU, ELU and Softmax layers.
#include "fovea/layers/activations.h"

#include <gtest/gtest.h>

#include <cmath>

#include "gradcheck.h"
#include "layers/misc_layer_test_util.h"

namespace fovea::testing {
namespace {

const std::vector<double> kValues{-2, -0.5, 0.5, 1, 3, 7};

Tensor values() { return Tensor::from_vector({1, 6}, kValues); }

// Runs layer on kValues and returns the output and the gradient of its sum.
std::pair<std::vector<double>, std::vector<double>> run_with_gradient(const Layer& layer) {
  Tensor x = values();
  x.set_requires_grad(true);
  const Tensor y = run_layer(layer, {x});
  sum(y).backward();
  return {y.to_vector(), x.grad().to_vector()};
}

void expect_near_all(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-6) << "element " << i;
}

TEST(ActivationLayers, ActivationLayer) {
  const Layer layer = ActivationLayer({.activation = ActivationKind::tanh, .name = "act"});
  EXPECT_EQ(layer->class_name(), "Activation");
  EXPECT_EQ(layer->compute_output_shape({Shape{-1, 4, 4, 3}}), (Shape{-1, 4, 4, 3}));
  const Tensor x = uniform32({2, 5});
  expect_close(run_layer(layer, {x}), tanh(x), 1e-6, 0);
  EXPECT_EQ(layer->count_params(), 0);
  EXPECT_EQ(layer->config().dump(), R"({"activation":"tanh","name":"act","trainable":true})");
  expect_round_trip(layer, {Shape{-1, 5}});
  // Keras's softmax activation, along the last axis.
  const Layer softmax_layer = layer_from_config("Activation", {{"activation", "softmax"}}, "layers[9]");
  expect_close(run_layer(softmax_layer, {x}), softmax(x, -1), 1e-6, 0);
  EXPECT_EQ(error_text<ValueError>([] { layer_from_config("Activation", nlohmann::json::object(), "layers[9]"); }),
            "layers[9] (Activation): 'activation' is required, e.g. \"relu\"");
  EXPECT_NE(error_text<ValueError>([] {
              layer_from_config("Activation", {{"activation", "relux"}}, "layers[9]");
            }).find("layers[9] (Activation): 'activation': unknown activation 'relux'"),
            std::string::npos);
}

TEST(ActivationLayers, ReLUForwardAndGradient) {
  auto [plain, plain_grad] = run_with_gradient(ReLU());
  expect_near_all(plain, {0, 0, 0.5, 1, 3, 7});
  expect_near_all(plain_grad, {0, 0, 1, 1, 1, 1});
  // Keras: max_value above it, x from threshold up, negative_slope * (x - threshold) below.
  auto [y, grad] = run_with_gradient(ReLU({.max_value = 6.0, .negative_slope = 0.1, .threshold = 1.0}));
  expect_near_all(y, {-0.3, -0.15, -0.05, 1, 3, 6});
  expect_near_all(grad, {0.1, 0.1, 0.1, 1, 1, 0});
}

TEST(ActivationLayers, ReLUConfigAndErrors) {
  const Layer layer = ReLU({.max_value = 6.0, .name = "relu6"});
  EXPECT_EQ(layer->config().dump(),
            R"({"max_value":6.0,"name":"relu6","negative_slope":0.0,"threshold":0.0,"trainable":true})");
  expect_round_trip(layer, {Shape{-1, 3}});
  EXPECT_EQ(ReLU()->config()["max_value"].dump(), "null");
  expect_round_trip(ReLU(), {Shape{-1, 3}});
  EXPECT_EQ(ReLU()->default_name_base(), "re_lu");
  EXPECT_EQ(error_text<ValueError>([] { ReLU({.max_value = -1.0}); }),
            "ReLU: max_value must be non-negative (or unset), got -1");
  EXPECT_EQ(error_text<ValueError>([] { ReLU({.negative_slope = -0.1}); }),
            "ReLU: negative_slope must be non-negative, got -0.1");
  EXPECT_EQ(error_text<ValueError>([] {
              layer_from_config("ReLU", {{"threshold", -1}}, "layers[1]");
            }),
            "layers[1] (ReLU): ReLU: threshold must be non-negative, got -1");
}

TEST(ActivationLayers, LeakyReLU) {
  auto [y, grad] = run_with_gradient(LeakyReLU());
  expect_near_all(y, {-0.6, -0.15, 0.5, 1, 3, 7});  // Keras 3's default slope 0.3
  expect_near_all(grad, {0.3, 0.3, 1, 1, 1, 1});
  const Layer layer = LeakyReLU({.negative_slope = 0.2, .name = "leaky"});
  EXPECT_EQ(layer->config().dump(), R"({"name":"leaky","negative_slope":0.2,"trainable":true})");
  expect_round_trip(layer, {Shape{-1, 3}});
  // Keras 2 documents call the slope alpha.
  const Layer keras2 = layer_from_config("LeakyReLU", {{"alpha", 0.1}}, "layers[0]");
  expect_near_all(run_layer(keras2, {values()}).to_vector(), {-0.2, -0.05, 0.5, 1, 3, 7});
  EXPECT_EQ(error_text<ValueError>([] { LeakyReLU({.negative_slope = -1}); }),
            "LeakyReLU: negative_slope must be non-negative, got -1");
}

TEST(ActivationLayers, PReLUWeightsAndForward) {
  const Layer shared = PReLU({.shared_axes = {1, 2}});
  shared->ensure_built({Shape{-1, 4, 4, 3}});
  ASSERT_EQ(shared->weights().size(), 1u);
  EXPECT_EQ(shared->weights()[0].name, "alpha");
  EXPECT_EQ(shared->weights()[0].value.shape(), (Shape{1, 1, 3}));
  EXPECT_EQ(shared->count_params(), 3);
  EXPECT_EQ(shared->count_trainable_params(), 3);
  const Layer full = PReLU();
  full->ensure_built({Shape{-1, 4, 4, 3}});
  EXPECT_EQ(full->count_params(), 48);
  EXPECT_EQ(full->weights()[0].value.to_vector(), std::vector<double>(48, 0.0));  // Keras's Zeros default
  EXPECT_EQ(full->default_name_base(), "p_re_lu");

  shared->set_weights({Tensor::from_vector({1, 1, 3}, std::vector<double>{0.1, 0.2, 0.3})});
  const Tensor x = uniform32({2, 4, 4, 3});
  const Tensor y = run_layer(shared, {x});
  std::vector<double> expected_dalpha(3, 0.0);
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t i = 0; i < 4; ++i)
      for (int64_t j = 0; j < 4; ++j)
        for (int64_t c = 0; c < 3; ++c) {
          const double v = x.at({n, i, j, c});
          EXPECT_NEAR(y.at({n, i, j, c}), v > 0 ? v : (0.1 + 0.1 * c) * v, 1e-6);
          if (v < 0) expected_dalpha[c] += v;
        }
  sum(y).backward();
  const Tensor dalpha = shared->weights()[0].value.grad();
  ASSERT_TRUE(dalpha.defined());
  expect_close(dalpha, Tensor::from_vector({1, 1, 3}, expected_dalpha), 1e-4, 1e-5);
}

TEST(ActivationLayers, PReLUConfigAndErrors) {
  const Layer layer = PReLU({.alpha_initializer = initializers::Constant(0.25), .shared_axes = {1, 2}, .name = "pr"});
  expect_round_trip(layer, {Shape{-1, 4, 4, 3}});
  EXPECT_EQ(layer->config()["shared_axes"].dump(), "[1,2]");
  EXPECT_EQ(PReLU()->config()["shared_axes"].dump(), "null");
  expect_round_trip(PReLU(), {Shape{-1, 3}});
  EXPECT_EQ(error_text<ValueError>([] { PReLU({.shared_axes = {0}}); }),
            "PReLU: shared_axes are 1-based (axis 0 is the batch), got (0,)");
  EXPECT_EQ(error_text<ShapeError>([] {
              PReLU({.shared_axes = {1, 4}, .name = "pr"})->ensure_built({Shape{-1, 4, 4, 3}});
            }),
            "PReLU 'pr': shared_axes (1, 4) are out of range for input shape (None, 4, 4, 3) (axes 1..3)");
  EXPECT_EQ(error_text<ShapeError>([] {
              PReLU({.name = "pr"})->ensure_built({Shape{-1, -1, 3}});
            }),
            "PReLU 'pr' needs a known size on axis 1 to learn one slope per position (or list it in shared_axes), got "
            "input shape (None, -1, 3)");
  // An unknown size on a shared axis is fine.
  EXPECT_EQ(PReLU({.shared_axes = {1}})->compute_output_shape({Shape{-1, -1, 3}}), (Shape{-1, -1, 3}));
}

TEST(ActivationLayers, ELU) {
  auto [y, grad] = run_with_gradient(ELU({.alpha = 0.5}));
  expect_near_all(y, {0.5 * (std::exp(-2.0) - 1), 0.5 * (std::exp(-0.5) - 1), 0.5, 1, 3, 7});
  expect_near_all(grad, {0.5 * std::exp(-2.0), 0.5 * std::exp(-0.5), 1, 1, 1, 1});
  const Layer layer = ELU({.name = "elu"});
  EXPECT_EQ(layer->config().dump(), R"({"alpha":1.0,"name":"elu","trainable":true})");
  expect_round_trip(ELU({.alpha = 0.5}), {Shape{-1, 3}});
  EXPECT_EQ(layer->count_params(), 0);
}

TEST(ActivationLayers, Softmax) {
  const Layer layer = Softmax({.axis = 1, .name = "sm"});
  const Tensor x = uniform32({2, 3, 4});
  const Tensor y = run_layer(layer, {x});
  expect_close(y, softmax(x, 1), 1e-6, 0);
  const Tensor totals = sum(y, {1});
  expect_close(totals, Tensor::ones({2, 4}), 1e-5, 0);
  EXPECT_EQ(layer->config().dump(), R"({"axis":1,"name":"sm","trainable":true})");
  expect_round_trip(layer, {Shape{-1, 3, 4}});
  expect_round_trip(Softmax(), {Shape{-1, 3, 4}});
  EXPECT_EQ(error_text<ShapeError>([] {
              Softmax({.axis = 3, .name = "sm"})->ensure_built({Shape{-1, 3, 4}});
            }),
            "Softmax 'sm': axis 3 is out of range for input shape (None, 3, 4) of rank 3");
}

}  // namespace
}  // namespace fovea::testing
