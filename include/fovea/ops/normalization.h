// Batch normalization, local response normalization (AlexNet) and dropout.
#pragma once

#include "fovea/core/rng.h"
#include "fovea/core/tensor.h"

namespace fovea {

// Parameters and running statistics of batch normalization, each of shape (channels). gamma/beta may be
// undefined (Keras scale=False / center=False). running_mean/running_var are updated in place in training.
struct BatchNormState {
  Tensor gamma{};
  Tensor beta{};
  Tensor running_mean{};
  Tensor running_var{};
};

struct BatchNormArgs {
  bool training = false;
  double momentum = 0.99;  // Keras: running = running * momentum + batch * (1 - momentum)
  double epsilon = 1e-3;
  int axis = 1;            // the channel axis (1 for channels_first, -1 for channels_last)
};

// Training: normalizes with per-channel statistics over the batch and all other axes (biased variance) and
// updates the running averages. Inference: normalizes with the running averages.
Tensor batch_norm(const Tensor& x, const BatchNormState& state, const BatchNormArgs& args = {});

// Local response normalization across channels (AlexNet, PyTorch and ONNX convention):
// y = x / (bias + alpha / size * sum over `size` neighbouring channels of x^2) ^ beta.
struct LrnArgs {
  int64_t size = 5;
  double alpha = 1e-4;
  double beta = 0.75;
  double bias = 2.0;  // AlexNet's k
  int axis = 1;       // the channel axis
};
Tensor lrn(const Tensor& x, const LrnArgs& args = {});

// Inverted dropout: in training, zeroes each element with probability rate and scales the rest by
// 1 / (1 - rate); identity otherwise. Draws from gen (the default generator when null).
struct DropoutArgs {
  double rate = 0.5;
  bool training = true;
  Generator* generator = nullptr;
  // Axes along which the mask is shared (size 1 in the mask), e.g. the spatial axes for SpatialDropout.
  Dims broadcast_axes{};
};
Tensor dropout(const Tensor& x, const DropoutArgs& args = {});

}  // namespace fovea
