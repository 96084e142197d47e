// import_onnx: walks an ONNX graph in order, turning each node into fovea layers (Keras layers where their
// semantics match exactly, OnnxLayerImpl otherwise) or, when its inputs are all known, into a constant.
#include <algorithm>

#include "fovea/io/onnx.h"
#include "fovea/layers/input_layer.h"
#include "onnx/import_context.h"
#include "onnx/layers/onnx_kernels.h"
#include "onnx/proto_io.h"

namespace fovea {
namespace onnx_detail {

const std::map<std::string, Converter>& converters() {
  static const std::map<std::string, Converter> table = [] {
    std::map<std::string, Converter> t;
    add_nn_converters(t);
    add_tensor_converters(t);
    return t;
  }();
  return table;
}

namespace {

std::string supported_list() {
  std::string list;
  for (const std::string& op : onnx_supported_ops()) list += (list.empty() ? "" : ", ") + op;
  return list;
}

// A graph input's static shape: dimensions without a value (symbolic names) are -1.
Shape input_shape(const onnx::ValueInfoProto& info, const std::string& path) {
  if (!info.type().has_tensor_type()) {
    throw ValueError(path + ": graph input '" + info.name() +
                     "' is not a tensor (sequences, maps and optional "
                     "values are not supported)");
  }
  Shape shape;
  for (const onnx::TensorShapeProto_Dimension& d : info.type().tensor_type().shape().dim()) {
    shape.push_back(d.has_dim_value() && d.dim_value() > 0 ? d.dim_value() : -1);
  }
  return shape;
}

}  // namespace
}  // namespace onnx_detail

std::vector<std::string> onnx_supported_ops() {
  std::vector<std::string> ops;
  for (const auto& [name, convert] : onnx_detail::converters()) ops.push_back(name);
  std::sort(ops.begin(), ops.end());
  return ops;
}

// The newest ai.onnx opset whose operator changes the converters follow (opset 18 moved the Reduce* axes into an
// input).
constexpr int64_t kNewestOpset = 18;

std::shared_ptr<Model> import_onnx(const std::string& path, const OnnxImportOptions& options) {
  using namespace onnx_detail;
  register_onnx_layers();  // so that the imported model's config (to_json) loads again in this process
  const onnx::ModelProto proto = read_model_proto(path);  // IoError naming the file
  const onnx::GraphProto& graph = proto.graph();
  ImportContext context;
  context.opset = 1;
  for (const onnx::OperatorSetIdProto& set : proto.opset_import()) {
    if (!set.domain().empty() && set.domain() != "ai.onnx") continue;
    // Operators change meaning between opsets (Softmax's axis, attributes that became inputs): the converters
    // follow the changes up to kNewestOpset, and a later version cannot be read faithfully.
    FOVEA_CHECK(set.version() >= 1 && set.version() <= kNewestOpset, ValueError, path, ": ai.onnx opset ",
                set.version(), " is not supported; fovea reads opsets 1 to ", kNewestOpset);
    context.opset = static_cast<int>(set.version());
  }

  for (const onnx::TensorProto& init : graph.initializer()) {
    ImportedValue v;
    v.constant = tensor_from_proto(init, "initializer '" + init.name() + "'");
    v.dtype = v.constant.dtype();
    v.trainable = v.is_float();
    context.values[init.name()] = v;
  }
  for (const auto& [name, tensor] : options.bind_inputs) {
    ImportedValue v;
    v.constant = tensor;
    v.dtype = tensor.dtype();
    context.values[name] = v;
  }
  for (const onnx::ValueInfoProto& info : graph.input()) {
    if (context.values.count(info.name())) continue;  // an initializer (opset < 9 lists them as inputs) or bound
    Shape shape = input_shape(info, path);
    FOVEA_CHECK(shape.rank() >= 1, ValueError, path, ": graph input '", info.name(),
                "' is a scalar; fovea models take batch-first tensors");
    const int64_t batch = options.dynamic_batch ? -1 : shape[0];
    ImportedValue v;
    try {
      v.symbolic = Input(Shape(shape.begin() + 1, shape.end()), info.name(), batch);
    } catch (const ShapeError& e) {  // dimensions too large to index
      throw ShapeError(detail::concat(path, ": graph input '", info.name(), "': ", e.what()));
    }
    v.dtype = dtype_of_onnx_type(info.type().tensor_type().elem_type());
    context.values[info.name()] = v;
    context.inputs.push_back(v.symbolic);
  }

  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& node = graph.node(i);
    NodeContext n(context, node, i);
    const bool standard = node.domain().empty() || node.domain() == "ai.onnx";
    const auto it = converters().find(node.op_type());
    if (!standard || it == converters().end()) {
      n.fail("operator '" + (standard ? "" : node.domain() + ".") + node.op_type() +
             "' is not supported; supported operators: " + supported_list());
    }
    try {
      it->second(n);
    } catch (const Error& e) {
      const std::string what = e.what();
      if (what.rfind("node ", 0) == 0) throw;  // already names the node
      n.fail(what);
    }
    for (int o = 0; o < node.output_size(); ++o) {
      if (!node.output(o).empty() && !context.values.count(node.output(o))) {
        n.fail("output " + std::to_string(o) + " ('" + node.output(o) + "') is not supported");
      }
    }
  }

  std::vector<SymbolicTensor> outputs;
  for (const onnx::ValueInfoProto& info : graph.output()) {
    const auto it = context.values.find(info.name());
    FOVEA_CHECK(it != context.values.end(), ValueError, path, ": graph output '", info.name(),
                "' is not produced by any node");
    onnx::NodeProto output_node;
    output_node.set_op_type("Output");
    output_node.set_name(info.name());
    NodeContext n(context, output_node, graph.node_size());
    outputs.push_back(n.symbolic(it->second));
  }
  FOVEA_CHECK(!context.inputs.empty(), ValueError, path,
              ": the graph has no run-time input (every input is an initializer or bound)");
  const std::string name = graph.name().empty() ? "onnx_model" : graph.name();
  return std::make_shared<Model>(context.inputs, outputs, name);
}

}  // namespace fovea
