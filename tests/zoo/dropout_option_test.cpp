// ZooOptions::dropout: one rate for every Dropout layer of a zoo network (the knob `fovea train --dropout` and a
// hyperparameter search set), the networks' own rates without it, and a clear error outside [0, 1).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "fovea/fovea.h"

namespace fovea {
namespace {

// The rates of the model's Dropout layers, in layer order.
std::vector<double> dropout_rates(const Model& model) {
  std::vector<double> rates;
  const nlohmann::json config = model.to_config();  // held: a loop over a temporary's member would dangle
  for (const auto& layer : config["config"]["layers"]) {
    if (layer["class_name"] == "Dropout") rates.push_back(layer["config"]["rate"].get<double>());
  }
  return rates;
}

struct Network {
  std::string name;
  std::function<Model(const zoo::ZooOptions&)> make;
  zoo::ZooOptions small;           // inputs and classes that keep the network small for a test
  std::vector<double> own_rates;  // the rates without the option
};

std::vector<Network> networks_with_dropout() {
  return {
      {"mnist-cnn", [](const zoo::ZooOptions& o) { return Model(zoo::mnist_cnn(o)); }, {}, {0.25, 0.5}},
      {"alexnet", [](const zoo::ZooOptions& o) { return Model(zoo::alexnet(o)); },
       {.input_shape = {67, 67, 3}, .num_classes = 5}, {0.5, 0.5}},
      {"alexnet-torchvision", [](const zoo::ZooOptions& o) { return Model(zoo::alexnet_torchvision(o)); },
       {.input_shape = {63, 63, 3}, .num_classes = 5}, {0.5, 0.5}},
      {"vgg11", [](const zoo::ZooOptions& o) { return Model(zoo::vgg11(o)); },
       {.input_shape = {32, 32, 3}, .num_classes = 5}, {0.5, 0.5}},
      {"vgg11-bn", [](const zoo::ZooOptions& o) { return Model(zoo::vgg11_bn(o)); },
       {.input_shape = {32, 32, 3}, .num_classes = 5}, {0.5, 0.5}},
      // With the auxiliary classifiers: their dropout (0.7) is set too.
      {"googlenet", [](const zoo::ZooOptions& o) { return zoo::googlenet(o, {.aux_logits = true}); },
       {.input_shape = {79, 79, 3}, .num_classes = 5}, {0.7, 0.7, 0.2}},
  };
}

TEST(ZooDropoutOptionTest, SetsEveryDropoutLayersRate) {
  for (const Network& net : networks_with_dropout()) {
    SCOPED_TRACE(net.name);
    std::vector<double> own = dropout_rates(net.make(net.small));
    std::sort(own.begin(), own.end());
    std::vector<double> expected = net.own_rates;
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(own, expected);  // unchanged without the option
    zoo::ZooOptions options = net.small;
    options.dropout = 0.3;
    EXPECT_EQ(dropout_rates(net.make(options)), std::vector<double>(net.own_rates.size(), 0.3));
    options.dropout = 0.0;  // no dropout at all, the layers kept
    EXPECT_EQ(dropout_rates(net.make(options)), std::vector<double>(net.own_rates.size(), 0.0));
  }
}

TEST(ZooDropoutOptionTest, CreateByNamePassesItOn) {
  EXPECT_EQ(dropout_rates(*zoo::create("mnist-cnn", {.dropout = 0.1})), (std::vector<double>{0.1, 0.1}));
  // A network without dropout ignores it.
  EXPECT_TRUE(dropout_rates(*zoo::create("lwls-6.3", {.dropout = 0.1})).empty());
}

TEST(ZooDropoutOptionTest, ARateOutsideZeroToOneIsRefusedNamingTheNetwork) {
  for (double rate : {1.0, -0.1}) {
    try {
      zoo::mnist_cnn({.dropout = rate});
      ADD_FAILURE() << rate;
    } catch (const ValueError& e) {
      EXPECT_EQ(std::string(e.what()), "mnist-cnn: dropout must be in [0, 1), got " + detail::concat(rate));
    }
  }
}

}  // namespace
}  // namespace fovea
