// The importer's state while it walks an ONNX graph: what each ONNX value is (a constant known at import time or a
// symbolic tensor of the fovea model being built) and the helpers converters use to read a node and emit layers.
#pragma once

#include <onnx/onnx_pb.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/error.h"
#include "fovea/layers/layer.h"

namespace fovea::onnx_detail {

// One ONNX value.
struct ImportedValue {
  SymbolicTensor symbolic;  // a run-time value: an output of the model's graph
  Tensor constant;          // a value known at import time (initializer, Constant, bound input, folded)
  // For integer constants computed from shapes (Shape -> Gather -> Concat ...): 1 where the element is the batch
  // size, which is only known at run time (the value there is a placeholder). Undefined when no element is.
  Tensor batch_mask;
  DType dtype = DType::f32;
  bool trainable = false;  // a float initializer: becomes a trainable weight of the layer that uses it

  bool is_constant() const { return constant.defined(); }
  Shape shape() const { return is_constant() ? constant.shape() : symbolic.shape(); }
  bool is_float() const { return dtype == DType::f32 || dtype == DType::f64; }
};

class ImportContext;

// One node being converted: its inputs, attributes and outputs.
class NodeContext {
 public:
  NodeContext(ImportContext& import, const onnx::NodeProto& node, int index);

  const onnx::NodeProto& node() const { return node_; }
  const std::string& op() const { return node_.op_type(); }
  int opset() const;
  // "node 3 ('conv1', Conv)" for errors.
  std::string describe() const;
  [[noreturn]] void fail(const std::string& message) const;

  // Inputs (null for an absent optional input).
  int input_count() const { return node_.input_size(); }
  const ImportedValue* input(int i) const;
  const ImportedValue& required(int i) const;
  // The input as a constant tensor (ValueError naming the node and the slot when it is a run-time value).
  const Tensor& constant_input(int i, const char* what) const;
  // An int list from input i when present (a constant), else from attribute name, else fallback.
  std::optional<std::vector<int64_t>> ints(int input_index, const char* attribute) const;
  // A number from input i (a one-element constant) or an attribute.
  std::optional<double> number(int input_index, const char* attribute) const;

  // Attributes.
  bool has(const char* name) const;
  int64_t attr_int(const char* name, int64_t fallback) const;
  double attr_float(const char* name, double fallback) const;
  std::string attr_string(const char* name, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const char* name, std::vector<int64_t> fallback = {}) const;
  const onnx::AttributeProto* attribute(const char* name) const;
  // Every int, float, string and list attribute as JSON.
  nlohmann::json attributes_json() const;

  // Outputs.
  int output_count() const { return node_.output_size(); }
  bool output_used(int i) const { return i < node_.output_size() && !node_.output(i).empty(); }
  void set_output(int i, ImportedValue value);
  void set_output(int i, const SymbolicTensor& symbolic, DType dtype);

  // Emits an OnnxLayerImpl running kernel op on operands (null = absent); constant float operands become its
  // weights (named by weight_names where given). When every operand is a constant the kernel runs now instead
  // (constant folding, batch masks included). Returns the result.
  ImportedValue emit_onnx(const std::string& op, const nlohmann::json& attributes,
                          const std::vector<const ImportedValue*>& operands,
                          const std::vector<std::string>& weight_names = {});
  // Applies a Keras layer to run-time inputs; weights (when given) replace the built layer's.
  ImportedValue emit_layer(const Layer& layer, const std::vector<const ImportedValue*>& inputs,
                           const std::vector<Tensor>& weights = {});
  // The symbolic tensor for a value (a constant becomes an OnnxConstant layer's output).
  SymbolicTensor symbolic(const ImportedValue& value);

 private:
  ImportContext& import_;
  const onnx::NodeProto& node_;
  int index_;
};

class ImportContext {
 public:
  std::map<std::string, ImportedValue> values;
  std::vector<SymbolicTensor> inputs;  // the model's inputs, in graph order
  int opset = 13;
  // The symbolic tensor a constant's layer is applied to, so it joins the graph (the first model input).
  SymbolicTensor anchor() const;
};

using Converter = std::function<void(NodeContext&)>;
// The converters of each supported operator (import_*.cpp).
const std::map<std::string, Converter>& converters();
void add_nn_converters(std::map<std::string, Converter>& table);
void add_tensor_converters(std::map<std::string, Converter>& table);

}  // namespace fovea::onnx_detail
