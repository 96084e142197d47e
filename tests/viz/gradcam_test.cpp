// Grad-CAM: equal to the formula worked by hand in float64, on the bright square a detector looks at, through
// branches, on a model exported to ONNX and imported again, from several threads; layer choice and its errors;
// the overlay picture.
#include "fovea/viz/gradcam.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <thread>

#include "error_text.h"
#include "fovea/fovea.h"
#include "fovea/io/onnx.h"

namespace fovea::viz {
namespace {

// Replaces every weight by float64 values drawn from a seeded generator: the model then runs in float64 on the
// reference backend.
void set_f64_weights(Model& model, uint64_t seed) {
  Generator gen(seed);
  for (Weight* w : model.weights()) {
    w->value = Tensor::uniform(w->value.shape(), -1.0, 1.0, &gen, DType::f64);
    w->value.set_requires_grad(true);
  }
}

std::vector<double> values_of(const Tensor& t) { return t.to_vector(); }

// Input (5, 5, 1) -> Conv2D 2x3x3 relu ('conv') -> Flatten -> Dense 2 softmax ('head').
Model flatten_net() {
  SymbolicTensor x = Input({5, 5, 1});
  SymbolicTensor h = Conv2D({.filters = 2, .kernel_size = {3}, .activation = ActivationKind::relu, .name = "conv"})(x);
  SymbolicTensor y = Dense({.units = 2, .activation = ActivationKind::softmax, .name = "head"})(Flatten()(h));
  return Model(x, y, "flat");
}

TEST(GradCam, EqualsTheFormulaWorkedByHandInFloat64) {
  Model model = flatten_net();
  set_f64_weights(model, 11);
  Generator gen(5);
  const Tensor image = Tensor::uniform({5, 5, 1}, 0.0, 1.0, &gen, DType::f64);
  const std::vector<double> x = values_of(image);
  const std::vector<double> kernel = values_of(model.get_layer("conv")->weights()[0].value);  // (2, 1, 3, 3)
  const std::vector<double> kbias = values_of(model.get_layer("conv")->weights()[1].value);
  const std::vector<double> dense = values_of(model.get_layer("head")->weights()[0].value);  // (18, 2)
  const std::vector<double> dbias = values_of(model.get_layer("head")->weights()[1].value);

  // A (3, 3, 2): the convolution by its definition.
  double a[3][3][2];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 2; ++k) {
        double s = kbias[k];
        for (int u = 0; u < 3; ++u)
          for (int v = 0; v < 3; ++v) s += kernel[k * 9 + u * 3 + v] * x[(i + u) * 5 + (j + v)];
        a[i][j][k] = std::max(0.0, s);
      }
  double logits[2];
  for (int c = 0; c < 2; ++c) {
    logits[c] = dbias[c];
    for (int f = 0; f < 18; ++f) logits[c] += a[f / 6][(f / 2) % 3][f % 2] * dense[f * 2 + c];
  }
  for (int c = 0; c < 2; ++c) {
    // d logit_c / d A[i][j][k] is the Dense weight of the flattened position (i * 3 + j) * 2 + k.
    double alpha[2] = {0, 0};
    for (int f = 0; f < 18; ++f) alpha[f % 2] += dense[f * 2 + c] / 9.0;
    double cam[9];
    double top = 0;
    for (int p = 0; p < 9; ++p) {
      cam[p] = std::max(0.0, alpha[0] * a[p / 3][p % 3][0] + alpha[1] * a[p / 3][p % 3][1]);
      top = std::max(top, cam[p]);
    }
    const GradCamResult r = grad_cam(model, image, {.class_index = c});
    EXPECT_EQ(r.layer, "conv");
    EXPECT_EQ(r.target.index, c);
    EXPECT_TRUE(r.target.score_is_logit);
    EXPECT_NEAR(r.target.score, logits[c], 1e-9);
    EXPECT_NEAR(r.target.output, std::exp(logits[c]) / (std::exp(logits[0]) + std::exp(logits[1])), 1e-9);
    EXPECT_NEAR(r.raw_max, top, 1e-9 * std::max(1.0, top));
    ASSERT_EQ(r.layer_heatmap.shape(), Shape({3, 3}));
    ASSERT_EQ(r.heatmap.shape(), Shape({5, 5}));
    const std::vector<double> got = values_of(r.layer_heatmap);
    for (int p = 0; p < 9; ++p) EXPECT_NEAR(got[p], top > 0 ? cam[p] / top : 0.0, 1e-5) << "class " << c << " at " << p;
  }
  // The weights' gradients are left as they were (none).
  for (Weight* w : model.weights()) EXPECT_FALSE(w->value.grad().defined()) << w->name;
}

TEST(GradCam, ChannelsFirstEqualsTheFormulaWorkedByHand) {
  // Input (1, 4, 4) -> Conv2D 3x3x3 same relu, channels_first -> global average -> Dense 3 softmax:
  // d logit_c / d A[k][i][j] = W[k][c] / 16, so alpha_k = W[k][c] / 16.
  SymbolicTensor in = Input({1, 4, 4});
  SymbolicTensor h = Conv2D({.filters = 3, .kernel_size = {3}, .padding = Padding::same,
                             .data_format = DataFormat::channels_first, .activation = ActivationKind::relu})(in);
  h = GlobalAveragePooling2D({.data_format = DataFormat::channels_first})(h);
  Model model(in, Dense({.units = 3, .activation = ActivationKind::softmax})(h), "cf");
  set_f64_weights(model, 4);
  Generator gen(9);
  const Tensor image = Tensor::uniform({1, 1, 4, 4}, 0.0, 1.0, &gen, DType::f64);
  const std::vector<double> x = values_of(image);
  const std::vector<double> kernel = values_of(model.layers()[1]->weights()[0].value);  // (3, 1, 3, 3)
  const std::vector<double> kbias = values_of(model.layers()[1]->weights()[1].value);
  const std::vector<double> dense = values_of(model.layers()[3]->weights()[0].value);  // (3, 3)
  for (int c = 0; c < 3; ++c) {
    std::vector<double> cam(16, 0.0);
    double top = 0;
    for (int p = 0; p < 16; ++p) {
      double v = 0;
      for (int k = 0; k < 3; ++k) {
        double s = kbias[k];
        for (int u = -1; u <= 1; ++u)
          for (int w = -1; w <= 1; ++w) {
            const int i = p / 4 + u, j = p % 4 + w;
            if (i >= 0 && i < 4 && j >= 0 && j < 4) s += kernel[k * 9 + (u + 1) * 3 + (w + 1)] * x[i * 4 + j];
          }
        v += dense[k * 3 + c] / 16.0 * std::max(0.0, s);
      }
      cam[p] = std::max(0.0, v);
      top = std::max(top, cam[p]);
    }
    const GradCamResult r = grad_cam(model, image, {.class_index = c});
    EXPECT_EQ(r.layer, model.layers()[1]->name());
    EXPECT_EQ(r.heatmap.shape(), Shape({4, 4}));  // the input's (1, 4, 4) read channels first
    EXPECT_NEAR(r.raw_max, top, 1e-9 * std::max(1.0, top));
    const std::vector<double> got = values_of(r.layer_heatmap);
    for (int p = 0; p < 16; ++p) EXPECT_NEAR(got[p], top > 0 ? cam[p] / top : 0.0, 1e-5) << "class " << c;
  }
}

// A detector of bright squares with set weights: a 3x3 box filter fires (relu(mean - 0.5)) only inside a bright
// patch; max pooling, global average, and the Dense says class 1 when anything fired.
Model square_detector() {
  SymbolicTensor x = Input({16, 16, 1});
  SymbolicTensor h = Rescaling({.scale = 1.0 / 255})(x);
  h = Conv2D({.filters = 1, .kernel_size = {3}, .padding = Padding::same, .activation = ActivationKind::relu,
              .name = "box"})(h);
  h = MaxPooling2D({.pool_size = {2}, .name = "pool"})(h);
  h = GlobalAveragePooling2D()(h);
  Model model(x, Dense({.units = 2, .activation = ActivationKind::softmax, .name = "head"})(h), "squares");
  model.get_layer("box")->set_weights({Tensor::full({1, 1, 3, 3}, 1.0 / 9), Tensor::full({1}, -0.5)});
  model.get_layer("head")->set_weights(
      {Tensor::from_vector({1, 2}, std::vector<double>{-20.0, 20.0}), Tensor::from_vector({2}, std::vector<double>{0.5, -0.5})});
  return model;
}

// A dim noisy 16x16 image with a bright 6x6 square at rows 4-9, columns 8-13.
Tensor square_image(bool with_square) {
  Generator gen(21);
  Tensor image = Tensor::uniform({16, 16, 1}, 0.0, 40.0, &gen);
  if (with_square) {
    float* p = image.data<float>();
    for (int i = 4; i < 10; ++i)
      for (int j = 8; j < 14; ++j) p[i * 16 + j] = 255.0f;
  }
  return image;
}

double mass_in_square(const Tensor& map) {
  const std::vector<double> v = map.to_vector();
  double inside = 0, total = 0;
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 16; ++j) {
      total += v[i * 16 + j];
      if (i >= 4 && i < 10 && j >= 8 && j < 14) inside += v[i * 16 + j];
    }
  return inside / total;
}

