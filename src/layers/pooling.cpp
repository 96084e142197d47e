// The pooling layers: windowed max/average/L2 pooling and global max/average pooling.
#include "fovea/layers/pooling.h"

#include <nlohmann/json.hpp>

#include "fovea/core/error.h"
#include "layers/conv_util.h"
#include "fovea/layers/layer_config.h"
#include "ops/conv_geometry.h"

namespace fovea {
namespace {

std::string kind_prefix(PoolKind kind) {
  switch (kind) {
    case PoolKind::max:
      return "Max";
    case PoolKind::average:
      return "Average";
    case PoolKind::l2:
      return "L2";
    case PoolKind::sum:
      break;
  }
  return "Sum";
}

std::string rank_suffix(int rank) { return std::to_string(rank) + "D"; }

void check_rank(int rank, std::string_view what) {
  FOVEA_CHECK(rank >= 1 && rank <= 3, ValueError, what, ": rank must be 1, 2 or 3, got ", rank);
}

}  // namespace

PoolingImpl::PoolingImpl(PoolKind kind, int rank, const PoolingOptions& options)
    : kind_(kind), rank_(rank), options_(options) {
  set_name(options.name);
  check_rank(rank, "Pooling");
  FOVEA_CHECK(kind != PoolKind::sum, ValueError,
              "Pooling: kind must be max, average or l2 (there is no Keras "
              "sum-pooling layer)");
  const std::string cls = class_name();
  const Dims strides = options.strides.empty() ? options.pool_size : options.strides;
  const layer_detail::Window w = layer_detail::resolve_window(cls, rank, options.pool_size, strides, {}, "pool_size");
  options_.pool_size = w.kernel_size;
  options_.strides = w.strides;
  layer_detail::check_padding(cls, options.padding, {Padding::valid, Padding::same});
}

std::string PoolingImpl::class_name() const { return kind_prefix(kind_) + "Pooling" + rank_suffix(rank_); }

Shape PoolingImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  expect_rank(inputs, rank_ + 2, layer_detail::image_form(rank_, options_.data_format));
  const Shape& in = inputs[0];
  const layer_detail::Window w{options_.pool_size, options_.strides, Dims::filled(rank_, 1)};
  const Dims out =
      layer_detail::window_output_sizes(in, options_.data_format, w, options_.padding, describe(), "pool window");
  return detail::image_shape(in[0], detail::channels_of(in, options_.data_format), out, options_.data_format);
}

Tensor PoolingImpl::call(const std::vector<Tensor>& inputs, bool) {
  return pool(inputs[0], {.kind = kind_,
                          .pool_size = options_.pool_size,
                          .strides = options_.strides,
                          .padding = options_.padding,
                          .count_include_pad = false,
                          .layout = options_.data_format});
}

nlohmann::json PoolingImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["pool_size"] = dims_to_json(options_.pool_size);
  c["strides"] = dims_to_json(options_.strides);
  c["padding"] = padding_name(options_.padding);
  c["data_format"] = data_format_name(options_.data_format);
  return c;
}

template <PoolKind Kind, int Rank>
Layer PoolingImpl::from_config(const ConfigReader& c) {
  PoolingOptions o;
  o.pool_size = c.int_tuple("pool_size", o.pool_size);
  o.strides = c.int_tuple("strides", Dims{});
  o.padding = c.padding("padding");
  o.data_format = c.data_format("data_format");
  return layer_detail::with_config_place(c, [&] { return make_layer<PoolingImpl>(Kind, Rank, o); });
}

template Layer PoolingImpl::from_config<PoolKind::max, 1>(const ConfigReader&);
template Layer PoolingImpl::from_config<PoolKind::max, 2>(const ConfigReader&);
template Layer PoolingImpl::from_config<PoolKind::max, 3>(const ConfigReader&);
template Layer PoolingImpl::from_config<PoolKind::average, 1>(const ConfigReader&);
template Layer PoolingImpl::from_config<PoolKind::average, 2>(const ConfigReader&);
template Layer PoolingImpl::from_config<PoolKind::average, 3>(const ConfigReader&);
template Layer PoolingImpl::from_config<PoolKind::l2, 1>(const ConfigReader&);
template Layer PoolingImpl::from_config<PoolKind::l2, 2>(const ConfigReader&);
template Layer PoolingImpl::from_config<PoolKind::l2, 3>(const ConfigReader&);

