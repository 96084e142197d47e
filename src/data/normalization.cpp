// Fitting and applying min-max and z-score normalization.
#include "fovea/data/normalization.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "fovea/core/error.h"

namespace fovea {
namespace {

constexpr std::pair<std::string_view, NormalizationKind> kNames[] = {
    {"none", NormalizationKind::none}, {"min_max", NormalizationKind::min_max}, {"z_score", NormalizationKind::z_score}};

// Running statistics of one group of values.
struct Stats {
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double sum = 0;
  double sum_squares = 0;
  int64_t count = 0;
};

}  // namespace

NormalizationKind parse_normalization(std::string_view name) {
  for (const auto& [n, kind] : kNames) {
    if (n == name) return kind;
  }
  throw ValueError(detail::concat("unknown normalization '", name, "'; valid names: none, min_max, z_score"));
}

std::string_view normalization_name(NormalizationKind kind) {
  for (const auto& [n, k] : kNames) {
    if (k == kind) return n;
  }
  return "?";
}

Normalizer Normalizer::fit(const Tensor& x, NormalizationKind kind, bool per_channel) {
  FOVEA_CHECK(x.defined() && x.rank() >= 1 && x.numel() > 0, ValueError,
              "Normalizer::fit needs a non-empty tensor of samples");
  const int64_t channels = per_channel ? x.dim(-1) : 1;
  std::vector<Stats> stats(channels);
  // Straight from the tensor's memory: a data set is hundreds of MB, and a copy as doubles would be twice that.
  auto accumulate = [&](const auto* values) {
    for (int64_t i = 0, n = x.numel(); i < n; ++i) {
      Stats& s = stats[i % channels];
      const double v = values[i];
      s.min = std::min(s.min, v);
      s.max = std::max(s.max, v);
      s.sum += v;
      s.sum_squares += v * v;
      ++s.count;
    }
  };
  if (x.dtype() == DType::f32) {
    accumulate(x.data<float>());
  } else if (x.dtype() == DType::f64) {
    accumulate(x.data<double>());
  } else if (x.dtype() == DType::u8) {
    accumulate(x.data<uint8_t>());
  } else {
    accumulate(x.to_vector().data());
  }
  Normalizer n;
  n.kind_ = kind;
  n.offset_.assign(channels, 0.0);
  n.scale_.assign(channels, 1.0);
  for (int64_t c = 0; c < channels; ++c) {
    const Stats& s = stats[c];
    double offset = 0, scale = 1;
    if (kind == NormalizationKind::min_max) {
      offset = s.min;
      scale = s.max - s.min;
    } else if (kind == NormalizationKind::z_score) {
      offset = s.sum / s.count;
      scale = std::sqrt(std::max(s.sum_squares / s.count - offset * offset, 0.0));
    }
    n.offset_[c] = offset;
    n.scale_[c] = scale > 0 ? scale : 1.0;  // a constant feature maps to 0 instead of dividing by zero
  }
  return n;
}

void Normalizer::check_channels(const Tensor& x) const {
  const int64_t channels = static_cast<int64_t>(offset_.size());
  FOVEA_CHECK(channels == 1 || (x.rank() >= 1 && x.dim(-1) == channels), ShapeError, "Normalizer (",
              normalization_name(kind_), ") was fitted on ", channels, " channels but got shape ",
              x.shape().to_string());
}

void Normalizer::apply(const float* src, float* dst, int64_t n) const {
  const int64_t channels = static_cast<int64_t>(offset_.size());
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = i % channels;
    dst[i] = static_cast<float>((src[i] - offset_[c]) / scale_[c]);
  }
}

Tensor Normalizer::transform(const Tensor& x) const {
  check_channels(x);
  if (x.dtype() != DType::f32) {
    Tensor out = x.to(DType::f32);  // already a copy: normalize it in place
    transform_(out);
    return out;
  }
  Tensor out = Tensor::empty(x.shape(), DType::f32);
  apply(x.data<float>(), out.data<float>(), x.numel());
  return out;
}

void Normalizer::transform_(Tensor& x) const {
  check_channels(x);
  FOVEA_CHECK(x.dtype() == DType::f32, ValueError, "Normalizer::transform_ works in place on float32 tensors; got ",
              dtype_name(x.dtype()), "; use transform() for a normalized copy");
  float* values = x.data<float>();
  apply(values, values, x.numel());
}

nlohmann::json Normalizer::to_json() const {
  return {{"kind", normalization_name(kind_)}, {"offset", offset_}, {"scale", scale_}};
}

Normalizer Normalizer::from_json(const nlohmann::json& document) {
  FOVEA_CHECK(document.is_object() && document.contains("kind") && document["kind"].is_string(), ValueError,
              "normalizer: expected {\"kind\": ..., \"offset\": [...], \"scale\": [...]}, got ", document.dump());
  Normalizer n;
  n.kind_ = parse_normalization(document["kind"].get<std::string>());
  auto numbers = [&](const char* key) {
    const nlohmann::json& v = document.value(key, nlohmann::json());
    FOVEA_CHECK(v.is_array() && !v.empty(), ValueError, "normalizer: '", key, "' must be a non-empty list of numbers");
    std::vector<double> out;
    for (const auto& e : v) {
      FOVEA_CHECK(e.is_number(), ValueError, "normalizer: '", key, "' must hold numbers, got ", e.dump());
      out.push_back(e.get<double>());
    }
    return out;
  };
  n.offset_ = numbers("offset");
  n.scale_ = numbers("scale");
  FOVEA_CHECK(n.offset_.size() == n.scale_.size(), ValueError, "normalizer: 'offset' has ", n.offset_.size(),
              " entries but 'scale' has ", n.scale_.size());
  for (double s : n.scale_) FOVEA_CHECK(s > 0, ValueError, "normalizer: every scale must be positive, got ", s);
  return n;
}

}  // namespace fovea