TEST(GradCam, TheHeatmapLiesOnTheBrightSquare) {
  Model model = square_detector();
  const GradCamResult none = grad_cam(model, square_image(false));
  EXPECT_EQ(none.target.index, 0);
  const GradCamResult r = grad_cam(model, square_image(true));
  EXPECT_EQ(r.target.index, 1);
  EXPECT_GT(r.target.output, 0.5);
  EXPECT_EQ(r.layer, "box");  // the last convolution, not the pooling after it
  EXPECT_EQ(r.layer_shape, Shape({-1, 16, 16, 1}));
  EXPECT_EQ(r.heatmap.shape(), Shape({16, 16}));
  EXPECT_GT(r.raw_max, 0.0);
  EXPECT_GT(mass_in_square(r.heatmap), 0.9);
  // The layer chosen by name: the coarser pooled map still points at the square.
  const GradCamResult pool = grad_cam(model, square_image(true), {.layer = "pool"});
  EXPECT_EQ(pool.layer, "pool");
  EXPECT_EQ(pool.layer_heatmap.shape(), Shape({8, 8}));
  EXPECT_GT(mass_in_square(pool.heatmap), 0.7);
}

TEST(GradCam, StoredPixelsGoThroughThePreprocessingFront) {
  Model model = square_detector();
  const Tensor image = square_image(true);
  const GradCamResult from_float = grad_cam(model, image);
  const GradCamResult from_bytes = grad_cam(model, image.to(DType::u8).view({1, 16, 16, 1}));
  EXPECT_EQ(from_bytes.target.index, 1);
  EXPECT_GT(mass_in_square(from_bytes.heatmap), 0.7);
  EXPECT_EQ(from_bytes.layer_heatmap.shape(), from_float.layer_heatmap.shape());
}

