// The graph builder of the ONNX exporter: names, nodes, initializers and layout-tracking transposes.
#include "onnx/export_graph.h"

#include <algorithm>

#include "fovea/core/error.h"
#include "onnx/proto_io.h"

namespace fovea::onnx_detail {

Perm identity_perm(int rank) {
  Perm p(rank);
  for (int i = 0; i < rank; ++i) p[i] = i;
  return p;
}

Perm channels_first_perm(int rank, DataFormat format) {
  if (format == DataFormat::channels_first) return identity_perm(rank);
  Perm p{0, rank - 1};
  for (int i = 1; i < rank - 1; ++i) p.push_back(i);
  return p;
}

int64_t physical_axis(const Perm& perm, int64_t keras_axis) {
  const int64_t rank = static_cast<int64_t>(perm.size());
  const int64_t axis = keras_axis < 0 ? keras_axis + rank : keras_axis;
  const auto it = std::find(perm.begin(), perm.end(), axis);
  FOVEA_CHECK(it != perm.end(), ValueError, "export_onnx: axis ", keras_axis, " is out of range for rank ", rank);
  return it - perm.begin();
}

bool is_identity(const Perm& perm) { return perm == identity_perm(static_cast<int>(perm.size())); }

Attribute Attribute::integer(std::string name, int64_t v) {
  Attribute a{Kind::integer, std::move(name)};
  a.i = v;
  return a;
}

Attribute Attribute::real(std::string name, double v) {
  Attribute a{Kind::real, std::move(name)};
  a.f = v;
  return a;
}

Attribute Attribute::integers(std::string name, std::vector<int64_t> v) {
  Attribute a{Kind::integers, std::move(name)};
  a.ints = std::move(v);
  return a;
}

Attribute Attribute::text(std::string name, std::string v) {
  Attribute a{Kind::text, std::move(name)};
  a.s = std::move(v);
  return a;
}

ExportGraph::ExportGraph(::onnx::GraphProto* graph, DType dtype, bool dynamic_batch)
    : graph_(graph), dtype_(dtype), dynamic_batch_(dynamic_batch) {}

bool ExportGraph::reserve(const std::string& name) { return names_.insert(name).second; }

std::string ExportGraph::unique_name(const std::string& base) {
  if (reserve(base)) return base;
  for (int i = 1;; ++i) {
    std::string candidate = base + "_" + std::to_string(i);
    if (reserve(candidate)) return candidate;
  }
}

std::string ExportGraph::node(const std::string& op, const std::vector<std::string>& inputs,
                              const std::vector<std::string>& outputs, const std::vector<Attribute>& attributes) {
  ::onnx::NodeProto* n = graph_->add_node();
  n->set_op_type(op);
  n->set_name(outputs.at(0));
  for (const std::string& in : inputs) n->add_input(in);
  for (const std::string& out : outputs) n->add_output(out);
  for (const Attribute& a : attributes) {
    ::onnx::AttributeProto* p = n->add_attribute();
    p->set_name(a.name);
    switch (a.kind) {
      case Attribute::Kind::integer:
        p->set_type(::onnx::AttributeProto::INT);
        p->set_i(a.i);
        break;
      case Attribute::Kind::real:
        p->set_type(::onnx::AttributeProto::FLOAT);
        p->set_f(static_cast<float>(a.f));
        break;
      case Attribute::Kind::integers:
        p->set_type(::onnx::AttributeProto::INTS);
        for (int64_t v : a.ints) p->add_ints(v);
        break;
      case Attribute::Kind::reals:
        p->set_type(::onnx::AttributeProto::FLOATS);
        for (float v : a.floats) p->add_floats(v);
        break;
      case Attribute::Kind::text:
        p->set_type(::onnx::AttributeProto::STRING);
        p->set_s(a.s);
        break;
    }
  }
  return outputs.at(0);
}

std::string ExportGraph::op(const std::string& op, const std::vector<std::string>& inputs, const std::string& base,
                            const std::vector<Attribute>& attributes) {
  return node(op, inputs, {unique_name(base)}, attributes);
}

std::string ExportGraph::initializer(const Tensor& tensor, const std::string& base) {
  const auto it = stored_.find(tensor.impl().get());
  if (it != stored_.end()) return it->second.second;
  const std::string name = unique_name(base);
  *graph_->add_initializer() = tensor_to_proto(tensor.detach(), name);
  stored_[tensor.impl().get()] = {tensor, name};
  return name;
}

std::string ExportGraph::scalar(double value) {
  const auto it = scalars_.find(value);
  if (it != scalars_.end()) return it->second;
  const std::string name = initializer(Tensor::scalar(value, dtype_), "const");
  scalars_[value] = name;
  return name;
}

std::string ExportGraph::int64s(const std::vector<int64_t>& values) {
  const auto it = int64s_.find(values);
  if (it != int64s_.end()) return it->second;
  Tensor t = Tensor::empty(Shape{static_cast<int64_t>(values.size())}, DType::i64);
  std::copy(values.begin(), values.end(), t.data<int64_t>());
  const std::string name = initializer(t, "const_ints");
  int64s_[values] = name;
  return name;
}

Value ExportGraph::in_layout(const Value& v, const Perm& want) {
  if (v.perm == want) return v;
  const auto key = std::make_pair(v.name, want);
  Value out{"", want, v.shape};
  const auto it = transposed_.find(key);
  if (it != transposed_.end()) {
    out.name = it->second;
    return out;
  }
  // Physical axis j of the result holds Keras axis want[j], which v holds on its physical axis perm^-1(want[j]).
  std::vector<int64_t> attr;
  for (int64_t keras_axis : want) attr.push_back(physical_axis(v.perm, keras_axis));
  const std::string suffix = is_identity(want) ? "/keras_layout" : "/transposed";
  out.name = op("Transpose", {v.name}, v.name + suffix, {Attribute::integers("perm", attr)});
  transposed_[key] = out.name;
  declare(out);
  return out;
}

::onnx::ValueInfoProto ExportGraph::value_info(const Value& v) const {
  ::onnx::ValueInfoProto info;
  info.set_name(v.name);
  ::onnx::TypeProto_Tensor* t = info.mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx_type_of(dtype_));
  ::onnx::TensorShapeProto* shape = t->mutable_shape();
  for (int64_t keras_axis : v.perm) {
    ::onnx::TensorShapeProto_Dimension* d = shape->add_dim();
    const int64_t size = v.shape[static_cast<int>(keras_axis)];
    if (keras_axis == 0) {
      if (dynamic_batch_) {
        d->set_dim_param("batch");
      } else {
        d->set_dim_value(1);
      }
    } else if (size >= 0) {
      d->set_dim_value(size);
    }
  }
  return info;
}

void ExportGraph::declare(const Value& v) { *graph_->add_value_info() = value_info(v); }

}  // namespace fovea::onnx_detail
