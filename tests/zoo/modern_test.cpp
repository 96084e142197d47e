// The zoo's modern networks (src/zoo/googlenet.cpp, resnet.cpp, densenet.cpp, wavenet.cpp): torchvision's
// trainable-parameter counts, one SGD step per network at a small input, ceil-mode pooling against a hand-written
// reference, WaveNet's receptive field and causality, the options and their errors.
#include "fovea/zoo/modern.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>

#include "fovea/autograd/autograd.h"
#include "fovea/fovea.h"
#include "zoo/modern.h"

namespace fovea {
namespace {

// The symbolic output of the model's node for this layer (the first call of it).
SymbolicTensor output_of(const Model& model, const std::string& layer_name) {
  for (const auto& node : model.nodes()) {
    if (node->layer->name() == layer_name) return SymbolicTensor(node);
  }
  ADD_FAILURE() << "no layer '" << layer_name << "' in " << model.name();
  return {};
}

Tensor random_tensor(const Shape& shape, uint64_t seed) {
  Generator gen(seed);
  return Tensor::normal(shape, 0.0, 1.0, &gen);
}

// One training step as in CI: forward in training mode (batch 2), sparse cross-entropy summed over the outputs with
// the given weights (torchvision trains GoogLeNet's auxiliary heads at 0.3), backward, one SGD step. Checks every
// output's shape, that the loss is finite, and that the first convolution's kernel and the last layer's weights
// changed.
void expect_one_training_step(Model& model, const Tensor& x, const Tensor& labels,
                              const std::vector<Shape>& output_shapes,
                              const std::vector<double>& loss_weights = {1.0}) {
  std::vector<Weight*> weights = model.weights();
  Weight* first = nullptr;
  Weight* last = nullptr;
  for (Weight* w : weights) {
    if (!w->trainable) continue;
    if (first == nullptr) first = w;
    last = w;
  }
  ASSERT_NE(first, nullptr);
  const Tensor first_before = first->value.clone(), last_before = last->value.clone();

  std::vector<Tensor> outputs = model.call({x}, /*training=*/true);
  ASSERT_EQ(outputs.size(), output_shapes.size());
  losses::SparseCategoricalCrossentropy cross_entropy;
  Tensor total;
  for (size_t i = 0; i < outputs.size(); ++i) {
    EXPECT_EQ(outputs[i].shape(), output_shapes[i]) << model.name() << " output " << i;
    Tensor term = mul(cross_entropy(labels, outputs[i]), Tensor::scalar(loss_weights[i]));
    total = total.defined() ? add(total, term) : term;
  }
  const double loss = total.item();
  EXPECT_TRUE(std::isfinite(loss)) << model.name() << " loss " << loss;
  total.backward();
  optimizers::SGD({.learning_rate = 0.1})->step(weights);

  auto changed = [](const Tensor& before, const Tensor& after) {
    std::vector<double> a = before.to_vector(), b = after.to_vector();
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) return true;
    }
    return false;
  };
  EXPECT_TRUE(changed(first_before, first->value)) << model.name() << ": " << first->name << " did not change";
  EXPECT_TRUE(changed(last_before, last->value)) << model.name() << ": " << last->name << " did not change";
}

Tensor labels_2(double a, double b) { return Tensor::from_vector(Shape{2}, std::vector<double>{a, b}); }

std::string error_text(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ValueError& e) {
    return e.what();
  }
  return "(no ValueError)";
}

// ---- ResNet ----

// The counts are torchvision's at 224x224x3 with 1000 classes; global average pooling makes them independent of
// the input size, so the 32x32 models the training step needs can be counted too (one build per network).
TEST(ZooModernTest, ResNetsCountLikeTorchvisionAndTrainOneStep) {
  struct Case {
    Model (*make)(const zoo::ZooOptions&);
    int64_t trainable;
  };
  const Case cases[] = {{zoo::resnet18, 11689512},
                        {zoo::resnet34, 21797672},
                        {zoo::resnet50, 25557032},
                        {zoo::resnet101, 44549160},
                        {zoo::resnet152, 60192808}};
  for (const Case& c : cases) {
    Model net = c.make({.input_shape = {32, 32, 3}});
    EXPECT_EQ(net.count_trainable_params(), c.trainable) << net.name();
    expect_one_training_step(net, random_tensor({2, 32, 32, 3}, 1), labels_2(3, 999), {Shape{2, 1000}});
  }
}

