// summary(): the seed's Keras table exactly, the LWLS Example 6.3 counts, and the extra columns.
#include <gtest/gtest.h>

#include "models/seed_models.h"

namespace fovea {
namespace {

TEST(Summary, SeedMnistCnnPrintsTheKerasTable) {
  Sequential model = testing::seed_mnist_cnn();
  EXPECT_EQ(model.summary(),
            "Model: \"sequential\"\n"
            "_________________________________________________________________\n"
            "Layer (type)                 Output Shape              Param #\n"
            "=================================================================\n"
            "conv2d (Conv2D)              (None, 26, 26, 32)        320\n"
            "_________________________________________________________________\n"
            "conv2d_1 (Conv2D)            (None, 24, 24, 64)        18,496\n"
            "_________________________________________________________________\n"
            "max_pooling2d (MaxPooling2D) (None, 12, 12, 64)        0\n"
            "_________________________________________________________________\n"
            "dropout (Dropout)            (None, 12, 12, 64)        0\n"
            "_________________________________________________________________\n"
            "flatten (Flatten)            (None, 9216)              0\n"
            "_________________________________________________________________\n"
            "dense (Dense)                (None, 128)               1,179,776\n"
            "_________________________________________________________________\n"
            "dropout_1 (Dropout)          (None, 128)               0\n"
            "_________________________________________________________________\n"
            "dense_1 (Dense)              (None, 10)                1,290\n"
            "=================================================================\n"
            "Total params: 1,199,882\n"
            "Trainable params: 1,199,882\n"
            "Non-trainable params: 0\n"
            "_________________________________________________________________\n");
  EXPECT_EQ(model.count_params(), 1199882);
}

TEST(Summary, LwlsExample63HiddenUnitsAndParameters) {
  Sequential model = testing::lwls_example_6_3();
  std::vector<int64_t> units, params;
  for (const auto& node : model.nodes()) {
    const std::string cls = node->layer->class_name();
    if (cls == "InputLayer" || cls == "Flatten") continue;
    units.push_back(-node->output_shape.numel());  // the batch dimension is -1
    params.push_back(node->layer->count_params());
  }
  EXPECT_EQ(units, (std::vector<int64_t>{3136, 1568, 588, 200, 10}));
  EXPECT_EQ(params, (std::vector<int64_t>{104, 808, 1548, 117800, 2010}));
}

TEST(Summary, ExtraColumnsForMacsReceptiveFieldAndMemory) {
  Sequential model = testing::seed_mnist_cnn();
  const std::string text =
      model.summary({.macs = true, .receptive_field = true, .activation_memory = true, .batch_size = 128});
  // conv2d: 26*26*32 outputs, 9 MACs each; conv2d_1: 24*24*64 outputs, 288 MACs each.
  EXPECT_NE(text.find("194,688"), std::string::npos) << text;
  EXPECT_NE(text.find("10,616,832"), std::string::npos) << text;
  // Receptive fields: 3x3 after the first conv, 5x5 after the second, 6x6 after 2x2 pooling.
  EXPECT_NE(text.find("3x3"), std::string::npos) << text;
  EXPECT_NE(text.find("5x5"), std::string::npos) << text;
  EXPECT_NE(text.find("6x6"), std::string::npos) << text;
  EXPECT_NE(text.find("Total MACs per sample: 11,992,448"), std::string::npos) << text;
  // 194,688 + 10,616,832 + dense 9216 * 128 + dense 128 * 10.
  EXPECT_EQ(model.count_macs(), 194688 + 10616832 + 9216 * 128 + 128 * 10);
  EXPECT_NE(text.find("Estimated training memory at batch 128"), std::string::npos) << text;
}

}  // namespace
}  // namespace fovea
