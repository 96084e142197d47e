// Tests for src/ops/math.cpp: broadcasting, every binary kind (values and float64 gradients, broadcasting both
// ways), the scalar operator forms, reductions with and without keepdims, and sum_to.
#include "fovea/ops/math.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "error_text.h"
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

TEST(Broadcast, Shapes) {
  EXPECT_EQ(broadcast_shapes({2, 3}, {3}), Shape({2, 3}));
  EXPECT_EQ(broadcast_shapes({2, 1, 4}, {3, 1}), Shape({2, 3, 4}));
  EXPECT_EQ(broadcast_shapes({}, {2, 2}), Shape({2, 2}));
  EXPECT_EQ(broadcast_shapes({1}, {}), Shape({1}));
  EXPECT_EQ(broadcast_shapes({5, 1}, {1, 6}), Shape({5, 6}));
}

TEST(Broadcast, MismatchNamesBothShapes) {
  EXPECT_EQ(error_text([] {
              broadcast_shapes({2, 3}, {4});
            }),
            "shapes (2, 3) and (4,) do not broadcast: axis -1 has sizes 3 and 4");
  EXPECT_EQ(error_text([] {
              add(Tensor::zeros({2, 3, 4}), Tensor::zeros({2, 4}));
            }),
            "shapes (2, 3, 4) and (2, 4) do not broadcast: axis -2 has sizes 3 and 2");
  EXPECT_THROW(mul(Tensor::zeros({3}), Tensor::zeros({2})), ShapeError);
}

TEST(Binary, ValuesWithBroadcasting) {
  Tensor a = f64({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor row = f64({3}, {10, 20, 30});
  Tensor col = f64({2, 1}, {1, 2});
  expect_close(add(a, row), f64({2, 3}, {11, 22, 33, 14, 25, 36}), 1e-12);
  expect_close(sub(row, a), f64({2, 3}, {9, 18, 27, 6, 15, 24}), 1e-12);
  expect_close(mul(a, col), f64({2, 3}, {1, 2, 3, 8, 10, 12}), 1e-12);
  expect_close(div(a, col), f64({2, 3}, {1, 2, 3, 2, 2.5, 3}), 1e-12);
  expect_close(maximum(a, f64({}, {3.5})), f64({2, 3}, {3.5, 3.5, 3.5, 4, 5, 6}), 1e-12);
  expect_close(minimum(col, row), f64({2, 3}, {1, 1, 1, 2, 2, 2}), 1e-12);
  // Both operands broadcast: (2, 1) with (3,) gives (2, 3).
  expect_close(add(col, row), f64({2, 3}, {11, 21, 31, 12, 22, 32}), 1e-12);
}

TEST(Binary, Comparisons) {
  Tensor a = f64({4}, {1, 2, 3, 4});
  Tensor b = f64({4}, {2, 2, 2, 2});
  a.set_requires_grad(true);
  expect_close(binary(a, b, BinaryKind::greater), f64({4}, {0, 0, 1, 1}), 0);
  expect_close(binary(a, b, BinaryKind::greater_equal), f64({4}, {0, 1, 1, 1}), 0);
  expect_close(binary(a, b, BinaryKind::less), f64({4}, {1, 0, 0, 0}), 0);
  expect_close(binary(a, b, BinaryKind::less_equal), f64({4}, {1, 1, 0, 0}), 0);
  Tensor eq = binary(a, f64({1}, {3}), BinaryKind::equal);
  expect_close(eq, f64({4}, {0, 0, 1, 0}), 0);
  EXPECT_EQ(eq.dtype(), DType::f64);
  EXPECT_FALSE(eq.requires_grad()) << "comparisons have no gradient";
}

TEST(Binary, Float32) {
  Tensor a = Tensor::from_vector({2, 2}, std::vector<float>{1, 2, 3, 4});
  Tensor y = a * a + 1.0;
  EXPECT_EQ(y.dtype(), DType::f32);
  expect_close(y, Tensor::from_vector({2, 2}, std::vector<float>{2, 5, 10, 17}), 0);
}

TEST(Binary, DtypeMismatch) {
  EXPECT_EQ(error_text([] { add(Tensor::zeros({2}), Tensor::zeros({2}, DType::f64)); }),
            "add: operands have different dtypes, float32 and float64");
}

TEST(Binary, GradientsOfEveryKindBroadcastingBothWays) {
  const BinaryKind kinds[] = {BinaryKind::add, BinaryKind::sub,     BinaryKind::mul,
                              BinaryKind::div, BinaryKind::maximum, BinaryKind::minimum};
  // (a, b) shape pairs: equal, b broadcast into a, a broadcast into b, both broadcast, scalar.
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{2, 3}, {2, 3}}, {{2, 3, 4}, {3, 1}}, {{4}, {2, 3, 4}}, {{2, 1, 4}, {3, 1}}, {{2, 3}, {}}};
  for (BinaryKind kind : kinds) {
    for (const auto& [sa, sb] : shapes) {
      SCOPED_TRACE(std::to_string(static_cast<int>(kind)) + " " + sa.to_string() + " " + sb.to_string());
      // Positive b keeps division away from 0; different ranges keep maximum/minimum away from ties.
      Tensor a = random64(sa, 31, -1.0, 1.0);
      Tensor b = random64(sb, 32, 0.5, 1.5);
      if (kind == BinaryKind::maximum || kind == BinaryKind::minimum) b = random64(sb, 33, -0.9, 0.9);
      expect_gradients_match([kind](const std::vector<Tensor>& in) { return binary(in[0], in[1], kind); }, {a, b});
    }
  }
}

