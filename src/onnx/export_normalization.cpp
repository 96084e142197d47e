// Exporting normalization: BatchNormalization in its inference form (the moving statistics), LayerNormalization
// decomposed (opset 13 has no LayerNormalization operator) into the steps fovea computes, and
// LocalResponseNormalization as LRN (fovea and ONNX agree on alpha / size; TensorFlow's depth_radius form is
// converted the way the layer converts it).
#include "fovea/core/error.h"
#include "fovea/layers/normalization.h"
#include "onnx/export_layers.h"

namespace fovea::onnx_detail {
namespace {

// v held with Keras axis `axis` on physical axis 1 (as BatchNormalization and LRN want): v itself when it
// already is, else the order (batch, axis, the others in Keras order).
Value with_axis_second(ExportGraph& g, const Value& v, int64_t axis) {
  if (v.perm.size() > 1 && v.perm[1] == axis) return v;
  Perm want{0, axis};
  for (int64_t a = 1; a < v.rank(); ++a) {
    if (a != axis) want.push_back(a);
  }
  return g.in_layout(v, want);
}

int64_t keras_axis(int64_t axis, int rank) { return axis < 0 ? axis + rank : axis; }

Value export_batch_norm(ExportGraph& g, const LayerApplication& app) {
  const nlohmann::json& c = app.config;
  const Value x = with_axis_second(g, app.inputs[0], keras_axis(c["axis"].get<int64_t>(), app.inputs[0].rank()));
  const Tensor& mean = app.weight("moving_mean");
  const std::string scale = c["scale"].get<bool>()
                                ? g.initializer(app.weight("gamma"), app.output + "/gamma")
                                : g.initializer(Tensor::ones(mean.shape(), mean.dtype()), app.output + "/gamma");
  const std::string bias = c["center"].get<bool>()
                               ? g.initializer(app.weight("beta"), app.output + "/beta")
                               : g.initializer(Tensor::zeros(mean.shape(), mean.dtype()), app.output + "/beta");
  g.node("BatchNormalization",
         {x.name, scale, bias, g.initializer(mean, app.output + "/moving_mean"),
          g.initializer(app.weight("moving_variance"), app.output + "/moving_variance")},
         {app.output}, {Attribute::real("epsilon", c["epsilon"].get<double>())});
  return app.result(x.perm);
}

// (x - mean) / sqrt(mean((x - mean)^2) + epsilon) * gamma + beta over the normalized axes, per sample (biased
// variance, as fovea and Keras compute it).
Value export_layer_norm(ExportGraph& g, const LayerApplication& app) {
  const nlohmann::json& c = app.config;
  Value x = app.inputs[0];
  const int rank = x.rank();
  std::vector<int64_t> axes;
  if (c["axis"].is_array()) {
    for (const auto& a : c["axis"]) axes.push_back(keras_axis(a.get<int64_t>(), rank));
  } else {
    axes.push_back(keras_axis(c["axis"].get<int64_t>(), rank));
  }
  std::sort(axes.begin(), axes.end());
  // gamma and beta hold the normalized axes in Keras order; broadcasting them needs that order physically too.
  std::vector<int64_t> physical;
  for (int64_t a : axes) physical.push_back(physical_axis(x.perm, a));
  if (!std::is_sorted(physical.begin(), physical.end())) {
    x = g.in_keras_layout(x);
    physical = axes;
  }
  const std::string& out = app.output;
  const Attribute reduce_axes = Attribute::integers("axes", physical);
  const Attribute keep = Attribute::integer("keepdims", 1);
  const std::string mean = g.op("ReduceMean", {x.name}, out + "/mean", {reduce_axes, keep});
  const std::string centered = g.op("Sub", {x.name, mean}, out + "/centered");
  const std::string squared = g.op("Mul", {centered, centered}, out + "/squared");
  const std::string variance = g.op("ReduceMean", {squared}, out + "/variance", {reduce_axes, keep});
  const std::string shifted = g.op("Add", {variance, g.scalar(c["epsilon"].get<double>())}, out + "/variance_eps");
  const std::string deviation = g.op("Sqrt", {shifted}, out + "/std");
  const bool scale = c["scale"].get<bool>(), center = c["center"].get<bool>();
  Shape broadcast = Shape::filled(rank, 1);
  for (size_t i = 0; i < axes.size(); ++i)
    broadcast[static_cast<int>(physical[i])] = x.shape[static_cast<int>(axes[i])];
  std::string y = g.node("Div", {centered, deviation}, {scale || center ? g.unique_name(out + "/normalized") : out});
  if (scale) {
    const std::string gamma = g.initializer(app.weight("gamma").detach().view(broadcast), out + "/gamma");
    y = g.node("Mul", {y, gamma}, {center ? g.unique_name(out + "/scaled") : out});
  }
  if (center) {
    const std::string beta = g.initializer(app.weight("beta").detach().view(broadcast), out + "/beta");
    g.node("Add", {y, beta}, {out});
  }
  return app.result(x.perm);
}

Value export_lrn(ExportGraph& g, const LayerApplication& app) {
  const nlohmann::json& c = app.config;
  int64_t size = c["size"].get<int64_t>();
  double alpha = c["alpha"].get<double>();
  if (!c["depth_radius"].is_null()) {
    size = 2 * c["depth_radius"].get<int64_t>() + 1;
    alpha *= static_cast<double>(size);  // LRN divides alpha by size; TensorFlow's form does not
  }
  // fovea (as PyTorch) sums channels c - size/2 .. c + (size-1)/2; ONNX centres an even window one channel later.
  FOVEA_CHECK(size % 2 == 1, ValueError, "export_onnx: ", app.describe(), ": an even size (", size,
              ") has no ONNX LRN form (ONNX centres even windows one channel later than fovea and PyTorch)");
  const bool channels_last = c["data_format"].get<std::string>() == "channels_last";
  const Value& in = app.inputs[0];
  const Value x = with_axis_second(g, in, channels_last ? in.rank() - 1 : 1);
  g.node("LRN", {x.name}, {app.output},
         {Attribute::integer("size", size), Attribute::real("alpha", alpha),
          Attribute::real("beta", c["beta"].get<double>()), Attribute::real("bias", c["bias"].get<double>())});
  return app.result(x.perm);
}

}  // namespace

void add_normalization_exporters(ExporterTable& table) {
  table["BatchNormalization"] = export_batch_norm;
  table["LayerNormalization"] = export_layer_norm;
  table["LocalResponseNormalization"] = export_lrn;
}

}  // namespace fovea::onnx_detail
