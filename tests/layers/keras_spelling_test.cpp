// What a Keras user types first: option fields take Keras's strings (padding, data_format, activation, initializer
// names) and a single integer where Keras takes an int or a tuple (kernel_size, strides, pool_size), and mean what
// the enum and list spellings mean. A misspelt name fails where it is written, listing the valid names.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "error_text.h"
#include "fovea/fovea.h"

namespace fovea {
namespace {

using testing::error_text;

// README's first example as README writes it (enums and braced lists).
Sequential readme_model() {
  return Sequential({
      InputLayer({28, 28, 1}),
      Conv2D({.filters = 32, .kernel_size = {3}, .activation = ActivationKind::relu}),
      Conv2D({.filters = 64, .kernel_size = {3}, .activation = ActivationKind::relu}),
      MaxPooling2D({.pool_size = {2}}),
      Dropout({.rate = 0.25}),
      Flatten(),
      Dense({.units = 128, .activation = ActivationKind::relu}),
      Dropout({.rate = 0.5}),
      Dense({.units = 10, .activation = ActivationKind::softmax}),
  });
}

// The same network as a Keras user first writes it: strings and plain integers.
Sequential keras_spelled_model() {
  return Sequential({
      InputLayer({28, 28, 1}),
      Conv2D({.filters = 32, .kernel_size = 3, .padding = "valid", .activation = "relu"}),
      Conv2D({.filters = 64, .kernel_size = 3, .strides = 1, .data_format = "channels_last", .activation = "relu"}),
      MaxPooling2D({.pool_size = 2}),
      Dropout({.rate = 0.25}),
      Flatten(),
      Dense({.units = 128, .activation = "relu", .kernel_initializer = "glorot_uniform"}),
      Dropout({.rate = 0.5}),
      Dense({.units = 10, .activation = "softmax"}),
  });
}

TEST(KerasSpellingTest, ReadmeExampleAndKerasSpellingGiveTheSameModel) {
  const Sequential readme = readme_model(), keras = keras_spelled_model();
  EXPECT_EQ(readme.count_params(), 1199882);  // README's figure
  EXPECT_EQ(keras.count_params(), readme.count_params());
  EXPECT_EQ(keras.summary(), readme.summary());
  EXPECT_EQ(keras.get_layer("conv2d").as<ConvImpl>()->options().activation, Activation::relu());
  EXPECT_EQ(keras.get_layer("dense_1").as<DenseImpl>()->options().activation.kind, ActivationKind::softmax);
}

TEST(KerasSpellingTest, SamePaddingWithStringsAndScalars) {
  // Conv2D(32, 3, padding="same", activation="relu"), then MaxPooling2D(2) and a softmax Dense.
  const Sequential strings({
      InputLayer({28, 28, 1}),
      Conv2D({.filters = 32, .kernel_size = 3, .padding = "same", .activation = "relu"}),
      MaxPooling2D({.pool_size = 2}),
      Flatten(),
      Dense({.units = 10, .activation = "softmax"}),
  });
  const Sequential enums({
      InputLayer({28, 28, 1}),
      Conv2D({.filters = 32, .kernel_size = {3, 3}, .padding = Padding::same, .activation = ActivationKind::relu}),
      MaxPooling2D({.pool_size = {2, 2}}),
      Flatten(),
      Dense({.units = 10, .activation = ActivationKind::softmax}),
  });
  EXPECT_EQ(strings.summary(), enums.summary());
  EXPECT_EQ(strings.count_params(), 32 * 9 + 32 + 14 * 14 * 32 * 10 + 10);
  EXPECT_EQ(strings.outputs()[0].shape(), (Shape{-1, 10}));
}

TEST(KerasSpellingTest, EveryPaddingAndDataFormatFieldTakesItsName) {
  EXPECT_EQ(Conv1D({.filters = 2, .kernel_size = 3, .padding = "causal"}).as<ConvImpl>()->options().padding,
            Padding::causal);
  EXPECT_EQ(Conv2D({.filters = 2, .kernel_size = 3, .padding = "SAME"}).as<ConvImpl>()->options().padding,
            Padding::same);  // Keras lowercases
  const Layer transpose = Conv2DTranspose({.filters = 2, .kernel_size = 3, .strides = 2, .padding = "same",
                                           .data_format = "channels_first"});
  EXPECT_EQ(transpose.as<ConvTransposeImpl>()->options().padding, Padding::same);
  EXPECT_EQ(transpose.as<ConvTransposeImpl>()->options().data_format, DataFormat::channels_first);
  EXPECT_EQ(transpose.as<ConvTransposeImpl>()->options().strides, (Dims{2, 2}));
  const Layer depthwise = DepthwiseConv2D({.kernel_size = 3, .padding = "same", .data_format = "channels_first"});
  EXPECT_EQ(depthwise.as<DepthwiseConv2DImpl>()->options().padding, Padding::same);
  EXPECT_EQ(depthwise.as<DepthwiseConv2DImpl>()->options().data_format, DataFormat::channels_first);
  const Layer separable = SeparableConv2D({.filters = 4, .kernel_size = 3, .padding = "same",
                                           .depthwise_initializer = "he_uniform"});
  EXPECT_EQ(separable.as<SeparableConv2DImpl>()->options().padding, Padding::same);
  EXPECT_EQ(separable.as<SeparableConv2DImpl>()->options().depthwise_initializer->class_name(), "HeUniform");
  const Layer pool = AveragePooling2D({.pool_size = 3, .strides = 1, .padding = "same"});
  EXPECT_EQ(pool.as<PoolingImpl>()->options().padding, Padding::same);
  EXPECT_EQ(pool.as<PoolingImpl>()->options().pool_size, (Dims{3, 3}));
  EXPECT_EQ(pool.as<PoolingImpl>()->options().strides, (Dims{1, 1}));

  // The layers without a typed options() accessor: their Keras config says what they were given.
  for (const Layer& layer : {GlobalAveragePooling2D({.data_format = "channels_first"}),
                             Flatten({.data_format = "channels_first"}),
                             ZeroPadding2D({.data_format = "channels_first"}),
                             Cropping2D({.data_format = "channels_first"}),
                             SpatialDropout2D({.rate = 0.1, .data_format = "channels_first"}),
                             LocalResponseNormalization({.data_format = "channels_first"})}) {
    EXPECT_EQ(layer->config().at("data_format"), "channels_first") << layer->class_name();
  }

  // A field set from a name reads as the enum wherever one is expected.
  ConvOptions options{.padding = "full"};
  const Padding padding = options.padding;
  EXPECT_EQ(padding, Padding::full);
  EXPECT_TRUE(options.padding == Padding::full);
  options.padding = Padding::valid;
  EXPECT_EQ(options.padding, Padding::valid);
  const std::string same = "same";
  options.padding = same;
  EXPECT_EQ(options.padding, Padding::same);
  EXPECT_EQ(options.data_format, DataFormat::channels_last);  // the default
}

TEST(KerasSpellingTest, ActivationAndInitializerNames) {
  EXPECT_EQ(Activation("relu"), Activation::relu());  // max_value = inf, as ActivationKind::relu
  EXPECT_EQ(Activation(std::string("silu")).kind, ActivationKind::swish);
  EXPECT_EQ(Activation(std::string_view("elu")), Activation::elu());
  const Layer act = ActivationLayer({.activation = "tanh"});
  EXPECT_EQ(act.as<ActivationLayerImpl>()->options().activation.kind, ActivationKind::tanh);

  const Layer dense = Dense({.units = 4, .kernel_initializer = "he_normal", .bias_initializer = "ones"});
  const DenseOptions& o = dense.as<DenseImpl>()->options();
  EXPECT_EQ(o.kernel_initializer->class_name(), "HeNormal");
  EXPECT_EQ(o.bias_initializer->class_name(), "Ones");
  dense->ensure_built({{-1, 3}});
  EXPECT_EQ(dense->weight("bias").value.to_vector(), (std::vector<double>{1, 1, 1, 1}));
  EXPECT_EQ(dense->config().at("kernel_initializer").at("class_name"), "HeNormal");
  // Initializer objects, the user's own classes and null still fit the field.
  EXPECT_EQ(Dense({.units = 1, .kernel_initializer = initializers::Constant(2)})
                .as<DenseImpl>()->options().kernel_initializer->class_name(),
            "Constant");
  struct Twos : Initializer {
    std::string class_name() const override { return "Twos"; }
    Tensor operator()(const Shape& shape, const Fans&, Generator&) const override { return Tensor::full(shape, 2.0); }
  };
  InitializerOption own = std::make_shared<Twos>();
  EXPECT_EQ(own->class_name(), "Twos");
  InitializerOption none = nullptr;
  EXPECT_FALSE(none);
  EXPECT_EQ(BatchNormalization({.gamma_initializer = "zeros"}).as<BatchNormalizationImpl>()
                ->options().gamma_initializer->class_name(),
            "Zeros");
}

TEST(KerasSpellingTest, OneIntegerIsAOneValueListAndBracesKeepTheirMeaning) {
  Dims three = 3;
  EXPECT_EQ(three, (Dims{3}));
  EXPECT_EQ(Dims{3}.size(), 1);
  EXPECT_EQ((Dims{3, 3}).size(), 2);
  EXPECT_EQ(Dims(int64_t{5}), (Dims{5}));
  // Only integers: a typo of another type, or a single number as a Shape, does not compile.
  static_assert(std::is_convertible_v<int, Dims>);
  static_assert(std::is_convertible_v<int64_t, Dims>);
  static_assert(!std::is_convertible_v<double, Dims>);
  static_assert(!std::is_convertible_v<bool, Dims>);
  static_assert(!std::is_convertible_v<int, Shape>);
  static_assert(!std::is_convertible_v<int, PaddingOption>);
  static_assert(!std::is_default_constructible_v<DataFormatOption>);  // every field names its default
  EXPECT_EQ(Conv2D({.filters = 1, .kernel_size = 5, .strides = 2, .dilation_rate = 1})
                .as<ConvImpl>()->options().kernel_size,
            (Dims{5, 5}));
  const Layer norm = LayerNormalization({.axis = 1});  // Keras's LayerNormalization(axis=1)
  norm->ensure_built({{-1, 4, 3}});
  EXPECT_EQ(norm->weight("gamma").value.shape(), (Shape{4}));
}

TEST(KerasSpellingTest, UnknownNamesListTheValidOnes) {
  EXPECT_EQ(error_text([] { Conv2D({.filters = 32, .kernel_size = 3, .padding = "smae"}); }),
            "unknown padding 'smae'; valid names: valid, same, full, causal");
  EXPECT_EQ(error_text([] { MaxPooling2D({.data_format = "channels_lst"}); }),
            "unknown data_format 'channels_lst'; valid names: channels_last, channels_first");
  EXPECT_EQ(error_text([] { Dense({.units = 10, .activation = "softmx"}); }),
            "unknown activation 'softmx'; valid names: linear, relu, leaky_relu, relu6, elu, selu, gelu, gelu_tanh, "
            "sigmoid, hard_sigmoid, exponential, softplus, softsign, swish, silu, tanh, softmax, log_softmax");
  const std::string initializer = error_text([] { Dense({.units = 10, .kernel_initializer = "he_normel"}); });
  EXPECT_EQ(initializer.rfind("unknown initializer 'he_normel'; valid names: ", 0), 0u) << initializer;
  EXPECT_NE(initializer.find("he_normal"), std::string::npos) << initializer;
  // A valid name the layer does not support is the layer's error.
  EXPECT_EQ(error_text([] { MaxPooling2D({.padding = "full"}); }),
            "MaxPooling2D: padding must be one of 'valid', 'same', got 'full'");
  EXPECT_EQ(error_text([] { Conv2D({.filters = 1, .kernel_size = 3, .padding = "causal"}); }),
            "Conv2D: padding must be one of 'valid', 'same', 'full', got 'causal' (only Conv1D supports 'causal')");
}

// A weight asked for by a name the layer does not have: the message lists the names it has.
TEST(KerasSpellingTest, AnUnknownWeightNameListsTheLayersWeights) {
  Sequential model = keras_spelled_model();
  EXPECT_EQ(error_text([&] { model.get_layer("dense")->weight("gamma"); }),
            "Dense 'dense' has no weight named 'gamma'; its weights are: kernel, bias");
  EXPECT_EQ(error_text([&] { model.get_layer("max_pooling2d")->weight("kernel"); }),
            "MaxPooling2D 'max_pooling2d' has no weight named 'kernel': it has no weights");
  EXPECT_EQ(error_text([] { Dense({.units = 2})->weight("kernel"); }),
            "Dense 'dense' has no weight named 'kernel': it is not built yet (a layer makes its weights on its first "
            "call)");
  EXPECT_EQ(model.get_layer("dense")->weight("kernel").value.shape(), (Shape{9216, 128}));
}

}  // namespace
}  // namespace fovea
