// LeNet-5 in its common modern form.
#include "fovea/layers/conv.h"
#include "fovea/layers/dense.h"
#include "fovea/layers/input_layer.h"
#include "fovea/layers/pooling.h"
#include "fovea/layers/reshaping.h"
#include "zoo/classic.h"

namespace fovea::zoo {

using namespace classic_detail;

// LeCun et al. 1998 used scaled tanh, trainable average subsampling, a partial S2-C3 connection table and RBF
// outputs; the layout taught today (d2l, most Keras tutorials) keeps the sizes and uses ReLU, max pooling, full
// connections and a softmax, which changes no parameter count of the convolutions and dense layers.
Sequential lenet5(const ZooOptions& options) {
  const std::string network = "LeNet-5";
  const Layout format = options.data_format;
  const Shape input = image_input(options, network, {32, 32, 1});
  const int64_t classes = classes_or(options, network, 10);
  // 5x5 valid, pool 2, 5x5 valid, pool 2 leaves (size - 12) / 4 positions.
  check_min_size(network, input, format, 16, "two 5x5 convolutions and two 2x2 poolings need at least 16x16");
  std::vector<Layer> layers{
      InputLayer(input),
      Conv2D({.filters = 6, .kernel_size = {5}, .data_format = format, .activation = ActivationKind::relu}),
      MaxPooling2D({.pool_size = {2}, .data_format = format}),
      Conv2D({.filters = 16, .kernel_size = {5}, .data_format = format, .activation = ActivationKind::relu}),
      MaxPooling2D({.pool_size = {2}, .data_format = format}),
  };
  if (options.include_top) {
    layers.push_back(Flatten({.data_format = format}));
    layers.push_back(Dense({.units = 120, .activation = ActivationKind::relu}));
    layers.push_back(Dense({.units = 84, .activation = ActivationKind::relu}));
    layers.push_back(Dense({.units = classes, .activation = ActivationKind::softmax}));
  }
  return Sequential(layers, "lenet5");
}

namespace registry_detail {

std::vector<Registered> lenet_networks() {
  return {
      {{"lenet5", "LeNet-5, modern form: ReLU, max pooling, dense 120-84 (61,706 parameters at 32x32x1, 10 classes)"},
       maker(&lenet5)},
  };
}

}  // namespace registry_detail
}  // namespace fovea::zoo
