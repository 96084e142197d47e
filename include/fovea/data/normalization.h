// Input normalization as the course teaches it: linear min-max scaling (x - min) / (max - min) and z-score
// standardization (x - mean) / std. Statistics are fitted on the training split only and travel with the model
// as JSON, so evaluation and prediction see exactly the same transform.
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fovea/core/tensor.h"

namespace fovea {

enum class NormalizationKind { none, min_max, z_score };

// Parses "none", "min_max", "z_score"; throws ValueError listing them otherwise.
NormalizationKind parse_normalization(std::string_view name);
std::string_view normalization_name(NormalizationKind kind);

// y = (x - offset) / scale, with one (offset, scale) for the whole tensor or one per channel (the last axis,
// channels_last).
class Normalizer {
 public:
  Normalizer() = default;  // the identity
  // Fits statistics on x (N, ..., C). A constant input gets scale 1 so it never divides by zero.
  static Normalizer fit(const Tensor& x, NormalizationKind kind, bool per_channel = false);
  // A new float32 tensor; throws ShapeError when a per-channel normalizer meets another channel count.
  Tensor transform(const Tensor& x) const;
  // In place, for a float32 x (a data set too large to hold twice); ValueError otherwise.
  void transform_(Tensor& x) const;

  NormalizationKind kind() const { return kind_; }
  const std::vector<double>& offset() const { return offset_; }
  const std::vector<double>& scale() const { return scale_; }

  nlohmann::json to_json() const;
  // Throws ValueError naming what is wrong in the document.
  static Normalizer from_json(const nlohmann::json& document);

 private:
  void check_channels(const Tensor& x) const;
  void apply(const float* src, float* dst, int64_t n) const;

  NormalizationKind kind_ = NormalizationKind::none;
  std::vector<double> offset_{0.0};
  std::vector<double> scale_{1.0};
};

}  // namespace fovea