TEST(ZooModernTest, ResNetBlocksFollowTorchvision) {
  Model net = zoo::resnet50({.input_shape = {64, 64, 3}, .include_top = false});
  // v1.5: conv3_block1 strides its 3x3 (its 1x1 keeps 16x16); the shortcut is a strided 1x1 + batch norm.
  EXPECT_EQ(output_of(net, "conv3_block1_1_conv").shape(), (Shape{-1, 16, 16, 128}));
  EXPECT_EQ(output_of(net, "conv3_block1_2_conv").shape(), (Shape{-1, 8, 8, 128}));
  EXPECT_EQ(output_of(net, "conv3_block1_0_bn").shape(), (Shape{-1, 8, 8, 512}));
  // The stem pads 3 and then 1 on both sides as PyTorch does: 64 -> 32 -> 16.
  EXPECT_EQ(output_of(net, "pool1_pool").shape(), (Shape{-1, 16, 16, 64}));
  // include_top=false ends at the last block: 64 / 32 = 2.
  EXPECT_EQ(net.outputs()[0].shape(), (Shape{-1, 2, 2, 2048}));
  // Batch-norm moving statistics are non-trainable: 2 per channel of the 53 batch norms, whose channels are
  // conv1's 64, (w + w + 4w) per block and 4w per stage shortcut: 64 + (3*6*64 + 256) + (4*6*128 + 512) +
  // (6*6*256 + 1024) + (3*6*512 + 2048) = 26,560 (torchvision's running_mean and running_var).
  EXPECT_EQ(net.count_non_trainable_params(), 2 * 26560);
  // torchvision: 25,557,032 - the classifier's 2048 * 1000 + 1000.
  EXPECT_EQ(net.count_trainable_params(), 25557032 - 2049000);
}

// ---- DenseNet ----

TEST(ZooModernTest, DenseNetsCountLikeTorchvisionAndTrainOneStep) {
  struct Case {
    Model (*make)(const zoo::ZooOptions&);
    int64_t trainable;
  };
  const Case cases[] = {{zoo::densenet121, 7978856}, {zoo::densenet169, 14149480}, {zoo::densenet201, 20013928}};
  for (const Case& c : cases) {
    Model net = c.make({.input_shape = {32, 32, 3}});
    EXPECT_EQ(net.count_trainable_params(), c.trainable) << net.name();
    expect_one_training_step(net, random_tensor({2, 32, 32, 3}, 2), labels_2(0, 7), {Shape{2, 1000}});
  }
}

TEST(ZooModernTest, DenseNetChannelsGrowAndHalve) {
  Model net =
      zoo::densenet121({.input_shape = {3, 32, 32}, .include_top = false, .data_format = Layout::channels_first});
  // Block 1: 64 + 6 * 32 = 256 channels at 8x8; transition: 128 at 4x4; block 2: 128 + 12 * 32 = 512.
  EXPECT_EQ(output_of(net, "conv2_block6_concat").shape(), (Shape{-1, 256, 8, 8}));
  EXPECT_EQ(output_of(net, "pool2_pool").shape(), (Shape{-1, 128, 4, 4}));
  EXPECT_EQ(output_of(net, "conv3_block12_concat").shape(), (Shape{-1, 512, 4, 4}));
  // Block 4 ends at 512 + 16 * 32 = 1024 channels, 1x1; include_top=false keeps the final batch norm and relu.
  EXPECT_EQ(net.outputs()[0].shape(), (Shape{-1, 1024, 1, 1}));
  EXPECT_EQ(net.layers().back()->name(), "relu");
}

// ---- GoogLeNet ----

TEST(ZooModernTest, GoogLeNetCountsLikeTorchvisionAndTrainsOneStep) {
  // The smallest input: 15 -> conv1 8 -> pools 4, 2, 1, 1. The count holds at any size (global pooling).
  Model net = zoo::googlenet({.input_shape = {15, 15, 3}});
  EXPECT_EQ(net.count_trainable_params(), 6624904);
  expect_one_training_step(net, random_tensor({2, 15, 15, 3}, 3), labels_2(5, 0), {Shape{2, 1000}});
}

