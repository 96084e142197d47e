// InputLayer: the layer behind Input(); it holds the shape of the data a model takes and passes it through.
#pragma once

#include "fovea/layers/layer.h"

namespace fovea {

class InputLayerImpl : public LayerImpl {
 public:
  // shape excludes the batch dimension; batch_size fixes it (-1: any batch size).
  explicit InputLayerImpl(const Shape& shape, int64_t batch_size = -1);
  std::string class_name() const override { return "InputLayer"; }
  int min_inputs() const override { return 0; }
  int max_inputs() const override { return 0; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  const Shape& batch_shape() const { return batch_shape_; }
  static Layer from_config(const class ConfigReader& config);

 private:
  Shape batch_shape_;  // (batch_size, shape...), batch_size -1 when free
};

// The symbolic tensor an InputLayer produces: a graph node without inputs.
SymbolicTensor input_tensor(const Layer& input_layer);

}  // namespace fovea
