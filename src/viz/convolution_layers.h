// Which of a model's layers the pictures treat as convolutions, shared by the filter and feature-map pictures.
#pragma once

#include <string>

#include "fovea/layers/conv.h"
#include "fovea/models/model.h"

namespace fovea::viz::pictures_detail {

inline bool is_convolution(const Layer& layer) {
  return layer.as<ConvImpl>() || layer.as<ConvTransposeImpl>() || layer.as<DepthwiseConv2DImpl>() ||
         layer.as<SeparableConv2DImpl>();
}

// "conv1, conv2": the names of the model's convolution layers, for error messages ("" when it has none).
inline std::string convolution_layer_names(const Model& model) {
  std::string names;
  for (const Layer& layer : model.layers()) {
    if (is_convolution(layer)) names += (names.empty() ? "" : ", ") + layer->name();
  }
  return names;
}

}  // namespace fovea::viz::pictures_detail