TEST(Binary, MaximumSplitsTiesEvenly) {
  Tensor a = f64({3}, {1, 2, 3});
  Tensor b = f64({3}, {2, 2, 2});
  a.set_requires_grad(true);
  b.set_requires_grad(true);
  sum(maximum(a, b)).backward();
  expect_close(a.grad(), f64({3}, {0, 0.5, 1}), 0);
  expect_close(b.grad(), f64({3}, {1, 0.5, 0}), 0);
}

TEST(Binary, ScalarForms) {
  Tensor a = f64({3}, {1, 2, 4});
  expect_close(a + 1.0, f64({3}, {2, 3, 5}), 0);
  expect_close(a - 1.0, f64({3}, {0, 1, 3}), 0);
  expect_close(a * 3.0, f64({3}, {3, 6, 12}), 0);
  expect_close(a / 2.0, f64({3}, {0.5, 1, 2}), 0);
  expect_close(3.0 * a, f64({3}, {3, 6, 12}), 0);
  expect_close(10.0 - a, f64({3}, {9, 8, 6}), 0);
  expect_close(-a, f64({3}, {-1, -2, -4}), 0);
  expect_close(a + a, f64({3}, {2, 4, 8}), 0);
  expect_close(a - a * a / a, f64({3}, {0, 0, 0}), 0);
  expect_gradients_match(
      [](const std::vector<Tensor>& in) {
        const Tensor& x = in[0];
        return (2.0 - x) * 3.0 + (-x) / 4.0 - x * x + 1.5 * x - 1.0;
      },
      {random64({2, 3}, 41)});
}

TEST(Reduce, Values) {
  Tensor x = f64({2, 3}, {1, 5, 3, 4, 2, 6});
  expect_close(sum(x), f64({}, {21}), 0);
  expect_close(sum(x, {0}), f64({3}, {5, 7, 9}), 0);
  expect_close(sum(x, {1}, true), f64({2, 1}, {9, 12}), 0);
  expect_close(mean(x, {-1}), f64({2}, {3, 4}), 1e-12);
  expect_close(mean(x, {}, true), f64({1, 1}, {3.5}), 1e-12);
  expect_close(amax(x, {0}), f64({3}, {4, 5, 6}), 0);
  expect_close(amax(x, {1}, true), f64({2, 1}, {5, 6}), 0);
  expect_close(amin(x, {0, 1}), f64({}, {1}), 0);
  expect_close(amin(x, {-1}), f64({2}, {1, 2}), 0);
  expect_close(reduce(x, ReduceKind::sum, {0, 1}, true), f64({1, 1}, {21}), 0);
  expect_close(sum(Tensor::from_vector({2, 2}, std::vector<float>{1, 2, 3, 4}), {1}),
               Tensor::from_vector({2}, std::vector<float>{3, 7}), 0);
}

TEST(Reduce, GradientsOverVariousAxes) {
  const std::vector<Dims> axes_list = {{}, {0}, {1}, {2}, {-1}, {0, 2}, {1, 2}, {0, 1, 2}};
  const ReduceKind kinds[] = {ReduceKind::sum, ReduceKind::mean, ReduceKind::max, ReduceKind::min};
  for (ReduceKind kind : kinds) {
    for (const Dims& axes : axes_list) {
      for (bool keepdims : {false, true}) {
        SCOPED_TRACE(std::to_string(static_cast<int>(kind)) + " axes " + Shape(axes).to_string() +
                     (keepdims ? " keepdims" : ""));
        expect_gradients_match([=](const std::vector<Tensor>& in) { return reduce(in[0], kind, axes, keepdims); },
                               {random64({2, 3, 4}, 51)});
      }
    }
  }
}

TEST(Reduce, MaxSplitsTiesEvenly) {
  Tensor x = f64({2, 3}, {1, 3, 3, 2, 0, 1});
  x.set_requires_grad(true);
  sum(amax(x, {1})).backward();
  expect_close(x.grad(), f64({2, 3}, {0, 0.5, 0.5, 1, 0, 0}), 0);
}

TEST(Reduce, BadAxes) {
  EXPECT_EQ(error_text([] {
              sum(Tensor::zeros({2, 3}), {1, -1});
            }),
            "sum: axis -1 is listed twice for a tensor of shape (2, 3)");
  EXPECT_THROW(mean(Tensor::zeros({2, 3}), {2}), ShapeError);
}

TEST(SumTo, ReversesBroadcasting) {
  Tensor x = f64({2, 3, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  expect_close(sum_to(x, {3, 1}), f64({3, 1}, {1 + 2 + 7 + 8, 3 + 4 + 9 + 10, 5 + 6 + 11 + 12}), 0);
  expect_close(sum_to(x, {2}), f64({2}, {36, 42}), 0);
  expect_close(sum_to(x, {}), f64({}, {78}), 0);
  EXPECT_TRUE(sum_to(x, {2, 3, 2}).is_same(x));
  EXPECT_THROW(sum_to(x, {4}), ShapeError);
  expect_gradients_match(
      [](const std::vector<Tensor>& in) {
        return sum_to(in[0], {3, 1});
      },
      {random64({2, 3, 2}, 61)});
}

}  // namespace
}  // namespace fovea