TEST(ZooModernTest, GoogLeNetAuxiliaryHeads) {
  // torchvision with aux_logits: 6,624,904 + aux1 (512 * 128 conv, 256 batch norm, 2048 * 1024 + 1024,
  // 1024 * 1000 + 1000 = 3,188,968) + aux2 (the same from 528 channels: 3,191,016).
  Model full = zoo::googlenet({}, {.aux_logits = true});
  EXPECT_EQ(full.count_trainable_params(), 13004888);
  EXPECT_EQ(output_of(full, "aux1_pool").shape(), (Shape{-1, 4, 4, 512}));
  ASSERT_EQ(full.outputs().size(), 3u);
  EXPECT_EQ(full.outputs()[1].node()->layer->name(), "aux2_fc2");  // torchvision's order: main, aux2, aux1
  EXPECT_EQ(full.outputs()[2].node()->layer->name(), "aux1_fc2");

  // The smallest input with aux heads: 79 -> 40 -> 20 -> 10 -> 5, one 5x5 window.
  Model small = zoo::googlenet({.input_shape = {79, 79, 3}, .num_classes = 10}, {.aux_logits = true});
  expect_one_training_step(small, random_tensor({2, 79, 79, 3}, 4), labels_2(9, 1),
                           {Shape{2, 10}, Shape{2, 10}, Shape{2, 10}}, {1.0, 0.3, 0.3});
}

// PyTorch's MaxPool2d(3, 2, ceil_mode=True) on a (1, H, W, C) tensor, written out.
Tensor reference_ceil_max_pool(const Tensor& x) {
  const int64_t h = x.dim(1), w = x.dim(2), c = x.dim(3);
  auto out_size = [](int64_t in) { return (in - 3 + 1) / 2 + 1; };  // floor((in - k + s - 1) / s) + 1
  const int64_t oh = out_size(h), ow = out_size(w);
  std::vector<double> in = x.to_vector(), out(static_cast<size_t>(oh * ow * c), -INFINITY);
  for (int64_t i = 0; i < oh; ++i) {
    for (int64_t j = 0; j < ow; ++j) {
      for (int64_t di = 0; di < 3 && 2 * i + di < h; ++di) {
        for (int64_t dj = 0; dj < 3 && 2 * j + dj < w; ++dj) {
          for (int64_t k = 0; k < c; ++k) {
            double& o = out[static_cast<size_t>((i * ow + j) * c + k)];
            o = std::max(o, in[static_cast<size_t>(((2 * i + di) * w + 2 * j + dj) * c + k)]);
          }
        }
      }
    }
  }
  return Tensor::from_vector(Shape{1, oh, ow, c}, out);
}

// fovea's pooling has no ceil mode; the network picks 'valid', 'same' or zeros at the end by the sides' parity.
// Every case must give PyTorch's windows: 16x16 (conv1 8x8, 'same'), 30x32 (conv1 15x16, odd and even sides:
// explicit zeros) and 34x34 (conv1 17x17, 'valid').
TEST(ZooModernTest, GoogLeNetCeilModePoolingMatchesPyTorch) {
  autograd::NoGradGuard no_grad;
  const std::pair<Shape, Shape> cases[] = {{Shape{16, 16, 3}, Shape{-1, 4, 4, 64}},
                                           {Shape{30, 32, 3}, Shape{-1, 7, 8, 64}},
                                           {Shape{34, 34, 3}, Shape{-1, 8, 8, 64}}};
  for (const auto& [input_shape, pooled_shape] : cases) {
    Model net = zoo::googlenet({.input_shape = input_shape, .include_top = false});
    Model stem(net.inputs(), {output_of(net, "conv1_relu"), output_of(net, "maxpool1")});
    EXPECT_EQ(stem.outputs()[1].shape(), pooled_shape) << input_shape.to_string();
    std::vector<Tensor> y = stem.call({random_tensor(Shape{1, input_shape[0], input_shape[1], 3}, 5)});
    EXPECT_EQ(y[1].to_vector(), reference_ceil_max_pool(y[0]).to_vector()) << input_shape.to_string();
    if (input_shape[0] != 30) continue;
    // 30x32 further down: 15x16 -> 7x8 -> 3x4 -> 1x2 -> 1x1, PyTorch's sizes.
    EXPECT_EQ(output_of(net, "maxpool2").shape(), (Shape{-1, 3, 4, 192}));
    EXPECT_EQ(output_of(net, "maxpool3").shape(), (Shape{-1, 1, 2, 480}));
    EXPECT_EQ(net.outputs()[0].shape(), (Shape{-1, 1, 1, 1024}));
  }
  // The same sizes with channels first.
  Model first =
      zoo::googlenet({.input_shape = {3, 30, 32}, .include_top = false, .data_format = Layout::channels_first});
  EXPECT_EQ(output_of(first, "maxpool1").shape(), (Shape{-1, 64, 7, 8}));
  EXPECT_EQ(output_of(first, "maxpool3").shape(), (Shape{-1, 480, 1, 2}));
  EXPECT_EQ(first.outputs()[0].shape(), (Shape{-1, 1024, 1, 1}));
}

