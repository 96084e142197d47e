// Which axis holds the channels of a model's 4-D values (the input, a layer's output): read from the layers, since
// a Keras model is channels_last, an imported ONNX model channels_first, and an exported-then-imported one both,
// with transposes between.
#pragma once

#include <unordered_map>

#include "fovea/models/model.h"
#include "fovea/ops/conv.h"

namespace fovea::viz::gradcam_detail {

// The layout of every node whose output has rank 4, found from the layers that fix one (data_format, batch norm's
// axis, ONNX's NCHW operators) and carried through the layers that keep it (elementwise, merges) and the
// transposes that swap it, forwards and backwards; channels_last where nothing says.
std::unordered_map<const GraphNode*, Layout> infer_layouts(const Model& model);

}  // namespace fovea::viz::gradcam_detail
