// The Rescaling layer (Normalization is in normalization_preprocessing.cpp).
#include "fovea/layers/preprocessing.h"

#include <cmath>

#include "fovea/core/error.h"
#include "fovea/layers/layer_config.h"
#include "fovea/ops/math.h"
#include "layers/layer_util.h"

namespace fovea {

// ---- Rescaling ----

RescalingImpl::RescalingImpl(const RescalingOptions& options) : options_(options) {
  set_name(options.name);
  FOVEA_CHECK(std::isfinite(options.scale), ValueError, "Rescaling: scale must be a finite number, got ",
              options.scale);
  FOVEA_CHECK(std::isfinite(options.offset), ValueError, "Rescaling: offset must be a finite number, got ",
              options.offset);
}

Shape RescalingImpl::compute_output_shape(const std::vector<Shape>& inputs) const { return inputs[0]; }

Tensor RescalingImpl::call(const std::vector<Tensor>& inputs, bool) {
  Tensor x = inputs[0];
  if (x.dtype() != DType::f32 && x.dtype() != DType::f64) x = x.to(DType::f32);  // stored pixels and other integers
  // Skipping the no-op halves keeps an identity Rescaling free and its gradient exact.
  Tensor y = options_.scale == 1.0 ? x : x * options_.scale;
  return options_.offset == 0.0 ? y : y + options_.offset;
}

nlohmann::json RescalingImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["scale"] = options_.scale;
  c["offset"] = options_.offset;
  return c;
}

Layer RescalingImpl::from_config(const ConfigReader& c) {
  FOVEA_CHECK(c.has("scale"), ValueError, c.where(), ": 'scale' is required, e.g. 0.00392156862745098 (1/255)");
  RescalingOptions o;
  o.scale = c.number("scale");
  o.offset = c.number("offset", 0.0);
  return construct_at(c, [&] { return Rescaling(o); });
}

Layer Rescaling(const RescalingOptions& options) { return make_layer<RescalingImpl>(options); }

}  // namespace fovea
