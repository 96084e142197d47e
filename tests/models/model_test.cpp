// Functional and Sequential models: graphs with branches and merges, naming, weights, errors.
#include <gtest/gtest.h>

#include "gradcheck.h"
#include "models/seed_models.h"

namespace fovea {
namespace {

// A GoogLeNet-style Inception module: four branches concatenated on the channel axis.
Model inception_module() {
  SymbolicTensor x = Input({16, 16, 8});
  auto conv = [](int64_t filters, int64_t k) {
    return Conv2D({.filters = filters, .kernel_size = {k}, .padding = Padding::same, .activation = ActivationKind::relu});
  };
  SymbolicTensor b1 = conv(4, 1)(x);
  SymbolicTensor b2 = conv(6, 3)(conv(3, 1)(x));
  SymbolicTensor b3 = conv(2, 5)(conv(2, 1)(x));
  SymbolicTensor b4 = conv(2, 1)(MaxPooling2D({.pool_size = {3}, .strides = {1}, .padding = Padding::same})(x));
  SymbolicTensor y = Concatenate()({b1, b2, b3, b4});
  return Model(x, y, "inception");
}

// A ResNet basic block: two 3x3 convolutions with batch norm and an identity shortcut.
Model residual_block() {
  SymbolicTensor x = Input({8, 8, 4});
  SymbolicTensor h = Conv2D({.filters = 4, .kernel_size = {3}, .padding = Padding::same, .use_bias = false})(x);
  h = BatchNormalization()(h);
  h = ReLU()(h);
  h = Conv2D({.filters = 4, .kernel_size = {3}, .padding = Padding::same, .use_bias = false})(h);
  h = BatchNormalization()(h);
  SymbolicTensor y = ReLU()(Add()({h, x}));
  return Model(x, y, "residual");
}

TEST(Model, InceptionModuleBuildsSummarizesAndRuns) {
  Model model = inception_module();
  EXPECT_EQ(model.outputs()[0].shape(), Shape({-1, 16, 16, 14}));
  const std::string text = model.summary();
  EXPECT_NE(text.find("Connected to"), std::string::npos);
  EXPECT_NE(text.find("concatenate (Concatenate)"), std::string::npos) << text;
  EXPECT_NE(text.find("conv2d[0][0], conv2d_2[0][0], conv2d_4[0][0], conv2d_5[0][0]"), std::string::npos) << text;
  // 1x1x8x4+4, 1x1x8x3+3, 3x3x3x6+6, 1x1x8x2+2, 5x5x2x2+2, 1x1x8x2+2
  EXPECT_EQ(model.count_params(), 36 + 27 + 168 + 18 + 102 + 18);
  Tensor x = Tensor::uniform({2, 16, 16, 8}, -1, 1);
  Tensor y = model(x, true);
  EXPECT_EQ(y.shape(), Shape({2, 16, 16, 14}));
  sum(y).backward();
  for (Tensor& w : model.trainable_weights()) EXPECT_TRUE(w.grad().defined());
}

TEST(Model, ResidualBlockBuildsAndBackpropagatesThroughTheShortcut) {
  Model model = residual_block();
  EXPECT_EQ(model.count_params(), 144 + 16 + 144 + 16);
  EXPECT_EQ(model.count_non_trainable_params(), 16);
  const std::string text = model.summary();
  EXPECT_NE(text.find("add (Add)"), std::string::npos) << text;
  EXPECT_NE(text.find("batch_normalization_1[0][0], input_layer[0][0]"), std::string::npos) << text;
  Tensor x = Tensor::uniform({2, 8, 8, 4}, -1, 1).set_requires_grad();
  sum(model(x, true)).backward();
  EXPECT_TRUE(x.grad().defined());
  for (Tensor& w : model.trainable_weights()) EXPECT_TRUE(w.grad().defined());
}

TEST(Model, LayerAccessByNameAndIndex) {
  Sequential model = testing::seed_mnist_cnn();
  EXPECT_EQ(model.get_layer("dense_1")->count_params(), 1290);
  EXPECT_EQ(model.get_layer(-1)->name(), "dense_1");
  EXPECT_EQ(model.get_layer(1)->name(), "conv2d");
  try {
    model.get_layer("dense_7");
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("model 'sequential' has no layer named 'dense_7'"), std::string::npos);
  }
}

TEST(Model, ShapeErrorsAreFoundWhenTheModelIsBuilt) {
  Sequential model({InputLayer({26, 26, 1}), Conv2D({.filters = 64, .kernel_size = {3}}),
                    MaxPooling2D({.pool_size = {2}})});
  try {
    model.add(Dense({.units = 128}));  // no Flatten: an error before any data flows
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(),
                 "Dense 'dense' expects a rank-2 input (None, features) but got (None, 12, 12, 64); add Flatten "
                 "before it");
  }
  EXPECT_EQ(model.layers().size(), 3u);  // the model is unchanged and still usable
  model.add(Flatten());
  model.add(Dense({.units = 128}));
  EXPECT_EQ(model.outputs()[0].shape(), Shape({-1, 128}));
}

