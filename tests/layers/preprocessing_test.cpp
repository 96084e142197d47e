// Tests of the Rescaling layer: values, gradient, integer inputs, Keras's config and the registry, errors.
// (Normalization's are in normalization_preprocessing_test.cpp.)
#include "fovea/layers/preprocessing.h"

#include <gtest/gtest.h>

#include <limits>

#include "layers/misc_layer_test_util.h"

namespace fovea::testing {
namespace {

TEST(RescalingLayer, MapsPixelsToMinusOneToOne) {
  // PilotNet's normalization: x / 127.5 - 1.
  const Layer layer = Rescaling({.scale = 1.0 / 127.5, .offset = -1.0});
  EXPECT_EQ(layer->class_name(), "Rescaling");
  EXPECT_EQ(layer->default_name_base(), "rescaling");
  EXPECT_EQ(layer->compute_output_shape({Shape{-1, 66, 200, 3}}), (Shape{-1, 66, 200, 3}));
  Tensor x = Tensor::from_vector({1, 5}, std::vector<double>{0, 63.75, 127.5, 191.25, 255});
  x.set_requires_grad(true);
  const Tensor y = run_layer(layer, {x});
  EXPECT_EQ(y.shape(), (Shape{1, 5}));
  EXPECT_EQ(y.dtype(), DType::f32);
  const std::vector<double> values = y.to_vector();
  const std::vector<double> expected{-1, -0.5, 0, 0.5, 1};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(values[i], expected[i], 1e-6) << "element " << i;
  // dy/dx = scale everywhere.
  sum(y).backward();
  for (double g : x.grad().to_vector()) EXPECT_NEAR(g, 1.0 / 127.5, 1e-9);
  EXPECT_EQ(layer->count_params(), 0);
}

TEST(RescalingLayer, KeepsFloat64AndDefaultsToIdentity) {
  const Tensor x = Tensor::from_vector({2, 2}, {1.5, -2, 0.25, 8}, DType::f64);
  EXPECT_EQ(run_layer(Rescaling({.scale = 2.0}), {x}).to_vector(), (std::vector<double>{3, -4, 0.5, 16}));
  EXPECT_EQ(run_layer(Rescaling({.scale = 2.0}), {x}).dtype(), DType::f64);
  EXPECT_EQ(run_layer(Rescaling({.offset = 0.5}), {x}).to_vector(), (std::vector<double>{2, -1.5, 0.75, 8.5}));
  EXPECT_EQ(run_layer(Rescaling(), {x}).to_vector(), x.to_vector());
}

TEST(RescalingLayer, ConvertsIntegerInputsToFloat32) {
  // Stored pixels go straight in: the bytes become float32 inside the layer, as the same values in float32 would.
  const Layer layer = Rescaling({.scale = 1.0 / 255});
  EXPECT_TRUE(layer->accepts_integer_input());
  const Tensor bytes = Tensor::from_vector({1, 4}, {0, 51, 204, 255}, DType::u8);
  for (DType dtype : {DType::u8, DType::i32, DType::i64}) {
    const Tensor y = run_layer(layer, {bytes.to(dtype)});
    EXPECT_EQ(y.dtype(), DType::f32) << dtype_name(dtype);
    EXPECT_FALSE(y.requires_grad()) << dtype_name(dtype);
    EXPECT_EQ(y.to_vector(), run_layer(layer, {bytes.to(DType::f32)}).to_vector()) << dtype_name(dtype);
  }
  // The identity converts too: what follows expects floats.
  EXPECT_EQ(run_layer(Rescaling(), {bytes}).dtype(), DType::f32);
  EXPECT_EQ(run_layer(Rescaling(), {bytes}).to_vector(), (std::vector<double>{0, 51, 204, 255}));
}

TEST(RescalingLayer, KerasConfigAndRegistry) {
  const Layer layer = Rescaling({.scale = 0.5, .offset = -1.0, .name = "norm"});
  EXPECT_EQ(layer->config().dump(), R"({"name":"norm","offset":-1.0,"scale":0.5,"trainable":true})");
  expect_round_trip(layer, {Shape{-1, 4, 4, 3}});
  // A Keras document without offset (its default is 0).
  const Layer from_keras = layer_from_config(
      "Rescaling", {{"name", "rescaling"}, {"trainable", true}, {"dtype", "float32"}, {"scale", 0.00392156862745098}},
      "layers[1]");
  EXPECT_EQ(from_keras->name(), "rescaling");
  EXPECT_EQ(from_keras->config()["offset"].dump(), "0.0");
  EXPECT_NEAR(run_layer(from_keras, {Tensor::full({1, 1}, 255.0)}).to_vector()[0], 1.0, 1e-6);
}

TEST(RescalingLayer, Errors) {
  EXPECT_EQ(error_text<ValueError>([] { Rescaling({.scale = std::numeric_limits<double>::infinity()}); }),
            "Rescaling: scale must be a finite number, got inf");
  EXPECT_EQ(error_text<ValueError>([] { Rescaling({.offset = std::numeric_limits<double>::quiet_NaN()}); }),
            "Rescaling: offset must be a finite number, got nan");
  EXPECT_EQ(error_text<ValueError>([] { layer_from_config("Rescaling", {{"offset", 1.0}}, "layers[0]"); }),
            "layers[0] (Rescaling): 'scale' is required, e.g. 0.00392156862745098 (1/255)");
  EXPECT_EQ(error_text<ValueError>([] { layer_from_config("Rescaling", {{"scale", "big"}}, "layers[0]"); }),
            "layers[0] (Rescaling): 'scale' must be a number, got \"big\"");
}

}  // namespace
}  // namespace fovea::testing
