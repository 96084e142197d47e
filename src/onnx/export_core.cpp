// Exporting the core layers: Dense (Gemm on (batch, features), MatMul + Add on the last axis of higher ranks), the
// preprocessing layers (Rescaling: Mul and Add; Normalization: Sub and Div, or Mul and Add inverted, with its
// statistics as constants), and the dropout layers (identity in inference: no node at all).
#include <algorithm>

#include "fovea/core/error.h"
#include "fovea/layers/dense.h"
#include "fovea/layers/preprocessing.h"
#include "onnx/export_layers.h"

namespace fovea::onnx_detail {
namespace {

Value export_dense(ExportGraph& g, const LayerApplication& app) {
  const auto& layer = dynamic_cast<const DenseImpl&>(app.layer);
  const DenseOptions& o = layer.options();
  Value x = app.inputs[0];
  // Dense acts on the last Keras axis: it must be the last physical one (the others may be in any order).
  if (x.perm.back() != x.rank() - 1) x = g.in_keras_layout(x);
  const std::string kernel = g.initializer(app.weight("kernel"), app.output + "/kernel");
  const std::string pre = pre_activation_name(g, app, o.activation);
  if (!o.use_bias) {
    g.node("MatMul", {x.name, kernel}, {pre});
  } else if (x.rank() == 2) {
    g.node("Gemm", {x.name, kernel, g.initializer(app.weight("bias"), app.output + "/bias")}, {pre});
  } else {
    const std::string product = g.op("MatMul", {x.name, kernel}, app.output + "/matmul");
    g.node("Add", {product, g.initializer(app.weight("bias"), app.output + "/bias")}, {pre});
  }
  return emit_activation(g, {pre, x.perm, app.output_shape}, o.activation, app.output, app.describe());
}

// x * scale + offset, leaving out the halves that change nothing (as the layer does).
Value export_rescaling(ExportGraph& g, const LayerApplication& app) {
  const auto& layer = dynamic_cast<const RescalingImpl&>(app.layer);
  const RescalingOptions& o = layer.options();
  const Value& x = app.inputs[0];
  if (o.scale == 1.0 && o.offset == 0.0) return x;
  std::string y = x.name;
  if (o.scale != 1.0) {
    y = g.node("Mul", {y, g.scalar(o.scale)}, {o.offset == 0.0 ? app.output : g.unique_name(app.output + "/scaled")});
  }
  if (o.offset != 0.0) g.node("Add", {y, g.scalar(o.offset)}, {app.output});
  return app.result(x.perm);
}

// (x - mean) / std, or mean + x * std inverted, where std = max(sqrt(variance), 1e-7) is taken once here as the
// layer takes it. The constants have the kept axes' sizes on the physical axes that hold them and 1 elsewhere, so
// they broadcast on whatever layout the input is held in; their values are in Keras order, so the kept axes must
// be held in Keras order (a Transpose otherwise: only where two kept axes are held swapped).
Value export_normalization(ExportGraph& g, const LayerApplication& app) {
  const auto& layer = dynamic_cast<const NormalizationImpl&>(app.layer);
  Value x = app.inputs[0];
  const int rank = x.rank();
  std::vector<int64_t> kept;
  for (int axis : layer.options().axis) kept.push_back(axis < 0 ? axis + rank : axis);
  std::sort(kept.begin(), kept.end());
  std::vector<int64_t> physical;
  for (int64_t a : kept) physical.push_back(physical_axis(x.perm, a));
  if (!std::is_sorted(physical.begin(), physical.end())) {
    x = g.in_keras_layout(x);
    physical = kept;
  }
  Shape broadcast = Shape::filled(rank, 1);
  for (size_t i = 0; i < kept.size(); ++i) {
    broadcast[static_cast<int>(physical[i])] = x.shape[static_cast<int>(kept[i])];
  }
  const std::string& out = app.output;
  const std::string mean = g.initializer(Tensor::from_vector(broadcast, layer.mean(), g.dtype()), out + "/mean");
  const std::string deviation =
      g.initializer(Tensor::from_vector(broadcast, layer.standard_deviation(), g.dtype()), out + "/std");
  if (layer.options().invert) {
    g.node("Add", {g.op("Mul", {x.name, deviation}, out + "/scaled"), mean}, {out});
  } else {
    g.node("Div", {g.op("Sub", {x.name, mean}, out + "/centered"), deviation}, {out});
  }
  return app.result(x.perm);
}

// Inference passes the input through unchanged.
Value export_identity(ExportGraph&, const LayerApplication& app) { return app.inputs[0]; }

}  // namespace

void add_core_exporters(ExporterTable& table) {
  table["Dense"] = export_dense;
  table["Rescaling"] = export_rescaling;
  table["Normalization"] = export_normalization;
  for (const char* name : {"Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"}) {
    table[name] = export_identity;
  }
}

}  // namespace fovea::onnx_detail
