// The dtypes a model takes, as Keras takes them: float64 data is cast to the float32 weights, stored bytes pass
// through preprocessing layers that convert them, and bytes reaching any other layer are refused with the fix;
// with_preprocessing puts such layers in front of a model built without them.
#include <gtest/gtest.h>

#include "error_text.h"
#include "fovea/fovea.h"

namespace fovea {
namespace {

using testing::error_text;

Tensor pixels(const Shape& shape) {
  Tensor bytes = Tensor::empty(shape, DType::u8);
  for (int64_t i = 0; i < bytes.numel(); ++i) bytes.data<uint8_t>()[i] = static_cast<uint8_t>((i * 37) % 256);
  return bytes;
}

TEST(ModelInputDtype, Float64DataIsCastToTheFloat32Weights) {
  manual_seed(1);
  Sequential model = zoo::mnist_cnn();
  const Tensor x = Tensor::uniform({2, 28, 28, 1}, 0.0, 1.0);
  const Tensor from_f64 = model.predict(x.to(DType::f64));
  EXPECT_EQ(from_f64.dtype(), DType::f32);
  EXPECT_EQ(from_f64.to_vector(), model.predict(x).to_vector());
}

TEST(ModelInputDtype, BytesIntoALayerThatTakesFloatsAreRefusedWithTheFix) {
  Sequential model = zoo::mnist_cnn();
  EXPECT_EQ(error_text([&] { model.predict(pixels({2, 28, 28, 1})); }),
            "model 'mnist_cnn': input 'input_layer' holds uint8 data but its first layer, Conv2D 'conv2d', "
            "takes float32; put a Rescaling (e.g. Rescaling({.scale = 1.0 / 255})) or Normalization layer "
            "first to convert stored pixels inside the model, or pass x.to(DType::f32)");
}

TEST(ModelInputDtype, APreprocessingFrontTakesStoredBytes) {
  manual_seed(2);
  Sequential bare = zoo::mnist_cnn();
  const std::shared_ptr<Model> model = with_preprocessing(bare, {Rescaling({.scale = 1.0 / 255})});
  const Tensor bytes = pixels({3, 28, 28, 1});
  const Tensor floats = bytes.to(DType::f32);
  EXPECT_EQ(model->predict(bytes).to_vector(), model->predict(floats).to_vector());
  // The front shares the model's layers: the same as scaling by hand before the bare model.
  const std::vector<double> by_hand = bare.predict(floats * (1.0 / 255)).to_vector();
  const std::vector<double> inside = model->predict(bytes).to_vector();
  ASSERT_EQ(inside.size(), by_hand.size());
  for (size_t i = 0; i < inside.size(); ++i) EXPECT_NEAR(inside[i], by_hand[i], 1e-6);
}

TEST(ModelInputDtype, WithPreprocessingKeepsTheKindOfModel) {
  manual_seed(3);
  Sequential sequential = zoo::mnist_cnn();
  const std::shared_ptr<Model> front_of_sequential = with_preprocessing(sequential, {Rescaling({.scale = 0.5})});
  EXPECT_EQ(front_of_sequential->to_config()["class_name"], "Sequential");
  EXPECT_EQ(front_of_sequential->get_layer(1)->class_name(), "Rescaling");
  EXPECT_EQ(front_of_sequential->name(), sequential.name());

  // A functional model with a branch: every application is repeated behind the front.
  SymbolicTensor x = Input({6, 6, 2});
  SymbolicTensor a = Conv2D({.filters = 3, .kernel_size = {3}, .padding = Padding::same})(x);
  SymbolicTensor b = Conv2D({.filters = 3, .kernel_size = {1}})(x);
  SymbolicTensor y = Dense({.units = 2})(Flatten()(Add()({a, b})));
  Model functional(x, y, "branches");
  const std::shared_ptr<Model> front = with_preprocessing(functional, {Rescaling({.scale = 2.0, .offset = -1.0})});
  EXPECT_EQ(front->to_config()["class_name"], "Functional");
  EXPECT_EQ(front->count_params(), functional.count_params());
  const Tensor in = Tensor::uniform({2, 6, 6, 2}, 0.0, 1.0);
  const std::vector<double> expected = functional.predict(in * 2.0 + (-1.0)).to_vector();
  const std::vector<double> got = front->predict(in).to_vector();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-6);

  Model two_inputs(std::vector<SymbolicTensor>{x, Input({6, 6, 2})}, std::vector<SymbolicTensor>{y});
  EXPECT_EQ(error_text([&] { with_preprocessing(two_inputs, {Rescaling()}); }),
            "with_preprocessing: model 'model' has 2 inputs; expected one");
}

}  // namespace
}  // namespace fovea
