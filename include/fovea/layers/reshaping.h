// Layers that move data without arithmetic: Flatten, Reshape, Permute, ZeroPadding1D/2D/3D and Cropping1D/2D/3D.
// They have no weights; each maps straight onto a shape op (flatten, reshape, permute, pad).
#pragma once

#include <initializer_list>
#include <optional>
#include <utility>
#include <vector>

#include "fovea/layers/layer.h"

namespace fovea {

class ConfigReader;

// ---- Flatten ----

struct FlattenOptions {
  // channels_first inputs are flattened after moving the channels last, so that a channels_first model and a
  // channels_last one feed a following Dense with the same feature order (Keras does the same).
  DataFormatOption data_format = DataFormat::channels_last;
  std::string name{};
};

class FlattenImpl : public LayerImpl {
 public:
  explicit FlattenImpl(const FlattenOptions& options);
  std::string class_name() const override { return "Flatten"; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  static Layer from_config(const class ConfigReader& config);

 private:
  FlattenOptions options_;
};

// Flatten(): (None, 12, 12, 64) -> (None, 9216).
Layer Flatten(const FlattenOptions& options = {});

// ---- Reshape ----

struct ReshapeOptions {
  Shape target_shape{};  // without the batch dimension; one entry may be -1 (inferred)
  std::string name{};
};

class ReshapeImpl : public LayerImpl {
 public:
  // Throws ValueError when target_shape is empty, has a zero or negative entry other than one -1.
  explicit ReshapeImpl(const ReshapeOptions& options);
  std::string class_name() const override { return "Reshape"; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  static Layer from_config(const class ConfigReader& config);

 private:
  ReshapeOptions options_;
};

// Reshape({.target_shape = {7, 7, 64}}).
Layer Reshape(const ReshapeOptions& options);

// ---- Permute ----

struct PermuteOptions {
  Dims dims{};  // Keras's 1-based axes (the batch axis 0 stays first): {2, 1} swaps the two non-batch axes
  std::string name{};
};

class PermuteImpl : public LayerImpl {
 public:
  // Throws ValueError unless dims is a permutation of 1..dims.size().
  explicit PermuteImpl(const PermuteOptions& options);
  std::string class_name() const override { return "Permute"; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  static Layer from_config(const class ConfigReader& config);

 private:
  PermuteOptions options_;
};

Layer Permute(const PermuteOptions& options);

// ---- ZeroPadding and Cropping ----

// Keras's padding / cropping argument in any of its forms: one int (every side of every spatial axis), one int per
// spatial axis (both sides of it), or one (begin, end) pair per spatial axis. For the 1-D layers two ints are
// (begin, end), as in Keras.
//   ZeroPadding2D({.padding = 1});  ZeroPadding2D({.padding = {1, 2}});  ZeroPadding2D({.padding = {{1, 0}, {2, 2}}});
class SpatialSides {
 public:
  SpatialSides(int64_t all);                                               // NOLINT(google-explicit-constructor)
  SpatialSides(std::initializer_list<int64_t> per_axis);                   // NOLINT(google-explicit-constructor)
  SpatialSides(std::initializer_list<std::pair<int64_t, int64_t>> pairs);  // NOLINT(google-explicit-constructor)
  explicit SpatialSides(std::vector<std::pair<int64_t, int64_t>> pairs);

  // The (begin, end) amounts of each of n spatial axes. Throws ValueError, prefixed by `what` ("ZeroPadding2D:
  // padding"), when the form does not fit n axes or an amount is negative.
  std::vector<std::pair<int64_t, int64_t>> resolve(int n, const std::string& what) const;

 private:
  enum class Form { all, per_axis, pairs };
  Form form_;
  std::vector<int64_t> values_;  // all: 1 value; per_axis: n; pairs: 2n (begin, end, begin, end, ...)
};

struct ZeroPaddingOptions {
  SpatialSides padding = 1;
  DataFormatOption data_format = DataFormat::channels_last;
  std::string name{};
};

struct Cropping1DOptions {
  SpatialSides cropping = 1;
  DataFormatOption data_format = DataFormat::channels_last;
  std::string name{};
};
struct Cropping2DOptions {
  SpatialSides cropping = 0;
  DataFormatOption data_format = DataFormat::channels_last;
  std::string name{};
};
struct Cropping3DOptions {
  SpatialSides cropping = 1;
  DataFormatOption data_format = DataFormat::channels_last;
  std::string name{};
};

// ZeroPadding{1,2,3}D (crop = false) and Cropping{1,2,3}D (crop = true): add zeros around, or remove positions
// from, each spatial axis.
class SpatialPadImpl : public LayerImpl {
 public:
  // spatial_rank: 1, 2 or 3. Throws ValueError when sides does not fit that many axes.
  SpatialPadImpl(int spatial_rank, bool crop, const SpatialSides& sides, DataFormat data_format);
  std::string class_name() const override;
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  const std::vector<std::pair<int64_t, int64_t>>& sides() const { return sides_; }
  DataFormat data_format() const { return data_format_; }

 private:
  int spatial_rank_;
  bool crop_;
  std::vector<std::pair<int64_t, int64_t>> sides_;
  DataFormat data_format_;
};

Layer ZeroPadding1D(const ZeroPaddingOptions& options = {});
Layer ZeroPadding2D(const ZeroPaddingOptions& options = {});
Layer ZeroPadding3D(const ZeroPaddingOptions& options = {});
Layer Cropping1D(const Cropping1DOptions& options = {});
Layer Cropping2D(const Cropping2DOptions& options = {});
Layer Cropping3D(const Cropping3DOptions& options = {});

// Config readers for the registry (one per Keras class name).
Layer zero_padding1d_from_config(const ConfigReader& config);
Layer zero_padding2d_from_config(const ConfigReader& config);
Layer zero_padding3d_from_config(const ConfigReader& config);
Layer cropping1d_from_config(const ConfigReader& config);
Layer cropping2d_from_config(const ConfigReader& config);
Layer cropping3d_from_config(const ConfigReader& config);

}  // namespace fovea
