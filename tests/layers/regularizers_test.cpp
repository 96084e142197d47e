// Tests for the weight regularizers: penalty values, gradients, argument checks and JSON forms.
#include "fovea/layers/regularizers.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gradcheck.h"

namespace fovea {
namespace {

using nlohmann::json;
namespace reg = regularizers;

Tensor sample_weight(DType dtype = DType::f32) {
  return Tensor::from_vector(Shape{2, 3}, {1.0, -2.0, 0.5, 0.0, -0.25, 3.0}, dtype);
}
// sum |w| = 6.75; sum w^2 = 1 + 4 + 0.25 + 0 + 0.0625 + 9 = 14.3125

TEST(Regularizers, PenaltiesAreKerasSums) {
  const Tensor w = sample_weight();
  const Tensor l1 = (*reg::L1(0.1))(w);
  EXPECT_EQ(l1.shape(), Shape{});
  EXPECT_NEAR(l1.item(), 0.675, 1e-6);
  EXPECT_NEAR((*reg::L2(0.01))(w).item(), 0.143125, 1e-6);
  EXPECT_NEAR((*reg::L1L2(0.1, 0.01))(w).item(), 0.675 + 0.143125, 1e-6);
  // Keras defaults: L1(0.01), L2(0.01), L1L2(0, 0).
  EXPECT_NEAR((*reg::L1())(w).item(), 0.0675, 1e-6);
  EXPECT_NEAR((*reg::L2())(w).item(), 0.143125, 1e-6);
  EXPECT_EQ((*reg::L1L2())(w).item(), 0.0);
}

TEST(Regularizers, PenaltyKeepsTheWeightDtype) {
  const Tensor w = sample_weight(DType::f64);
  const Tensor p = (*reg::L1L2(0.5, 2.0))(w);
  EXPECT_EQ(p.dtype(), DType::f64);
  EXPECT_DOUBLE_EQ(p.item(), 0.5 * 6.75 + 2.0 * 14.3125);
  EXPECT_EQ((*reg::L1L2(0.0, 0.0))(w).dtype(), DType::f64);
}

TEST(Regularizers, GradientsMatchNumericDifferences) {
  // Values away from zero, where |w| is differentiable.
  const Tensor w = Tensor::from_vector(Shape{2, 4}, {0.3, -0.7, 1.2, -0.1, 0.9, -1.5, 0.2, 0.6}, DType::f64);
  for (const RegularizerPtr& r : {reg::L1(0.3), reg::L2(0.2), reg::L1L2(0.05, 0.4)}) {
    testing::expect_gradients_match([&](const std::vector<Tensor>& in) { return (*r)(in[0]); }, {w.clone()});
  }
}

TEST(Regularizers, GradientOfL1L2IsSignAndTwiceTheWeight) {
  Tensor w = Tensor::from_vector(Shape{3}, {2.0, -1.0, 0.5}, DType::f64);
  w.set_requires_grad(true);
  (*reg::L1L2(0.1, 0.5))(w).backward();
  testing::expect_close(w.grad(), Tensor::from_vector(Shape{3}, {0.1 + 2.0, -0.1 - 1.0, 0.1 + 0.5}, DType::f64), 1e-12,
                        0);
}

TEST(Regularizers, NegativeFactorsAreRejected) {
  try {
    reg::L1(-0.5);
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "invalid value for argument l1: expected a non-negative float, got l1=-0.5");
  }
  EXPECT_THROW(reg::L2(-1.0), ValueError);
  EXPECT_THROW(reg::L1L2(0.0, std::nan("")), ValueError);
}

TEST(Regularizers, ConfigsAreKeras) {
  EXPECT_EQ(reg::to_json(reg::L1(0.5)), json::parse(R"({"class_name": "L1", "config": {"l1": 0.5}})"));
  EXPECT_EQ(reg::to_json(reg::L2()), json::parse(R"({"class_name": "L2", "config": {"l2": 0.01}})"));
  EXPECT_EQ(reg::to_json(reg::L1L2(0.25, 0.5)),
            json::parse(R"({"class_name": "L1L2", "config": {"l1": 0.25, "l2": 0.5}})"));
  EXPECT_TRUE(reg::to_json(nullptr).is_null());
}

TEST(Regularizers, JsonRoundTripsAndNames) {
  for (const RegularizerPtr& r : {reg::L1(0.125), reg::L2(0.75), reg::L1L2(0.5, 0.0625)}) {
    const json j = reg::to_json(r);
    EXPECT_EQ(reg::to_json(reg::from_json(j)), j);
  }
  EXPECT_EQ(reg::to_json(reg::from_json("l1")), reg::to_json(reg::L1()));
  EXPECT_EQ(reg::to_json(reg::from_json("l2")), reg::to_json(reg::L2()));
  EXPECT_EQ(reg::to_json(reg::from_json("l1_l2")), reg::to_json(reg::L1L2()));
  EXPECT_EQ(reg::from_json(nullptr), nullptr);
  // Keras 3 object form; absent keys take the defaults.
  const RegularizerPtr r =
      reg::from_json(json::parse(R"({"module": "keras.regularizers", "class_name": "L1L2", "config": {"l2": 0.5},
                      "registered_name": null})"));
  EXPECT_EQ(reg::to_json(r), reg::to_json(reg::L1L2(0.0, 0.5)));
}

TEST(Regularizers, JsonErrorsNameTheProblem) {
  try {
    reg::from_json("l3");
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "unknown regularizer 'l3'; valid names: l1, l2, l1_l2 (or the class names L1, L2, L1L2)");
  }
  try {
    reg::from_json(json::parse(R"({"class_name": "L2", "config": {"l2": "x"}})"));
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "regularizer L2: 'l2' must be a number, got \"x\"");
  }
  EXPECT_THROW(reg::from_json(json::array()), ValueError);
}

}  // namespace
}  // namespace fovea
