// OnnxLayerImpl: one ONNX node (or one output of it) that no Keras layer expresses exactly: a Reshape that moves
// the batch axis, a convolution with asymmetric pads, arithmetic with a constant, a weight that arrives at run
// time. It keeps the node's operator and resolved attributes in its config ("OnnxConv", {"attributes": ...}),
// and the node's constant float operands as weights, so imported models save, load and train like any other.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fovea/layers/layer.h"
#include "fovea/layers/layer_config.h"

namespace fovea::onnx_detail {

// Where one ONNX input of the node comes from: a layer input (call() argument number input), a weight of the
// layer, an integer constant kept exactly in the config (value), or nothing (an absent optional input).
struct OnnxOperand {
  enum class Kind { input, weight, constant, absent } kind = Kind::absent;
  int input = 0;
  std::string weight;  // the weight's name ("W", "B", "slope")
  Shape shape;         // the weight's shape
  bool trainable = true;
  Tensor value;  // Kind::constant
};

class OnnxLayerImpl : public LayerImpl {
 public:
  // op: a kernel of onnx_kernels.h ("Conv", "Reshape", "Binary"); attributes: its resolved attributes.
  OnnxLayerImpl(std::string op, nlohmann::json attributes, std::vector<OnnxOperand> operands);
  std::string class_name() const override { return "Onnx" + op_; }
  int min_inputs() const override { return inputs_; }
  int max_inputs() const override { return inputs_; }
  // Found by running the kernel on zeros of the input shapes (twice for a free batch size, to see which output
  // dimensions follow it): the kernels are the only statement of each operator's shape rule.
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  void build(const std::vector<Shape>& inputs) override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  // Integer (and float64) tensors reach the kernels as they are: each operator has ONNX's own dtype rules.
  bool accepts_integer_input() const override { return true; }
  nlohmann::json config() const override;
  const std::string& op() const { return op_; }
  const nlohmann::json& attributes() const { return attributes_; }
  // Sets weight name's value (after build); the importer's way to give constants their values.
  void set_weight_value(const std::string& name, const Tensor& value);
  static Layer from_config(const ConfigReader& config);

 private:
  Tensor run(const std::vector<Tensor>& inputs, const std::vector<Tensor>& weights, bool training) const;
  std::string op_;
  nlohmann::json attributes_;
  std::vector<OnnxOperand> operands_;
  int inputs_ = 0;
};

}  // namespace fovea::onnx_detail
