// Preprocessing put in front of a model that was built without it, so that the model takes the data as it is
// stored and its file needs no side information (Keras: Sequential([normalization, model])).
//
//   auto norm = Normalization();
//   norm.as<NormalizationImpl>()->adapt(train.images);         // statistics of the training split
//   std::shared_ptr<Model> model = with_preprocessing(zoo::mnist_cnn(), {norm});  // takes uint8 pixels now
#pragma once

#include <memory>
#include <vector>

#include "fovea/models/model.h"

namespace fovea {

// model with the front layers applied, in order, to its input first; the result shares model's layers and weights
// and keeps its name; a Sequential stays a Sequential (hence the pointer). model must have one input. Compile the
// result before training it.
std::shared_ptr<Model> with_preprocessing(const Model& model, const std::vector<Layer>& front);

}  // namespace fovea
