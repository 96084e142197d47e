// Flatten, Reshape, Permute, ZeroPadding1D/2D/3D and Cropping1D/2D/3D.
#include "fovea/layers/reshaping.h"

#include <limits>
#include <string>

#include "fovea/core/error.h"
#include "fovea/ops/shape_ops.h"
#include "fovea/layers/layer_config.h"
#include "layers/layer_util.h"

namespace fovea {
namespace {

std::string list_to_string(const std::vector<int64_t>& v) {
  std::string out = "(";
  for (size_t i = 0; i < v.size(); ++i) out += (i > 0 ? ", " : "") + std::to_string(v[i]);
  return out + ")";
}

std::string dims_text(const Dims& d) { return list_to_string(std::vector<int64_t>(d.begin(), d.end())); }

}  // namespace

// ---- Flatten ----

FlattenImpl::FlattenImpl(const FlattenOptions& options) : options_(options) { set_name(options.name); }

Shape FlattenImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  const Shape& in = inputs[0];
  FOVEA_CHECK(in.rank() >= 1, ShapeError, describe(), " expects an input with a batch axis but got a scalar");
  int64_t features = 1;
  for (int d = 1; d < in.rank(); ++d) {
    if (in[d] < 0 || features < 0) {
      features = -1;
      continue;
    }
    const std::optional<int64_t> product = checked_mul(features, in[d]);
    FOVEA_CHECK(product.has_value(), ShapeError, describe(), ": input ", in.to_string(true),
                " has more features than fovea can index (at most ", std::numeric_limits<int64_t>::max(), ")");
    features = *product;
  }
  return Shape{in[0], features};
}

Tensor FlattenImpl::call(const std::vector<Tensor>& inputs, bool) {
  const Tensor& x = inputs[0];
  if (options_.data_format == DataFormat::channels_last || x.rank() < 3) return flatten(x);
  Dims perm{0};
  for (int d = 2; d < x.rank(); ++d) perm.push_back(d);
  perm.push_back(1);
  return flatten(permute(x, perm));
}

nlohmann::json FlattenImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["data_format"] = data_format_name(options_.data_format);
  return c;
}

Layer FlattenImpl::from_config(const ConfigReader& c) { return Flatten({.data_format = c.data_format("data_format")}); }

Layer Flatten(const FlattenOptions& options) { return make_layer<FlattenImpl>(options); }

// ---- Reshape ----

ReshapeImpl::ReshapeImpl(const ReshapeOptions& options) : options_(options) {
  set_name(options.name);
  const Shape& t = options.target_shape;
  FOVEA_CHECK(!t.empty() && t.rank() < Shape::capacity(), ValueError,
              "Reshape: target_shape needs 1 to 5 dimensions (without the batch), got ", t.to_string());
  int inferred = 0;
  for (int64_t d : t) {
    FOVEA_CHECK(d > 0 || d == -1, ValueError, "Reshape: target_shape entries must be positive or -1, got ",
                t.to_string());
    inferred += d == -1;
  }
  FOVEA_CHECK(inferred <= 1, ValueError, "Reshape: target_shape may have at most one -1, got ", t.to_string());
}

Shape ReshapeImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  const Shape& in = inputs[0];
  const Shape& target = options_.target_shape;
  Shape out{in[0]};
  for (int64_t d : target) out.push_back(d);
  FOVEA_CHECK(in.rank() >= 1, ShapeError, describe(), " expects an input with a batch axis but got a scalar");
  int64_t values = 1;
  for (int d = 1; d < in.rank(); ++d) {
    if (in[d] < 0) return out;  // the per-sample size is only known when data flows
    values *= in[d];            // fits: every layer's output and every Input is checked to be indexable
  }
  int64_t known = 1;
  int inferred = -1;
  for (int i = 0; i < target.rank(); ++i) {
    if (target[i] == -1) {
      inferred = i;
    } else {
      const std::optional<int64_t> product = checked_mul(known, target[i]);
      FOVEA_CHECK(product.has_value(), ShapeError, describe(), ": target shape ", target.to_string(),
                  " has more elements than fovea can index (at most ", std::numeric_limits<int64_t>::max(), ")");
      known = *product;
    }
  }
  if (inferred >= 0) {
    FOVEA_CHECK(values % known == 0, ShapeError, describe(), " cannot reshape an input of shape ", in.to_string(true),
                " (", values, " values per sample) to target shape ", target.to_string(), ": ", values,
                " is not a multiple of ", known);
    out[inferred + 1] = values / known;
  } else {
    FOVEA_CHECK(values == known, ShapeError, describe(), " cannot reshape an input of shape ", in.to_string(true), " (",
                values, " values per sample) to target shape ", target.to_string(), " (", known, " values)");
  }
  return out;
}