// A residual block whose first activation feeds both the next convolution and the shortcut.
Model residual_net() {
  SymbolicTensor x = Input({4, 4, 2});
  SymbolicTensor a = Conv2D({.filters = 2, .kernel_size = {3}, .padding = Padding::same, .activation = ActivationKind::relu,
                             .name = "stem"})(x);
  SymbolicTensor h = Conv2D({.filters = 2, .kernel_size = {3}, .padding = Padding::same, .name = "inner"})(a);
  h = BatchNormalization({.name = "bn"})(h);
  h = ReLU({.name = "out_relu"})(Add({.name = "add"})({h, a}));
  h = GlobalAveragePooling2D()(h);
  return Model(x, Dense({.units = 3, .activation = ActivationKind::softmax, .name = "head"})(h), "residual");
}

TEST(GradCam, ThroughBranchesEqualsCentralDifferences) {
  Model model = residual_net();
  set_f64_weights(model, 8);
  Generator gen(2);
  const Tensor image = Tensor::uniform({1, 4, 4, 2}, -1.0, 1.0, &gen, DType::f64);
  // The logit of class 2 with the stem's output replaced: the Dense's input times its kernel, plus its bias.
  auto logit = [&](const Tensor& stem) {
    autograd::NoGradGuard no_grad;
    Tensor pooled;
    model.call_with_hook({image}, [&](const GraphNode& node, const Tensor& out) {
      if (node.layer->name() == "stem") return stem;
      if (node.layer->class_name() == "GlobalAveragePooling2D") pooled = out;
      return out;
    });
    const std::vector<double> p = pooled.to_vector();
    const std::vector<double> w = model.get_layer("head")->weights()[0].value.to_vector();
    double z = model.get_layer("head")->weights()[1].value.to_vector()[2];
    for (int k = 0; k < 2; ++k) z += p[k] * w[k * 3 + 2];
    return z;
  };
  Tensor stem;
  {
    autograd::NoGradGuard no_grad;
    model.call_with_hook({image}, [&](const GraphNode& node, const Tensor& out) {
      if (node.layer->name() == "stem") stem = out.clone();
      return out;
    });
  }
  const std::vector<double> a = stem.to_vector();  // (1, 4, 4, 2)
  std::vector<double> alpha(2, 0.0);
  for (size_t e = 0; e < a.size(); ++e) {
    const double h = 1e-6;
    Tensor plus = stem.clone(), minus = stem.clone();
    plus.data<double>()[e] += h;
    minus.data<double>()[e] -= h;
    alpha[e % 2] += (logit(plus) - logit(minus)) / (2 * h) / 16.0;
  }
  std::vector<double> cam(16);
  double top = 0;
  for (int p = 0; p < 16; ++p) {
    cam[p] = std::max(0.0, alpha[0] * a[p * 2] + alpha[1] * a[p * 2 + 1]);
    top = std::max(top, cam[p]);
  }
  const GradCamResult r = grad_cam(model, image, {.class_index = 2, .layer = "stem"});
  EXPECT_NEAR(r.raw_max, top, 1e-6 * std::max(1.0, top));
  const std::vector<double> got = r.layer_heatmap.to_vector();
  for (int p = 0; p < 16; ++p) EXPECT_NEAR(got[p], top > 0 ? cam[p] / top : 0.0, 1e-5) << p;
  // The default layer is the last spatial one, after the merge.
  EXPECT_EQ(grad_cam(model, image).layer, "out_relu");
}

