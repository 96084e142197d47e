// The course's example networks, shared by the model tests.
#pragma once

#include "fovea/fovea.h"

namespace fovea::testing {

// The Keras MNIST CNN from the slides (1,199,882 parameters).
inline Sequential seed_mnist_cnn() {
  return Sequential({
      InputLayer({28, 28, 1}),
      Conv2D({.filters = 32, .kernel_size = {3}, .activation = ActivationKind::relu}),
      Conv2D({.filters = 64, .kernel_size = {3}, .activation = ActivationKind::relu}),
      MaxPooling2D({.pool_size = {2}}),
      Dropout({.rate = 0.25}),
      Flatten(),
      Dense({.units = 128, .activation = ActivationKind::relu}),
      Dropout({.rate = 0.5}),
      Dense({.units = 10, .activation = ActivationKind::softmax}),
  });
}

// Lindholm et al., "Machine Learning: A First Course for Engineers and Scientists", Example 6.3.
inline Sequential lwls_example_6_3() {
  return Sequential({
      InputLayer({28, 28, 1}),
      Conv2D({.filters = 4, .kernel_size = {5}, .strides = {1}, .padding = Padding::same,
              .activation = ActivationKind::relu}),
      Conv2D({.filters = 8, .kernel_size = {5}, .strides = {2}, .padding = Padding::same,
              .activation = ActivationKind::relu}),
      Conv2D({.filters = 12, .kernel_size = {4}, .strides = {2}, .padding = Padding::same,
              .activation = ActivationKind::relu}),
      Flatten(),
      Dense({.units = 200, .activation = ActivationKind::relu}),
      Dense({.units = 10, .activation = ActivationKind::softmax}),
  });
}

}  // namespace fovea::testing
