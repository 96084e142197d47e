// Pooling layers with Keras's names, arguments and defaults: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D,
// L2Pooling1D/2D/3D (L2-norm pooling, sqrt of the sum of squares over the window; not in Keras, named in its
// style) and GlobalMaxPooling / GlobalAveragePooling 1D/2D/3D. None of them has weights.
//
//   Layer p = MaxPooling2D();  // pool_size 2, strides 2: (None, 24, 24, 64) -> (None, 12, 12, 64)
#pragma once

#include "fovea/layers/layer.h"
#include "fovea/ops/pool.h"

namespace fovea {

// Keras's pooling arguments. pool_size and strides hold one value (every spatial dimension) or one per spatial
// dimension; empty strides mean pool_size. padding: 'valid' or 'same' ('same' pads with values that never win a
// max and are left out of averages, as in Keras).
struct PoolingOptions {
  Dims pool_size = {2};
  Dims strides{};
  PaddingOption padding = Padding::valid;
  DataFormatOption data_format = DataFormat::channels_last;
  std::string name{};
};

// Max, average and L2 pooling in 1-3 spatial dimensions (kind: PoolKind::max, average or l2).
class PoolingImpl : public LayerImpl {
 public:
  // Throws ValueError "MaxPooling2D: ..." for invalid options.
  PoolingImpl(PoolKind kind, int rank, const PoolingOptions& options);
  std::string class_name() const override;
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  // Pooling does no multiply-accumulates: macs() stays 0.
  SpatialWindow spatial_window() const override { return {options_.pool_size, options_.strides}; }
  PoolKind kind() const { return kind_; }
  int rank() const { return rank_; }
  // The options with pool_size and strides expanded to one value per spatial dimension.
  const PoolingOptions& options() const { return options_; }
  template <PoolKind Kind, int Rank>
  static Layer from_config(const class ConfigReader& config);

 private:
  PoolKind kind_;
  int rank_;
  PoolingOptions options_;
};

Layer MaxPooling1D(const PoolingOptions& options = {});
Layer MaxPooling2D(const PoolingOptions& options = {});
Layer MaxPooling3D(const PoolingOptions& options = {});
Layer AveragePooling1D(const PoolingOptions& options = {});
Layer AveragePooling2D(const PoolingOptions& options = {});
Layer AveragePooling3D(const PoolingOptions& options = {});
Layer L2Pooling1D(const PoolingOptions& options = {});
Layer L2Pooling2D(const PoolingOptions& options = {});
Layer L2Pooling3D(const PoolingOptions& options = {});

// Keras's global pooling arguments: keepdims keeps the spatial axes with size 1.
struct GlobalPoolingOptions {
  DataFormatOption data_format = DataFormat::channels_last;
  bool keepdims = false;
  std::string name{};
};

// Max or average over all spatial positions: (None, channels), or with keepdims (None, 1..., channels).
class GlobalPoolingImpl : public LayerImpl {
 public:
  GlobalPoolingImpl(PoolKind kind, int rank, const GlobalPoolingOptions& options);
  std::string class_name() const override;
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  PoolKind kind() const { return kind_; }
  int rank() const { return rank_; }
  const GlobalPoolingOptions& options() const { return options_; }
  template <PoolKind Kind, int Rank>
  static Layer from_config(const class ConfigReader& config);

 private:
  PoolKind kind_;
  int rank_;
  GlobalPoolingOptions options_;
};

Layer GlobalMaxPooling1D(const GlobalPoolingOptions& options = {});
Layer GlobalMaxPooling2D(const GlobalPoolingOptions& options = {});
Layer GlobalMaxPooling3D(const GlobalPoolingOptions& options = {});
Layer GlobalAveragePooling1D(const GlobalPoolingOptions& options = {});
Layer GlobalAveragePooling2D(const GlobalPoolingOptions& options = {});
Layer GlobalAveragePooling3D(const GlobalPoolingOptions& options = {});

}  // namespace fovea