TEST(Model, FrozenLayersGetNoGradientAndCountAsNonTrainable) {
  Sequential model = testing::lwls_example_6_3();
  model.get_layer("conv2d")->set_trainable(false);
  EXPECT_EQ(model.count_non_trainable_params(), 104);
  Tensor x = Tensor::uniform({2, 28, 28, 1}, 0, 1);
  sum(model(x, true)).backward();
  EXPECT_FALSE(model.get_layer("conv2d")->weights()[0].value.grad().defined());
  EXPECT_TRUE(model.get_layer("conv2d_1")->weights()[0].value.grad().defined());
}

TEST(Model, SequentialWithoutInputBuildsOnFirstCall) {
  Sequential model({Dense({.units = 3}), Dense({.units = 2})});
  EXPECT_FALSE(model.built());
  Tensor y = model(Tensor::ones({4, 5}));
  EXPECT_EQ(y.shape(), Shape({4, 2}));
  EXPECT_EQ(model.count_params(), 5 * 3 + 3 + 3 * 2 + 2);
}

TEST(Model, WeightsGetAndSetAsTensors) {
  Sequential model({InputLayer({3}), Dense({.units = 2})});
  Layer dense = model.get_layer("dense");
  dense->set_weights({Tensor::from_vector({3, 2}, std::vector<double>{1, 0, 0, 1, 1, 1}),
                      Tensor::from_vector({2}, std::vector<double>{0.5, -0.5})});
  Tensor y = model(Tensor::from_vector({1, 3}, std::vector<double>{1, 2, 3}));
  EXPECT_FLOAT_EQ(y.at({0, 0}), 4.5f);
  EXPECT_FLOAT_EQ(y.at({0, 1}), 4.5f);
  try {
    dense->set_weights({Tensor::zeros({2, 2}), Tensor::zeros({2})});
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "Dense 'dense': weight 'kernel' has shape (3, 2) but the value has shape (2, 2)");
  }
}

TEST(Model, DuplicateLayerNamesAreRejected) {
  SymbolicTensor x = Input({4});
  SymbolicTensor y = Dense({.units = 2, .name = "head"})(Dense({.units = 3, .name = "head"})(x));
  try {
    Model model(x, y);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "model 'model': the layer name 'head' is used twice; layer names must be unique within a "
                           "model");
  }
}

TEST(Model, MultipleInputsAndOutputs) {
  SymbolicTensor a = Input({4}, "a");
  SymbolicTensor b = Input({4}, "b");
  SymbolicTensor sum_ab = Add()({a, b});
  SymbolicTensor out1 = Dense({.units = 2})(sum_ab);
  SymbolicTensor out2 = Dense({.units = 3})(Concatenate()({a, b}));
  Model model({a, b}, {out1, out2});
  std::vector<Tensor> y = model.call({Tensor::ones({5, 4}), Tensor::ones({5, 4})});
  ASSERT_EQ(y.size(), 2u);
  EXPECT_EQ(y[0].shape(), Shape({5, 2}));
  EXPECT_EQ(y[1].shape(), Shape({5, 3}));
}

}  // namespace
}  // namespace fovea
