// A batch of no samples gives empty outputs of the right shapes without running a kernel (oneDNN raised SIGFPE on
// them), as PyTorch does; training and scoring on no samples are refused, as Keras does.
#include <gtest/gtest.h>

#include "fovea/fovea.h"

namespace fovea {
namespace {

TEST(EmptyBatch, CallAndPredictGiveEmptyOutputsOfTheRightShape) {
  Sequential model = zoo::mnist_cnn();
  const Tensor none = Tensor::zeros({0, 28, 28, 1});
  EXPECT_EQ(model(none).shape(), Shape({0, 10}));
  EXPECT_EQ(model.predict(none).shape(), Shape({0, 10}));
  EXPECT_EQ(model.predict_on_batch(none).shape(), Shape({0, 10}));
  // float64 data is cast to the model's float32 weights, as Keras casts it.
  EXPECT_EQ(model.predict(Tensor::zeros({0, 28, 28, 1}, DType::f64)).dtype(), DType::f32);

  // Shapes known only from the data: a fully convolutional model on images of any size.
  SymbolicTensor x = Input({-1, -1, 3});
  SymbolicTensor features = Conv2D({.filters = 4, .kernel_size = {3}})(x);
  Model any_size(std::vector<SymbolicTensor>{x},
                 std::vector<SymbolicTensor>{features, GlobalAveragePooling2D()(features)});
  const std::vector<Tensor> out = any_size.call({Tensor::zeros({0, 9, 7, 3})});
  EXPECT_EQ(out[0].shape(), Shape({0, 7, 5, 4}));
  EXPECT_EQ(out[1].shape(), Shape({0, 4}));
}

TEST(EmptyBatch, FitAndEvaluateRefuseNoSamples) {
  Sequential model({InputLayer({3}), Dense({.units = 2})});
  model.compile({.optimizer = optimizers::SGD({}), .loss = "mse"});
  const Tensor x = Tensor::zeros({0, 3}), y = Tensor::zeros({0, 2});
  try {
    model.fit(x, y, {.verbose = 0});
    ADD_FAILURE() << "fit accepted no samples";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "Model.fit: x holds no samples (shape (0, 3)); expected at least one");
  }
  try {
    model.evaluate(x, y, {.verbose = 0});
    ADD_FAILURE() << "evaluate accepted no samples";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "Model.evaluate: x holds no samples (shape (0, 3)); expected at least one");
  }
}

}  // namespace
}  // namespace fovea
