// A small 3-D CNN for volumes.
#include "fovea/layers/conv.h"
#include "fovea/layers/dense.h"
#include "fovea/layers/input_layer.h"
#include "fovea/layers/pooling.h"
#include "zoo/classic.h"

namespace fovea::zoo {

using namespace classic_detail;

// Two 3x3x3 'same' convolutions with 2x2x2 max pooling, then global average pooling, so that the classifier
// does not grow with the volume and any size from 4 per axis works. A starting point for CT/MRI crops or short
// video clips (depth = frames), small enough to train on a CPU.
Sequential cnn3d(const ZooOptions& options) {
  const std::string network = "CNN3D";
  const Layout format = options.data_format;
  const Shape input = image_input(options, network, {16, 64, 64, 1});
  const int64_t classes = classes_or(options, network, 2);
  check_min_size(network, input, format, 4, "its two 2x2x2 max poolings need at least 4x4x4");
  const auto conv = [format](int64_t filters) {
    return Conv3D({.filters = filters,
                   .kernel_size = {3},
                   .padding = Padding::same,
                   .data_format = format,
                   .activation = ActivationKind::relu});
  };
  std::vector<Layer> layers{
      InputLayer(input),
      conv(8),
      MaxPooling3D({.pool_size = {2}, .data_format = format}),
      conv(16),
      MaxPooling3D({.pool_size = {2}, .data_format = format}),
  };
  if (options.include_top) {
    layers.push_back(GlobalAveragePooling3D({.data_format = format}));
    layers.push_back(Dense({.units = classes, .activation = ActivationKind::softmax}));
  }
  return Sequential(layers, "cnn3d");
}

namespace registry_detail {

std::vector<Registered> volume_cnn_networks() {
  return {
      {{"cnn3d",
        "a small 3-D CNN for volumes: two conv3d + pool, global average pooling (3,730 parameters at "
        "16x64x64x1, 2 classes)"},
       maker(&cnn3d)},
  };
}

}  // namespace registry_detail
}  // namespace fovea::zoo
