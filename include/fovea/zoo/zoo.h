// The model zoo: the networks the course walks through, each a function with options, and a registry by name
// for the command line and JSON tools.
//
//   Sequential net = zoo::mnist_cnn({.num_classes = 10});
//   std::shared_ptr<Model> same = zoo::create("mnist-cnn");
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fovea/core/shape.h"
#include "fovea/models/model.h"
#include "fovea/ops/conv.h"

namespace fovea::zoo {

struct ZooOptions {
  Shape input_shape{};      // batch excluded, in data_format's order; empty: the network's own default
  int64_t num_classes = 0;  // 0: the network's default
  // false: the network ends with its feature extractor (no classifier head), as Keras's include_top=False.
  bool include_top = true;
  Layout data_format = Layout::channels_last;
  // When set, every Dropout layer of the network uses this rate (in [0, 1)) instead of its own: one knob for a
  // network's regularization, which a hyperparameter search can vary. Networks without dropout ignore it.
  std::optional<double> dropout{};
};

// The Keras MNIST CNN from the slides: two 3x3 convolutions (32, 64), max pooling, dropout 0.25, dense 128,
// dropout 0.5, softmax. 28x28x1 and 10 classes: 1,199,882 parameters.
Sequential mnist_cnn(const ZooOptions& options = {});

// Lindholm et al., "Machine Learning: A First Course for Engineers and Scientists", Example 6.3: three
// convolutions (4 5x5, 8 5x5 stride 2, 12 4x4 stride 2, same padding), dense 200, softmax. 28x28x1, 10 classes.
Sequential lwls_example_6_3(const ZooOptions& options = {});

struct ZooEntry {
  std::string name{};         // "mnist-cnn"
  std::string description{};  // one line for `fovea zoo`
};
// Every registered network, in a stable order.
const std::vector<ZooEntry>& entries();
// True when name is a zoo network.
bool contains(std::string_view name);
// Builds a zoo network by name; ValueError listing the names for an unknown one.
std::shared_ptr<Model> create(std::string_view name, const ZooOptions& options = {});

}  // namespace fovea::zoo

// The families of networks (each header includes this one for ZooOptions).
#include "fovea/zoo/classic.h"  // IWYU pragma: export
#include "fovea/zoo/modern.h"   // IWYU pragma: export