TEST(ZooModernTest, GoogLeNetOptionErrors) {
  EXPECT_EQ(error_text([] {
              zoo::googlenet({.input_shape = {14, 20, 3}});
            }),
            "GoogLeNet: input 14x20 is too small: needs at least 15x15");
  EXPECT_EQ(error_text([] {
              zoo::googlenet({.input_shape = {78, 78, 3}}, {.aux_logits = true});
            }),
            "GoogLeNet: input 78x78 is too small: needs at least 79x79 (aux_logits: the auxiliary heads pool 5x5 "
            "windows of inception 4a's output)");
  EXPECT_EQ(error_text([] { zoo::googlenet({.include_top = false}, {.aux_logits = true}); }),
            "GoogLeNet: aux_logits needs include_top (the auxiliary classifiers are classifier heads)");
}

// ---- options shared by the image networks ----

TEST(ZooModernTest, ImageNetworkOptionErrors) {
  EXPECT_EQ(error_text([] {
              zoo::resnet50({.input_shape = {16, 16, 3}});
            }),
            "ResNet-50: input 16x16 is too small: needs at least 32x32 (five stride-2 steps)");
  EXPECT_EQ(error_text([] {
              zoo::densenet121({.input_shape = {3, 31, 64}, .data_format = Layout::channels_first});
            }),
            "DenseNet-121: input 31x64 is too small: needs at least 32x32 (five stride-2 steps)");
  EXPECT_EQ(error_text([] {
              zoo::resnet18({.input_shape = {32, 32}});
            }),
            "ResNet-18: input_shape must be (rows, cols, channels) without the batch, got (32, 32)");
  EXPECT_EQ(error_text([] { zoo::densenet169({.num_classes = -1}); }),
            "DenseNet-169: num_classes must be >= 0 (0 for the default 1000), got -1");
}

TEST(ZooModernTest, ChannelsFirstGivesTheSameNetwork) {
  Model last = zoo::resnet18({.input_shape = {32, 32, 3}, .num_classes = 10});
  Model first = zoo::resnet18({.input_shape = {3, 32, 32}, .num_classes = 10, .data_format = Layout::channels_first});
  EXPECT_EQ(first.count_params(), last.count_params());
  EXPECT_EQ(output_of(first, "conv5_block1_out").shape(), (Shape{-1, 512, 1, 1}));
  EXPECT_EQ(first.outputs()[0].shape(), (Shape{-1, 10}));
}

// ---- WaveNet ----

TEST(ZooModernTest, WaveNetDefaultCountByHand) {
  // Defaults: 256 one-hot input channels, residual 32, dilation 32, skip 256, 2-tap filters, 3 stacks of 10.
  //   causal conv 2 * 256 * 32 + 32                              =  16,416
  //   a block: filter and gate 2 * (2 * 32 * 32 + 32) = 4,160; skip 32 * 256 + 256 = 8,448;
  //            residual 32 * 32 + 32 = 1,056: 13,664, the last block without its residual 12,608
  //   30 blocks: 29 * 13,664 + 12,608                            = 408,864
  //   output: 256 * 256 + 256 twice                              = 131,584
  //   total                                                       = 556,864
  Model net = zoo::wavenet();
  EXPECT_EQ(net.count_params(), 556864);
  EXPECT_EQ(net.outputs()[0].shape(), (Shape{-1, 4096, 256}));
  EXPECT_EQ(zoo::wavenet_receptive_field(), 1 + 1 + 3 * 1023);
}

const zoo::WaveNetOptions kSmallWaveNet = {.residual_channels = 4,
                                           .dilation_channels = 6,
                                           .skip_channels = 8,
                                           .kernel_size = 3,
                                           .input_kernel_size = 4,
                                           .dilation_depth = 3,
                                           .stacks = 2};

