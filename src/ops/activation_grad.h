// The backward step of an elementwise activation, shared by the activation op and the ops that fuse one
// (convolution), and ReLU's bit mask (src/ops/relu_mask.cpp).
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

// One bit per element of y: y > 0, all a ReLU's backward needs, at 1/32 of y's memory (uint8 (ceil(n / 8))).
// Keeping it instead of y lets y be freed as soon as the next op is done with it.
Tensor relu_mask(const Tensor& y);

// ReLU's backward from relu_mask(y): dy where y > 0, else 0, written into dy when nothing else shares it.
Tensor relu_input_grad(const Tensor& mask, autograd::BackwardContext& ctx);

}  // namespace fovea::detail
