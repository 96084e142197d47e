// Exporting pooling: MaxPool, AveragePool (padding left out of the averages, as Keras's 'same' does) and LpPool
// with p = 2 (fovea's L2 pooling, sqrt of the sum of squares; zero padding adds nothing to it); global pooling as
// ReduceMax/ReduceMean over the spatial axes, which works in whatever layout the value is held.
#include "fovea/core/error.h"
#include "fovea/layers/pooling.h"
#include "onnx/export_layers.h"
#include "ops/conv_geometry.h"

namespace fovea::onnx_detail {
namespace {

Value export_pooling(ExportGraph& g, const LayerApplication& app) {
  const auto& layer = dynamic_cast<const PoolingImpl&>(app.layer);
  const PoolingOptions& o = layer.options();
  const Perm perm = channels_first_perm(app.inputs[0].rank(), o.data_format);
  const Value x = g.in_layout(app.inputs[0], perm);
  std::vector<Attribute> attrs{Attribute::integers("kernel_shape", to_vector(o.pool_size)),
                               Attribute::integers("strides", to_vector(o.strides))};
  const Dims in = detail::spatial_of(x.shape, o.data_format);
  bool unknown = false;
  for (int64_t d : in) unknown = unknown || d < 0;
  if (o.padding == Padding::same && unknown) {
    attrs.push_back(Attribute::text("auto_pad", "SAME_UPPER"));
  } else {
    const detail::ResolvedPads pads =
        detail::resolve_pads(o.padding, in, o.pool_size, o.strides, {}, {}, "export_onnx");
    std::vector<int64_t> all = to_vector(pads.begin);
    for (int64_t e : pads.end) all.push_back(e);
    attrs.push_back(Attribute::integers("pads", all));
  }
  const char* op = "MaxPool";
  if (layer.kind() == PoolKind::average) {
    op = "AveragePool";
    attrs.push_back(Attribute::integer("count_include_pad", 0));
  } else if (layer.kind() == PoolKind::l2) {
    op = "LpPool";
    attrs.push_back(Attribute::integer("p", 2));
  } else if (layer.kind() != PoolKind::max) {
    throw ValueError("export_onnx: " + app.describe() + ": sum pooling has no ONNX pooling operator");
  }
  g.node(op, {x.name}, {app.output}, attrs);
  return app.result(perm);
}

// Reduces the spatial axes of the value in its current layout. Without keepdims the remaining axes keep their
// physical order and are renumbered.
Value export_global_pooling(ExportGraph& g, const LayerApplication& app) {
  const auto& layer = dynamic_cast<const GlobalPoolingImpl&>(app.layer);
  const GlobalPoolingOptions& o = layer.options();
  const Value& x = app.inputs[0];
  const int rank = x.rank();
  const int first_spatial = o.data_format == DataFormat::channels_last ? 1 : 2;
  std::vector<int64_t> axes;
  for (int a = first_spatial; a < first_spatial + rank - 2; ++a) axes.push_back(physical_axis(x.perm, a));
  std::sort(axes.begin(), axes.end());
  FOVEA_CHECK(layer.kind() == PoolKind::max || layer.kind() == PoolKind::average, ValueError,
              "export_onnx: ", app.describe(), ": only max and average global pooling have ONNX forms");
  g.node(layer.kind() == PoolKind::max ? "ReduceMax" : "ReduceMean", {x.name}, {app.output},
         {Attribute::integers("axes", axes), Attribute::integer("keepdims", o.keepdims ? 1 : 0)});
  if (o.keepdims) return app.result(x.perm);
  // The channel axis of the Keras output is 1; the batch stays 0. Keep the physical order of the survivors.
  Perm perm;
  const int64_t channel = o.data_format == DataFormat::channels_last ? rank - 1 : 1;
  for (int64_t keras_axis : x.perm) {
    if (keras_axis == 0) perm.push_back(0);
    if (keras_axis == channel) perm.push_back(1);
  }
  return app.result(perm);
}

}  // namespace

void add_pooling_exporters(ExporterTable& table) {
  for (const char* kind : {"MaxPooling", "AveragePooling", "L2Pooling"}) {
    for (const char* rank : {"1D", "2D", "3D"}) table[std::string(kind) + rank] = export_pooling;
  }
  for (const char* kind : {"GlobalMaxPooling", "GlobalAveragePooling"}) {
    for (const char* rank : {"1D", "2D", "3D"}) table[std::string(kind) + rank] = export_global_pooling;
  }
}

}  // namespace fovea::onnx_detail