Tensor ReshapeImpl::call(const std::vector<Tensor>& inputs, bool) {
  const Tensor& x = inputs[0];
  Shape shape{x.dim(0)};
  for (int64_t d : options_.target_shape) shape.push_back(d);
  return reshape(x, shape);
}

nlohmann::json ReshapeImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["target_shape"] = dims_to_json(options_.target_shape);
  return c;
}

Layer ReshapeImpl::from_config(const ConfigReader& c) {
  const Dims target = c.int_tuple("target_shape");
  return construct_at(c, [&] { return Reshape({.target_shape = Shape(target)}); });
}

Layer Reshape(const ReshapeOptions& options) { return make_layer<ReshapeImpl>(options); }

// ---- Permute ----

PermuteImpl::PermuteImpl(const PermuteOptions& options) : options_(options) {
  set_name(options.name);
  const Dims& dims = options.dims;
  const int n = dims.size();
  bool valid = n >= 1 && n < Shape::capacity();
  Dims seen = Dims::filled(n + 1, 0);
  for (int i = 0; i < n && valid; ++i) {
    valid = dims[i] >= 1 && dims[i] <= n && seen[dims[i]] == 0;
    if (valid) seen[dims[i]] = 1;
  }
  FOVEA_CHECK(valid, ValueError, "Permute: dims must be a permutation of the axes 1..", n,
              " (1-based; the batch axis 0 stays first), got ", dims_text(dims));
}

Shape PermuteImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  const Shape& in = inputs[0];
  const int n = options_.dims.size();
  FOVEA_CHECK(in.rank() == n + 1, ShapeError, describe(), " with dims ", dims_text(options_.dims), " expects a rank-",
              n + 1, " input but got ", in.to_string(true));
  Shape out{in[0]};
  for (int64_t d : options_.dims) out.push_back(in[d]);
  return out;
}

Tensor PermuteImpl::call(const std::vector<Tensor>& inputs, bool) {
  Dims perm{0};
  for (int64_t d : options_.dims) perm.push_back(d);
  return permute(inputs[0], perm);
}

nlohmann::json PermuteImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["dims"] = dims_to_json(options_.dims);
  return c;
}

Layer PermuteImpl::from_config(const ConfigReader& c) {
  const Dims dims = c.int_tuple("dims");
  return construct_at(c, [&] { return Permute({.dims = dims}); });
}

Layer Permute(const PermuteOptions& options) { return make_layer<PermuteImpl>(options); }

// ---- SpatialSides ----

SpatialSides::SpatialSides(int64_t all) : form_(Form::all), values_{all} {}

SpatialSides::SpatialSides(std::initializer_list<int64_t> per_axis) : form_(Form::per_axis), values_(per_axis) {}

SpatialSides::SpatialSides(std::initializer_list<std::pair<int64_t, int64_t>> pairs)
    : SpatialSides(std::vector<std::pair<int64_t, int64_t>>(pairs)) {}

SpatialSides::SpatialSides(std::vector<std::pair<int64_t, int64_t>> pairs) : form_(Form::pairs) {
  for (const auto& [begin, end] : pairs) {
    values_.push_back(begin);
    values_.push_back(end);
  }
}

