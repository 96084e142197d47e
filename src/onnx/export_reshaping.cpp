// Exporting the layers that move data: Flatten and Reshape (in Keras's element order, so the value is first
// brought back to its Keras layout), Permute (no node at all: it only changes which Keras axis each physical
// axis holds), ZeroPadding (Pad) and Cropping (Slice), which work in any layout.
#include <limits>

#include "fovea/core/error.h"
#include "fovea/layers/reshaping.h"
#include "onnx/export_layers.h"

namespace fovea::onnx_detail {
namespace {

Value export_flatten(ExportGraph& g, const LayerApplication& app) {
  const Value& in = app.inputs[0];
  if (in.rank() < 3) return {in.name, identity_perm(2), app.output_shape};  // already (batch, features)
  // channels_first Flatten orders the features as if the channels were last (Keras does the same).
  Perm order = identity_perm(in.rank());
  if (app.config["data_format"].get<std::string>() == "channels_first") {
    order = {0};
    for (int64_t a = 2; a < in.rank(); ++a) order.push_back(a);
    order.push_back(1);
  }
  const Value x = g.in_layout(in, order);
  g.node("Flatten", {x.name}, {app.output}, {Attribute::integer("axis", 1)});
  return app.result(identity_perm(2));
}

Value export_reshape(ExportGraph& g, const LayerApplication& app) {
  const Value x = g.in_keras_layout(app.inputs[0]);
  std::vector<int64_t> shape{0};  // 0 copies the batch dimension
  for (const auto& d : app.config["target_shape"]) shape.push_back(d.get<int64_t>());
  g.node("Reshape", {x.name, g.int64s(shape)}, {app.output});
  return app.result(identity_perm(static_cast<int>(shape.size())));
}

// Output Keras axis i is input Keras axis q[i] (q = 0, dims...): the physical data stays, relabelled.
Value export_permute(ExportGraph&, const LayerApplication& app) {
  const Value& x = app.inputs[0];
  Perm q{0};
  for (const auto& d : app.config["dims"]) q.push_back(d.get<int64_t>());
  Perm inverse(q.size());
  for (size_t i = 0; i < q.size(); ++i) inverse[static_cast<size_t>(q[i])] = static_cast<int64_t>(i);
  Perm perm;
  for (int64_t keras_axis : x.perm) perm.push_back(inverse[static_cast<size_t>(keras_axis)]);
  return {x.name, perm, app.output_shape};
}

Value export_spatial_pad(ExportGraph& g, const LayerApplication& app) {
  const auto& layer = dynamic_cast<const SpatialPadImpl&>(app.layer);
  const Value& x = app.inputs[0];
  const int first = layer.data_format() == DataFormat::channels_last ? 1 : 2;
  const auto& sides = layer.sides();
  const bool crop = app.layer.class_name().rfind("Cropping", 0) == 0;
  if (crop) {
    std::vector<int64_t> starts, ends, axes;
    for (size_t i = 0; i < sides.size(); ++i) {
      axes.push_back(physical_axis(x.perm, first + static_cast<int64_t>(i)));
      starts.push_back(sides[i].first);
      // The exact end when the size is known (a plain number every importer reads the same way).
      const int64_t size = x.shape[first + static_cast<int>(i)];
      if (size >= 0) {
        ends.push_back(size - sides[i].second);
      } else {
        ends.push_back(sides[i].second > 0 ? -sides[i].second : std::numeric_limits<int64_t>::max());
      }
    }
    g.node("Slice", {x.name, g.int64s(starts), g.int64s(ends), g.int64s(axes)}, {app.output});
  } else {
    std::vector<int64_t> pads(2 * x.perm.size(), 0);
    for (size_t i = 0; i < sides.size(); ++i) {
      const size_t axis = static_cast<size_t>(physical_axis(x.perm, first + static_cast<int64_t>(i)));
      pads[axis] = sides[i].first;
      pads[axis + x.perm.size()] = sides[i].second;
    }
    g.node("Pad", {x.name, g.int64s(pads)}, {app.output}, {Attribute::text("mode", "constant")});
  }
  return app.result(x.perm);
}

}  // namespace

void add_reshaping_exporters(ExporterTable& table) {
  table["Flatten"] = export_flatten;
  table["Reshape"] = export_reshape;
  table["Permute"] = export_permute;
  for (const char* rank : {"1D", "2D", "3D"}) {
    table[std::string("ZeroPadding") + rank] = export_spatial_pad;
    table[std::string("Cropping") + rank] = export_spatial_pad;
  }
}

}  // namespace fovea::onnx_detail
