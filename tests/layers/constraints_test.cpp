// Tests for the weight constraints: projections on hand-made weights, axis selection, and JSON forms.
#include "fovea/layers/constraints.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "gradcheck.h"

namespace fovea {
namespace {

using nlohmann::json;
namespace con = constraints;
using testing::expect_close;

constexpr double kEps = 1e-7;

// A Dense kernel (in 2, out 3): column norms 5, 1 and 0.5.
Tensor dense_kernel(DType dtype = DType::f32) {
  return Tensor::from_vector(Shape{2, 3}, {3.0, 0.6, 0.0, -4.0, 0.8, -0.5}, dtype);
}

// The kernel with column j scaled by factor[j].
Tensor scaled_columns(const std::vector<double>& factor, DType dtype = DType::f32) {
  std::vector<double> v = dense_kernel(DType::f64).to_vector();
  for (size_t i = 0; i < v.size(); ++i) v[i] *= factor[i % 3];
  return Tensor::from_vector(Shape{2, 3}, v, dtype);
}

TEST(Constraints, MaxNormScalesOnlyColumnsAboveTheLimit) {
  const Tensor w = dense_kernel();
  const Tensor out = (*con::MaxNorm(2.0))(w, {0});
  expect_close(out, scaled_columns({2.0 / (5.0 + kEps), 1.0 / (1.0 + kEps), 0.5 / (0.5 + kEps)}), 1e-7, 1e-6);
  // Keras's default max_value is 2.
  expect_close((*con::MaxNorm())(w, {0}), out, 0, 0);
}

TEST(Constraints, MaxNormUsesTheGivenAxesOverTheFanInAxes) {
  // Row norms: sqrt(9 + 0.36) and sqrt(16 + 0.64 + 0.25).
  const Tensor w = dense_kernel(DType::f64);
  const double r0 = std::sqrt(9.36), r1 = std::sqrt(16.89);
  const Tensor expected = Tensor::from_vector(
      Shape{2, 3},
      {3.0 * 1 / (r0 + kEps), 0.6 / (r0 + kEps), 0.0, -4.0 / (r1 + kEps), 0.8 / (r1 + kEps), -0.5 / (r1 + kEps)},
      DType::f64);
  expect_close((*con::MaxNorm(1.0, {1}))(w, {0}), expected, 1e-12, 1e-12);
  expect_close((*con::MaxNorm(1.0, {-1}))(w, {0}), expected, 1e-12, 1e-12);
  // Over all axes: one norm sqrt(26.25) for the whole matrix.
  const double all = std::sqrt(26.25);
  std::vector<double> v = w.to_vector();
  for (double& x : v) x *= 1.0 / (all + kEps);
  expect_close((*con::MaxNorm(1.0, {0, 1}))(w, {0}), Tensor::from_vector(Shape{2, 3}, v, DType::f64), 1e-12, 1e-12);
}

TEST(Constraints, ConvKernelNormsRunPerOutputChannel) {
  // (out 2, in 1, 2, 2): channel 0 has norm 4, channel 1 has norm 1.
  const Tensor w = Tensor::from_vector(Shape{2, 1, 2, 2}, std::vector<double>{2, 2, 2, 2, 0.5, -0.5, 0.5, -0.5});
  const Tensor out = (*con::MaxNorm(2.0))(w, {1, 2, 3});
  expect_close(out, Tensor::from_vector(Shape{2, 1, 2, 2}, std::vector<double>{1, 1, 1, 1, 0.5, -0.5, 0.5, -0.5}), 1e-6,
               1e-6);
  const Tensor unit = (*con::UnitNorm())(w, {1, 2, 3});
  expect_close(unit,
               Tensor::from_vector(Shape{2, 1, 2, 2}, std::vector<double>{0.5, 0.5, 0.5, 0.5, 0.5, -0.5, 0.5, -0.5}),
               1e-6, 1e-6);
}

TEST(Constraints, MinMaxNormClipsTheNormAtTheGivenRate) {
  const Tensor w = dense_kernel(DType::f64);  // column norms 5, 1, 0.5
  // Full rate: norms clipped into [0.8, 2].
  expect_close((*con::MinMaxNorm(0.8, 2.0))(w, {0}),
               scaled_columns({2.0 / (5 + kEps), 1.0 / (1 + kEps), 0.8 / (0.5 + kEps)}, DType::f64), 1e-12, 1e-12);
  // Rate 0.5: halfway between the current and the clipped norm.
  expect_close((*con::MinMaxNorm(0.8, 2.0, 0.5))(w, {0}),
               scaled_columns({3.5 / (5 + kEps), 1.0 / (1 + kEps), 0.65 / (0.5 + kEps)}, DType::f64), 1e-12, 1e-12);
  // Keras defaults: min 0, max 1, rate 1.
  expect_close((*con::MinMaxNorm())(w, {0}),
               scaled_columns({1.0 / (5 + kEps), 1.0 / (1 + kEps), 0.5 / (0.5 + kEps)}, DType::f64), 1e-12, 1e-12);
}

TEST(Constraints, UnitNormDividesByTheNorm) {
  const Tensor w = dense_kernel();
  expect_close((*con::UnitNorm())(w, {0}), scaled_columns({1 / (5 + kEps), 1 / (1 + kEps), 1 / (0.5 + kEps)}), 1e-6,
               1e-6);
  // An all-zero unit stays zero thanks to epsilon.
  expect_close((*con::UnitNorm())(Tensor::zeros(Shape{3, 2}), {0}), Tensor::zeros(Shape{3, 2}), 0, 0);
}

TEST(Constraints, NonNegZeroesNegativeEntries) {
  const Tensor out = (*con::NonNeg())(dense_kernel(), {0});
  expect_close(out, Tensor::from_vector(Shape{2, 3}, std::vector<float>{3.0f, 0.6f, 0.0f, 0.0f, 0.8f, 0.0f}), 0, 0);
  const Tensor bias = Tensor::from_vector(Shape{4}, {-1, 2, -3, 0}, DType::f64);
  EXPECT_EQ((*con::NonNeg())(bias, {0}).to_vector(), (std::vector<double>{0, 2, 0, 0}));
}

TEST(Constraints, ProjectionsAreNotRecordedByAutograd) {
  Tensor w = dense_kernel();
  w.set_requires_grad(true);
  for (const ConstraintPtr& c : {con::MaxNorm(), con::MinMaxNorm(), con::NonNeg(), con::UnitNorm()}) {
    const Tensor out = (*c)(w, {0});
    EXPECT_FALSE(out.requires_grad()) << c->class_name();
    EXPECT_EQ(out.grad_fn(), nullptr) << c->class_name();
    EXPECT_EQ(out.dtype(), DType::f32);
  }
  // w itself is left as it was.
  EXPECT_EQ(w.to_vector(), dense_kernel().to_vector());
}

TEST(Constraints, AxesOutOfRangeAreShapeErrors) {
  EXPECT_THROW((*con::MaxNorm(1.0, {2}))(dense_kernel(), {0}), ShapeError);
  EXPECT_THROW((*con::UnitNorm())(dense_kernel(), {5}), ShapeError);
}

TEST(Constraints, ConfigsAreKerasWithNullAxisForTheFanIn) {
  EXPECT_EQ(con::to_json(con::MaxNorm()),
            json::parse(R"({"class_name": "MaxNorm", "config": {"max_value": 2.0, "axis": null}})"));
  EXPECT_EQ(con::to_json(con::MinMaxNorm(0.5, 3.0, 0.25, {1, 2})), json::parse(R"({"class_name": "MinMaxNorm",
                            "config": {"min_value": 0.5, "max_value": 3.0, "rate": 0.25, "axis": [1, 2]}})"));
  EXPECT_EQ(con::to_json(con::NonNeg()), json::parse(R"({"class_name": "NonNeg", "config": {}})"));
  EXPECT_EQ(con::to_json(con::UnitNorm({0})), json::parse(R"({"class_name": "UnitNorm", "config": {"axis": [0]}})"));
  EXPECT_TRUE(con::to_json(nullptr).is_null());
}

TEST(Constraints, JsonRoundTripsAndNames) {
  for (const ConstraintPtr& c : {con::MaxNorm(3.0, {0}), con::MaxNorm(), con::MinMaxNorm(0.1, 0.9, 0.5), con::NonNeg(),
                                 con::UnitNorm({1, 2, 3}), con::UnitNorm()}) {
    const json j = con::to_json(c);
    const ConstraintPtr back = con::from_json(j);
    EXPECT_EQ(con::to_json(back), j);
    const Tensor w = Tensor::from_vector(Shape{2, 2, 1, 1}, std::vector<double>{3, -4, 0.5, 1});
    expect_close((*back)(w, {1, 2, 3}), (*c)(w, {1, 2, 3}), 0, 0);
  }
  EXPECT_EQ(con::to_json(con::from_json("max_norm")), con::to_json(con::MaxNorm()));
  EXPECT_EQ(con::to_json(con::from_json("min_max_norm")), con::to_json(con::MinMaxNorm()));
  EXPECT_EQ(con::to_json(con::from_json("non_neg")), con::to_json(con::NonNeg()));
  EXPECT_EQ(con::to_json(con::from_json("unit_norm")), con::to_json(con::UnitNorm()));
  EXPECT_EQ(con::from_json(nullptr), nullptr);
  // Keras writes "axis" as an int; module and registered_name are ignored.
  const json keras = json::parse(R"({"module": "keras.constraints", "class_name": "MaxNorm",
                                     "config": {"max_value": 3, "axis": 0}, "registered_name": null})");
  EXPECT_EQ(con::to_json(con::from_json(keras)), con::to_json(con::MaxNorm(3.0, {0})));
}

TEST(Constraints, JsonErrorsNameTheProblem) {
  try {
    con::from_json("maxnorm");
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(),
                 "unknown constraint 'maxnorm'; valid names: max_norm, min_max_norm, non_neg, unit_norm (or the class "
                 "names MaxNorm, MinMaxNorm, NonNeg, UnitNorm)");
  }
  try {
    con::from_json(json::parse(R"({"class_name": "UnitNorm", "config": {"axis": [0, "1"]}})"));
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "constraint UnitNorm: 'axis' must be null, an integer or a list of integers, got [0,\"1\"]");
  }
  EXPECT_THROW(con::from_json(json::parse(R"({"config": {}})")), ValueError);
}

}  // namespace
}  // namespace fovea
