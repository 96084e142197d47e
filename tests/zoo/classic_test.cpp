// The classic zoo networks (LeNet-5, AlexNet, VGG, PilotNet, the 3-D CNN): parameter counts against the papers'
// and torchvision's, one SGD step of each at a reduced size, include_top, channels_first and option errors.
#include "fovea/zoo/classic.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fovea/fovea.h"
#include "fovea/layers/preprocessing.h"
#include "gradcheck.h"
#include "zoo/classic.h"

namespace fovea {
namespace {

using testing::expect_close;

Tensor random_batch(const Shape& shape, double low = -1.0, double high = 1.0) {
  Generator gen(7);
  return Tensor::uniform(shape, low, high, &gen, DType::f32);
}

// A model's input shape with a batch of 2 instead of None.
Shape batch_of_two(const Model& net) {
  Shape shape = net.inputs()[0].shape();
  shape[0] = 2;
  return shape;
}

bool differs(const Tensor& a, const Tensor& b) { return a.to_vector() != b.to_vector(); }

// One training step on a batch of 2, as fit() would take it: forward in training mode, the loss, backward, one SGD
// step. Checks the output shape, that the loss is finite, and that the first weight (the first convolution's
// kernel, whose gradient has crossed the whole network) and the second-to-last one (the last kernel, or the last
// batch normalization's gamma) changed.
// Inputs are uniform in [-1, 1], or in [0, 255] with pixels = true.
void expect_one_training_step(Model& net, const Tensor& targets, const std::string& loss_name,
                              const Shape& expected_output, bool pixels = false) {
  const Tensor x = pixels ? random_batch(batch_of_two(net), 0.0, 255.0) : random_batch(batch_of_two(net));
  std::vector<Tensor> params = net.trainable_weights();
  ASSERT_GE(params.size(), 2u);
  const Tensor first_before = params.front().clone();
  const Tensor last_kernel_before = params[params.size() - 2].clone();

  const Tensor y = net(x, /*training=*/true);
  EXPECT_EQ(y.shape(), expected_output);
  const Tensor loss = (*losses::from_name(loss_name))(targets, y);
  const double value = loss.to_vector()[0];
  EXPECT_TRUE(std::isfinite(value)) << loss_name << " = " << value;
  loss.backward();
  optimizers::SGD({.learning_rate = 0.01})->step(params);
  EXPECT_TRUE(differs(params.front(), first_before)) << net.name() << ": the first kernel did not change";
  EXPECT_TRUE(differs(params[params.size() - 2], last_kernel_before))
      << net.name() << ": the last kernel did not change";
}

Tensor class_ids(std::vector<double> ids) { return Tensor::from_vector({static_cast<int64_t>(ids.size())}, ids); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ValueError& e) {
    return e.what();
  }
  return "no ValueError";
}

// ---- LeNet-5 ----

TEST(ZooClassicLeNet, CountAndShapes) {
  Sequential net = zoo::lenet5();
  // conv 6*(5*5*1) + 6 = 156, conv 16*(5*5*6) + 16 = 2,416, dense 400*120 + 120 = 48,120, 120*84 + 84 = 10,164,
  // 84*10 + 10 = 850.
  EXPECT_EQ(net.count_params(), 61706);
  EXPECT_EQ(net.name(), "lenet5");
  EXPECT_EQ(net.inputs()[0].shape(), (Shape{-1, 32, 32, 1}));
  EXPECT_EQ(net.outputs()[0].shape(), (Shape{-1, 10}));
  EXPECT_EQ(zoo::lenet5({.include_top = false}).outputs()[0].shape(), (Shape{-1, 5, 5, 16}));
  EXPECT_EQ(zoo::lenet5({.include_top = false}).count_params(), 156 + 2416);
}

TEST(ZooClassicLeNet, OneTrainingStep) {
  Sequential net = zoo::lenet5({.num_classes = 4});
  expect_one_training_step(net, class_ids({1, 3}), "sparse_categorical_crossentropy", Shape{2, 4});
}

// ---- AlexNet ----

TEST(ZooClassicAlexNet, PaperCount) {
  Sequential net = zoo::alexnet();
  // conv1 96*(11*11*3) + 96 = 34,944 (227 -> 55, pool 27); conv2 in two groups 256*(5*5*48) + 256 = 307,456
  // (pool 13); conv3 384*(3*3*256) + 384 = 885,120; conv4 (2 groups) 384*(3*3*192) + 384 = 663,936; conv5 (2
  // groups) 256*(3*3*192) + 256 = 442,624 (pool 6: 6*6*256 = 9,216 features); fc6 9,216*4,096 + 4,096 = 37,752,832;
  // fc7 4,096*4,096 + 4,096 = 16,781,312; fc8 4,096*1,000 + 1,000 = 4,097,000. Total 60,965,224 (Caffe's
  // bvlc_alexnet has the same). LRN and pooling have no weights.
  EXPECT_EQ(net.count_params(), 60965224);
  ASSERT_NE(net.layers()[4].as<ConvImpl>(), nullptr);
  EXPECT_EQ(net.layers()[4].as<ConvImpl>()->options().groups, 2);  // conv2
  EXPECT_EQ(net.layers()[7].as<ConvImpl>()->options().groups, 1);  // conv3 connects both halves
  EXPECT_EQ(net.layers()[2]->class_name(), "LocalResponseNormalization");
  EXPECT_EQ(net.outputs()[0].shape(), (Shape{-1, 1000}));
}

TEST(ZooClassicAlexNet, PaperLocalResponseNormalization) {
  // b = a / (2 + 1e-4 * sum of a^2 over 5 channels)^0.75 (alpha is not divided by the window, unlike PyTorch's
  // LocalResponseNorm, which would give 10 / 2.01^0.75 in the middle). On all-10 inputs: a full window sums 500,
  // the first channel's (channels 0-2) sums 300.
  Sequential net = zoo::alexnet({.input_shape = {67, 67, 3}, .include_top = false});
  const Layer lrn = net.layers()[2];
  ASSERT_EQ(lrn->class_name(), "LocalResponseNormalization");
  const std::vector<double> y = lrn(Tensor::full({1, 15, 15, 96}, 10.0)).to_vector();
  EXPECT_NEAR(y[48], 10 / std::pow(2.05, 0.75), 1e-5);
  EXPECT_NEAR(y[0], 10 / std::pow(2.03, 0.75), 1e-5);
}

TEST(ZooClassicAlexNet, TorchvisionCount) {
  Sequential net = zoo::alexnet_torchvision();
  // torchvision.models.alexnet(): sum(p.numel() for p in model.parameters()).
  EXPECT_EQ(net.count_params(), 61100840);
  EXPECT_EQ(net.outputs()[0].shape(), (Shape{-1, 1000}));
}

TEST(ZooClassicAlexNet, FeatureMaps) {
  // 227 -> conv1 55 -> 27 -> 13 -> 6, and torchvision's 224 + 2 * 2 padding -> 55 -> 27 -> 13 -> 6.
  EXPECT_EQ(zoo::alexnet({.include_top = false}).outputs()[0].shape(), (Shape{-1, 6, 6, 256}));
  EXPECT_EQ(zoo::alexnet_torchvision({.include_top = false}).outputs()[0].shape(), (Shape{-1, 6, 6, 256}));
}

TEST(ZooClassicAlexNet, OneTrainingStepEach) {
  // The smallest inputs (67 and 63) leave 1x1x256 features; fc6 then has 256 inputs.
  Sequential paper = zoo::alexnet({.input_shape = {67, 67, 3}, .num_classes = 5});
  expect_one_training_step(paper, class_ids({0, 4}), "sparse_categorical_crossentropy", Shape{2, 5});
  Sequential torchvision = zoo::alexnet_torchvision({.input_shape = {63, 63, 3}, .num_classes = 5});
  expect_one_training_step(torchvision, class_ids({2, 1}), "sparse_categorical_crossentropy", Shape{2, 5});
}

// ---- VGG ----

// torchvision's classifier at 224x224 (7x7x512 = 25,088 features): 25,088*4,096 + 4,096 = 102,764,544, then
// 4,096*4,096 + 4,096 = 16,781,312 and 4,096*1,000 + 1,000 = 4,097,000. The same for every configuration.
constexpr int64_t kVggClassifierAt224 = 102764544 + 16781312 + 4097000;

// The parameters of the layers before "flatten" (the convolutional features).
int64_t feature_params(const Model& net) {
  int64_t count = 0;
  for (const Layer& layer : net.layers()) {
    if (layer->name() == "flatten") break;
    count += layer->count_params();
  }
  return count;
}

TEST(ZooClassicVgg, Vgg16Count) {
  // The only full-size VGG built: its 138M weights take seconds to initialize, and the classifier it checks is
  // the same code for every configuration.
  Sequential net = zoo::vgg16();
  EXPECT_EQ(net.count_trainable_params(), 138357544);
  EXPECT_EQ(net.count_non_trainable_params(), 0);
  // Keras's VGG16(include_top=False) has the same 14,714,688.
  EXPECT_EQ(feature_params(net), 14714688);
  EXPECT_EQ(net.count_params() - feature_params(net), kVggClassifierAt224);
  EXPECT_EQ(net.get_layer("block5_pool")->class_name(), "MaxPooling2D");
  EXPECT_NE(net.get_layer("predictions").as<DenseImpl>(), nullptr);
  EXPECT_EQ(net.outputs()[0].shape(), (Shape{-1, 1000}));
}

TEST(ZooClassicVgg, Vgg16OneTrainingStepAt32) {
  // At 32x32 the five poolings leave 1x1x512 features, so torchvision's AdaptiveAvgPool2d((7, 7)) would no longer
  // be the identity; the classifier reads the 512 features directly: 512*4,096 + 4,096 = 2,101,248 instead of
  // 102,764,544, then 16,781,312 and 4,096*10 + 10 = 40,970.
  Sequential net = zoo::vgg16({.input_shape = {32, 32, 3}, .num_classes = 10});
  EXPECT_EQ(net.count_params(), 14714688 + 2101248 + 16781312 + 40970);
  expect_one_training_step(net, class_ids({3, 9}), "sparse_categorical_crossentropy", Shape{2, 10});
}

// The other configurations against torchvision's counts, as features (which do not depend on the input size)
// plus the classifier checked above; each trains one step on its features (a mean squared error towards 0), at
// 32x32 and without the 4096-wide classifier, which would dominate the time.
TEST(ZooClassicVgg, OtherConfigurationsCountsAndOneTrainingStep) {
  struct Case {
    Sequential (*make)(const zoo::ZooOptions&);
    int64_t torchvision_count;  // sum(p.numel() for p in torchvision.models.vggN().parameters())
    int64_t moving_statistics;  // 2 per batch-normalized channel
  };
  // Batch-normalized channels: VGG-11 64 + 128 + 2*256 + 4*512 = 2,752; VGG-13 2,944; VGG-16 4,224; VGG-19 5,504.
  const Case cases[] = {
      {&zoo::vgg11, 132863336, 0},          {&zoo::vgg13, 133047848, 0},
      {&zoo::vgg19, 143667240, 0},          {&zoo::vgg11_bn, 132868840, 2 * 2752},
      {&zoo::vgg13_bn, 133053736, 2 * 2944}, {&zoo::vgg16_bn, 138365992, 2 * 4224},
      {&zoo::vgg19_bn, 143678248, 2 * 5504},
  };
  for (const Case& c : cases) {
    Sequential features = c.make({.input_shape = {32, 32, 3}, .include_top = false});
    SCOPED_TRACE(features.name());
    EXPECT_EQ(features.count_trainable_params() + kVggClassifierAt224, c.torchvision_count);
    EXPECT_EQ(features.count_non_trainable_params(), c.moving_statistics);
    expect_one_training_step(features, Tensor::zeros({2, 1, 1, 512}), "mse", Shape{2, 1, 1, 512});
  }
}

// ---- PilotNet ----

TEST(ZooClassicPilotNet, CountAndShapes) {
  Sequential net = zoo::pilotnet();
  // conv 24*(5*5*3) + 24 = 1,824 (66x200 -> 31x98), 36*(5*5*24) + 36 = 21,636 (14x47), 48*(5*5*36) + 48 = 43,248
  // (5x22), 64*(3*3*48) + 64 = 27,712 (3x20), 64*(3*3*64) + 64 = 36,928 (1x18: 1,152 features); dense
  // 1,152*100 + 100 = 115,300, 100*50 + 50 = 5,050, 50*10 + 10 = 510, 10*1 + 1 = 11.
  EXPECT_EQ(net.count_params(), 252219);
  EXPECT_EQ(net.inputs()[0].shape(), (Shape{-1, 66, 200, 3}));
  EXPECT_EQ(net.outputs()[0].shape(), (Shape{-1, 1}));
  EXPECT_EQ(zoo::pilotnet({.include_top = false}).outputs()[0].shape(), (Shape{-1, 1, 18, 64}));
  const auto* rescaling = net.layers()[1].as<RescalingImpl>();
  ASSERT_NE(rescaling, nullptr);
  EXPECT_DOUBLE_EQ(rescaling->options().scale, 1.0 / 127.5);
  EXPECT_DOUBLE_EQ(rescaling->options().offset, -1.0);
  // The JSON architecture reads back with the normalization (Rescaling is a registered layer class).
  const nlohmann::json config = net.to_config();
  EXPECT_EQ(config["config"]["layers"][1]["class_name"], "Rescaling");
  const std::shared_ptr<Model> copy = model_from_config(config);
  EXPECT_EQ(copy->to_config(), config);
  EXPECT_EQ(copy->count_params(), 252219);
}

TEST(ZooClassicPilotNet, OneTrainingStepOnPixels) {
  Sequential net = zoo::pilotnet({.num_classes = 2});
  // Pixel values in [0, 255], which Rescaling maps to [-1, 1]; two regression targets per sample.
  const Tensor targets = Tensor::from_vector({2, 2}, std::vector<double>{0.1, -0.2, 0.05, 0.3});
  expect_one_training_step(net, targets, "mse", Shape{2, 2}, /*pixels=*/true);
}

// ---- 3-D CNN ----

TEST(ZooClassicCnn3d, CountAndOneTrainingStep) {
  // conv3d 8*(3*3*3*1) + 8 = 224, conv3d 16*(3*3*3*8) + 16 = 3,472, dense 16*2 + 2 = 34.
  EXPECT_EQ(zoo::cnn3d().count_params(), 3730);
  EXPECT_EQ(zoo::cnn3d({.include_top = false}).outputs()[0].shape(), (Shape{-1, 4, 16, 16, 16}));
  Sequential net = zoo::cnn3d({.input_shape = {8, 16, 16, 1}, .num_classes = 3});
  EXPECT_EQ(net.count_params(), 224 + 3472 + 16 * 3 + 3);
  expect_one_training_step(net, class_ids({2, 0}), "sparse_categorical_crossentropy", Shape{2, 3});
}

// ---- options ----

// A channels_first network given the channels_last network's weights computes the same function on the
// transposed input (kernels are stored (out, in, k...) in both layouts, and Flatten orders features as Keras).
// Feature maps (include_top = false) are compared after moving their channels back last.
void expect_same_function(Sequential last, Sequential first, int spatial_rank) {
  Dims to_first{0, spatial_rank + 1};
  Dims to_last{0};
  for (int d = 1; d <= spatial_rank; ++d) {
    to_first.push_back(d);
    to_last.push_back(d + 1);
  }
  to_last.push_back(1);
  ASSERT_EQ(last.layers().size(), first.layers().size());
  for (size_t i = 0; i < last.layers().size(); ++i) first.layers()[i]->set_weights(last.layers()[i]->get_weights());
  const Tensor x = random_batch(batch_of_two(last));
  Tensor y_first = first(permute(x, to_first));
  if (y_first.shape().rank() > 2) y_first = permute(y_first, to_last);
  expect_close(y_first, last(x), 1e-4, 1e-4);
}

// Every layer with a data_format (convolutions, poolings, LRN, padding, Flatten) is channels_first, and batch
// normalization works on axis 1. Returns how many layers had a data_format, so a check cannot pass on none.
int expect_channels_first_everywhere(const Model& net) {
  int with_format = 0;
  for (const Layer& layer : net.layers()) {
    const nlohmann::json config = layer->config();
    if (config.contains("data_format")) {
      ++with_format;
      EXPECT_EQ(config["data_format"], "channels_first") << layer->name();
    }
    if (layer->class_name() == "BatchNormalization") EXPECT_EQ(config["axis"], 1) << layer->name();
  }
  return with_format;
}

TEST(ZooClassicOptions, ChannelsFirst) {
  const zoo::ZooOptions first{.data_format = Layout::channels_first};
  // Same function: LeNet-5, PilotNet (with Rescaling) and the 3-D CNN.
  EXPECT_EQ(zoo::lenet5(first).inputs()[0].shape(), (Shape{-1, 1, 32, 32}));
  expect_same_function(zoo::lenet5(), zoo::lenet5(first), 2);
  EXPECT_EQ(zoo::pilotnet(first).inputs()[0].shape(), (Shape{-1, 3, 66, 200}));
  expect_same_function(zoo::pilotnet({.input_shape = {61, 61, 3}}),
                       zoo::pilotnet({.input_shape = {3, 61, 61}, .data_format = Layout::channels_first}), 2);
  EXPECT_EQ(zoo::cnn3d(first).inputs()[0].shape(), (Shape{-1, 1, 16, 64, 64}));
  expect_same_function(zoo::cnn3d({.input_shape = {4, 8, 8, 2}}),
                       zoo::cnn3d({.input_shape = {2, 4, 8, 8}, .data_format = Layout::channels_first}), 3);
  // The larger ones (running them in both layouts would cost seconds): every layer gets the layout. Feature layers
  // with a data_format: AlexNet 5 conv + 2 LRN + 3 pool; torchvision's ZeroPadding2D + 5 conv + 3 pool; VGG-11-BN
  // 8 conv + 5 pool (and 8 batch normalizations on axis 1).
  EXPECT_EQ(expect_channels_first_everywhere(zoo::alexnet(
                {.input_shape = {3, 67, 67}, .include_top = false, .data_format = Layout::channels_first})),
            10);
  EXPECT_EQ(expect_channels_first_everywhere(zoo::alexnet_torchvision(
                {.input_shape = {3, 63, 63}, .include_top = false, .data_format = Layout::channels_first})),
            9);
  Sequential vgg = zoo::vgg11_bn({.input_shape = {3, 32, 32}, .include_top = false,
                                  .data_format = Layout::channels_first});
  EXPECT_EQ(vgg.outputs()[0].shape(), (Shape{-1, 512, 1, 1}));
  EXPECT_EQ(expect_channels_first_everywhere(vgg), 13);
}

TEST(ZooClassicOptions, ErrorsNameTheNetwork) {
  EXPECT_EQ(error_of([] { zoo::vgg16({.input_shape = {16, 16, 3}}); }),
            "VGG-16: input 16x16 is too small: its five 2x2 max poolings need at least 32x32");
  EXPECT_EQ(error_of([] { zoo::vgg19_bn({.input_shape = {3, 31, 64}, .data_format = Layout::channels_first}); }),
            "VGG-19-BN: input 31x64 is too small: its five 2x2 max poolings need at least 32x32");
  EXPECT_EQ(error_of([] { zoo::lenet5({.input_shape = {15, 15, 1}}); }),
            "LeNet-5: input 15x15 is too small: two 5x5 convolutions and two 2x2 poolings need at least 16x16");
  EXPECT_EQ(error_of([] { zoo::alexnet({.input_shape = {66, 66, 3}}); }),
            "AlexNet: input 66x66 is too small: the 11x11 stride-4 convolution and three 3x3 stride-2 poolings "
            "need at least 67x67");
  EXPECT_EQ(error_of([] { zoo::alexnet_torchvision({.input_shape = {62, 62, 3}}); }),
            "AlexNet (torchvision): input 62x62 is too small: the 11x11 stride-4 convolution and three 3x3 "
            "stride-2 poolings need at least 63x63");
  EXPECT_EQ(error_of([] { zoo::pilotnet({.input_shape = {60, 200, 3}}); }),
            "PilotNet: input 60x200 is too small: three 5x5 stride-2 and two 3x3 valid convolutions need at least "
            "61x61");
  EXPECT_EQ(error_of([] { zoo::cnn3d({.input_shape = {3, 64, 64, 1}}); }),
            "CNN3D: input 3x64x64 is too small: its two 2x2x2 max poolings need at least 4x4x4");
  EXPECT_EQ(error_of([] { zoo::cnn3d({.input_shape = {64, 64, 1}}); }),
            "CNN3D: input_shape must be (depth, rows, cols, channels) without the batch, got (64, 64, 1)");
  EXPECT_EQ(error_of([] { zoo::lenet5({.input_shape = {32, 32}, .data_format = Layout::channels_first}); }),
            "LeNet-5: input_shape must be (channels, rows, cols) without the batch, got (32, 32)");
  EXPECT_EQ(error_of([] { zoo::pilotnet({.input_shape = {66, 200, 0}}); }),
            "PilotNet: input_shape sizes must be positive, got (66, 200, 0)");
  EXPECT_EQ(error_of([] { zoo::vgg11({.num_classes = -3}); }),
            "VGG-11: num_classes must be >= 0 (0 for the default 1000), got -3");
}

TEST(ZooClassicOptions, FamilyList) {
  std::vector<std::string> names;
  for (const zoo::registry_detail::Registered& r : zoo::registry_detail::classic_networks()) {
    names.push_back(r.entry.name);
    EXPECT_FALSE(r.entry.description.empty()) << r.entry.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"lenet5", "alexnet", "alexnet-torchvision", "vgg11", "vgg13", "vgg16",
                                             "vgg19", "vgg11-bn", "vgg13-bn", "vgg16-bn", "vgg19-bn", "pilotnet",
                                             "cnn3d"}));
  // The makers pass the options through.
  for (const zoo::registry_detail::Registered& r : zoo::registry_detail::classic_networks()) {
    if (r.entry.name != "vgg13-bn") continue;
    const std::shared_ptr<Model> net = r.make({.input_shape = {32, 32, 3}, .include_top = false});
    EXPECT_EQ(net->name(), "vgg13_bn");
    EXPECT_EQ(net->outputs()[0].shape(), (Shape{-1, 1, 1, 512}));
  }
}

}  // namespace
}  // namespace fovea