std::vector<std::pair<int64_t, int64_t>> SpatialSides::resolve(int n, const std::string& what) const {
  std::vector<std::pair<int64_t, int64_t>> out;
  const int count = static_cast<int>(values_.size());
  if (form_ == Form::all) {
    out.assign(n, {values_[0], values_[0]});
  } else if (form_ == Form::per_axis && n == 1 && count == 2) {
    out.push_back({values_[0], values_[1]});  // Keras's 1-D (begin, end)
  } else if (form_ == Form::per_axis && count == n) {
    for (int64_t v : values_) out.push_back({v, v});
  } else if (form_ == Form::pairs && count == 2 * n) {
    for (int i = 0; i < n; ++i) out.push_back({values_[2 * i], values_[2 * i + 1]});
  } else {
    std::string got = form_ == Form::pairs ? std::to_string(count / 2) + " (begin, end) pairs"
                                           : std::to_string(count) + " ints " + list_to_string(values_);
    const std::string forms =
        n == 1 ? "an int or 2 ints (begin, end)" : detail::concat("an int, ", n, " ints or ", n, " (begin, end) pairs");
    throw ValueError(detail::concat(what, " must be ", forms, ", got ", got));
  }
  for (int64_t v : values_) {
    FOVEA_CHECK(v >= 0, ValueError, what, " amounts must be non-negative, got ", list_to_string(values_));
  }
  return out;
}

// ---- ZeroPadding / Cropping ----

SpatialPadImpl::SpatialPadImpl(int spatial_rank, bool crop, const SpatialSides& sides, DataFormat data_format)
    : spatial_rank_(spatial_rank), crop_(crop), data_format_(data_format) {
  sides_ = sides.resolve(spatial_rank, class_name() + (crop ? ": cropping" : ": padding"));
}

std::string SpatialPadImpl::class_name() const {
  return (crop_ ? "Cropping" : "ZeroPadding") + std::to_string(spatial_rank_) + "D";
}

Shape SpatialPadImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  static const char* const kLast[] = {"", "(None, steps, features)", "(None, rows, cols, channels)",
                                      "(None, dim1, dim2, dim3, channels)"};
  static const char* const kFirst[] = {"", "(None, features, steps)", "(None, channels, rows, cols)",
                                       "(None, channels, dim1, dim2, dim3)"};
  const bool last = data_format_ == DataFormat::channels_last;
  expect_rank(inputs, spatial_rank_ + 2, last ? kLast[spatial_rank_] : kFirst[spatial_rank_]);
  const Shape& in = inputs[0];
  Shape out = in;
  const int first = last ? 1 : 2;
  for (int i = 0; i < spatial_rank_; ++i) {
    const int64_t size = in[first + i];
    if (size < 0) continue;
    const auto [begin, end] = sides_[i];
    int64_t sides = 0, padded = 0;  // checked: the sides come from configs
    const bool fits = !__builtin_add_overflow(begin, end, &sides);
    if (crop_) {
      FOVEA_CHECK(fits && sides < size, ShapeError, describe(), ": cropping (", begin, ", ", end,
                  ") leaves nothing of the ", size, " positions of spatial axis ", i + 1, " in input shape ",
                  in.to_string(true));
      out[first + i] = size - sides;
    } else {
      FOVEA_CHECK(fits && !__builtin_add_overflow(size, sides, &padded), ShapeError, describe(), ": padding (", begin,
                  ", ", end, ") of the ", size, " positions of spatial axis ", i + 1,
                  " gives more positions than fovea can index");
      out[first + i] = padded;
    }
  }
  return out;
}

Tensor SpatialPadImpl::call(const std::vector<Tensor>& inputs, bool) {
  const Tensor& x = inputs[0];
  PadArgs args{Dims::filled(x.rank(), 0), Dims::filled(x.rank(), 0)};
  const int first = data_format_ == DataFormat::channels_last ? 1 : 2;
  const int64_t sign = crop_ ? -1 : 1;
  for (int i = 0; i < spatial_rank_; ++i) {
    args.begin[first + i] = sign * sides_[i].first;
    args.end[first + i] = sign * sides_[i].second;
  }
  return pad(x, args);
}

