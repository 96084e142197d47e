// Internal to the classic family of the zoo (LeNet-5, AlexNet, VGG, PilotNet, the 3-D CNN): the family's list for the
// registry (the option checks are the zoo's shared ones, zoo_options.h).
#pragma once

#include <vector>

#include "fovea/zoo/classic.h"
#include "zoo/registry.h"
#include "zoo/zoo_options.h"

namespace fovea::zoo {

namespace classic_detail {
using namespace options_detail;
}  // namespace classic_detail

namespace registry_detail {

// One list per file, next to its networks.
std::vector<Registered> lenet_networks();
std::vector<Registered> alexnet_networks();
std::vector<Registered> vgg_networks();
std::vector<Registered> pilotnet_networks();
std::vector<Registered> volume_cnn_networks();

// The family's list for the zoo registry, in the order `fovea zoo` prints it.
inline std::vector<Registered> classic_networks() {
  std::vector<Registered> all;
  for (auto part : {lenet_networks, alexnet_networks, vgg_networks, pilotnet_networks, volume_cnn_networks}) {
    for (Registered& r : part()) all.push_back(std::move(r));
  }
  return all;
}

}  // namespace registry_detail
}  // namespace fovea::zoo