// 1 + (input kernel 4 - 1) + 2 stacks * (kernel 3 - 1) * (1 + 2 + 4) = 32.
constexpr int64_t kSmallField = 32;

TEST(ZooModernTest, WaveNetReceptiveFieldInTheSummary) {
  EXPECT_EQ(zoo::wavenet_receptive_field(kSmallWaveNet), kSmallField);
  Model net = zoo::wavenet({.input_shape = {64, 5}, .num_classes = 5}, kSmallWaveNet);
  const std::string text = net.summary({.receptive_field = true});
  std::istringstream lines(text);
  std::string line, field;
  while (std::getline(lines, line)) {
    if (line.rfind("predictions (Softmax)", 0) != 0) continue;
    std::istringstream cells(line);
    while (cells >> field) {
    }  // the last cell: the receptive-field column
  }
  EXPECT_EQ(field, std::to_string(kSmallField)) << text;
}

// Changing input sample t changes outputs t ... t + field - 1 and nothing before or after.
TEST(ZooModernTest, WaveNetIsCausal) {
  autograd::NoGradGuard no_grad;
  constexpr int64_t kLength = 80, kChannels = 5, kT = 20;
  Model net = zoo::wavenet({.input_shape = {kLength, kChannels}, .num_classes = 7}, kSmallWaveNet);
  Tensor x = random_tensor({1, kLength, kChannels}, 6);
  Tensor changed = x.clone();
  for (int64_t c = 0; c < kChannels; ++c) changed.data<float>()[kT * kChannels + c] += 1.0f;
  const std::vector<double> before = net(x).to_vector(), after = net(changed).to_vector();
  ASSERT_EQ(before.size(), static_cast<size_t>(kLength * 7));
  auto differs = [&](int64_t t) {
    for (int64_t k = 0; k < 7; ++k) {
      if (before[t * 7 + k] != after[t * 7 + k]) return true;
    }
    return false;
  };
  for (int64_t t = 0; t < kLength; ++t) {
    const bool inside = t >= kT && t < kT + kSmallField;
    if (!inside || t == kT || t == kT + kSmallField - 1) {
      EXPECT_EQ(differs(t), inside) << "output " << t;
    }
  }
}

TEST(ZooModernTest, WaveNetTrainsOneStep) {
  Model net = zoo::wavenet({.input_shape = {48, 8}, .num_classes = 8}, kSmallWaveNet);
  std::vector<double> labels(2 * 48);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<double>(i % 8);
  expect_one_training_step(net, random_tensor({2, 48, 8}, 7), Tensor::from_vector(Shape{2, 48}, labels),
                           {Shape{2, 48, 8}});
}

TEST(ZooModernTest, WaveNetOptions) {
  Model features = zoo::wavenet({.input_shape = {8, 40}, .include_top = false, .data_format = Layout::channels_first},
                                kSmallWaveNet);
  EXPECT_EQ(features.outputs()[0].shape(), (Shape{-1, 8, 40}));  // the skip sum: skip_channels x length
  EXPECT_EQ(error_text([] { zoo::wavenet({}, {.dilation_depth = 0}); }), "WaveNet: dilation_depth must be >= 1, got 0");
  EXPECT_EQ(error_text([] {
              zoo::wavenet({.input_shape = {16, 16, 1}});
            }),
            "WaveNet: input_shape must be (length, channels) for channels_last with positive sizes, got (16, 16, 1)");
}

// ---- the family's registry list ----

TEST(ZooModernTest, RegistryListsTheFamily) {
  std::vector<zoo::registry_detail::Registered> list = zoo::registry_detail::modern_networks();
  std::vector<std::string> names;
  for (const auto& r : list) names.push_back(r.entry.name);
  EXPECT_EQ(names, (std::vector<std::string>{"googlenet", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
                                             "densenet121", "densenet169", "densenet201", "wavenet"}));
  EXPECT_NE(list[3].entry.description.find("25,557,032"), std::string::npos);
  std::shared_ptr<Model> net = list.back().make({.input_shape = {64, 3}, .num_classes = 3});
  EXPECT_EQ(net->name(), "wavenet");
  EXPECT_EQ(net->outputs()[0].shape(), (Shape{-1, 64, 3}));
}

}  // namespace
}  // namespace fovea
