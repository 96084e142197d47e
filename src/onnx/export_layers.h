// The per-family exporters of export_onnx: each turns one application of a layer into ONNX nodes. One file per
// family (export_activations.cpp, export_conv.cpp, ...), collected into one table by class name in export.cpp.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fovea/layers/layer.h"
#include "fovea/ops/activation.h"
#include "onnx/export_graph.h"

namespace fovea::onnx_detail {

// One application of a layer, as an exporter sees it.
struct LayerApplication {
  const LayerImpl& layer;
  std::vector<Value> inputs;
  Shape output_shape;     // Keras's (batch -1)
  std::string output;     // the (reserved) name the layer's result gets
  nlohmann::json config;  // layer.config(): the options of layers without an options() accessor

  // "Conv2D 'conv2d_1'", for errors.
  std::string describe() const;
  // The value the layer produces when its last node writes `output`.
  Value result(const Perm& perm) const { return {output, perm, output_shape}; }
  // The layer's weight called name (ValueError naming the layer when it has none).
  const Tensor& weight(const std::string& name) const;
};

// Returns the exported value of the layer's output (a new value named app.output, or an input when the layer
// passes its input through, as Dropout does in inference). Throws ValueError naming the layer when its options
// have no ONNX form.
using LayerExporter = Value (*)(ExportGraph& g, const LayerApplication& app);
using ExporterTable = std::map<std::string, LayerExporter>;

void add_activation_exporters(ExporterTable& table);     // export_activations.cpp
void add_conv_exporters(ExporterTable& table);           // export_conv.cpp
void add_pooling_exporters(ExporterTable& table);        // export_pooling.cpp
void add_normalization_exporters(ExporterTable& table);  // export_normalization.cpp
void add_merging_exporters(ExporterTable& table);        // export_merging.cpp
void add_reshaping_exporters(ExporterTable& table);      // export_reshaping.cpp
void add_core_exporters(ExporterTable& table);           // export_core.cpp: Dense, Dropout, the preprocessing layers

// The nodes computing f(x) (elementwise, or softmax along Keras's last axis); the last one writes `output`.
// Returns x itself when f is linear. who names the layer in errors.
Value emit_activation(ExportGraph& g, const Value& x, const Activation& f, const std::string& output,
                      const std::string& who);

// The name a layer's main node writes: app.output when no activation follows, a temporary otherwise.
std::string pre_activation_name(ExportGraph& g, const LayerApplication& app, const Activation& f);

}  // namespace fovea::onnx_detail
