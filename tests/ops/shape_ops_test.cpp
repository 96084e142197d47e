// Tests for the data-movement ops: values, gradients (float64 checks) and the exact text of their errors.
#include "fovea/ops/shape_ops.h"

#include <gtest/gtest.h>

#include "error_text.h"
#include "gradcheck.h"

namespace fovea {
namespace {

using testing::expect_close;
using testing::expect_gradients_match;
using testing::random64;

// 0, 1, 2, ... in the given shape.
Tensor iota(const Shape& shape, DType dtype = DType::f32) {
  std::vector<double> v(shape.numel());
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i);
  return Tensor::from_vector(shape, v, dtype);
}

Tensor values(const Shape& shape, const std::vector<double>& v) { return Tensor::from_vector(shape, v); }

using testing::error_text;

class ShapeOps : public ::testing::Test {
 protected:
  BackendScope reference_{BackendKind::reference};
};

TEST_F(ShapeOps, ReshapeKeepsRowMajorOrderAndInfersMinusOne) {
  Tensor y = reshape(iota({2, 3, 4}), {4, -1});
  EXPECT_EQ(y.shape(), Shape({4, 6}));
  EXPECT_EQ(y.at({2, 5}), 17.0);
  EXPECT_THROW(reshape(iota({2, 3}), {4, 2}), ShapeError);
}

TEST_F(ShapeOps, ReshapeAndFlattenGradients) {
  expect_gradients_match([](const std::vector<Tensor>& in) { return reshape(in[0], {3, 8}); }, {random64({2, 3, 4})});
  expect_gradients_match([](const std::vector<Tensor>& in) { return flatten(in[0]); }, {random64({2, 3, 2, 2})});
}

TEST_F(ShapeOps, FlattenKeepsTheBatchAxis) {
  EXPECT_EQ(flatten(iota({5, 3, 4, 2})).shape(), Shape({5, 24}));
  EXPECT_EQ(flatten(iota({5})).shape(), Shape({5, 1}));
}

TEST_F(ShapeOps, PermuteMovesAxes) {
  Tensor x = iota({2, 3, 4});
  Tensor y = permute(x, {2, 0, 1});
  EXPECT_EQ(y.shape(), Shape({4, 2, 3}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 4; ++k) EXPECT_EQ(y.at({k, i, j}), x.at({i, j, k}));
}

TEST_F(ShapeOps, PermuteGradient) {
  expect_gradients_match(
      [](const std::vector<Tensor>& in) {
        return permute(in[0], {1, 3, 0, 2});
      },
      {random64({2, 3, 2, 2})});
}

TEST_F(ShapeOps, BadPermutationErrorText) {
  Tensor x = iota({2, 3, 4});
  EXPECT_EQ(error_text([&] {
              permute(x, {0, 0, 1});
            }),
            "permute: (0, 0, 1) is not a permutation of the 3 axes of a tensor of shape (2, 3, 4) "
            "(expected each of 0..2 once)");
  EXPECT_EQ(error_text([&] {
              permute(x, {1, 0});
            }),
            "permute: (1, 0) is not a permutation of the 3 axes of a tensor of shape (2, 3, 4) "
            "(expected each of 0..2 once)");
  EXPECT_THROW(permute(x, {0, 1, 3}), ValueError);
}

TEST_F(ShapeOps, PadFillsWithTheConstant) {
  Tensor x = iota({2, 2});
  Tensor y = pad(x, {.begin = {1, 0}, .end = {0, 2}, .value = -1.0});
  EXPECT_EQ(y.shape(), Shape({3, 4}));
  expect_close(y, values({3, 4}, {-1, -1, -1, -1, 0, 1, -1, -1, 2, 3, -1, -1}));
}

TEST_F(ShapeOps, NegativePadCrops) {
  Tensor x = iota({3, 4});
  Tensor y = pad(x, {.begin = {-1, 1}, .end = {0, -2}});
  EXPECT_EQ(y.shape(), Shape({2, 3}));
  expect_close(y, values({2, 3}, {0, 4, 5, 0, 8, 9}));
  EXPECT_EQ(error_text([&] {
              pad(x, {.begin = {-2, 0}, .end = {-2, 0}});
            }),
            "pad: cropping 2 + 2 elements from axis 0 of size 3 leaves nothing (input shape (3, 4))");
  EXPECT_THROW(pad(x, {.begin = {1}, .end = {1}}), ValueError);
}

TEST_F(ShapeOps, PadAndCropGradients) {
  expect_gradients_match(
      [](const std::vector<Tensor>& in) {
        return pad(in[0], {{1, 0, 2}, {0, 1, 1}, 0.5});
      },
      {random64({2, 3, 2})});
  expect_gradients_match(
      [](const std::vector<Tensor>& in) {
        return pad(in[0], {{0, -1, 1}, {0, -1, -2}});
      },
      {random64({2, 4, 5})});
}

TEST_F(ShapeOps, SliceTakesARange) {
  Tensor x = iota({2, 5});
  expect_close(slice(x, 1, 1, 3), values({2, 3}, {1, 2, 3, 6, 7, 8}));
  expect_close(slice(x, -2, 1, 1), values({1, 5}, {5, 6, 7, 8, 9}));
  EXPECT_EQ(error_text([&] { slice(x, 1, 3, 3); }),
            "slice: elements [3, 6) do not fit axis 1 of size 5 (input shape (2, 5))");
  expect_gradients_match([](const std::vector<Tensor>& in) { return slice(in[0], 2, 1, 2); }, {random64({2, 2, 4})});
}

TEST_F(ShapeOps, ConcatJoinsAlongAxis) {
  Tensor a = iota({2, 1, 2});
  Tensor b = values({2, 2, 2}, {10, 11, 12, 13, 14, 15, 16, 17});
  Tensor y = concat({a, b}, 1);
  EXPECT_EQ(y.shape(), Shape({2, 3, 2}));
  expect_close(y, values({2, 3, 2}, {0, 1, 10, 11, 12, 13, 2, 3, 14, 15, 16, 17}));
  Tensor last = concat({iota({2, 1}), iota({2, 2})}, -1);
  expect_close(last, values({2, 3}, {0, 0, 1, 1, 2, 3}));
}

TEST_F(ShapeOps, ConcatGradient) {
  expect_gradients_match(
      [](const std::vector<Tensor>& in) {
        return concat({in[0], in[1], in[2]}, 1);
      },
      {random64({2, 1, 3}, 1), random64({2, 3, 3}, 2), random64({2, 2, 3}, 3)});
  expect_gradients_match(
      [](const std::vector<Tensor>& in) {
        return concat({in[0], in[1]}, -1);
      },
      {random64({3, 2}, 4), random64({3, 1}, 5)});
}

TEST_F(ShapeOps, ConcatMismatchErrorText) {
  Tensor a = iota({2, 3, 4}), b = iota({2, 5, 4}), c = iota({2, 3, 5});
  EXPECT_EQ(error_text([&] {
              concat({a, b, c}, 1);
            }),
            "concat along axis 1: input 2 has shape (2, 3, 5) but input 0 has shape (2, 3, 4); all dimensions "
            "except axis 1 must match (they differ at axis 2)");
  EXPECT_EQ(error_text([&] {
              concat({a, iota({2, 3})}, 0);
            }),
            "concat along axis 0: input 1 has shape (2, 3) of rank 2 but input 0 has shape (2, 3, 4) of rank 3");
  EXPECT_THROW(concat({}, 0), ValueError);
}

}  // namespace
}  // namespace fovea
