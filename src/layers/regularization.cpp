// Dropout and SpatialDropout1D/2D/3D.
#include "fovea/layers/regularization.h"

#include <string>

#include "fovea/core/error.h"
#include "fovea/ops/normalization.h"
#include "fovea/layers/layer_config.h"
#include "layers/layer_util.h"

namespace fovea {
namespace {

void check_rate(const std::string& layer, double rate) {
  FOVEA_CHECK(rate >= 0 && rate < 1, ValueError, layer, ": rate must be in [0, 1), got ", rate);
}

// Keras prints an unknown size as None anywhere in a noise shape.
std::string noise_text(const Shape& s) {
  std::string out = "(";
  for (int i = 0; i < s.rank(); ++i) out += (i > 0 ? ", " : "") + (s[i] < 0 ? "None" : std::to_string(s[i]));
  return out + (s.rank() == 1 ? ",)" : ")");
}

nlohmann::json seed_to_json(const std::optional<uint64_t>& seed) {
  return seed ? nlohmann::json(*seed) : nlohmann::json(nullptr);
}

std::optional<uint64_t> seed_from_config(const ConfigReader& c) {
  if (!c.has("seed")) return std::nullopt;
  const int64_t seed = c.integer("seed");
  if (seed < 0) c.fail("seed", "a non-negative integer or null");
  return static_cast<uint64_t>(seed);
}

}  // namespace

// ---- Dropout ----

DropoutImpl::DropoutImpl(const DropoutOptions& options) : options_(options) {
  set_name(options.name);
  check_rate("Dropout", options.rate);
  if (options.noise_shape) {
    for (int64_t d : *options.noise_shape) {
      FOVEA_CHECK(d == -1 || d > 0, ValueError, "Dropout: noise_shape entries must be positive or -1 (None), got ",
                  noise_text(*options.noise_shape));
    }
  }
  if (options.seed) generator_.emplace(*options.seed);
}

Shape DropoutImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  const Shape& in = inputs[0];
  if (options_.noise_shape) {
    const Shape& noise = *options_.noise_shape;
    bool fits = noise.rank() == in.rank();
    for (int i = 0; fits && i < in.rank(); ++i)
      fits = noise[i] == -1 || noise[i] == 1 || in[i] < 0 || noise[i] == in[i];
    FOVEA_CHECK(fits, ShapeError, describe(), ": noise_shape ", noise_text(noise), " does not fit input shape ",
                in.to_string(true), " (each entry must be 1, None or the input's size)");
  }
  return in;
}

Tensor DropoutImpl::call(const std::vector<Tensor>& inputs, bool training) {
  const Tensor& x = inputs[0];
  DropoutArgs args{.rate = options_.rate, .training = training, .generator = generator_ ? &*generator_ : nullptr};
  if (options_.noise_shape) {
    for (int i = 0; i < x.rank(); ++i) {
      if ((*options_.noise_shape)[i] == 1 && x.dim(i) != 1) args.broadcast_axes.push_back(i);
    }
  }
  return dropout(x, args);
}

nlohmann::json DropoutImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["rate"] = options_.rate;
  c["seed"] = seed_to_json(options_.seed);
  nlohmann::json noise = nullptr;
  if (options_.noise_shape) {
    noise = nlohmann::json::array();
    for (int64_t d : *options_.noise_shape) noise.push_back(d < 0 ? nlohmann::json(nullptr) : nlohmann::json(d));
  }
  c["noise_shape"] = noise;
  return c;
}

Layer DropoutImpl::from_config(const ConfigReader& c) {
  DropoutOptions o;
  o.rate = c.number("rate");
  o.seed = seed_from_config(c);
  if (const nlohmann::json* v = c.raw("noise_shape")) {
    if (!v->is_array() || v->empty() || v->size() > 6) c.fail("noise_shape", "null or a list of integers and nulls");
    Shape noise;
    for (const auto& e : *v) {
      if (!e.is_null() && !e.is_number_integer()) c.fail("noise_shape", "null or a list of integers and nulls");
      noise.push_back(e.is_null() ? -1 : e.get<int64_t>());
    }
    o.noise_shape = noise;
  }
  return construct_at(c, [&] { return Dropout(o); });
}

Layer Dropout(const DropoutOptions& options) { return make_layer<DropoutImpl>(options); }

// ---- SpatialDropout ----

SpatialDropoutImpl::SpatialDropoutImpl(int spatial_rank, const SpatialDropoutOptions& options)
    : spatial_rank_(spatial_rank), options_(options) {
  set_name(options.name);
  check_rate(class_name(), options.rate);
  if (options.seed) generator_.emplace(*options.seed);
}

std::string SpatialDropoutImpl::class_name() const { return "SpatialDropout" + std::to_string(spatial_rank_) + "D"; }

Shape SpatialDropoutImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  static const char* const kLast[] = {"", "(None, steps, channels)", "(None, rows, cols, channels)",
                                      "(None, dim1, dim2, dim3, channels)"};
  static const char* const kFirst[] = {"", "(None, channels, steps)", "(None, channels, rows, cols)",
                                       "(None, channels, dim1, dim2, dim3)"};
  const bool last = options_.data_format == DataFormat::channels_last;
  expect_rank(inputs, spatial_rank_ + 2, last ? kLast[spatial_rank_] : kFirst[spatial_rank_]);
  return inputs[0];
}

Tensor SpatialDropoutImpl::call(const std::vector<Tensor>& inputs, bool training) {
  DropoutArgs args{.rate = options_.rate, .training = training, .generator = generator_ ? &*generator_ : nullptr};
  const int first = options_.data_format == DataFormat::channels_last ? 1 : 2;
  for (int i = 0; i < spatial_rank_; ++i) args.broadcast_axes.push_back(first + i);
  return dropout(inputs[0], args);
}

nlohmann::json SpatialDropoutImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["rate"] = options_.rate;
  c["seed"] = seed_to_json(options_.seed);
  // Keras's SpatialDropout1D has no data_format argument: write it only when it is not the default.
  if (spatial_rank_ > 1 || options_.data_format != DataFormat::channels_last) {
    c["data_format"] = data_format_name(options_.data_format);
  }
  return c;
}

namespace {

Layer spatial_dropout_from_config(const ConfigReader& c, int spatial_rank) {
  SpatialDropoutOptions o;
  o.rate = c.number("rate");
  o.seed = seed_from_config(c);
  o.data_format = c.data_format("data_format");
  return construct_at(c, [&] { return make_layer<SpatialDropoutImpl>(spatial_rank, o); });
}

}  // namespace

Layer SpatialDropout1D(const SpatialDropoutOptions& options) { return make_layer<SpatialDropoutImpl>(1, options); }
Layer SpatialDropout2D(const SpatialDropoutOptions& options) { return make_layer<SpatialDropoutImpl>(2, options); }
Layer SpatialDropout3D(const SpatialDropoutOptions& options) { return make_layer<SpatialDropoutImpl>(3, options); }

Layer spatial_dropout1d_from_config(const ConfigReader& c) { return spatial_dropout_from_config(c, 1); }
Layer spatial_dropout2d_from_config(const ConfigReader& c) { return spatial_dropout_from_config(c, 2); }
Layer spatial_dropout3d_from_config(const ConfigReader& c) { return spatial_dropout_from_config(c, 3); }

}  // namespace fovea
