// The zoo's course networks against the slides' Keras definitions (tests/models/seed_models.h): same layers,
// same parameter counts, and options that change the input and the classes.
#include <gtest/gtest.h>

#include "fovea/fovea.h"
#include "models/seed_models.h"

namespace fovea {
namespace {

// The layer configs without names, which differ between a zoo network ("mnist_cnn") and the slides' code.
nlohmann::json layers_without_names(const Model& model) {
  nlohmann::json layers = model.to_config()["config"]["layers"];
  for (auto& layer : layers) layer["config"].erase("name");
  return layers;
}

TEST(ZooCourseNetworksTest, MatchTheSlidesDefinitions) {
  Sequential mnist = zoo::mnist_cnn();
  EXPECT_EQ(mnist.count_params(), 1199882);
  EXPECT_EQ(layers_without_names(mnist), layers_without_names(testing::seed_mnist_cnn()));
  Sequential lwls = zoo::lwls_example_6_3();
  EXPECT_EQ(lwls.count_params(), 122270);
  EXPECT_EQ(layers_without_names(lwls), layers_without_names(testing::lwls_example_6_3()));
}

TEST(ZooCourseNetworksTest, OptionsSetInputAndClasses) {
  std::shared_ptr<Model> net = zoo::create("mnist-cnn", {.input_shape = {32, 32, 3}, .num_classes = 100});
  EXPECT_EQ(net->outputs()[0].shape(), (Shape{-1, 100}));
  // 3x3x3x32 + 32, 3x3x32x64 + 64, (14*14*64)x128 + 128, 128x100 + 100.
  EXPECT_EQ(net->count_params(), 896 + 18496 + 1605760 + 12900);
}

TEST(ZooCourseNetworksTest, UnknownNamesListTheZoo) {
  EXPECT_TRUE(zoo::contains("lwls-6.3"));
  try {
    zoo::create("resnet-9000");
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "zoo: unknown network 'resnet-9000'; available: mnist-cnn, lwls-6.3");
  }
}

}  // namespace
}  // namespace fovea
