// The course's networks in as few lines as Keras needs: the slides' MNIST CNN and the LWLS Example 6.3
// network, with summaries that add MACs, receptive fields and a training-memory estimate.
#include <cstdio>

#include "fovea/fovea.h"

using namespace fovea;

int main() {
  Sequential mnist_cnn({
      InputLayer({28, 28, 1}),
      Conv2D({.filters = 32, .kernel_size = {3}, .activation = ActivationKind::relu}),
      Conv2D({.filters = 64, .kernel_size = {3}, .activation = ActivationKind::relu}),
      MaxPooling2D({.pool_size = {2}}),
      Dropout({.rate = 0.25}),
      Flatten(),
      Dense({.units = 128, .activation = ActivationKind::relu}),
      Dropout({.rate = 0.5}),
      Dense({.units = 10, .activation = ActivationKind::softmax}),
  }, "mnist_cnn");
  std::printf("%s\n", mnist_cnn.summary().c_str());

  // LWLS Example 6.3: hidden units 3136 / 1568 / 588 / 200 / 10.
  Sequential lwls({
      InputLayer({28, 28, 1}),
      Conv2D({.filters = 4, .kernel_size = {5}, .padding = Padding::same, .activation = ActivationKind::relu}),
      Conv2D({.filters = 8, .kernel_size = {5}, .strides = {2}, .padding = Padding::same,
              .activation = ActivationKind::relu}),
      Conv2D({.filters = 12, .kernel_size = {4}, .strides = {2}, .padding = Padding::same,
              .activation = ActivationKind::relu}),
      Flatten(),
      Dense({.units = 200, .activation = ActivationKind::relu}),
      Dense({.units = 10, .activation = ActivationKind::softmax}),
  }, "lwls_example_6_3");
  std::printf("%s\n", lwls.summary({.macs = true, .receptive_field = true, .activation_memory = true,
                                    .batch_size = 128}).c_str());
  std::printf("LWLS Example 6.3 as a Keras-style JSON config:\n%s\n", lwls.to_json().c_str());
  return 0;
}
