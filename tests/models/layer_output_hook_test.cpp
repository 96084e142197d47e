// Model::call_with_hook: every layer application's output passes through the hook, which may replace it (how
// Grad-CAM reads the gradient at an intermediate layer); no fusion hides an output from it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "error_text.h"
#include "fovea/fovea.h"

namespace fovea {
namespace {

// Padding read by a 'valid' convolution, conv -> batch norm -> add -> relu: what call() fuses.
Model fusable_block() {
  SymbolicTensor x = Input({6, 6, 3}, "image");
  SymbolicTensor h = ZeroPadding2D({.padding = 1})(x);
  h = Conv2D({.filters = 3, .kernel_size = {3}, .use_bias = false, .name = "conv"})(h);
  h = BatchNormalization({.name = "bn"})(h);
  h = Add({.name = "add"})({h, x});
  SymbolicTensor y = ReLU({.name = "relu"})(h);
  return Model(x, y, "block");
}

Tensor random_image(const Shape& shape) {
  Generator gen(3);
  return Tensor::uniform(shape, -1.0, 1.0, &gen);
}

TEST(LayerOutputHook, SeesEveryNodeInOrderAndChangesNothingWhenReturningTheOutput) {
  Model model = fusable_block();
  const Tensor x = random_image({2, 6, 6, 3});
  std::vector<std::string> seen;
  std::vector<Tensor> hooked;
  {
    autograd::NoGradGuard no_grad;  // call() fuses the whole chain here
    hooked = model.call_with_hook({x}, [&](const GraphNode& node, const Tensor& output) {
      seen.push_back(node.layer->name());
      return output;
    });
    const std::vector<Tensor> plain = model.call({x});
    const std::vector<double> a = plain[0].to_vector();
    const std::vector<double> b = hooked[0].to_vector();
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5) << i;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"image", "zero_padding2d", "conv", "bn", "add", "relu"}));
}

TEST(LayerOutputHook, AReplacedOutputIsWhatLaterLayersRead) {
  Model model = fusable_block();
  const Tensor x = random_image({1, 6, 6, 3});
  const std::vector<Tensor> out = model.call_with_hook({x}, [&](const GraphNode& node, const Tensor& output) {
    return node.layer->name() == "bn" ? Tensor::zeros(output.shape()) : output;
  });
  // relu(0 + x) is what remains.
  const std::vector<double> y = out[0].to_vector();
  const std::vector<double> in = x.to_vector();
  for (size_t i = 0; i < y.size(); ++i) EXPECT_FLOAT_EQ(y[i], std::max(0.0, in[i])) << i;
}

TEST(LayerOutputHook, ALeafPutInTheGraphReceivesTheGradient) {
  SymbolicTensor x = Input({3});
  SymbolicTensor h = Dense({.units = 2, .name = "hidden"})(x);
  SymbolicTensor y = Dense({.units = 1, .use_bias = false, .name = "out"})(h);
  Model model(x, y);
  model.get_layer("out")->set_weights({Tensor::from_vector({2, 1}, std::vector<double>{3.0, -2.0})});
  Tensor leaf;
  const std::vector<Tensor> out = model.call_with_hook({Tensor::ones({1, 3})}, [&](const GraphNode& node, const Tensor& output) {
    if (node.layer->name() != "hidden") return output;
    leaf = output.detach();
    leaf.set_requires_grad(true);
    return leaf;
  });
  out[0].backward(Tensor::ones({1, 1}));
  ASSERT_TRUE(leaf.grad().defined());
  EXPECT_EQ(leaf.grad().to_vector(), (std::vector<double>{3.0, -2.0}));
  // The layers before the leaf are cut off: their weights got nothing.
  EXPECT_FALSE(model.get_layer("hidden")->weights()[0].value.grad().defined());
}

TEST(LayerOutputHook, AnEmptyBatchRunsNoHookAndAnUnbuiltSequentialIsRefused) {
  Model model = fusable_block();
  int calls = 0;
  const std::vector<Tensor> out = model.call_with_hook({Tensor::zeros({0, 6, 6, 3})}, [&](const GraphNode&, const Tensor& t) {
    ++calls;
    return t;
  });
  EXPECT_EQ(out[0].shape(), Shape({0, 6, 6, 3}));
  EXPECT_EQ(calls, 0);

  Sequential seq({Dense({.units = 2})}, "seq");
  EXPECT_EQ(testing::error_text([&] {
              seq.call_with_hook({Tensor::ones({1, 3})}, [](const GraphNode&, const Tensor& t) { return t; });
            }),
            "model 'seq' has no input shape yet; build() it or call it once before call_with_hook");
}

}  // namespace
}  // namespace fovea
