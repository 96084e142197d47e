// The backward step of an elementwise activation, shared by the activation op and the ops that fuse one
// (convolution).
#pragma once

#include "fovea/autograd/autograd.h"
#include "fovea/core/tensor.h"
#include "fovea/ops/activation.h"

namespace fovea::detail {

// dy * f'(.) for the gradient dy = ctx.grad_output(0), with f' computed from the saved input or output. When
// nothing else shares dy it is overwritten and returned: a training step then needs one buffer fewer of the
// activation's size.
Tensor activation_input_grad(const Activation& f, const Tensor& saved, bool saved_is_output,
                             autograd::BackwardContext& ctx);

}  // namespace fovea::detail