// A small channels_last network with the operators an exporter transposes around.
Model export_net() {
  SymbolicTensor x = Input({12, 12, 3});
  SymbolicTensor h = Conv2D({.filters = 4, .kernel_size = {3}, .padding = Padding::same, .activation = ActivationKind::relu})(x);
  h = BatchNormalization()(h);
  h = MaxPooling2D({.pool_size = {2}})(h);
  h = Conv2D({.filters = 6, .kernel_size = {3}, .padding = Padding::same})(h);
  h = ReLU()(h);
  h = GlobalAveragePooling2D()(h);
  return Model(x, Dense({.units = 3, .activation = ActivationKind::softmax})(h), "exported");
}

std::string temp_file(const std::string& name) {
  return (std::filesystem::path(::testing::TempDir()) / ("fovea_" + std::to_string(getpid()) + "_" + name)).string();
}

TEST(GradCam, AModelImportedFromOnnxGivesTheSameHeatmap) {
  manual_seed(17);
  Model model = export_net();
  Generator gen(3);
  for (Weight* w : model.weights()) {
    if (w->name == "moving_variance") w->value.copy_(Tensor::uniform(w->value.shape(), 0.5, 2.0, &gen));
    else w->value.copy_(Tensor::uniform(w->value.shape(), -1.0, 1.0, &gen));
  }
  const std::string path = temp_file("gradcam.onnx");
  export_onnx(model, path);
  std::shared_ptr<Model> imported = import_onnx(path);
  std::filesystem::remove(path);
  const Tensor image = Tensor::uniform({12, 12, 3}, 0.0, 1.0, &gen);
  for (int c = 0; c < 3; ++c) {
    const GradCamResult a = grad_cam(model, image, {.class_index = c});
    const GradCamResult b = grad_cam(*imported, image, {.class_index = c});
    EXPECT_EQ(a.layer, "re_lu");
    EXPECT_EQ(b.layer_heatmap.shape(), Shape({6, 6})) << b.layer << " " << b.layer_shape.to_string(true);
    EXPECT_TRUE(b.target.score_is_logit);
    EXPECT_NEAR(a.target.score, b.target.score, 1e-4);
    EXPECT_NEAR(a.raw_max, b.raw_max, 1e-4 * std::max(1.0, a.raw_max));
    ASSERT_EQ(a.heatmap.shape(), b.heatmap.shape());
    const std::vector<double> x = a.heatmap.to_vector(), y = b.heatmap.to_vector();
    for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], 1e-4) << "class " << c << " at " << i;
    const SaliencyResult sa = saliency_map(model, image, {.class_index = c});
    const SaliencyResult sb = saliency_map(*imported, image, {.class_index = c});
    const std::vector<double> u = sa.saliency.to_vector(), v = sb.saliency.to_vector();
    ASSERT_EQ(u.size(), v.size());
    for (size_t i = 0; i < u.size(); ++i) EXPECT_NEAR(u[i], v[i], 1e-4) << "saliency, class " << c << " at " << i;
  }
}

