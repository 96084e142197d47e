// NVIDIA's PilotNet, the end-to-end steering network.
#include "fovea/layers/conv.h"
#include "fovea/layers/dense.h"
#include "fovea/layers/input_layer.h"
#include "fovea/layers/preprocessing.h"
#include "fovea/layers/reshaping.h"
#include "zoo/classic.h"

namespace fovea::zoo {

using namespace classic_detail;

// Bojarski et al. 2016, figure 4. The paper's normalization layer is hard-coded and not learned; x / 127.5 - 1
// (Rescaling) is the usual reading of it. The paper names no activation: ReLU after every convolution and hidden
// dense layer is the common reproduction. The output is linear: num_classes counts regression outputs (the
// inverse turning radius by default).
Sequential pilotnet(const ZooOptions& options) {
  const std::string network = "PilotNet";
  const Layout format = options.data_format;
  const Shape input = image_input(options, network, {66, 200, 3});
  const int64_t outputs = classes_or(options, network, 1);
  // Three 5x5 stride-2 and two 3x3 valid convolutions leave at least one position from 61 on.
  check_min_size(network, input, format, 61, "three 5x5 stride-2 and two 3x3 valid convolutions need at least 61x61");
  const auto conv = [format](int64_t filters, int64_t kernel, int64_t stride) {
    return Conv2D({.filters = filters,
                   .kernel_size = {kernel},
                   .strides = {stride},
                   .data_format = format,
                   .activation = ActivationKind::relu});
  };
  std::vector<Layer> layers{
      InputLayer(input), Rescaling({.scale = 1.0 / 127.5, .offset = -1.0}),
      conv(24, 5, 2),    conv(36, 5, 2),
      conv(48, 5, 2),    conv(64, 3, 1),
      conv(64, 3, 1),
  };
  if (options.include_top) {
    layers.push_back(Flatten({.data_format = format}));  // 1 x 18 x 64 = 1152 at 66x200
    layers.push_back(Dense({.units = 100, .activation = ActivationKind::relu}));
    layers.push_back(Dense({.units = 50, .activation = ActivationKind::relu}));
    layers.push_back(Dense({.units = 10, .activation = ActivationKind::relu}));
    layers.push_back(Dense({.units = outputs}));
  }
  return Sequential(layers, "pilotnet");
}

namespace registry_detail {

std::vector<Registered> pilotnet_networks() {
  return {
      {{"pilotnet", "NVIDIA PilotNet: 66x200x3, five convolutions, dense 100-50-10-1 (252,219 parameters)"},
       maker(&pilotnet)},
  };
}

}  // namespace registry_detail
}  // namespace fovea::zoo
