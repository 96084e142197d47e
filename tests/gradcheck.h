// Numerical gradient checking in float64: compares the gradients autograd computes for f with central
// differences. f must be deterministic. Usage:
//   expect_gradients_match([](const std::vector<Tensor>& in) { return relu(in[0]); }, {x64});
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "fovea/fovea.h"

namespace fovea::testing {

struct GradCheckOptions {
  double step = 1e-6;
  double tolerance = 1e-6;  // on |analytic - numeric| / max(1, |numeric|)
  uint64_t seed = 1234;
};

// Random float64 tensor for gradient checks.
inline Tensor random64(const Shape& shape, uint64_t seed = 7, double low = -1.0, double high = 1.0) {
  Generator gen(seed);
  return Tensor::uniform(shape, low, high, &gen, DType::f64);
}

// For every input that requires grad, checks d<f(inputs), R>/d input against central differences, where R is
// a fixed random weighting of the outputs (so every output element contributes).
inline void expect_gradients_match(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                                   std::vector<Tensor> inputs, const GradCheckOptions& opt = {}) {
  for (Tensor& t : inputs) {
    ASSERT_EQ(t.dtype(), DType::f64) << "gradient checks run in float64";
    t.zero_grad();
    if (!t.requires_grad()) t.set_requires_grad(true);
  }
  BackendScope reference(BackendKind::reference);
  Tensor out = f(inputs);
  Generator gen(opt.seed);
  Tensor weights = Tensor::uniform(out.shape(), -1.0, 1.0, &gen, DType::f64);
  out.backward(weights);

  auto weighted_sum = [&](const std::vector<Tensor>& in) {
    autograd::NoGradGuard no_grad;
    const std::vector<double> y = f(in).to_vector();
    const std::vector<double> w = weights.to_vector();
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += y[i] * w[i];
    return s;
  };
  for (size_t k = 0; k < inputs.size(); ++k) {
    Tensor& x = inputs[k];
    Tensor grad = x.grad();
    ASSERT_TRUE(grad.defined()) << "input " << k << " received no gradient";
    ASSERT_EQ(grad.shape(), x.shape());
    double* p = x.data<double>();
    for (int64_t i = 0; i < x.numel(); ++i) {
      const double saved = p[i];
      p[i] = saved + opt.step;
      const double plus = weighted_sum(inputs);
      p[i] = saved - opt.step;
      const double minus = weighted_sum(inputs);
      p[i] = saved;
      const double numeric = (plus - minus) / (2 * opt.step);
      const double analytic = grad.data<double>()[i];
      EXPECT_LE(std::abs(analytic - numeric) / std::max(1.0, std::abs(numeric)), opt.tolerance)
          << "input " << k << " element " << i << ": analytic " << analytic << " vs numeric " << numeric;
    }
  }
}

// Element-wise comparison with an absolute-plus-relative tolerance.
inline void expect_close(const Tensor& actual, const Tensor& expected, double atol = 1e-5, double rtol = 1e-5) {
  ASSERT_EQ(actual.shape(), expected.shape()) << actual.shape().to_string() << " vs " << expected.shape().to_string();
  const std::vector<double> a = actual.to_vector();
  const std::vector<double> e = expected.to_vector();
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_LE(std::abs(a[i] - e[i]), atol + rtol * std::abs(e[i])) << "element " << i << ": " << a[i] << " vs " << e[i];
  }
}

}  // namespace fovea::testing
