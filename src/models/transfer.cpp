// Cutting a trained model for transfer learning, and freezing its layers.
#include "fovea/models/transfer.h"

#include "fovea/core/error.h"
#include "fovea/layers/input_layer.h"

namespace fovea {

Model cut_at(const Model& base, const std::string& last_layer) {
  return Model(base.inputs(), {base.layer_output(last_layer)}, base.name() + "_features");
}

Model remove_last_layers(const Model& base, int count) {
  int applied = 0;  // layers other than inputs
  for (const Layer& l : base.layers()) applied += l.as<InputLayerImpl>() ? 0 : 1;
  FOVEA_CHECK(count >= 1 && count < applied, ValueError, "remove_last_layers: model '", base.name(), "' has ",
              applied, " layers after its inputs; count must be in [1, ", applied - 1, "], got ", count);
  return cut_at(base, base.get_layer(-1 - count)->name());
}

void set_trainable(Model& model, bool trainable) {
  for (const Layer& l : model.layers()) l->set_trainable(trainable);
}

}  // namespace fovea
