// The small networks of the course slides: the Keras MNIST CNN and LWLS Example 6.3.
#include "fovea/layers/conv.h"
#include "fovea/layers/dense.h"
#include "fovea/layers/input_layer.h"
#include "fovea/layers/pooling.h"
#include "fovea/layers/regularization.h"
#include "fovea/layers/reshaping.h"
#include "zoo/registry.h"
#include "zoo/zoo_options.h"

namespace fovea::zoo {

namespace {

// options.input_shape, or the 28x28 grayscale default in data_format's order.
Shape input_or_mnist(const ZooOptions& options) {
  if (options.input_shape.rank() != 0) return options.input_shape;
  return options.data_format == Layout::channels_first ? Shape{1, 28, 28} : Shape{28, 28, 1};
}

}  // namespace

// include_top = false keeps the convolutional block, its pooling and its dropout (everything before Flatten).
Sequential mnist_cnn(const ZooOptions& options) {
  const Layout format = options.data_format;
  const int64_t classes = options_detail::classes_or(options, "mnist-cnn", 10);
  const double conv_dropout = options_detail::dropout_or(options, "mnist-cnn", 0.25);
  const double dense_dropout = options_detail::dropout_or(options, "mnist-cnn", 0.5);
  std::vector<Layer> layers{
      InputLayer(input_or_mnist(options)),
      Conv2D({.filters = 32, .kernel_size = {3}, .data_format = format, .activation = ActivationKind::relu}),
      Conv2D({.filters = 64, .kernel_size = {3}, .data_format = format, .activation = ActivationKind::relu}),
      MaxPooling2D({.pool_size = {2}, .data_format = format}),
      Dropout({.rate = conv_dropout}),
  };
  if (options.include_top) {
    layers.push_back(Flatten({.data_format = format}));
    layers.push_back(Dense({.units = 128, .activation = ActivationKind::relu}));
    layers.push_back(Dropout({.rate = dense_dropout}));
    layers.push_back(Dense({.units = classes, .activation = ActivationKind::softmax}));
  }
  return Sequential(layers, "mnist_cnn");
}

// include_top = false ends at the third convolution.
Sequential lwls_example_6_3(const ZooOptions& options) {
  const Layout format = options.data_format;
  const int64_t classes = options_detail::classes_or(options, "lwls-6.3", 10);
  std::vector<Layer> layers{
      InputLayer(input_or_mnist(options)),
      Conv2D({.filters = 4,
              .kernel_size = {5},
              .strides = {1},
              .padding = Padding::same,
              .data_format = format,
              .activation = ActivationKind::relu}),
      Conv2D({.filters = 8,
              .kernel_size = {5},
              .strides = {2},
              .padding = Padding::same,
              .data_format = format,
              .activation = ActivationKind::relu}),
      Conv2D({.filters = 12,
              .kernel_size = {4},
              .strides = {2},
              .padding = Padding::same,
              .data_format = format,
              .activation = ActivationKind::relu}),
  };
  if (options.include_top) {
    layers.push_back(Flatten({.data_format = format}));
    layers.push_back(Dense({.units = 200, .activation = ActivationKind::relu}));
    layers.push_back(Dense({.units = classes, .activation = ActivationKind::softmax}));
  }
  return Sequential(layers, "lwls_example_6_3");
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
