// NodeContext: reading one ONNX node and emitting the layers that compute it.
#include "onnx/import_context.h"

#include "onnx/layers/onnx_kernels.h"
#include "onnx/layers/onnx_layer.h"
#include "onnx/proto_io.h"

namespace fovea::onnx_detail {
namespace {

// Kernels that only move elements (and so move the batch mask with them).
bool moves_elements(const std::string& op) {
  return op == "Gather" || op == "Unsqueeze" || op == "Squeeze" || op == "Concat" || op == "Cast" || op == "Slice" ||
         op == "Reshape" || op == "Flatten" || op == "Transpose";
}

}  // namespace

SymbolicTensor ImportContext::anchor() const {
  FOVEA_CHECK(!inputs.empty(), ValueError, "the graph has no run-time input (every input is bound or constant)");
  return inputs.front();
}

NodeContext::NodeContext(ImportContext& import, const onnx::NodeProto& node, int index)
    : import_(import), node_(node), index_(index) {}

int NodeContext::opset() const { return import_.opset; }

std::string NodeContext::describe() const {
  std::string name = node_.name().empty() ? "" : "'" + node_.name() + "', ";
  return "node " + std::to_string(index_) + " (" + name + node_.op_type() + ")";
}

void NodeContext::fail(const std::string& message) const { throw ValueError(describe() + ": " + message); }

const ImportedValue* NodeContext::input(int i) const {
  if (i >= node_.input_size() || node_.input(i).empty()) return nullptr;
  const auto it = import_.values.find(node_.input(i));
  if (it == import_.values.end()) fail("input '" + node_.input(i) + "' is not produced by any earlier node");
  return &it->second;
}

const ImportedValue& NodeContext::required(int i) const {
  const ImportedValue* v = input(i);
  if (!v) fail("input " + std::to_string(i) + " is required");
  return *v;
}

const Tensor& NodeContext::constant_input(int i, const char* what) const {
  const ImportedValue& v = required(i);
  if (!v.is_constant()) {
    fail(std::string("the ") + what + " (input " + std::to_string(i) + ", '" + node_.input(i) +
         "') must be known when importing; it is computed at run time");
  }
  if (v.batch_mask.defined()) {
    fail(std::string("the ") + what + " depends on the batch size, which is only known at run time");
  }
  return v.constant;
}

std::optional<std::vector<int64_t>> NodeContext::ints(int input_index, const char* attr) const {
  if (input_index >= 0 && input(input_index)) {
    std::vector<int64_t> out;
    for (double v : constant_input(input_index, attr).to_vector()) out.push_back(static_cast<int64_t>(v));
    return out;
  }
  if (has(attr)) return attr_ints(attr);
  return std::nullopt;
}

std::optional<double> NodeContext::number(int input_index, const char* attr) const {
  if (input_index >= 0 && input(input_index)) {
    const Tensor& t = constant_input(input_index, attr);
    if (t.numel() != 1) fail(std::string("the ") + attr + " must hold one number, got shape " + t.shape().to_string());
    return t.item();
  }
  if (has(attr)) return attr_float(attr, 0.0);
  return std::nullopt;
}

const onnx::AttributeProto* NodeContext::attribute(const char* name) const {
  for (const onnx::AttributeProto& a : node_.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

bool NodeContext::has(const char* name) const { return attribute(name) != nullptr; }

int64_t NodeContext::attr_int(const char* name, int64_t fallback) const {
  const onnx::AttributeProto* a = attribute(name);
  return a ? a->i() : fallback;
}

double NodeContext::attr_float(const char* name, double fallback) const {
  const onnx::AttributeProto* a = attribute(name);
  if (!a) return fallback;
  return a->type() == onnx::AttributeProto::INT ? static_cast<double>(a->i()) : a->f();
}

std::string NodeContext::attr_string(const char* name, const std::string& fallback) const {
  const onnx::AttributeProto* a = attribute(name);
  return a ? a->s() : fallback;
}

std::vector<int64_t> NodeContext::attr_ints(const char* name, std::vector<int64_t> fallback) const {
  const onnx::AttributeProto* a = attribute(name);
  if (!a) return fallback;
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

nlohmann::json NodeContext::attributes_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (const onnx::AttributeProto& a : node_.attribute()) {
    switch (a.type()) {
      case onnx::AttributeProto::INT:
        out[a.name()] = a.i();
        break;
      case onnx::AttributeProto::FLOAT:
        out[a.name()] = a.f();
        break;
      case onnx::AttributeProto::STRING:
        out[a.name()] = a.s();
        break;
      case onnx::AttributeProto::INTS:
        out[a.name()] = std::vector<int64_t>(a.ints().begin(), a.ints().end());
        break;
      case onnx::AttributeProto::FLOATS:
        out[a.name()] = std::vector<double>(a.floats().begin(), a.floats().end());
        break;
      default:
        break;
    }
  }
  return out;
}

void NodeContext::set_output(int i, ImportedValue value) {
  if (!output_used(i)) return;
  import_.values[node_.output(i)] = std::move(value);
}

void NodeContext::set_output(int i, const SymbolicTensor& symbolic, DType dtype) {
  ImportedValue v;
  v.symbolic = symbolic;
  v.dtype = dtype;
  set_output(i, std::move(v));
}

ImportedValue NodeContext::emit_onnx(const std::string& op, const nlohmann::json& attributes,
                                     const std::vector<const ImportedValue*>& operands,
                                     const std::vector<std::string>& weight_names) {
  bool all_constant = true;
  bool any_mask = false;
  for (const ImportedValue* v : operands) {
    if (v && !v->is_constant()) all_constant = false;
    if (v && v->batch_mask.defined()) any_mask = true;
  }
  const DType first_type = operands.empty() || !operands[0] ? DType::f32 : operands[0]->dtype;
  if (all_constant) {
    std::vector<Tensor> tensors;
    for (const ImportedValue* v : operands) tensors.push_back(v ? v->constant : Tensor());
    while (!tensors.empty() && !tensors.back().defined()) tensors.pop_back();
    ImportedValue out;
    out.constant = run_onnx_kernel(op, attributes, tensors, false);
    out.dtype = out.constant.dtype();
    if (any_mask) {
      if (!moves_elements(op)) {
        fail(
            "computes with the batch size, which is only known at run time (only shape values that are moved, "
            "gathered or concatenated can be resolved when importing)");
      }
      std::vector<Tensor> masks;
      for (const ImportedValue* v : operands) {
        if (!v) {
          masks.push_back(Tensor());
        } else {
          masks.push_back(v->batch_mask.defined() ? v->batch_mask : Tensor::zeros(v->constant.shape(), DType::i64));
        }
      }
      // Gather's indices select; only the data carries the mask.
      if (op == "Gather") masks[1] = tensors[1];
      while (!masks.empty() && !masks.back().defined()) masks.pop_back();
      Tensor mask = run_onnx_kernel(op, attributes, masks, false).to(DType::i64);
      bool any = false;
      for (double m : mask.to_vector()) any = any || m != 0;
      if (any) out.batch_mask = mask;
    }
    return out;
  }
  std::vector<OnnxOperand> slots;
  std::vector<SymbolicTensor> inputs;
  std::vector<std::pair<std::string, Tensor>> weights;
  for (size_t i = 0; i < operands.size(); ++i) {
    const ImportedValue* v = operands[i];
    OnnxOperand slot;
    if (!v) {
      slot.kind = OnnxOperand::Kind::absent;
    } else if (!v->is_constant()) {
      slot.kind = OnnxOperand::Kind::input;
      slot.input = static_cast<int>(inputs.size());
      inputs.push_back(v->symbolic);
    } else {
      if (v->batch_mask.defined()) fail("an operand depends on the batch size, which is only known at run time");
      if (!v->is_float()) {
        // Integer constants stay exact in the layer's config.
        slot.kind = OnnxOperand::Kind::constant;
        slot.value = v->constant;
        slots.push_back(slot);
        continue;
      }
      slot.kind = OnnxOperand::Kind::weight;
      slot.weight = i < weight_names.size() && !weight_names[i].empty() ? weight_names[i] : "w" + std::to_string(i);
      slot.shape = v->constant.shape();
      slot.trainable = v->trainable;
      weights.push_back({slot.weight, v->constant.to(DType::f32)});
    }
    slots.push_back(slot);
  }
  auto impl = std::make_shared<OnnxLayerImpl>(op, attributes, slots);
  Layer layer(impl);
  ImportedValue out;
  out.symbolic = inputs.size() == 1 ? layer(inputs[0]) : layer(inputs);
  for (const auto& [name, value] : weights) impl->set_weight_value(name, value);
  out.dtype = first_type;
  return out;
}

ImportedValue NodeContext::emit_layer(const Layer& layer, const std::vector<const ImportedValue*>& inputs,
                                      const std::vector<Tensor>& weights) {
  std::vector<SymbolicTensor> symbolic_inputs;
  for (const ImportedValue* v : inputs) symbolic_inputs.push_back(symbolic(*v));
  ImportedValue out;
  out.symbolic = symbolic_inputs.size() == 1 ? layer(symbolic_inputs[0]) : layer(symbolic_inputs);
  if (!weights.empty()) {
    std::vector<Tensor> f32;
    for (const Tensor& w : weights) f32.push_back(w.to(DType::f32));
    layer->set_weights(f32);
  }
  out.dtype = inputs.empty() ? DType::f32 : inputs[0]->dtype;
  return out;
}

SymbolicTensor NodeContext::symbolic(const ImportedValue& value) {
  if (!value.is_constant()) return value.symbolic;
  if (value.batch_mask.defined()) fail("uses a shape value that depends on the batch size as data");
  const Tensor& c = value.constant;
  OnnxOperand anchor;
  anchor.kind = OnnxOperand::Kind::input;
  nlohmann::json attributes = nlohmann::json::object();
  std::vector<OnnxOperand> slots{anchor};
  if (value.is_float()) {
    OnnxOperand weight;
    weight.kind = OnnxOperand::Kind::weight;
    weight.weight = "value";
    weight.shape = c.shape();
    weight.trainable = value.trainable;
    slots.push_back(weight);
  } else {
    // Integer constants stay exact in the attributes.
    attributes["value"] = c.to_vector();
    attributes["shape"] = std::vector<int64_t>(c.shape().begin(), c.shape().end());
    attributes["dtype"] = static_cast<int64_t>(onnx_type_of(c.dtype()));
  }
  auto impl = std::make_shared<OnnxLayerImpl>("Constant", attributes, slots);
  SymbolicTensor out = Layer(impl)(import_.anchor());
  if (value.is_float()) impl->set_weight_value("value", c.to(DType::f32));
  return out;
}

}  // namespace fovea::onnx_detail
