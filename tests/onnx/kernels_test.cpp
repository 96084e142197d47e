// The ONNX-semantics kernels that have no fovea op of their own (Erf, Where, Mean): values against std::erf and
// hand-computed selections, and float64 gradient checks, since imported models train through them.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "gradcheck.h"
#include "onnx/layers/onnx_kernels.h"

namespace fovea::onnx_detail {
namespace {

TEST(OnnxKernels, ErfMatchesTheStandardLibraryAndDifferentiates) {
  const Tensor x = Tensor::from_vector(Shape{3}, {-1.5, 0.0, 0.5}, DType::f64);
  const std::vector<double> y = run_onnx_kernel("Unary", {{"fn", "erf"}}, {x}, false).to_vector();
  EXPECT_DOUBLE_EQ(y[0], std::erf(-1.5));
  EXPECT_DOUBLE_EQ(y[1], 0.0);
  EXPECT_DOUBLE_EQ(y[2], std::erf(0.5));
  testing::expect_gradients_match(
      [](const std::vector<Tensor>& in) {
        return run_onnx_kernel("Unary", {{"fn", "erf"}}, {in[0]}, true);
      },
      {testing::random64(Shape{2, 5}, 3, -2.0, 2.0)});
}

TEST(OnnxKernels, WhereSelectsWithBroadcastingAndIgnoresTheBranchNotTaken) {
  const double inf = std::numeric_limits<double>::infinity();
  const Tensor cond = Tensor::from_vector(Shape{2, 1}, {1, 0}, DType::u8);
  const Tensor a = Tensor::from_vector(Shape{2, 2}, {1, 2, inf, inf}, DType::f64);
  const Tensor b = Tensor::from_vector(Shape{2}, {-1, -2}, DType::f64);
  EXPECT_EQ(run_onnx_kernel("Where", nlohmann::json::object(), {cond, a, b}, false).to_vector(),
            (std::vector<double>{1, 2, -1, -2}));
}

TEST(OnnxKernels, WhereSendsGradientsIntoTheSelectedBranch) {
  const Tensor cond = Tensor::from_vector(Shape{3, 1}, {1, 0, 1}, DType::f64);
  testing::expect_gradients_match(
      [&](const std::vector<Tensor>& in) {
        return run_onnx_kernel("Where", nlohmann::json::object(), {cond, in[0], in[1]}, true);
      },
      {testing::random64(Shape{3, 4}, 5), testing::random64(Shape{4}, 6)});
}

TEST(OnnxKernels, MeanAveragesAnyNumberOfOperands) {
  const Tensor a = Tensor::from_vector(Shape{2}, {1, 2}, DType::f64);
  const Tensor b = Tensor::from_vector(Shape{2}, {3, 6}, DType::f64);
  const Tensor c = Tensor::from_vector(Shape{1}, {5}, DType::f64);
  EXPECT_EQ(run_onnx_kernel("Variadic", {{"kind", "mean"}}, {a, b, c}, false).to_vector(),
            (std::vector<double>{3, 13.0 / 3}));
}

}  // namespace
}  // namespace fovea::onnx_detail
