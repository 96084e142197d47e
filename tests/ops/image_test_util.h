// Helpers for the convolution and pooling tests: layout conversion done by hand (independent of the permute
// op), exact error-text assertions and inner products for adjoint checks.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fovea/fovea.h"

namespace fovea::testing {

// (N, C, spatial...) -> (N, spatial..., C), copying values with plain index arithmetic.
inline Tensor to_channels_last(const Tensor& x) {
  const Shape& s = x.shape();
  const int64_t n = s[0], c = s[1];
  const int64_t volume = x.numel() / (n * c);
  Shape out{n};
  for (int i = 2; i < s.rank(); ++i) out.push_back(s[i]);
  out.push_back(c);
  const std::vector<double> v = x.to_vector();
  std::vector<double> r(v.size());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t p = 0; p < volume; ++p) r[(b * volume + p) * c + ch] = v[(b * c + ch) * volume + p];
  return Tensor::from_vector(out, r, x.dtype());
}

// Sum of a * b over all elements.
inline double dot(const Tensor& a, const Tensor& b) {
  const std::vector<double> x = a.to_vector(), y = b.to_vector();
  EXPECT_EQ(x.size(), y.size());
  double s = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) s += x[i] * y[i];
  return s;
}

// Expects fn to throw exactly E with exactly this message.
template <class E, class Fn>
void expect_error(Fn&& fn, const std::string& message) {
  try {
    fn();
    ADD_FAILURE() << "expected an error: " << message;
  } catch (const E& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

// A float64 tensor from nested values, for worked examples.
inline Tensor f64(const Shape& shape, const std::vector<double>& values) {
  return Tensor::from_vector(shape, values, DType::f64);
}

}  // namespace fovea::testing