Layer MaxPooling1D(const PoolingOptions& o) { return make_layer<PoolingImpl>(PoolKind::max, 1, o); }
Layer MaxPooling2D(const PoolingOptions& o) { return make_layer<PoolingImpl>(PoolKind::max, 2, o); }
Layer MaxPooling3D(const PoolingOptions& o) { return make_layer<PoolingImpl>(PoolKind::max, 3, o); }
Layer AveragePooling1D(const PoolingOptions& o) { return make_layer<PoolingImpl>(PoolKind::average, 1, o); }
Layer AveragePooling2D(const PoolingOptions& o) { return make_layer<PoolingImpl>(PoolKind::average, 2, o); }
Layer AveragePooling3D(const PoolingOptions& o) { return make_layer<PoolingImpl>(PoolKind::average, 3, o); }
Layer L2Pooling1D(const PoolingOptions& o) { return make_layer<PoolingImpl>(PoolKind::l2, 1, o); }
Layer L2Pooling2D(const PoolingOptions& o) { return make_layer<PoolingImpl>(PoolKind::l2, 2, o); }
Layer L2Pooling3D(const PoolingOptions& o) { return make_layer<PoolingImpl>(PoolKind::l2, 3, o); }

GlobalPoolingImpl::GlobalPoolingImpl(PoolKind kind, int rank, const GlobalPoolingOptions& options)
    : kind_(kind), rank_(rank), options_(options) {
  set_name(options.name);
  check_rank(rank, "GlobalPooling");
  FOVEA_CHECK(kind == PoolKind::max || kind == PoolKind::average, ValueError,
              "GlobalPooling: kind must be max or average");
}

std::string GlobalPoolingImpl::class_name() const {
  return "Global" + kind_prefix(kind_) + "Pooling" + rank_suffix(rank_);
}

Shape GlobalPoolingImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  expect_rank(inputs, rank_ + 2, layer_detail::image_form(rank_, options_.data_format));
  const Shape& in = inputs[0];
  const int64_t channels = detail::channels_of(in, options_.data_format);
  if (!options_.keepdims) return Shape{in[0], channels};
  return detail::image_shape(in[0], channels, Dims::filled(rank_, 1), options_.data_format);
}

Tensor GlobalPoolingImpl::call(const std::vector<Tensor>& inputs, bool) {
  return global_pool(inputs[0], kind_, options_.data_format, options_.keepdims);
}

nlohmann::json GlobalPoolingImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["data_format"] = data_format_name(options_.data_format);
  c["keepdims"] = options_.keepdims;
  return c;
}

template <PoolKind Kind, int Rank>
Layer GlobalPoolingImpl::from_config(const ConfigReader& c) {
  GlobalPoolingOptions o;
  o.data_format = c.data_format("data_format");
  o.keepdims = c.boolean("keepdims", false);
  return make_layer<GlobalPoolingImpl>(Kind, Rank, o);
}

template Layer GlobalPoolingImpl::from_config<PoolKind::max, 1>(const ConfigReader&);
template Layer GlobalPoolingImpl::from_config<PoolKind::max, 2>(const ConfigReader&);
template Layer GlobalPoolingImpl::from_config<PoolKind::max, 3>(const ConfigReader&);
template Layer GlobalPoolingImpl::from_config<PoolKind::average, 1>(const ConfigReader&);
template Layer GlobalPoolingImpl::from_config<PoolKind::average, 2>(const ConfigReader&);
template Layer GlobalPoolingImpl::from_config<PoolKind::average, 3>(const ConfigReader&);

Layer GlobalMaxPooling1D(const GlobalPoolingOptions& o) { return make_layer<GlobalPoolingImpl>(PoolKind::max, 1, o); }
Layer GlobalMaxPooling2D(const GlobalPoolingOptions& o) { return make_layer<GlobalPoolingImpl>(PoolKind::max, 2, o); }
Layer GlobalMaxPooling3D(const GlobalPoolingOptions& o) { return make_layer<GlobalPoolingImpl>(PoolKind::max, 3, o); }
Layer GlobalAveragePooling1D(const GlobalPoolingOptions& o) {
  return make_layer<GlobalPoolingImpl>(PoolKind::average, 1, o);
}
Layer GlobalAveragePooling2D(const GlobalPoolingOptions& o) {
  return make_layer<GlobalPoolingImpl>(PoolKind::average, 2, o);
}
Layer GlobalAveragePooling3D(const GlobalPoolingOptions& o) {
  return make_layer<GlobalPoolingImpl>(PoolKind::average, 3, o);
}

}  // namespace fovea