TEST(GradCam, ZooResNetInBothLayoutsPicksItsLastBlock) {
  for (const Layout layout : {Layout::channels_last, Layout::channels_first}) {
    const Shape shape = layout == Layout::channels_last ? Shape{64, 48, 3} : Shape{3, 64, 48};
    std::shared_ptr<Model> net = zoo::create("resnet18", {.input_shape = shape, .num_classes = 5, .data_format = layout});
    Generator gen(1);
    const GradCamResult r = grad_cam(*net, Tensor::uniform(shape, 0.0, 1.0, &gen));
    // The last activation before the global pooling: a 2x2 map (64x48 / 32), at the input's 64x48.
    EXPECT_EQ(r.layer, grad_cam_layers(*net).back());
    EXPECT_EQ(r.layer_heatmap.shape(), Shape({2, 2})) << r.layer << " " << r.layer_shape.to_string(true);
    EXPECT_EQ(r.heatmap.shape(), Shape({64, 48}));
    EXPECT_GE(r.target.index, 0);
    EXPECT_LT(r.target.index, 5);
  }
}

TEST(GradCam, TheDefaultIsTheLastConvolutionNotThePoolingAfterIt) {
  // The seed's MNIST CNN: conv, conv, max pooling, dropout, dense; the pooled map is coarser than what the last
  // convolution saw, so the default is the convolution, as in Keras's Grad-CAM example.
  std::shared_ptr<Model> net = zoo::create("mnist-cnn", {.input_shape = {28, 28, 1}, .num_classes = 10});
  const std::vector<std::string> spatial = grad_cam_layers(*net);
  ASSERT_GE(spatial.size(), 4u);
  const GradCamResult r = grad_cam(*net, Tensor::uniform({28, 28, 1}, 0.0, 1.0));
  EXPECT_EQ(r.layer, "conv2d_1");
  EXPECT_EQ(r.layer_shape, Shape({-1, 24, 24, 64}));
}

TEST(GradCam, LayerChoiceAndItsErrors) {
  Model model = flatten_net();
  const Tensor image = Tensor::ones({5, 5, 1});
  EXPECT_EQ(grad_cam_layers(model), (std::vector<std::string>{"conv"}));
  EXPECT_EQ(grad_cam(model, image).layer, "conv");
  EXPECT_EQ(grad_cam(model, image, {.layer = "conv"}).layer_shape, Shape({-1, 3, 3, 2}));
  EXPECT_EQ(testing::error_text([&] { grad_cam(model, image, {.layer = "nope"}); }),
            "grad_cam: model 'flat' has no layer named 'nope'; the layers Grad-CAM can use: conv");
  EXPECT_EQ(testing::error_text([&] { grad_cam(model, image, {.layer = "head"}); }),
            "grad_cam: layer 'head' (Dense) has output shape (None, 2), not a spatial map with two spatial axes; "
            "choose one of: conv");
  EXPECT_EQ(testing::error_text([&] { grad_cam(model, image, {.class_index = 2}); }),
            "class index 2 is out of range: model 'flat' has 2 classes (0 to 1; -1 for the predicted one)");
  EXPECT_EQ(testing::error_text([&] { grad_cam(model, Tensor::ones({2, 5, 5, 1})); }),
            "grad_cam: expected one image, (H, W, C) or a batch of one (1, H, W, C) in the model's layout, but got "
            "shape (2, 5, 5, 1)");
  {
    autograd::NoGradGuard no_grad;
    EXPECT_EQ(testing::error_text([&] { grad_cam(model, image); }),
              "grad_cam differentiates the model: call it where gradient recording is on (not under a NoGradGuard)");
  }
  SymbolicTensor x = Input({4});
  Model dense_only(x, Dense({.units = 2})(x), "mlp");
  EXPECT_EQ(testing::error_text([&] { grad_cam(dense_only, Tensor::ones({4})); }),
            "grad_cam: model 'mlp' takes inputs of shape (None, 4); only models of 2-D images, (batch, H, W, C) or "
            "(batch, C, H, W), are supported");
}

