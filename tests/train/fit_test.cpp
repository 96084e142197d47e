// Model::compile / fit / evaluate / predict end to end on small data: loss falls and accuracy ends far above
// chance, validation is held out as Keras does, runs repeat exactly, and misuse gets clear errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>
#include <sstream>

#include "error_text.h"
#include "fovea/data/loader.h"
#include "fovea/fovea.h"
#include "train/fit/training_state.h"

namespace fovea {
namespace {

// n 12x12 images of three classes: a horizontal bar (0), a vertical bar (1) or a diagonal (2) at a random place,
// with noise. Labels int64.
Dataset bars(int64_t n, uint64_t seed) {
  Generator gen(seed);
  std::vector<float> pixels(static_cast<size_t>(n * 144));
  std::vector<double> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int cls = static_cast<int>(i % 3);
    const int at = 2 + static_cast<int>(gen.uniform() * 8);
    float* img = &pixels[static_cast<size_t>(i * 144)];
    for (int p = 0; p < 144; ++p) img[p] = static_cast<float>(0.2 * gen.uniform());
    for (int k = 0; k < 12; ++k) {
      const int r = cls == 0 ? at : k, c = cls == 1 ? at : k;
      img[r * 12 + c] += 1.0f;
    }
    labels[static_cast<size_t>(i)] = cls;
  }
  return {Tensor::from_vector(Shape{n, 12, 12, 1}, pixels), Tensor::from_vector(Shape{n}, labels, DType::i64)};
}

Sequential small_cnn() {
  return Sequential({
      InputLayer({12, 12, 1}),
      Conv2D({.filters = 8, .kernel_size = {3}, .activation = ActivationKind::relu}),
      MaxPooling2D({.pool_size = {2}}),
      Flatten(),
      Dense({.units = 3, .activation = ActivationKind::softmax}),
  });
}

std::vector<double> all_weights(Model& model) {
  std::vector<double> out;
  for (Weight* w : model.weights()) {
    std::vector<double> v = w->value.to_vector();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

TEST(FitTest, LearnsSyntheticBarsFarAboveChance) {
  manual_seed(1);
  Dataset train = bars(300, 7), test = bars(90, 8);
  Sequential model = small_cnn();
  model.compile({.optimizer = optimizers::Adam({.learning_rate = 0.01}),
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  std::ostringstream out;
  History history = model.fit(train, {.epochs = 8, .batch_size = 32, .verbose = 0, .out = &out, .seed = 3});
  EXPECT_EQ(out.str(), "");
  const std::vector<double>& loss = history.at("loss");
  ASSERT_EQ(loss.size(), 8u);
  EXPECT_LT(loss.back(), 0.5 * loss.front());
  EXPECT_GT(history.at("accuracy").back(), 0.9);
  Logs logs = model.evaluate(test, {.verbose = 0});
  EXPECT_GT(logs.at("accuracy"), 0.9);  // chance is 1/3

  // predict gives the probabilities evaluate scored.
  Tensor p = model.predict(test.images);
  ASSERT_EQ(p.shape(), (Shape{90, 3}));
  metrics::SparseCategoricalAccuracy acc;
  acc.update(test.labels, p);
  EXPECT_DOUBLE_EQ(acc.result(), logs.at("accuracy"));
}

TEST(FitTest, ValidationSplitHoldsOutTheLastSamples) {
  manual_seed(2);
  Dataset data = bars(120, 9);
  Sequential model = small_cnn();
  model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  History history = model.fit(data, {.epochs = 2, .batch_size = 16, .validation_split = 0.25, .verbose = 0});
  EXPECT_EQ(history.names(), (std::vector<std::string>{"loss", "accuracy", "val_loss", "val_accuracy"}));
  // After training the weights are those the last validation saw: evaluating the last quarter reproduces it.
  Tensor x = Tensor::empty(Shape{30, 12, 12, 1}), y = Tensor::empty(Shape{30}, DType::i64);
  std::memcpy(x.raw_data(), data.images.data<float>() + 90 * 144, x.nbytes());
  std::memcpy(y.raw_data(), data.labels.data<int64_t>() + 90, y.nbytes());
  Logs logs = model.evaluate(x, y, {.verbose = 0});
  EXPECT_NEAR(logs.at("loss"), history.at("val_loss").back(), 1e-6);
  EXPECT_DOUBLE_EQ(logs.at("accuracy"), history.at("val_accuracy").back());
}

TEST(FitTest, OneSeedRepeatsARunBitForBitWithAnyWorkerCount) {
  Dataset data = bars(96, 11);
  auto run = [&](int workers) {
    manual_seed(5);
    Sequential model({InputLayer({12, 12, 1}), Conv2D({.filters = 4, .kernel_size = {3}}), Dropout({.rate = 0.3}),
                      Flatten(), Dense({.units = 3, .activation = ActivationKind::softmax})});
    model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy"});
    Augmentation aug = Augmentation::parse("flip,crop=1");
    model.fit(data, {.epochs = 2,
                     .batch_size = 16,
                     .verbose = 0,
                     .workers = workers,
                     .augmentation = std::make_shared<Augmentation>(aug)});
    return all_weights(model);
  };
  const std::vector<double> first = run(1);
  EXPECT_EQ(first, run(1));
  EXPECT_EQ(first, run(0));
  EXPECT_EQ(first, run(3));
}

// Bytes normalized batch by batch train exactly as the same data normalized up front: fit (with validation),
// evaluate and predict all apply the normalizer.
TEST(FitTest, ANormalizerLetsFitEvaluateAndPredictTakeStoredBytes) {
  Dataset data = bars(96, 13);
  Tensor bytes = Tensor::empty(data.images.shape(), DType::u8);
  const float* pixels = data.images.data<float>();
  for (int64_t i = 0; i < bytes.numel(); ++i) {
    bytes.data<uint8_t>()[i] = static_cast<uint8_t>(std::min(255.0f, pixels[i] * 200.0f));
  }
  auto normalizer = std::make_shared<const Normalizer>(Normalizer::fit(bytes, NormalizationKind::min_max));
  const Tensor normalized = normalizer->transform(bytes);
  auto run = [&](const Tensor& x, const std::shared_ptr<const Normalizer>& n, Tensor* predictions) {
    manual_seed(6);
    Sequential model = small_cnn();
    model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
    History history = model.fit(
        x, data.labels, {.epochs = 2, .batch_size = 16, .validation_split = 0.25, .verbose = 0, .normalizer = n});
    const Logs logs = model.evaluate(x, data.labels, {.normalizer = n, .verbose = 0});
    *predictions = model.predict(x, {.normalizer = n});
    return std::vector<double>{history.at("loss").back(), history.at("val_loss").back(), logs.at("loss")};
  };
  Tensor from_bytes, from_floats;
  const std::vector<double> byte_run = run(bytes, normalizer, &from_bytes);
  EXPECT_EQ(byte_run, run(normalized, nullptr, &from_floats));
  EXPECT_EQ(from_bytes.to_vector(), from_floats.to_vector());
}

TEST(FitTest, EarlyStoppingEndsFitAndHistoryStopsThere) {
  manual_seed(3);
  Dataset data = bars(60, 12);
  Sequential model = small_cnn();
  // A learning rate of 0 never improves val_loss after the first epoch: patience 1 stops after epoch 2.
  model.compile({.optimizer = optimizers::SGD({.learning_rate = 0.0}), .loss = "sparse_categorical_crossentropy"});
  auto es = std::make_shared<EarlyStopping>(EarlyStoppingOptions{.patience = 1});
  History history = model.fit(data, {.epochs = 10, .validation_split = 0.2, .callbacks = {es}, .verbose = 0});
  EXPECT_EQ(history.epochs(), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(es->stopped_epoch(), 1);
}

TEST(FitTest, ANonFiniteBatchUpdatesNothingAndTerminateOnNaNStops) {
  Dataset data = bars(32, 13);
  data.images.data<float>()[5] = std::numeric_limits<float>::quiet_NaN();  // poisons the first batch
  Sequential model = small_cnn();
  model.compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy"});
  const std::vector<double> before = all_weights(model);
  auto nan = std::make_shared<TerminateOnNaN>();
  History history = model.fit(data, {.epochs = 3, .batch_size = 32, .shuffle = false, .callbacks = {nan},
                                      .verbose = 0});
  EXPECT_TRUE(nan->terminated());
  EXPECT_EQ(history.epochs().size(), 1u);
  EXPECT_EQ(all_weights(model), before);
}

TEST(FitTest, TrainOnBatchLowersTheLossOfThatBatch) {
  manual_seed(4);
  Dataset data = bars(30, 14);
  Sequential model = small_cnn();
  model.compile({.optimizer = optimizers::Adam({.learning_rate = 0.01}), .loss = "sparse_categorical_crossentropy"});
  model.reset_metrics();
  const double first = model.test_on_batch(data.images, data.labels).at("loss");
  for (int i = 0; i < 20; ++i) model.train_on_batch(data.images, data.labels);
  model.reset_metrics();
  EXPECT_LT(model.test_on_batch(data.images, data.labels).at("loss"), 0.5 * first);
}

TEST(FitTest, ClassWeightScalesEachSamplesLoss) {
  Tensor y = Tensor::from_vector(Shape{3}, {0, 2, 1}, DType::i64);
  Tensor w = training_detail::class_sample_weights(y, {1.0, 2.0, 3.0});
  EXPECT_EQ(w.to_vector(), (std::vector<double>{1.0, 3.0, 2.0}));
}

TEST(FitTest, ProgressIsOneLinePerEpochOffATerminal) {
  manual_seed(6);
  Dataset data = bars(30, 15);
  Sequential model = small_cnn();
  model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  std::ostringstream out;
  model.fit(data, {.epochs = 2, .batch_size = 10, .out = &out});
  const std::string text = out.str();
  EXPECT_EQ(text.rfind("Epoch 1/2\n3/3 - ", 0), 0u) << text;
  EXPECT_NE(text.find("\nEpoch 2/2\n3/3 - "), std::string::npos) << text;
  EXPECT_NE(text.find(" - loss: "), std::string::npos);
  EXPECT_NE(text.find(" - accuracy: "), std::string::npos);
  EXPECT_EQ(text.find('\r'), std::string::npos);
}

TEST(FitTest, MisuseGetsClearErrors) {
  Sequential model = small_cnn();
  Dataset data = bars(6, 16);
  try {
    model.fit(data);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(),
                 "Model.fit: the model is not compiled; call compile({.optimizer, .loss, .metrics}) first");
  }
  EXPECT_THROW(model.compile({.loss = "no_such_loss"}), ValueError);
  EXPECT_THROW(model.compile({.loss = "mse", .metrics = {"no_such_metric"}}), ValueError);
  try {
    model.compile({.optimizer = "adam"});
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("a loss is required"), std::string::npos);
  }
  model.compile({.loss = "sparse_categorical_crossentropy"});
  Tensor short_y = Tensor::zeros(Shape{5}, DType::i64);
  try {
    model.fit(data.images, short_y, {.verbose = 0});
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(),
                 "Model.fit: x and y must hold the same number of samples; got x (6, 12, 12, 1) and y (5,)");
  }
  EXPECT_THROW(model.fit(data, {.validation_split = 1.0, .verbose = 0}), ValueError);
}

// The losses' label errors reach the user as the loss words them, naming the loss that fits the labels.
TEST(FitTest, LabelsForTheOtherCrossentropyNameItThroughFitAndEvaluate) {
  const Dataset data = bars(6, 16);  // class ids, shape (6,)
  Sequential model = small_cnn();
  model.compile({.optimizer = "adam", .loss = "categorical_crossentropy", .metrics = {"accuracy"}});
  const std::string ids = "CategoricalCrossentropy: y_true has shape (6,) but y_pred has shape (6, 3): these look "
                          "like integer class labels; use sparse_categorical_crossentropy for class indices, or "
                          "one-hot encode the labels";
  EXPECT_EQ(testing::error_text([&] { model.fit(data, {.verbose = 0}); }), ids);
  EXPECT_EQ(testing::error_text([&] { model.evaluate(data, {.verbose = 0}); }), ids);

  std::vector<double> one_hot(18, 0.0);
  for (int i = 0; i < 6; ++i) one_hot[static_cast<size_t>(i * 3 + i % 3)] = 1.0;
  const Tensor y_one_hot = Tensor::from_vector(Shape{6, 3}, one_hot);
  model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  const std::string hot = "SparseCategoricalCrossentropy: y_true has shape (6, 3), the same as y_pred: these look "
                          "like one-hot labels; use categorical_crossentropy for one-hot labels, or pass class "
                          "indices of shape (6,) or (6, 1)";
  EXPECT_EQ(testing::error_text([&] { model.fit(data.images, y_one_hot, {.verbose = 0}); }), hot);
  EXPECT_EQ(testing::error_text([&] { model.evaluate(data.images, y_one_hot, {.verbose = 0}); }), hot);
  // With the loss that fits, the same labels train.
  model.compile({.optimizer = "adam", .loss = "categorical_crossentropy", .metrics = {"accuracy"}});
  EXPECT_NO_THROW(model.fit(data.images, y_one_hot, {.verbose = 0}));
}

TEST(FitTest, TinyFashionMnistRunLearns) {
  const std::string root = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(root + "/train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "dataset-fashion-mnist is not installed (scripts/setup installs it)";
  }
  manual_seed(7);
  Dataset train = load_fashion_mnist("train", root), test = load_fashion_mnist("test", root);
  auto head = [](const Dataset& d, int64_t n) {
    Tensor x = Tensor::empty(Shape{n, 28, 28, 1}), y = Tensor::empty(Shape{n}, DType::i64);
    std::memcpy(x.raw_data(), d.images.raw_data(), x.nbytes());
    std::memcpy(y.raw_data(), d.labels.raw_data(), y.nbytes());
    return Dataset{x, y};
  };
  Dataset small_train = head(train, 600), small_test = head(test, 300);
  const Normalizer norm = Normalizer::fit(small_train.images, NormalizationKind::min_max);
  small_train.images = norm.transform(small_train.images);
  small_test.images = norm.transform(small_test.images);
  Sequential model = zoo::lwls_example_6_3();
  model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  History history = model.fit(small_train, {.epochs = 4, .batch_size = 32, .verbose = 0});
  EXPECT_LT(history.at("loss").back(), 0.7 * history.at("loss").front());
  EXPECT_GT(model.evaluate(small_test, {.verbose = 0}).at("accuracy"), 0.6);  // chance is 0.1
}

}  // namespace
}  // namespace fovea
