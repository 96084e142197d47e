// Exporting the merge layers: Add, Subtract, Multiply, Average (Mean), Maximum (Max), Minimum (Min) and
// Concatenate. The inputs meet in the layout the first one is held in; the others are transposed to it.
#include "fovea/core/error.h"
#include "fovea/layers/merging.h"
#include "onnx/export_layers.h"

namespace fovea::onnx_detail {
namespace {

// The inputs' names, all held in the first input's layout.
std::vector<std::string> aligned_inputs(ExportGraph& g, const LayerApplication& app) {
  std::vector<std::string> names;
  for (const Value& v : app.inputs) names.push_back(g.in_layout(v, app.inputs[0].perm).name);
  return names;
}

// A binary op applied left to right over the inputs, as fovea's merge does.
void chain(ExportGraph& g, const char* op, const std::vector<std::string>& inputs, const std::string& output) {
  std::string acc = inputs[0];
  for (size_t i = 1; i < inputs.size(); ++i) {
    const bool last = i + 1 == inputs.size();
    acc = g.node(op, {acc, inputs[i]}, {last ? output : g.unique_name(output + "/partial")});
  }
}

Value export_merge(ExportGraph& g, const LayerApplication& app) {
  const auto& layer = dynamic_cast<const MergeImpl&>(app.layer);
  const std::vector<std::string> inputs = aligned_inputs(g, app);
  switch (layer.kind()) {
    case MergeKind::add:
      chain(g, "Add", inputs, app.output);
      break;
    case MergeKind::subtract:
      chain(g, "Sub", inputs, app.output);
      break;
    case MergeKind::multiply:
      chain(g, "Mul", inputs, app.output);
      break;
    case MergeKind::average:
      g.node("Mean", inputs, {app.output});
      break;
    case MergeKind::maximum:
      g.node("Max", inputs, {app.output});
      break;
    case MergeKind::minimum:
      g.node("Min", inputs, {app.output});
      break;
  }
  return app.result(app.inputs[0].perm);
}

Value export_concatenate(ExportGraph& g, const LayerApplication& app) {
  const std::vector<std::string> inputs = aligned_inputs(g, app);
  const Perm& perm = app.inputs[0].perm;
  g.node("Concat", inputs, {app.output},
         {Attribute::integer("axis", physical_axis(perm, app.config["axis"].get<int64_t>()))});
  return app.result(perm);
}

}  // namespace

void add_merging_exporters(ExporterTable& table) {
  for (const char* name : {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"}) table[name] = export_merge;
  table["Concatenate"] = export_concatenate;
}

}  // namespace fovea::onnx_detail
