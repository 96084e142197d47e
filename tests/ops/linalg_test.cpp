// Tests for src/ops/linalg.cpp: matmul values, transposes and gradients, dense with bias and activations,
// and the text of shape errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "error_text.h"
#include "fovea/ops/math.h"
#include "gradcheck.h"

namespace fovea {
namespace {

using testing::expect_close;
using testing::expect_gradients_match;
using testing::random64;

Tensor f64(const Shape& shape, const std::vector<double>& values) {
  return Tensor::from_vector(shape, values, DType::f64);
}

using testing::error_text;

TEST(Matmul, Values) {
  Tensor a = f64({2, 2}, {1, 2, 3, 4});
  Tensor b = f64({2, 2}, {5, 6, 7, 8});
  expect_close(matmul(a, b), f64({2, 2}, {19, 22, 43, 50}), 0);
  expect_close(matmul(a, b, {.transpose_a = true}), f64({2, 2}, {26, 30, 38, 44}), 0);
  expect_close(matmul(a, b, {.transpose_b = true}), f64({2, 2}, {17, 23, 39, 53}), 0);
  expect_close(matmul(a, b, {.transpose_a = true, .transpose_b = true}), f64({2, 2}, {23, 31, 34, 46}), 0);
  Tensor r = matmul(Tensor::from_vector({1, 3}, std::vector<float>{1, 2, 3}),
                    Tensor::from_vector({3, 1}, std::vector<float>{4, 5, 6}));
  EXPECT_EQ(r.dtype(), DType::f32);
  EXPECT_EQ(r.shape(), Shape({1, 1}));
  EXPECT_EQ(r.item(), 32.0);
}

TEST(Matmul, GradientsWithEveryTranspose) {
  // op(a) is (2, 3) and op(b) is (3, 4) in every case.
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      SCOPED_TRACE(std::string(ta ? "ta " : "") + (tb ? "tb" : ""));
      const MatmulArgs args{.transpose_a = ta, .transpose_b = tb};
      Tensor a = random64(ta ? Shape{3, 2} : Shape{2, 3}, 71);
      Tensor b = random64(tb ? Shape{4, 3} : Shape{3, 4}, 72);
      Tensor y = matmul(a, b, args);
      EXPECT_EQ(y.shape(), Shape({2, 4}));
      expect_gradients_match([args](const std::vector<Tensor>& in) { return matmul(in[0], in[1], args); }, {a, b});
    }
  }
}

TEST(Matmul, InnerDimensionMismatch) {
  EXPECT_EQ(error_text([] {
              matmul(Tensor::zeros({2, 3}), Tensor::zeros({4, 5}));
            }),
            "matmul: inner dimensions differ: a (2, 3) gives 3 and b (4, 5) gives 4");
  EXPECT_EQ(error_text([] {
              matmul(Tensor::zeros({2, 3}), Tensor::zeros({3, 5}), {.transpose_a = true});
            }),
            "matmul: inner dimensions differ: a (2, 3) gives 2 and b (3, 5) gives 3 with transpose_a");
  EXPECT_EQ(error_text([] {
              matmul(Tensor::zeros({2, 3, 1}), Tensor::zeros({3, 5}));
            }),
            "matmul needs 2-D operands, got a (2, 3, 1) and b (3, 5)");
}

TEST(Dense, ValuesWithBiasAndActivation) {
  Tensor x = f64({2, 2}, {1, 2, -3, 1});
  Tensor kernel = f64({2, 3}, {1, 0, -1, 0, 1, 1});
  Tensor bias = f64({3}, {0.5, -0.5, 0});
  expect_close(dense(x, {kernel, bias}), f64({2, 3}, {1.5, 1.5, 1, -2.5, 0.5, 4}), 1e-12);
  expect_close(dense(x, {kernel, bias}, Activation::relu()), f64({2, 3}, {1.5, 1.5, 1, 0, 0.5, 4}), 1e-12);
  expect_close(dense(x, {kernel}), f64({2, 3}, {1, 2, 1, -3, 1, 4}), 1e-12);
  // Like Keras, higher-rank inputs are transformed along their last axis.
  Tensor y3 = dense(x.view({1, 2, 2}), {kernel, bias});
  EXPECT_EQ(y3.shape(), Shape({1, 2, 3}));
  expect_close(y3.view({2, 3}), f64({2, 3}, {1.5, 1.5, 1, -2.5, 0.5, 4}), 1e-12);
}

TEST(Dense, GradientsWithBiasAndActivations) {
  const std::vector<Activation> activations = {Activation::linear(),
                                               Activation::relu(),
                                               Activation::of(ActivationKind::sigmoid),
                                               Activation::of(ActivationKind::tanh),
                                               Activation::elu(),
                                               Activation::relu(0.1, 1.5)};
  for (const Activation& f : activations) {
    SCOPED_TRACE(activation_name(f.kind));
    Tensor x = random64({3, 4}, 81);
    Tensor kernel = random64({4, 2}, 82);
    Tensor bias = random64({2}, 83);
    expect_gradients_match(
        [f](const std::vector<Tensor>& in) {
          return dense(in[0], {in[1], in[2]}, f);
        },
        {x, kernel, bias});
    expect_gradients_match([f](const std::vector<Tensor>& in) { return dense(in[0], {in[1]}, f); }, {x, kernel});
  }
  expect_gradients_match(
      [](const std::vector<Tensor>& in) {
        return dense(in[0], {in[1], in[2]}, Activation::of(ActivationKind::tanh));
      },
      {random64({2, 2, 4}, 84), random64({4, 3}, 85), random64({3}, 86)});
}

TEST(Dense, FusesOnlyActivationsWithOutputBackward) {
  Tensor x = random64({2, 3}, 91);
  Tensor kernel = random64({3, 2}, 92).set_requires_grad(true);
  EXPECT_EQ(dense(x, {kernel}, Activation::relu()).grad_fn()->name(), "dense");
  EXPECT_EQ(dense(x, {kernel}, Activation::elu()).grad_fn()->name(), "elu");
}

TEST(Dense, ShapeErrors) {
  EXPECT_EQ(error_text([] {
              dense(Tensor::zeros({2, 5}), {Tensor::zeros({4, 3})});
            }),
            "dense: input shape (2, 5) does not end in the kernel's input size 4 (kernel (4, 3))");
  EXPECT_EQ(error_text([] {
              dense(Tensor::zeros({2, 4}), {Tensor::zeros({4, 3}), Tensor::zeros({2})});
            }),
            "dense: bias must have shape (3,), got (2,)");
}

}  // namespace
}  // namespace fovea
