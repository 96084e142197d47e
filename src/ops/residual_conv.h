// Inference-time fused convolution with a residual connection, for Model::call's fusion of ResNet blocks.
#pragma once

#include "fovea/ops/conv.h"

namespace fovea::detail {

// activation(conv(x, weights) + residual) in one pass over the output, where residual has the convolution's
// output shape. For inference only: nothing is recorded for autograd, and it is an error to call it while any
// input needs a gradient.
Tensor conv_with_residual(const Tensor& x, const ConvWeights& weights, const ConvArgs& args, const Tensor& residual);

}  // namespace fovea::detail
