// Helpers shared by the metric implementations (src/train/metrics*.cpp); not part of the public API.
#pragma once

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "fovea/core/error.h"
#include "fovea/core/tensor.h"

namespace fovea::metrics::detail {

// A metric's name: the one given, or its default.
inline std::string name_or(const std::string& given, std::string_view fallback) {
  return given.empty() ? std::string(fallback) : given;
}

// Number of samples in a batch-first tensor (a scalar is one sample).
inline int64_t samples_of(const Shape& shape) { return shape.rank() == 0 ? 1 : shape.dim(0); }

// One weight per element of a tensor of shape `values`: sample_weight may be undefined (all 1), a single value,
// one weight per sample ((batch,) or (batch, 1)), or one per element.
inline std::vector<double> element_weights(std::string_view metric, const Tensor& sample_weight, const Shape& values) {
  const auto n = static_cast<size_t>(values.numel());
  if (!sample_weight.defined()) return std::vector<double>(n, 1.0);
  const std::vector<double> w = sample_weight.to_vector();
  if (w.size() == 1) return std::vector<double>(n, w[0]);
  if (w.size() == n) return w;
  const int64_t batch = samples_of(values);
  const Shape& ws = sample_weight.shape();
  const bool per_sample = static_cast<int64_t>(w.size()) == batch && (ws.rank() == 1 || ws.rank() == 2);
  FOVEA_CHECK(per_sample && batch > 0, ShapeError, metric, ": sample_weight shape ", ws.to_string(),
              " does not fit values of shape ", values.to_string());
  const size_t per = n / static_cast<size_t>(batch);
  std::vector<double> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = w[i / per];
  return out;
}

// Throws ShapeError unless the shapes match, up to a trailing axis of size 1 on one side (Keras squeezes it).
inline void check_same_shape(std::string_view metric, const Shape& y_true, const Shape& y_pred) {
  bool ok = y_true == y_pred;
  if (!ok && y_true.numel() == y_pred.numel() && std::abs(y_true.rank() - y_pred.rank()) == 1) {
    const Shape& longer = y_true.rank() > y_pred.rank() ? y_true : y_pred;
    const Shape& shorter = y_true.rank() > y_pred.rank() ? y_pred : y_true;
    ok = longer.dim(-1) == 1;
    for (int i = 0; ok && i < shorter.rank(); ++i) ok = longer[i] == shorter[i];
  }
  FOVEA_CHECK(ok, ShapeError, metric, ": y_true shape ", y_true.to_string(), " does not match y_pred shape ",
              y_pred.to_string());
}

// Index of the first largest value among n values starting at p.
inline int64_t argmax(const double* p, int64_t n) {
  int64_t best = 0;
  for (int64_t j = 1; j < n; ++j) {
    if (p[j] > p[best]) best = j;
  }
  return best;
}

// True when v is a whole number in [0, classes).
inline bool is_class_id(double v, int64_t classes) {
  return std::isfinite(v) && std::floor(v) == v && v >= 0 && v < static_cast<double>(classes);
}

}  // namespace fovea::metrics::detail
