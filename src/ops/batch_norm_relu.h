// Training-mode batch norm followed by ReLU as one op, for Model::call's fusion of BatchNormalization -> ReLU in
// training (oneDNN fuses the two into one kernel: fuse_norm_relu; other backends run them one after the other).
#pragma once

#include "fovea/ops/normalization.h"

namespace fovea::detail {

// max(batch_norm(x, state, args), 0) with args.training set, recorded for autograd as one node.
Tensor batch_norm_relu_training(const Tensor& x, const BatchNormState& state, const BatchNormArgs& args);

}  // namespace fovea::detail
