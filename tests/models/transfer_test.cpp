// Transfer learning: cutting a model shares its layers, frozen layers keep their weights bit for bit (batch-norm
// statistics included), unfreezing lets fine-tuning change them.
#include <gtest/gtest.h>

#include "fovea/fovea.h"

namespace fovea {
namespace {

Sequential base_model() {
  return Sequential({InputLayer({6, 6, 1}), Conv2D({.filters = 4, .kernel_size = {3}}), BatchNormalization(),
                     ReLU(), Flatten(), Dense({.units = 8, .activation = ActivationKind::relu}),
                     Dense({.units = 3, .activation = ActivationKind::softmax})});
}

std::vector<std::vector<double>> values_of(Model& model, int layers) {
  std::vector<std::vector<double>> out;
  for (int i = 0; i < layers; ++i) {
    for (Tensor& t : model.get_layer(i)->get_weights()) out.push_back(t.to_vector());
  }
  return out;
}

TEST(TransferTest, FrozenFeaturesStayBitForBitAndFineTuningChangesThem) {
  manual_seed(3);
  Sequential base = base_model();
  Tensor x = Tensor::uniform(Shape{32, 6, 6, 1}, 0, 1);
  Tensor y = Tensor::from_vector(Shape{32}, std::vector<double>(32, 1.0), DType::i64);
  for (int64_t i = 0; i < 32; i += 2) y.data<int64_t>()[i] = 0;

  Model features = remove_last_layers(base, 1);
  EXPECT_EQ(features.outputs()[0].shape(), (Shape{-1, 8}));
  EXPECT_EQ(features.layer_output(-1).node(), base.layer_output("dense").node());
  set_trainable(features, false);
  SymbolicTensor head = Dense({.units = 2, .activation = ActivationKind::softmax})(features.outputs()[0]);
  Model transfer(features.inputs(), {head});
  EXPECT_EQ(transfer.count_trainable_params(), 8 * 2 + 2);

  const int feature_layers = static_cast<int>(features.layers().size());
  const auto frozen_before = values_of(transfer, feature_layers);
  transfer.compile({.optimizer = optimizers::Adam({.learning_rate = 0.05}),
                    .loss = "sparse_categorical_crossentropy"});
  const auto head_before = transfer.get_layer(-1)->get_weights()[0].to_vector();
  transfer.fit(x, y, {.epochs = 3, .batch_size = 8, .verbose = 0});
  EXPECT_EQ(values_of(transfer, feature_layers), frozen_before);  // kernels, gamma/beta and moving statistics
  EXPECT_NE(transfer.get_layer(-1)->get_weights()[0].to_vector(), head_before);

  set_trainable(transfer, true);
  transfer.compile({.optimizer = optimizers::Adam({.learning_rate = 1e-3}),
                    .loss = "sparse_categorical_crossentropy"});
  transfer.fit(x, y, {.epochs = 1, .batch_size = 8, .verbose = 0});
  EXPECT_NE(values_of(transfer, feature_layers), frozen_before);
}

TEST(TransferTest, CutsNameTheirMistakes) {
  Sequential base = base_model();
  Model cut = cut_at(base, "flatten");
  EXPECT_EQ(cut.outputs()[0].shape(), (Shape{-1, 64}));
  EXPECT_THROW(cut_at(base, "no_such_layer"), ValueError);
  try {
    remove_last_layers(base, 6);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "remove_last_layers: model 'sequential' has 6 layers after its inputs; count must be in "
                           "[1, 5], got 6");
  }
}

}  // namespace
}  // namespace fovea
