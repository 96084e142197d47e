// VGG-11/13/16/19, with and without batch normalization, in torchvision's layout.
#include <string>
#include <vector>

#include "fovea/layers/activations.h"
#include "fovea/layers/conv.h"
#include "fovea/layers/dense.h"
#include "fovea/layers/input_layer.h"
#include "fovea/layers/normalization.h"
#include "fovea/layers/pooling.h"
#include "fovea/layers/regularization.h"
#include "fovea/layers/reshaping.h"
#include "zoo/classic.h"

namespace fovea::zoo {

using namespace classic_detail;

namespace {

// The convolutions of each of the five blocks (every block ends with a 2x2 max pool), torchvision's cfgs A, B, D, E.
struct VggConfig {
  const char* title;  // "VGG-16"
  const char* name;   // "vgg16", the model's name
  std::vector<std::vector<int64_t>> blocks;
};

const VggConfig kVgg11{"VGG-11", "vgg11", {{64}, {128}, {256, 256}, {512, 512}, {512, 512}}};
const VggConfig kVgg13{"VGG-13", "vgg13", {{64, 64}, {128, 128}, {256, 256}, {512, 512}, {512, 512}}};
const VggConfig kVgg16{"VGG-16", "vgg16", {{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}}};
const VggConfig kVgg19{
    "VGG-19", "vgg19", {{64, 64}, {128, 128}, {256, 256, 256, 256}, {512, 512, 512, 512}, {512, 512, 512, 512}}};

// Layers are named as in Keras's VGG16/VGG19 (block1_conv1, block1_pool, fc1, fc2, predictions); the batch
// normalization variants, which Keras lacks, add blockB_bnI and blockB_reluI.
Sequential vgg(const VggConfig& config, bool batch_norm, const ZooOptions& options) {
  const std::string network = std::string(config.title) + (batch_norm ? "-BN" : "");
  const Layout format = options.data_format;
  const Shape input = image_input(options, network, {224, 224, 3});
  const int64_t classes = classes_or(options, network, 1000);
  const double dropout = dropout_or(options, network, 0.5);
  check_min_size(network, input, format, 32, "its five 2x2 max poolings need at least 32x32");
  std::vector<Layer> layers{InputLayer(input)};
  for (size_t b = 0; b < config.blocks.size(); ++b) {
    const std::string block = "block" + std::to_string(b + 1);
    for (size_t c = 0; c < config.blocks[b].size(); ++c) {
      const std::string index = std::to_string(c + 1);
      // torchvision keeps the convolution's bias even before batch normalization (vgg*_bn counts it), and its
      // BatchNorm2d defaults are epsilon 1e-5 and a running-average momentum of 0.1, Keras's momentum 0.9.
      layers.push_back(Conv2D({.filters = config.blocks[b][c],
                               .kernel_size = {3},
                               .padding = Padding::same,
                               .data_format = format,
                               .activation = batch_norm ? Activation() : Activation(ActivationKind::relu),
                               .name = block + "_conv" + index}));
      if (batch_norm) {
        layers.push_back(BatchNormalization(
            {.axis = channel_axis(format), .momentum = 0.9, .epsilon = 1e-5, .name = block + "_bn" + index}));
        layers.push_back(ReLU({.name = block + "_relu" + index}));
      }
    }
    layers.push_back(MaxPooling2D({.pool_size = {2}, .data_format = format, .name = block + "_pool"}));
  }
  if (options.include_top) {
    // torchvision: Linear, ReLU, Dropout, Linear, ReLU, Dropout, Linear.
    layers.push_back(Flatten({.data_format = format, .name = "flatten"}));
    layers.push_back(Dense({.units = 4096, .activation = ActivationKind::relu, .name = "fc1"}));
    layers.push_back(Dropout({.rate = dropout, .name = "dropout"}));
    layers.push_back(Dense({.units = 4096, .activation = ActivationKind::relu, .name = "fc2"}));
    layers.push_back(Dropout({.rate = dropout, .name = "dropout_1"}));
    layers.push_back(Dense({.units = classes, .activation = ActivationKind::softmax, .name = "predictions"}));
  }
  return Sequential(layers, std::string(config.name) + (batch_norm ? "_bn" : ""));
}

}  // namespace

Sequential vgg11(const ZooOptions& options) { return vgg(kVgg11, false, options); }
Sequential vgg13(const ZooOptions& options) { return vgg(kVgg13, false, options); }
Sequential vgg16(const ZooOptions& options) { return vgg(kVgg16, false, options); }
Sequential vgg19(const ZooOptions& options) { return vgg(kVgg19, false, options); }
Sequential vgg11_bn(const ZooOptions& options) { return vgg(kVgg11, true, options); }
Sequential vgg13_bn(const ZooOptions& options) { return vgg(kVgg13, true, options); }
Sequential vgg16_bn(const ZooOptions& options) { return vgg(kVgg16, true, options); }
Sequential vgg19_bn(const ZooOptions& options) { return vgg(kVgg19, true, options); }

namespace registry_detail {

std::vector<Registered> vgg_networks() {
  return {
      {{"vgg11", "VGG-11 (torchvision, configuration A; 132,863,336 parameters at 224x224x3)"}, maker(&vgg11)},
      {{"vgg13", "VGG-13 (torchvision, configuration B; 133,047,848 parameters)"}, maker(&vgg13)},
      {{"vgg16", "VGG-16 (torchvision, configuration D; 138,357,544 parameters)"}, maker(&vgg16)},
      {{"vgg19", "VGG-19 (torchvision, configuration E; 143,667,240 parameters)"}, maker(&vgg19)},
      {{"vgg11-bn", "VGG-11 with batch normalization (torchvision's vgg11_bn; 132,868,840 trainable)"},
       maker(&vgg11_bn)},
      {{"vgg13-bn", "VGG-13 with batch normalization (torchvision's vgg13_bn; 133,053,736 trainable)"},
       maker(&vgg13_bn)},
      {{"vgg16-bn", "VGG-16 with batch normalization (torchvision's vgg16_bn; 138,365,992 trainable)"},
       maker(&vgg16_bn)},
      {{"vgg19-bn", "VGG-19 with batch normalization (torchvision's vgg19_bn; 143,678,248 trainable)"},
       maker(&vgg19_bn)},
  };
}

}  // namespace registry_detail
}  // namespace fovea::zoo