nlohmann::json SpatialPadImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  nlohmann::json sides = nlohmann::json::array();
  for (const auto& [begin, end] : sides_) sides.push_back({begin, end});
  c[crop_ ? "cropping" : "padding"] = spatial_rank_ == 1 ? sides[0] : sides;
  // Keras's Cropping1D has no data_format argument: write it only when it is not the default.
  if (!(crop_ && spatial_rank_ == 1) || data_format_ != DataFormat::channels_last) {
    c["data_format"] = data_format_name(data_format_);
  }
  return c;
}

namespace {

// Reads Keras's padding/cropping forms: an int, a list of ints, or a list of [begin, end] lists.
SpatialSides sides_from_config(const ConfigReader& c, const std::string& key, const SpatialSides& fallback) {
  const nlohmann::json* v = c.raw(key);
  if (!v) return fallback;
  const std::string expected = "an integer, a list of integers or a list of [begin, end] pairs";
  if (v->is_number_integer()) return SpatialSides(v->get<int64_t>());
  if (!v->is_array() || v->empty() || v->size() > 3) c.fail(key, expected);
  if ((*v)[0].is_number_integer()) {
    for (const auto& e : *v) {
      if (!e.is_number_integer()) c.fail(key, expected);
    }
    if (v->size() == 1) return SpatialSides{(*v)[0].get<int64_t>()};
    if (v->size() == 2) return SpatialSides{(*v)[0].get<int64_t>(), (*v)[1].get<int64_t>()};
    return SpatialSides{(*v)[0].get<int64_t>(), (*v)[1].get<int64_t>(), (*v)[2].get<int64_t>()};
  }
  std::vector<std::pair<int64_t, int64_t>> pairs;
  for (const auto& e : *v) {
    if (!e.is_array() || e.size() != 2 || !e[0].is_number_integer() || !e[1].is_number_integer()) {
      c.fail(key, expected);
    }
    pairs.push_back({e[0].get<int64_t>(), e[1].get<int64_t>()});
  }
  return SpatialSides(pairs);
}

Layer pad_from_config(const ConfigReader& c, int spatial_rank, bool crop, const SpatialSides& fallback) {
  const SpatialSides sides = sides_from_config(c, crop ? "cropping" : "padding", fallback);
  const DataFormat format = c.data_format("data_format");
  return construct_at(c, [&] { return make_layer<SpatialPadImpl>(spatial_rank, crop, sides, format); });
}

Layer make_pad(int spatial_rank, bool crop, const SpatialSides& sides, DataFormat format, const std::string& name) {
  Layer layer = make_layer<SpatialPadImpl>(spatial_rank, crop, sides, format);
  layer->set_name(name);
  return layer;
}

}  // namespace

Layer ZeroPadding1D(const ZeroPaddingOptions& o) { return make_pad(1, false, o.padding, o.data_format, o.name); }
Layer ZeroPadding2D(const ZeroPaddingOptions& o) { return make_pad(2, false, o.padding, o.data_format, o.name); }
Layer ZeroPadding3D(const ZeroPaddingOptions& o) { return make_pad(3, false, o.padding, o.data_format, o.name); }
Layer Cropping1D(const Cropping1DOptions& o) { return make_pad(1, true, o.cropping, o.data_format, o.name); }
Layer Cropping2D(const Cropping2DOptions& o) { return make_pad(2, true, o.cropping, o.data_format, o.name); }
Layer Cropping3D(const Cropping3DOptions& o) { return make_pad(3, true, o.cropping, o.data_format, o.name); }

Layer zero_padding1d_from_config(const ConfigReader& c) { return pad_from_config(c, 1, false, 1); }
Layer zero_padding2d_from_config(const ConfigReader& c) { return pad_from_config(c, 2, false, 1); }
Layer zero_padding3d_from_config(const ConfigReader& c) { return pad_from_config(c, 3, false, 1); }
Layer cropping1d_from_config(const ConfigReader& c) { return pad_from_config(c, 1, true, 1); }
Layer cropping2d_from_config(const ConfigReader& c) { return pad_from_config(c, 2, true, 0); }
Layer cropping3d_from_config(const ConfigReader& c) { return pad_from_config(c, 3, true, 1); }

}  // namespace fovea
