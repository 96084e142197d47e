// Parity of the oneDNN backend's activation and softmax kernels with the reference backend: every activation
// kind and parameter variant, forward and backward (from the input and, where allowed, from the output), on
// odd sizes; softmax and log-softmax over several (outer, channels, inner) geometries.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "backends/backend.h"
#include "parity.h"

namespace fovea {
namespace {

using testing::expect_backends_agree;

constexpr double kInf = std::numeric_limits<double>::infinity();

Tensor random32(const Shape& shape, double low, double high, uint64_t seed) {
  Generator gen(seed);
  return Tensor::uniform(shape, low, high, &gen);
}

struct EltwiseCase {
  std::string name;
  Activation f;
  double low = -3.0;  // input range: kinds with a restricted domain (log, sqrt, pow) use positive inputs
  double high = 3.0;
};

std::vector<EltwiseCase> eltwise_cases() {
  using K = ActivationKind;
  return {
      {"linear", {K::linear}},
      {"relu", Activation::relu()},
      {"relu_negative_slope", Activation::relu(0.1)},
      {"relu_max_value", Activation::relu(0.0, 2.5)},
      {"relu_relu6_cap", Activation::relu(0.0, 6.0), -8, 8},
      {"relu_threshold", Activation::relu(0.0, kInf, 0.5)},
      {"relu_all_parameters", Activation::relu(0.2, 2.0, -0.5)},
      {"leaky_relu", Activation::leaky_relu(0.3)},
      {"relu6", {K::relu6}, -8, 8},
      {"elu", Activation::elu(1.0)},
      {"elu_alpha", Activation::elu(0.5)},
      {"selu", {K::selu}},
      {"gelu", {K::gelu}},
      {"gelu_tanh", {K::gelu_tanh}},
      {"sigmoid", {K::sigmoid}, -6, 6},
      {"hard_sigmoid", Activation::hard_sigmoid(), -5, 5},
      {"hard_sigmoid_keras2", Activation::hard_sigmoid(0.2, 0.5), -4, 4},
      {"exponential", {K::exponential}},
      {"softplus", {K::softplus}, -6, 6},
      {"softsign", {K::softsign}},
      {"swish", {K::swish}},
      {"tanh", {K::tanh}},
      {"log", {K::log}, 0.1, 4},
      {"sqrt", {K::sqrt}, 0.1, 4},
      {"square", {K::square}},
      {"abs", {K::abs}},
      {"pow", Activation::pow(2.5), 0.1, 3},
      {"pow_integer_on_negatives", Activation::pow(3.0)},
      {"clip", Activation::clip(-0.5, 0.7)},
  };
}

class OneDnnEltwiseParity : public ::testing::TestWithParam<EltwiseCase> {};

// Odd sizes, a single element, and one large enough to span several threads' chunks.
const Shape kShapes[] = {{1}, {37}, {2, 3, 5, 7}, {3, 4099}};

TEST_P(OneDnnEltwiseParity, Forward) {
  const EltwiseCase& c = GetParam();
  for (const Shape& shape : kShapes) {
    SCOPED_TRACE(shape.to_string());
    const Tensor x = random32(shape, c.low, c.high, 11);
    expect_backends_agree([&](Backend& b) {
      Tensor y = Tensor::empty(shape);
      b.eltwise_forward(c.f, x, y);
      return y;
    });
  }
}

TEST_P(OneDnnEltwiseParity, BackwardFromInput) {
  const EltwiseCase& c = GetParam();
  for (const Shape& shape : kShapes) {
    SCOPED_TRACE(shape.to_string());
    const Tensor x = random32(shape, c.low, c.high, 12);
    const Tensor dy = random32(shape, -1, 1, 13);
    expect_backends_agree([&](Backend& b) {
      Tensor dx = Tensor::empty(shape);
      b.eltwise_backward(c.f, x, false, dy, dx);
      return dx;
    });
  }
}

INSTANTIATE_TEST_SUITE_P(AllKinds, OneDnnEltwiseParity, ::testing::ValuesIn(eltwise_cases()),
                         [](const ::testing::TestParamInfo<EltwiseCase>& info) { return info.param.name; });

// The kinds whose derivative their output determines, with the gradient computed from the output.
class OneDnnEltwiseFromOutputParity : public ::testing::TestWithParam<EltwiseCase> {};

TEST_P(OneDnnEltwiseFromOutputParity, Backward) {
  const EltwiseCase& c = GetParam();
  for (const Shape& shape : kShapes) {
    SCOPED_TRACE(shape.to_string());
    const Tensor x = random32(shape, c.low, c.high, 14);
    Tensor y = Tensor::empty(shape);
    reference_backend().eltwise_forward(c.f, x, y);
    const Tensor dy = random32(shape, -1, 1, 15);
    expect_backends_agree([&](Backend& b) {
      Tensor dx = Tensor::empty(shape);
      b.eltwise_backward(c.f, y, true, dy, dx);
      return dx;
    });
  }
}

INSTANTIATE_TEST_SUITE_P(OutputDetermined, OneDnnEltwiseFromOutputParity,
                         ::testing::Values(EltwiseCase{"relu", Activation::relu()},
                                           EltwiseCase{"sigmoid", {ActivationKind::sigmoid}, -6, 6},
                                           EltwiseCase{"tanh", {ActivationKind::tanh}},
                                           EltwiseCase{"exponential", {ActivationKind::exponential}},
                                           EltwiseCase{"sqrt", {ActivationKind::sqrt}, 0.1, 4}),
                         [](const ::testing::TestParamInfo<EltwiseCase>& info) { return info.param.name; });

TEST(OneDnnEltwise, OutputBasedGradientOfOtherKindsIsRejected) {
  const Tensor y = Tensor::ones({4});
  Tensor dx = Tensor::empty({4});
  EXPECT_THROW(onednn_backend().eltwise_backward(Activation::elu(1.0), y, true, y, dx), BackendError);
  EXPECT_THROW(onednn_backend().eltwise_backward(Activation::relu(0.1), y, true, y, dx), BackendError);
}

TEST(OneDnnEltwise, SupportsFloat32Only) {
  EXPECT_TRUE(onednn_backend().supports(Kernel::eltwise_forward, DType::f32));
  EXPECT_TRUE(onednn_backend().supports(Kernel::softmax_backward, DType::f32));
  EXPECT_FALSE(onednn_backend().supports(Kernel::eltwise_forward, DType::f64));
}

const AxisGeometry kSoftmaxGeometries[] = {{1, 1, 1}, {1, 10, 1},   {3, 7, 1},  {2, 5, 9},
                                           {4, 1, 3}, {1, 1001, 1}, {5, 3, 17}, {2, 3, 517}};

class OneDnnSoftmaxParity : public ::testing::TestWithParam<bool> {};

TEST_P(OneDnnSoftmaxParity, Forward) {
  const bool log = GetParam();
  for (const AxisGeometry& g : kSoftmaxGeometries) {
    SCOPED_TRACE(::testing::Message() << g.outer << "x" << g.channels << "x" << g.inner);
    const Shape shape{g.outer, g.channels, g.inner};
    // Large magnitudes check the max-subtraction that keeps exp() finite.
    const Tensor x = random32(shape, -40, 40, 21);
    expect_backends_agree([&](Backend& b) {
      Tensor y = Tensor::empty(shape);
      b.softmax_forward(g, log, x, y);
      return y;
    });
  }
}

TEST_P(OneDnnSoftmaxParity, Backward) {
  const bool log = GetParam();
  for (const AxisGeometry& g : kSoftmaxGeometries) {
    SCOPED_TRACE(::testing::Message() << g.outer << "x" << g.channels << "x" << g.inner);
    const Shape shape{g.outer, g.channels, g.inner};
    const Tensor x = random32(shape, -3, 3, 22);
    Tensor y = Tensor::empty(shape);
    reference_backend().softmax_forward(g, log, x, y);
    const Tensor dy = random32(shape, -1, 1, 23);
    expect_backends_agree([&](Backend& b) {
      Tensor dx = Tensor::empty(shape);
      b.softmax_backward(g, log, y, dy, dx);
      return dx;
    });
  }
}

INSTANTIATE_TEST_SUITE_P(LogAndNot, OneDnnSoftmaxParity, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return std::string(info.param ? "log_softmax" : "softmax");
                         });

// The seed example: softmax([8, 5, 0]) = [0.9523, 0.0474, 0.0003].
TEST(OneDnnSoftmax, SeedExample) {
  const Tensor x = Tensor::from_vector({1, 3, 1}, std::vector<float>{8, 5, 0});
  Tensor y = Tensor::empty({1, 3, 1});
  onednn_backend().softmax_forward({1, 3, 1}, false, x, y);
  testing::expect_close(y, Tensor::from_vector({1, 3, 1}, std::vector<float>{0.952269f, 0.047410f, 0.000319f}), 1e-5,
                        1e-4);
}

}  // namespace
}  // namespace fovea
