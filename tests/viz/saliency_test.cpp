// Gradient saliency: equal to the gradient worked by hand, on the bright square a detector looks at, from stored
// pixels through a preprocessing front.
#include <gtest/gtest.h>

#include <cmath>

#include "error_text.h"
#include "fovea/fovea.h"
#include "fovea/viz/gradcam.h"

namespace fovea::viz {
namespace {

TEST(Saliency, EqualsTheGradientWorkedByHandInFloat64) {
  // Input (3, 3, 2) -> Flatten -> Dense 2 softmax: d logit_c / d x[i][j][k] = W[(i * 3 + j) * 2 + k][c].
  SymbolicTensor x = Input({3, 3, 2});
  Model model(x, Dense({.units = 2, .activation = ActivationKind::softmax, .name = "head"})(Flatten()(x)), "linear");
  Generator gen(6);
  for (Weight* w : model.weights()) w->value = Tensor::uniform(w->value.shape(), -1.0, 1.0, &gen, DType::f64);
  const Tensor image = Tensor::uniform({3, 3, 2}, 0.0, 1.0, &gen, DType::f64);
  const std::vector<double> w = model.get_layer("head")->weights()[0].value.to_vector();
  for (int c = 0; c < 2; ++c) {
    std::vector<double> expected(9);
    double top = 0;
    for (int p = 0; p < 9; ++p) {
      expected[p] = std::max(std::abs(w[(p * 2) * 2 + c]), std::abs(w[(p * 2 + 1) * 2 + c]));
      top = std::max(top, expected[p]);
    }
    const SaliencyResult r = saliency_map(model, image, {.class_index = c});
    EXPECT_EQ(r.target.index, c);
    EXPECT_TRUE(r.target.score_is_logit);
    EXPECT_NEAR(r.raw_max, top, 1e-12);
    ASSERT_EQ(r.saliency.shape(), Shape({3, 3}));
    const std::vector<double> got = r.saliency.to_vector();
    for (int p = 0; p < 9; ++p) EXPECT_NEAR(got[p], expected[p] / top, 1e-6) << "class " << c << " at " << p;
  }
  EXPECT_EQ(testing::error_text([&] { saliency_map(model, image, {.class_index = -2}); }),
            "class index -2 is out of range: model 'linear' has 2 classes (0 to 1; -1 for the predicted one)");
}

TEST(Saliency, LiesOnTheBrightSquareFromStoredPixels) {
  // A 3x3 box filter that fires inside bright patches (relu(mean - 0.5) of pixels / 255), max pooled, averaged.
  SymbolicTensor x = Input({16, 16, 1});
  SymbolicTensor h = Rescaling({.scale = 1.0 / 255})(x);
  h = Conv2D({.filters = 1, .kernel_size = {3}, .padding = Padding::same, .activation = ActivationKind::relu,
              .name = "box"})(h);
  h = GlobalAveragePooling2D()(MaxPooling2D({.pool_size = {2}})(h));
  Model model(x, Dense({.units = 2, .activation = ActivationKind::softmax, .name = "head"})(h), "squares");
  model.get_layer("box")->set_weights({Tensor::full({1, 1, 3, 3}, 1.0 / 9), Tensor::full({1}, -0.5)});
  model.get_layer("head")->set_weights({Tensor::from_vector({1, 2}, std::vector<double>{-20.0, 20.0}),
                                        Tensor::from_vector({2}, std::vector<double>{0.5, -0.5})});
  Generator gen(21);
  Tensor image = Tensor::uniform({16, 16, 1}, 0.0, 40.0, &gen);
  for (int i = 4; i < 10; ++i)
    for (int j = 8; j < 14; ++j) image.data<float>()[i * 16 + j] = 255.0f;

  const SaliencyResult r = saliency_map(model, image.to(DType::u8));
  EXPECT_EQ(r.target.index, 1);
  ASSERT_EQ(r.saliency.shape(), Shape({16, 16}));
  const std::vector<double> v = r.saliency.to_vector();
  double inside = 0, total = 0;
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 16; ++j) {
      total += v[i * 16 + j];
      if (i >= 4 && i < 10 && j >= 8 && j < 14) inside += v[i * 16 + j];
    }
  EXPECT_GT(inside / total, 0.7);
  // d / d pixel through Rescaling's 1/255: 20 * (1/64) * (1/9) / 255 on each pixel a fired max touches.
  EXPECT_GT(r.raw_max, 0.0);
}

}  // namespace
}  // namespace fovea::viz
