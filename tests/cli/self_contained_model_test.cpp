// Model files that carry their own preprocessing: `fovea predict` and the library give the same probabilities for
// the same file and image, whether `fovea train` wrote the file (its normalization is the model's first layer) or a
// C++ program (a Rescaling or Normalization front, trained on stored bytes); and a file of fovea 0.1, whose
// normalizer sits beside the model in its user data, still predicts as it did.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/bars_data.h"
#include "cli/cli_test_util.h"
#include "fovea/fovea.h"
#include "fovea/io/json.h"

namespace fovea {
namespace {

namespace fs = std::filesystem;
using testing::run_json;

constexpr int kClasses = 3;

class SelfContainedModelTest : public testing::CommandTest {
 protected:
  void SetUp() override {
    testing::CommandTest::SetUp();
    data_ = testing::write_bars_data(dir_, 120, 30);
    // Test sample 1 (a vertical bar) as a PNG file: what a user hands to `fovea predict`.
    const Tensor xt = read_npy((dir_ / "xt.npy").string());
    Tensor one = Tensor::empty(Shape{12, 12, 1});
    std::memcpy(one.raw_data(), xt.data<float>() + 144, one.nbytes());
    image_ = (dir_ / "one.png").string();
    write_png(image_, one);
  }

  // The probability of every class as `fovea predict --json` prints it for the image.
  std::vector<double> cli_probabilities(const std::string& model_path) const {
    const nlohmann::json out =
        run_json("predict " + model_path + " " + image_ + " -k " + std::to_string(kClasses) + " --json", dir_);
    std::vector<double> p(kClasses, -1.0);
    for (const nlohmann::json& top : out.at(0).at("top")) p.at(top.at("class").get<size_t>()) = top.at("score");
    return p;
  }

  // The library's probabilities for the same image file, read as a program would read it: its pixels as bytes for
  // a model with its own preprocessing, normalized by the program for one without.
  std::vector<double> library_probabilities(Model& model, const Normalizer* normalizer = nullptr) const {
    const Tensor image = reshape(read_image(image_), {1, 12, 12, 1});
    return model.predict(normalizer ? normalizer->transform(image) : image.to(DType::u8)).to_vector();
  }

  static void expect_same(const std::vector<double>& cli, const std::vector<double>& library) {
    ASSERT_EQ(cli.size(), library.size());
    for (size_t c = 0; c < cli.size(); ++c) EXPECT_NEAR(cli[c], library[c], 1e-6) << "class " << c;
  }

  // A small CNN for 12x12x1 bars behind the given preprocessing layers, compiled.
  static Sequential bars_cnn(std::vector<Layer> front) {
    std::vector<Layer> layers = {InputLayer({12, 12, 1})};
    layers.insert(layers.end(), front.begin(), front.end());
    for (Layer l : {Conv2D({.filters = 4, .kernel_size = {3}, .activation = ActivationKind::relu}), Flatten(),
                    Dense({.units = kClasses, .activation = ActivationKind::softmax})}) {
      layers.push_back(l);
    }
    Sequential model(layers);
    model.compile({.optimizer = optimizers::Adam({.learning_rate = 0.01}), .loss = "sparse_categorical_crossentropy"});
    return model;
  }

  // The training images as the bytes a data set stores.
  Tensor training_bytes() const { return read_npy((dir_ / "x.npy").string()).to(DType::u8); }
  Tensor training_labels() const { return read_npy((dir_ / "y.npy").string()); }

  std::string data_;
  std::string image_;
};

TEST_F(SelfContainedModelTest, FoveaTrainPutsItsNormalizationIntoTheModel) {
  const fs::path out = dir_ / "run";
  run_json("train --data " + data_ + " --epochs 2 --batch-size 16 --json -o " + out.string(), dir_);
  LoadedModel loaded = load_model_file((out / "model.fovea").string());
  // The normalization is the model's first layer, and nothing is left beside it.
  EXPECT_EQ(loaded.model->get_layer(1)->class_name(), "Normalization");
  EXPECT_FALSE(loaded.user.contains("normalizer"));
  const std::vector<double> library = library_probabilities(*loaded.model);
  expect_same(cli_probabilities((out / "model.fovea").string()), library);
  // The file's normalization is train's min-max scaling of the training split, held in float32 weights.
  const Normalizer fitted = Normalizer::fit(read_npy((dir_ / "x.npy").string()), NormalizationKind::min_max);
  Model& model = *loaded.model;
  const auto* norm = model.get_layer(1).as<NormalizationImpl>();
  ASSERT_NE(norm, nullptr);
  const double variance = fitted.scale().at(0) * fitted.scale().at(0);
  EXPECT_NEAR(norm->mean().at(0), fitted.offset().at(0), 1e-7);
  EXPECT_NEAR(norm->variance().at(0), variance, 1e-6 * variance);
}

TEST_F(SelfContainedModelTest, AModelTrainedInCppOnStoredBytesPredictsTheSameInTheCommand) {
  const Tensor x = training_bytes(), y = training_labels();
  for (const std::string& front : {"Rescaling", "Normalization"}) {
    SCOPED_TRACE(front);
    manual_seed(7);
    Layer pre = Rescaling({.scale = 1.0 / 255});
    if (front == "Normalization") {
      pre = Normalization();
      pre.as<NormalizationImpl>()->adapt(x);
    }
    Sequential model = bars_cnn({pre});
    model.fit(x, y, {.epochs = 2, .batch_size = 16, .verbose = 0});  // uint8 batches straight into the model
    const std::string file = path(front + ".fovea");
    save_model(model, file);
    expect_same(cli_probabilities(file), library_probabilities(model));
  }
}

TEST_F(SelfContainedModelTest, AFileWithTheNormalizerBesideTheModelPredictsAsBefore) {
  // What fovea 0.1's `fovea train` wrote: a model without preprocessing and its normalizer in the user data.
  manual_seed(3);
  Sequential model = bars_cnn({});
  const Normalizer normalizer = Normalizer::fit(training_bytes(), NormalizationKind::min_max);
  model.fit(normalizer.transform(training_bytes()), training_labels(), {.epochs = 2, .batch_size = 16, .verbose = 0});
  const std::string file = path("old.fovea");
  save_model(model, file, {.user = {{"normalizer", normalizer.to_json()}}});
  expect_same(cli_probabilities(file), library_probabilities(model, &normalizer));
}

}  // namespace
}  // namespace fovea
