// Transfer learning as the slides describe it: keep a trained model's feature layers, freeze them, put a new head
// on top, train the head, then unfreeze and fine-tune with a lower learning rate.
//
//   Model features = remove_last_layers(base, 2);          // or cut_at(base, "flatten")
//   set_trainable(features, false);
//   auto y = Dense({.units = 5, .activation = ActivationKind::softmax})(features.outputs()[0]);
//   Model transfer(features.inputs(), {y});               // shares base's layers and weights
#pragma once

#include <string>

#include "fovea/models/model.h"

namespace fovea {

// The model from base's inputs to the output of the named layer, sharing base's layers (and so its weights).
// Throws ValueError listing the layers when the name is unknown.
Model cut_at(const Model& base, const std::string& last_layer);
// The same, without base's last count layers (count >= 1, fewer than base's non-input layers).
Model remove_last_layers(const Model& base, int count);
// Freezes (false) or unfreezes (true) every layer. Frozen layers get no gradient, their weights stay bit for bit,
// and batch normalization in them runs in inference mode (moving statistics unchanged) even while training.
void set_trainable(Model& model, bool trainable);

}  // namespace fovea
