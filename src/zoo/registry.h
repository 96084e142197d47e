// The zoo's registry is assembled from one list per family of networks, each defined next to its networks, so
// that adding a family touches its own file and one line in registry.cpp.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "fovea/zoo/zoo.h"

namespace fovea::zoo::registry_detail {

struct Registered {
  ZooEntry entry;
  std::function<std::shared_ptr<Model>(const ZooOptions&)> make;
};

// Wraps a network function returning a Sequential or Model by value.
template <class Net>
std::function<std::shared_ptr<Model>(const ZooOptions&)> maker(Net (*fn)(const ZooOptions&)) {
  return [fn](const ZooOptions& o) { return std::make_shared<Net>(fn(o)); };
}

// One list per family (src/zoo/<family>.cpp).
std::vector<Registered> course_networks();

}  // namespace fovea::zoo::registry_detail
