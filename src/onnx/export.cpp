// export_onnx: walks a fovea model's layer applications in topological order and hands each to its family's
// exporter (export_*.cpp), then names the graph's inputs and outputs after fovea's tensors, completes the value
// types with ONNX's own shape inference (strict, so that a graph ONNX would reject is never written) and writes
// the file atomically.
#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <map>
#include <set>

#include "fovea/core/error.h"
#include "fovea/io/onnx.h"
#include "fovea/layers/input_layer.h"
#include "onnx/export_layers.h"
#include "onnx/proto_io.h"

namespace fovea {

namespace onnx_detail {

std::string LayerApplication::describe() const { return layer.class_name() + " '" + layer.name() + "'"; }

const Tensor& LayerApplication::weight(const std::string& name) const {
  for (const Weight& w : layer.weights()) {
    if (w.name == name) return w.value;
  }
  throw ValueError("export_onnx: " + describe() + " has no weight '" + name + "' (is it built?)");
}

namespace {

const ExporterTable& exporters() {
  static const ExporterTable table = [] {
    ExporterTable t;
    add_activation_exporters(t);
    add_conv_exporters(t);
    add_pooling_exporters(t);
    add_normalization_exporters(t);
    add_merging_exporters(t);
    add_reshaping_exporters(t);
    add_core_exporters(t);
    return t;
  }();
  return table;
}

int max_supported_opset() {
  return ::onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map().at(::onnx::ONNX_DOMAIN).second;
}

// The IR version that came with each opset (opsets 13-14: IR 7; 15-17: IR 8).
int64_t ir_version_for(int opset) { return opset <= 14 ? 7 : 8; }

// The element type of the model: its weights' (float32 when it has none).
DType model_dtype(Model& model) {
  for (Weight* w : model.weights()) return w->value.dtype();
  return DType::f32;
}

// Renames value `from` to `to` everywhere in the graph (node inputs and outputs, value_info).
void rename_value(::onnx::GraphProto& graph, const std::string& from, const std::string& to) {
  for (::onnx::NodeProto& n : *graph.mutable_node()) {
    for (std::string& in : *n.mutable_input()) {
      if (in == from) in = to;
    }
    for (std::string& out : *n.mutable_output()) {
      if (out == from) {
        out = to;
        n.set_name(to);
      }
    }
  }
  for (::onnx::ValueInfoProto& info : *graph.mutable_value_info()) {
    if (info.name() == from) info.set_name(to);
  }
}

// Drops value_info entries of graph inputs and outputs (ONNX keeps their types in the inputs and outputs).
void drop_io_value_info(::onnx::GraphProto& graph) {
  std::set<std::string> io;
  for (const auto& v : graph.input()) io.insert(v.name());
  for (const auto& v : graph.output()) io.insert(v.name());
  auto* infos = graph.mutable_value_info();
  for (int i = infos->size() - 1; i >= 0; --i) {
    if (io.count(infos->Get(i).name())) infos->DeleteSubrange(i, 1);
  }
}

std::string class_list() {
  std::string names;
  for (const auto& [name, exporter] : exporters()) names += (names.empty() ? "" : ", ") + name;
  return names;
}

}  // namespace

}  // namespace onnx_detail

void export_onnx(Model& model, const std::string& path, const OnnxExportOptions& options) {
  using namespace onnx_detail;
  const int max_opset = max_supported_opset();
  FOVEA_CHECK(options.opset >= 13 && options.opset <= max_opset, ValueError, "export_onnx: opset ", options.opset,
              " is not supported; choose 13 to ", max_opset);
  FOVEA_CHECK(!model.inputs().empty(), ValueError, "export_onnx: model '", model.name(),
              "' is not built (give it an Input layer or call build(input_shape) first)");

  ::onnx::ModelProto proto;
  proto.set_ir_version(ir_version_for(options.opset));
  proto.set_producer_name(options.producer_name);
  ::onnx::OperatorSetIdProto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(options.opset);
  ::onnx::GraphProto* graph = proto.mutable_graph();
  graph->set_name(model.name().empty() ? "fovea" : model.name());

  ExportGraph g(graph, model_dtype(model), options.dynamic_batch);
  for (const Layer& layer : model.layers()) g.reserve(layer->name());

  // Each layer application's value; a layer applied again gets its name with a suffix.
  std::map<const GraphNode*, Value> values;
  std::map<const GraphNode*, std::string> output_names;
  std::set<const LayerImpl*> applied;
  std::set<std::string> graph_inputs;
  for (const std::shared_ptr<GraphNode>& node : model.nodes()) {
    const LayerImpl& layer = *node->layer;
    const std::string name = applied.insert(&layer).second ? layer.name() : g.unique_name(layer.name());
    output_names[node.get()] = name;
    if (dynamic_cast<const InputLayerImpl*>(&layer)) {
      const Value v{name, identity_perm(node->output_shape.rank()), node->output_shape};
      *graph->add_input() = g.value_info(v);
      graph_inputs.insert(name);
      values[node.get()] = v;
      continue;
    }
    const auto exporter = exporters().find(layer.class_name());
    if (exporter == exporters().end()) {
      throw ValueError("export_onnx: layer '" + layer.name() + "' (class " + layer.class_name() +
                       ") has no ONNX form; the exportable classes are " + class_list());
    }
    LayerApplication app{layer, {}, node->output_shape, name, layer.config()};
    for (const SymbolicTensor& in : node->inputs) app.inputs.push_back(values.at(in.node().get()));
    const Value v = exporter->second(g, app);
    if (v.name == name) g.declare(v);
    values[node.get()] = v;
  }

  // Outputs are named after their layers and held in Keras's layout.
  std::set<std::string> output_names_used;
  for (const SymbolicTensor& out : model.outputs()) {
    Value v = values.at(out.node().get());
    std::string desired = output_names.at(out.node().get());
    if (!output_names_used.insert(desired).second || graph_inputs.count(desired)) {
      desired = g.unique_name(desired + "_output");
      output_names_used.insert(desired);
    }
    const bool keras_layout = is_identity(v.perm);
    if (v.name == desired && !keras_layout) {
      // The layer's own value is channels-first: it gets another name, and the output is its transpose.
      const std::string physical = g.unique_name(desired + "/channels_first");
      rename_value(*graph, desired, physical);
      for (auto& [node, value] : values) {
        if (value.name == desired) value.name = physical;
      }
      v.name = physical;
    }
    if (v.name != desired) {
      std::vector<int64_t> perm;
      for (int64_t keras_axis : identity_perm(v.rank())) perm.push_back(physical_axis(v.perm, keras_axis));
      if (keras_layout) {
        g.node("Identity", {v.name}, {desired});
      } else {
        g.node("Transpose", {v.name}, {desired}, {Attribute::integers("perm", perm)});
      }
    }
    *graph->add_output() = g.value_info({desired, identity_perm(v.rank()), v.shape});
  }
  drop_io_value_info(*graph);

  // ONNX's checker and strict shape inference (which also completes value_info for every temporary): a graph
  // they reject is a fovea bug, reported instead of written.
  try {
    ::onnx::checker::check_model(proto);
    ::onnx::shape_inference::InferShapes(proto, ::onnx::OpSchemaRegistry::Instance(),
                                         ::onnx::ShapeInferenceOptions(/*check_type=*/true, /*strict_mode=*/1));
  } catch (const std::exception& e) {
    throw ValueError("export_onnx: model '" + model.name() + "': the exported graph fails ONNX's checks (" + e.what() +
                     "); this is a fovea bug");
  }
  drop_io_value_info(*graph);
  write_model_proto(proto, path);
}

}  // namespace fovea
