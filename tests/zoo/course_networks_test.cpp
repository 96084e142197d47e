// The zoo's course networks against the slides' Keras definitions (tests/models/seed_models.h): same layers,
// same parameter counts, and options that change the input and the classes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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

TEST(ZooCourseNetworksTest, WithoutTopEndAtTheFeatures) {
  Sequential mnist = zoo::mnist_cnn({.include_top = false});
  EXPECT_EQ(mnist.outputs()[0].shape(), (Shape{-1, 12, 12, 64}));
  EXPECT_EQ(mnist.layers().back()->class_name(), "Dropout");  // the convolutional block's dropout stays
  EXPECT_EQ(mnist.count_params(), 320 + 18496);
  Sequential lwls = zoo::lwls_example_6_3({.include_top = false});
  EXPECT_EQ(lwls.outputs()[0].shape(), (Shape{-1, 7, 7, 12}));
  // 4*(5*5*1) + 4, 8*(5*5*4) + 8, 12*(4*4*8) + 12.
  EXPECT_EQ(lwls.count_params(), 104 + 808 + 1548);
}

// With the channels_last network's weights, the channels_first one computes the same function on transposed
// images: kernels are stored (out, in, k...) in both layouts and Flatten orders the features as Keras does.
void expect_same_function(Sequential last, Sequential first) {
  ASSERT_EQ(last.layers().size(), first.layers().size());
  for (size_t i = 0; i < last.layers().size(); ++i) first.layers()[i]->set_weights(last.layers()[i]->get_weights());
  Generator gen(5);
  const Tensor x = Tensor::uniform({2, 28, 28, 1}, 0.0, 1.0, &gen, DType::f32);
  const std::vector<double> expected = last(x).to_vector();
  const std::vector<double> actual = first(permute(x, {0, 3, 1, 2})).to_vector();
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-5) << "output " << i;
}

TEST(ZooCourseNetworksTest, ChannelsFirst) {
  const zoo::ZooOptions first{.data_format = Layout::channels_first};
  Sequential mnist = zoo::mnist_cnn(first);
  EXPECT_EQ(mnist.inputs()[0].shape(), (Shape{-1, 1, 28, 28}));
  EXPECT_EQ(mnist.count_params(), 1199882);
  EXPECT_EQ(zoo::mnist_cnn({.include_top = false, .data_format = Layout::channels_first}).outputs()[0].shape(),
            (Shape{-1, 64, 12, 12}));
  expect_same_function(zoo::mnist_cnn(), mnist);
  Sequential lwls = zoo::lwls_example_6_3(first);
  EXPECT_EQ(lwls.count_params(), 122270);
  expect_same_function(zoo::lwls_example_6_3(), lwls);
}

TEST(ZooCourseNetworksTest, UnknownNamesListTheZoo) {
  EXPECT_TRUE(zoo::contains("lwls-6.3"));
  try {
    zoo::create("resnet-9000");
    FAIL();
  } catch (const ValueError& e) {
    // The course networks come first; the other families follow in the registry's order.
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("zoo: unknown network 'resnet-9000'; available: mnist-cnn, lwls-6.3", 0), 0u) << message;
  }
}

}  // namespace
}  // namespace fovea
