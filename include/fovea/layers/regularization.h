// Regularization layers: Dropout and SpatialDropout1D/2D/3D. They act only when called with training = true and
// have no weights.
#pragma once

#include <optional>

#include "fovea/core/rng.h"
#include "fovea/layers/layer.h"

namespace fovea {

class ConfigReader;

struct DropoutOptions {
  double rate = 0.5;  // fraction of the inputs to drop, in [0, 1); Keras makes it a required argument
  // Shape of the binary mask including the batch axis (-1 = the input's size, Keras's None); a 1 shares one mask
  // value along that axis. Unset: one mask value per element.
  std::optional<Shape> noise_shape{};
  std::optional<uint64_t> seed{};  // unset: draw from the default generator (fovea::manual_seed makes it repeatable)
  std::string name{};
};

class DropoutImpl : public LayerImpl {
 public:
  // Throws ValueError when rate is outside [0, 1) or noise_shape has an entry below -1 or 0.
  explicit DropoutImpl(const DropoutOptions& options);
  std::string class_name() const override { return "Dropout"; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  const DropoutOptions& options() const { return options_; }
  static Layer from_config(const ConfigReader& config);

 private:
  DropoutOptions options_;
  std::optional<Generator> generator_;
};

// Dropout({.rate = 0.25}).
Layer Dropout(const DropoutOptions& options = {});

struct SpatialDropoutOptions {
  double rate = 0.5;
  DataFormatOption data_format = DataFormat::channels_last;
  std::optional<uint64_t> seed{};
  std::string name{};
};

// SpatialDropout{1,2,3}D: drops whole feature maps (one mask value per sample and channel, shared over the spatial
// axes), which keeps dropout effective when neighbouring positions are strongly correlated.
class SpatialDropoutImpl : public LayerImpl {
 public:
  // spatial_rank: 1, 2 or 3. Throws ValueError when rate is outside [0, 1).
  SpatialDropoutImpl(int spatial_rank, const SpatialDropoutOptions& options);
  std::string class_name() const override;
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  const SpatialDropoutOptions& options() const { return options_; }

 private:
  int spatial_rank_;
  SpatialDropoutOptions options_;
  std::optional<Generator> generator_;
};

Layer SpatialDropout1D(const SpatialDropoutOptions& options = {});
Layer SpatialDropout2D(const SpatialDropoutOptions& options = {});
Layer SpatialDropout3D(const SpatialDropoutOptions& options = {});

// Config readers for the registry.
Layer spatial_dropout1d_from_config(const ConfigReader& config);
Layer spatial_dropout2d_from_config(const ConfigReader& config);
Layer spatial_dropout3d_from_config(const ConfigReader& config);

}  // namespace fovea
