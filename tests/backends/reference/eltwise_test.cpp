// Tests for src/backends/reference/eltwise.cpp that the public ops do not reach directly: the backward pass
// computed from the forward output, and its refusal for kinds whose output does not determine the derivative.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backends/backend.h"
#include "gradcheck.h"

namespace fovea {
namespace {

using testing::expect_close;

TEST(ReferenceEltwise, BackwardFromOutputMatchesBackwardFromInput) {
  Backend& ref = reference_backend();
  const std::vector<Activation> kinds = {
      Activation::relu(), Activation::of(ActivationKind::sigmoid), Activation::of(ActivationKind::tanh),
      Activation::of(ActivationKind::exponential), Activation::of(ActivationKind::sqrt)};
  for (DType dtype : {DType::f32, DType::f64}) {
    Tensor x = Tensor::from_vector({6}, {0.3, 1.7, 0.05, 2.5, 0.9, 1.2}, dtype);
    if (dtype == DType::f64) x = Tensor::from_vector({6}, {-0.3, 1.7, -2.0, 2.5, 0.9, -1.2}, dtype);
    Tensor dy = Tensor::from_vector({6}, {1.0, -0.5, 2.0, 0.25, -1.5, 0.75}, dtype);
    for (const Activation& f : kinds) {
      if (f.kind == ActivationKind::sqrt && dtype == DType::f64) continue;  // sqrt needs positive inputs
      SCOPED_TRACE(std::string(activation_name(f.kind)) + " " + std::string(dtype_name(dtype)));
      Tensor y = Tensor::empty(x.shape(), dtype);
      ref.eltwise_forward(f, x, y);
      Tensor from_input = Tensor::empty(x.shape(), dtype);
      Tensor from_output = Tensor::empty(x.shape(), dtype);
      ref.eltwise_backward(f, x, false, dy, from_input);
      ref.eltwise_backward(f, y, true, dy, from_output);
      expect_close(from_output, from_input, 1e-5, 1e-5);
    }
  }
}

TEST(ReferenceEltwise, BackwardFromOutputRefusesOtherKinds) {
  Backend& ref = reference_backend();
  Tensor y = Tensor::ones({3}, DType::f64);
  Tensor dx = Tensor::empty({3}, DType::f64);
  try {
    ref.eltwise_backward(Activation::elu(), y, true, y, dx);
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(),
                 "eltwise_backward from the output is defined only for relu with default parameters, sigmoid, "
                 "tanh, exponential and sqrt, not for elu");
  }
  EXPECT_THROW(ref.eltwise_backward(Activation::relu(0.1), y, true, y, dx), ValueError);
  EXPECT_THROW(ref.eltwise_backward(Activation::relu(0.0, 6.0), y, true, y, dx), ValueError);
}

TEST(ReferenceEltwise, InPlaceForward) {
  // matmul applies its fused activation in place, so the kernel must allow y to alias x.
  Tensor x = Tensor::from_vector({4}, {-1.0, 0.5, -0.25, 2.0}, DType::f64);
  reference_backend().eltwise_forward(Activation::relu(), x, x);
  expect_close(x, Tensor::from_vector({4}, {0.0, 0.5, 0.0, 2.0}, DType::f64), 0);
}

}  // namespace
}  // namespace fovea