TEST(GradCam, ScoresAreTheModelsOutputWithoutASoftmax) {
  SymbolicTensor x = Input({4, 4, 1});
  SymbolicTensor h = Conv2D({.filters = 2, .kernel_size = {3}, .padding = Padding::same})(x);
  Model model(x, Dense({.units = 2})(GlobalAveragePooling2D()(h)), "linear_head");
  const GradCamResult r = grad_cam(model, Tensor::ones({4, 4, 1}), {.class_index = 1});
  EXPECT_FALSE(r.target.score_is_logit);
  EXPECT_EQ(r.target.score, r.target.output);
}

TEST(GradCam, ConcurrentCallsAgreeWithOneAtATime) {
  Model model = residual_net();
  Generator gen(4);
  const Tensor image = Tensor::uniform({4, 4, 2}, 0.0, 1.0, &gen);
  const std::vector<double> serial = grad_cam(model, image, {.layer = "stem"}).heatmap.to_vector();
  std::vector<std::vector<double>> results(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) results[t] = grad_cam(model, image, {.layer = "stem"}).heatmap.to_vector();
    });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& r : results) EXPECT_EQ(r, serial);
}

TEST(Overlay, BlendsTheColourMapOverTheImageAndExpandsGray) {
  const Tensor gray = Tensor::full({2, 3, 1}, 100.0);
  const Tensor heat = Tensor::from_vector({2, 3}, std::vector<double>{0, 0.5, 1, 1, 0.5, 0});
  const Tensor same = overlay_heatmap(gray, heat, {.alpha = 0.0});
  EXPECT_EQ(same.shape(), Shape({2, 3, 3}));
  EXPECT_EQ(same.dtype(), DType::f32);
  for (const double v : same.to_vector()) EXPECT_FLOAT_EQ(v, 100.0);
  const Tensor colour = overlay_heatmap(gray, heat, {.alpha = 1.0});
  EXPECT_EQ(colour.to_vector(), apply_colormap(heat).to_vector());
  const Tensor half = overlay_heatmap(gray, heat, {.alpha = 0.5, .colormap = Colormap::gray});
  EXPECT_FLOAT_EQ(half.at({0, 2, 1}), 0.5 * 100 + 0.5 * 255);
  // A heatmap at another resolution is resized to the image; a channels-first image is read as such.
  const Tensor rgb_chw = Tensor::full({3, 4, 6}, 10.0);
  EXPECT_EQ(overlay_heatmap(rgb_chw, heat, {.image_format = Layout::channels_first}).shape(), Shape({4, 6, 3}));
  EXPECT_EQ(testing::error_text([&] { overlay_heatmap(gray, heat, {.alpha = 2}); }),
            "overlay_heatmap: alpha must be in [0, 1], got 2");
  EXPECT_EQ(testing::error_text([&] { overlay_heatmap(Tensor::ones({2, 3, 2}), heat); }),
            "overlay_heatmap: the image needs 1 or 3 channels, got shape (2, 3, 2)");
}

TEST(Overlay, NormalizedImagesAreStretched) {
  const Tensor image = Tensor::from_vector({1, 2, 1}, std::vector<double>{-1.0, 1.0});
  const Tensor out = overlay_heatmap(image, Tensor::zeros({1, 2}), {.alpha = 0.0, .normalize_image = true});
  EXPECT_EQ(out.to_vector(), (std::vector<double>{0, 0, 0, 255, 255, 255}));
}

}  // namespace
}  // namespace fovea::viz
