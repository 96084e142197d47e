// The small networks of the course slides: the Keras MNIST CNN and LWLS Example 6.3.
#include "fovea/core/error.h"
#include "fovea/layers/conv.h"
#include "fovea/layers/dense.h"
#include "fovea/layers/input_layer.h"
#include "fovea/layers/pooling.h"
#include "fovea/layers/regularization.h"
#include "fovea/layers/reshaping.h"
#include "zoo/registry.h"

namespace fovea::zoo {

namespace {

Shape input_or(const ZooOptions& options, const Shape& fallback) {
  return options.input_shape.rank() == 0 ? fallback : options.input_shape;
}
int64_t classes_or(const ZooOptions& options, int64_t fallback) {
  FOVEA_CHECK(options.num_classes >= 0, ValueError, "zoo: num_classes must be >= 0, got ", options.num_classes);
  return options.num_classes == 0 ? fallback : options.num_classes;
}

}  // namespace

Sequential mnist_cnn(const ZooOptions& options) {
  return Sequential(
      {
          InputLayer(input_or(options, Shape{28, 28, 1})),
          Conv2D({.filters = 32, .kernel_size = {3}, .activation = ActivationKind::relu}),
          Conv2D({.filters = 64, .kernel_size = {3}, .activation = ActivationKind::relu}),
          MaxPooling2D({.pool_size = {2}}),
          Dropout({.rate = 0.25}),
          Flatten(),
          Dense({.units = 128, .activation = ActivationKind::relu}),
          Dropout({.rate = 0.5}),
          Dense({.units = classes_or(options, 10), .activation = ActivationKind::softmax}),
      },
      "mnist_cnn");
}

Sequential lwls_example_6_3(const ZooOptions& options) {
  return Sequential(
      {
          InputLayer(input_or(options, Shape{28, 28, 1})),
          Conv2D({.filters = 4, .kernel_size = {5}, .strides = {1}, .padding = Padding::same,
                  .activation = ActivationKind::relu}),
          Conv2D({.filters = 8, .kernel_size = {5}, .strides = {2}, .padding = Padding::same,
                  .activation = ActivationKind::relu}),
          Conv2D({.filters = 12, .kernel_size = {4}, .strides = {2}, .padding = Padding::same,
                  .activation = ActivationKind::relu}),
          Flatten(),
          Dense({.units = 200, .activation = ActivationKind::relu}),
          Dense({.units = classes_or(options, 10), .activation = ActivationKind::softmax}),
      },
      "lwls_example_6_3");
}

namespace registry_detail {

std::vector<Registered> course_networks() {
  return {
      {{"mnist-cnn", "the Keras MNIST CNN of the slides (1,199,882 parameters at 28x28x1, 10 classes)"},
       maker(&mnist_cnn)},
      {{"lwls-6.3", "Lindholm et al. Example 6.3: three convolutions and dense 200 (122,270 parameters)"},
       maker(&lwls_example_6_3)},
  };
}

}  // namespace registry_detail
}  // namespace fovea::zoo
