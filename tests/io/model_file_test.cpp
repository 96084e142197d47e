// Tests for model files (src/io/model_file.cpp): bit-exact round trips of Sequential and functional models
// (merge layers, batch-norm statistics, float64 weights), a checkpoint that resumes training bit for bit, the
// file's layout, weight matching by name with exact errors, NPY folders, and atomic writes.
#include "fovea/io/model_file.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <set>

#include "data/data_test_util.h"
#include "fovea/autograd/autograd.h"
#include "fovea/data/datasets.h"
#include "fovea/io/json.h"
#include "fovea/layers/conv.h"
#include "fovea/layers/dense.h"
#include "fovea/layers/merging.h"
#include "fovea/layers/normalization.h"
#include "fovea/layers/reshaping.h"
#include "fovea/models/config.h"
#include "fovea/ops/math.h"
#include "io/safetensors.h"

namespace fovea {
namespace {

using testing_data::read_bytes;
using testing_data::FileSizeLimit;
using testing_data::NoNewFiles;
using testing_data::temp_dir;
namespace fs = std::filesystem;

std::string bytes_of(const Tensor& t) { return std::string(static_cast<const char*>(t.raw_data()), t.nbytes()); }

template <class ErrorType = IoError>
void expect_error(const std::function<void()>& fn, const std::string& message) {
  try {
    fn();
    ADD_FAILURE() << "expected an error: " << message;
  } catch (const ErrorType& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

// "<layer>/<weight>" -> bytes, dtype and shape of every weight.
std::map<std::string, std::string> weight_snapshot(Model& model) {
  std::map<std::string, std::string> out;
  for (const Layer& layer : model.layers()) {
    for (const Weight& w : layer->weights()) {
      out[layer->name() + "/" + w.name] =
          std::string(dtype_name(w.value.dtype())) + w.value.shape().to_string() + bytes_of(w.value);
    }
  }
  return out;
}

// Conv, batch norm, a frozen conv and dense layers.
std::shared_ptr<Sequential> small_cnn() {
  auto model = std::make_shared<Sequential>(std::vector<Layer>{
      InputLayer({6, 6, 2}),
      Conv2D({.filters = 4, .kernel_size = {3}, .padding = Padding::same, .activation = ActivationKind::relu}),
      BatchNormalization(),
      Conv2D({.filters = 3, .kernel_size = {3}}),
      Flatten(),
      Dense({.units = 5, .activation = ActivationKind::tanh}),
      Dense({.units = 2}),
  });
  return model;
}

// Two branches merged by Add, concatenated with the input, batch norm, dense.
std::shared_ptr<Model> merge_model() {
  SymbolicTensor x = Input({5, 5, 3});
  SymbolicTensor a = Conv2D({.filters = 4, .kernel_size = {3}, .padding = Padding::same})(x);
  SymbolicTensor b = Conv2D({.filters = 4, .kernel_size = {1}})(x);
  SymbolicTensor merged = Concatenate()({Add()({a, b}), x});
  SymbolicTensor y = Dense({.units = 3})(Flatten()(BatchNormalization()(merged)));
  return std::make_shared<Model>(x, y, "merge");
}

// A training-mode pass moves the batch-norm statistics away from their initial 0 and 1.
void update_statistics(Model& model, const Tensor& x) {
  autograd::NoGradGuard no_grad;
  model(x, /*training=*/true);
}

TEST(ModelFileTest, SequentialRoundTripIsBitExact) {
  const fs::path dir = temp_dir("model_file_sequential");
  const std::string path = dir / "cnn.fovea";
  auto model = small_cnn();
  Generator gen(11);
  const Tensor x = Tensor::uniform({3, 6, 6, 2}, -1, 1, &gen);
  update_statistics(*model, x);
  save_model(*model, path);

  std::shared_ptr<Model> back = load_model(path);
  EXPECT_EQ(back->to_config(), model->to_config());
  EXPECT_EQ(weight_snapshot(*back), weight_snapshot(*model));
  EXPECT_NE(model->get_layer("batch_normalization")->weight("moving_mean").value.to_vector(),
            std::vector<double>(4, 0.0));
  EXPECT_EQ(bytes_of((*back)(x)), bytes_of((*model)(x)));
  // The loaded weights are trainable parameters again.
  EXPECT_TRUE(back->get_layer("dense")->weight("kernel").value.requires_grad());
  EXPECT_FALSE(back->get_layer("batch_normalization")->weight("moving_mean").value.requires_grad());
}

TEST(ModelFileTest, FunctionalModelWithMergeLayersRoundTripsBitExactly) {
  const fs::path dir = temp_dir("model_file_functional");
  const std::string path = dir / "merge.fovea";
  auto model = merge_model();
  Generator gen(5);
  const Tensor x = Tensor::uniform({2, 5, 5, 3}, -1, 1, &gen);
  update_statistics(*model, x);
  save_model(*model, path);
  LoadedModel back = load_model_file(path);
  EXPECT_EQ(back.optimizer, nullptr);
  EXPECT_EQ(back.epoch, -1);
  EXPECT_TRUE(back.user.is_null());
  EXPECT_EQ(back.model->to_config(), model->to_config());
  EXPECT_EQ(weight_snapshot(*back.model), weight_snapshot(*model));
  EXPECT_EQ(bytes_of((*back.model)(x)), bytes_of((*model)(x)));
}

TEST(ModelFileTest, Float64WeightsRoundTripBitExactlyAndLoadWeightsChecksTheDtype) {
  const fs::path dir = temp_dir("model_file_f64");
  const std::string path = dir / "f64.fovea";
  Sequential model({InputLayer({3}), Dense({.units = 2})});
  Generator gen(2);
  for (Weight* w : model.weights()) {
    // Values that float32 cannot hold, so that any narrowing would show.
    w->value = Tensor::uniform(w->value.shape(), -1, 1, &gen, DType::f64).set_requires_grad();
  }
  save_model(model, path);
  std::shared_ptr<Model> back = load_model(path);
  EXPECT_EQ(back->get_layer("dense")->weight("kernel").value.dtype(), DType::f64);
  EXPECT_EQ(weight_snapshot(*back), weight_snapshot(model));
  EXPECT_TRUE(back->get_layer("dense")->weight("bias").value.requires_grad());

  Sequential f32({InputLayer({3}), Dense({.units = 2})});
  expect_error([&] { load_weights(f32, path); },
               path + ": the weights do not fit model 'sequential': 'dense/kernel' is float64 (3, 2) in the file but "
                      "float32 (3, 2) in the model; 'dense/bias' is float64 (2,) in the file but float32 (2,) in the "
                      "model");
}

// Steps the optimizer the way fit() does: with the trainable weights of the trainable layers.
void train(Model& model, Optimizer& optimizer, const Tensor& x, const Tensor& y, int steps) {
  std::vector<Weight*> params;
  for (const Layer& layer : model.layers()) {
    if (!layer->trainable()) continue;
    for (Weight& w : layer->weights()) {
      if (w.trainable) params.push_back(&w);
    }
  }
  for (int s = 0; s < steps; ++s) {
    for (Weight* w : params) w->value.zero_grad();
    const Tensor d = sub(model(x, /*training=*/true), y);
    mean(mul(d, d)).backward();
    optimizer.step(params);
  }
}

TEST(ModelFileTest, ACheckpointResumesTrainingBitIdentically) {
  const fs::path dir = temp_dir("model_file_resume");
  const std::string path = dir / "checkpoint.fovea";
  Generator gen(7);
  const Tensor x = Tensor::uniform({4, 6, 6, 2}, -1, 1, &gen);
  const Tensor y = Tensor::uniform({4, 2}, -1, 1, &gen);
  const std::vector<std::function<OptimizerPtr()>> makers = {
      [] { return optimizers::Adam({.learning_rate = 0.01}); },
      [] {
        return optimizers::Nadam({.learning_rate_schedule = schedules::ExponentialDecay(
                                      {.initial_learning_rate = 0.02, .decay_steps = 2, .decay_rate = 0.5})});
      }};
  for (const auto& make : makers) {
    SCOPED_TRACE(make()->class_name());
    auto interrupted = small_cnn();
    interrupted->get_layer("conv2d_1")->set_trainable(false);  // a frozen layer is not in the optimizer's list
    std::shared_ptr<Model> straight = model_from_config(interrupted->to_config());
    for (size_t i = 0; i < interrupted->layers().size(); ++i) {
      straight->layers()[i]->set_weights(interrupted->layers()[i]->get_weights());
    }
    ASSERT_EQ(weight_snapshot(*straight), weight_snapshot(*interrupted));

    OptimizerPtr first = make();
    train(*interrupted, *first, x, y, 3);
    save_model(*interrupted, path, {.optimizer = first.get(), .epoch = 3, .user = {{"classes", {"cat", "dog"}}}});
    LoadedModel resumed = load_model_file(path);
    ASSERT_NE(resumed.optimizer, nullptr);
    EXPECT_EQ(resumed.optimizer->iterations(), 3);
    EXPECT_EQ(optimizers::to_json(*resumed.optimizer), optimizers::to_json(*first));
    EXPECT_EQ(resumed.epoch, 3);
    EXPECT_EQ(resumed.user, (nlohmann::json{{"classes", {"cat", "dog"}}}));
    EXPECT_FALSE(resumed.model->get_layer("conv2d_1")->trainable());
    train(*resumed.model, *resumed.optimizer, x, y, 2);

    OptimizerPtr uninterrupted = make();
    train(*straight, *uninterrupted, x, y, 5);
    EXPECT_EQ(weight_snapshot(*resumed.model), weight_snapshot(*straight));
    EXPECT_NE(weight_snapshot(*resumed.model), weight_snapshot(*interrupted));  // it did train on
  }
}

TEST(ModelFileTest, TheFileIsSafetensorsWithFoveaMetadata) {
  const fs::path dir = temp_dir("model_file_layout");
  const std::string path = dir / "m.fovea";
  Sequential model({InputLayer({3}), Dense({.units = 2}), BatchNormalization()});
  OptimizerPtr sgd = optimizers::SGD({.learning_rate = 0.1, .momentum = 0.9});
  Tensor x = Tensor::ones({2, 3});
  std::vector<Weight*> weights = model.weights();
  sum(model(x, true)).backward();
  sgd->step(weights);
  save_model(model, path, {.optimizer = sgd.get(), .epoch = 12, .user = {{"mean", 0.5}}});

  const io_detail::SafetensorsContent file = io_detail::read_safetensors(path);
  // The CRC-32 of every tensor's bytes (tests/io/model_file_integrity_test.cpp checks what they catch).
  io_detail::Metadata metadata = file.metadata;
  const nlohmann::json checksums = nlohmann::json::parse(metadata.at("checksums"));
  metadata.erase("checksums");
  EXPECT_EQ(checksums.size(), file.tensors.size());
  const Tensor& kernel = *file.find("dense/kernel");
  char expected_crc[9];
  std::snprintf(expected_crc, sizeof expected_crc, "%08lx",
                crc32_z(0, static_cast<const Bytef*>(kernel.raw_data()), kernel.nbytes()));
  EXPECT_EQ(checksums.at("dense/kernel"), expected_crc);
  EXPECT_EQ(metadata, (io_detail::Metadata{{"format", "fovea"},
                                                {"format_version", "1"},
                                                {"architecture", model.to_config().dump()},
                                                {"optimizer", optimizers::to_json(*sgd).dump()},
                                                {"epoch", "12"},
                                                {"user", R"({"mean":0.5})"}}));
  std::vector<std::string> names;
  for (const auto& [name, tensor] : file.tensors) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "dense/kernel", "dense/bias", "batch_normalization/gamma", "batch_normalization/beta",
                       "batch_normalization/moving_mean", "batch_normalization/moving_variance",
                       "optimizer/iterations", "optimizer/learning_rate", "optimizer/0/momentum",
                       "optimizer/1/momentum", "optimizer/2/momentum", "optimizer/3/momentum"}));
  const Tensor* iterations = file.find("optimizer/iterations");
  ASSERT_NE(iterations, nullptr);
  EXPECT_EQ(iterations->dtype(), DType::i64);
  EXPECT_EQ(iterations->shape(), Shape{});
  EXPECT_EQ(iterations->item(), 1);
  EXPECT_EQ(file.find("optimizer/learning_rate")->dtype(), DType::f64);
  EXPECT_EQ(file.find("optimizer/2/momentum")->shape(), (Shape{2}));
}

TEST(ModelFileTest, WeightsOnlyFilesLoadByName) {
  const fs::path dir = temp_dir("model_file_weights");
  const std::string path = dir / "w.safetensors";
  auto model = merge_model();
  update_statistics(*model, Tensor::ones({2, 5, 5, 3}));
  save_weights(*model, path);
  auto other = merge_model();  // other random weights
  ASSERT_NE(weight_snapshot(*other), weight_snapshot(*model));
  load_weights(*other, path);
  EXPECT_EQ(weight_snapshot(*other), weight_snapshot(*model));
  expect_error([&] { load_model(path); },
               path + ": holds weights only (no 'architecture' in its __metadata__; written by save_weights?); "
                      "build the model in code and call load_weights");
  // save_model files serve load_weights too; their optimizer entries are not weights.
  const std::string full = dir / "full.fovea";
  OptimizerPtr adam = optimizers::Adam();
  save_model(*model, full, {.optimizer = adam.get()});
  auto third = merge_model();
  load_weights(*third, full);
  EXPECT_EQ(weight_snapshot(*third), weight_snapshot(*model));
}

TEST(ModelFileTest, MismatchedWeightsAreAllReportedAndNothingChanges) {
  const fs::path dir = temp_dir("model_file_mismatch");
  const std::string path = dir / "w.safetensors";
  Sequential saved({InputLayer({3}), Dense({.units = 2}), Dense({.units = 1})});
  save_weights(saved, path);

  Sequential wider({InputLayer({3}), Dense({.units = 4}), Dense({.units = 1, .use_bias = false})});
  const auto before = weight_snapshot(wider);
  expect_error([&] { load_weights(wider, path); },
               path + ": the weights do not fit model 'sequential': 'dense/kernel' is float32 (3, 2) in the file but "
                      "float32 (3, 4) in the model; 'dense/bias' is float32 (2,) in the file but float32 (4,) in the "
                      "model; 'dense_1/kernel' is float32 (2, 1) in the file but float32 (4, 1) in the model; "
                      "'dense_1/bias' (float32 (1,)) is not a weight of the model");
  EXPECT_EQ(weight_snapshot(wider), before);

  Sequential deeper({InputLayer({3}), Dense({.units = 2}), Dense({.units = 1}), Dense({.units = 1, .use_bias = false})},
                    "deeper");
  const auto deeper_before = weight_snapshot(deeper);
  expect_error([&] { load_weights(deeper, path); },
               path + ": the weights do not fit model 'deeper': 'dense_2/kernel' is missing (the model's is float32 "
                      "(1, 1))");
  EXPECT_EQ(weight_snapshot(deeper), deeper_before);
}

TEST(ModelFileTest, RejectsFilesOfAnotherFormatOrVersion) {
  const fs::path dir = temp_dir("model_file_format");
  const std::string p = dir / "x.fovea";
  Sequential model({InputLayer({3}), Dense({.units = 2})});
  const Tensor k = model.weights()[0]->value;
  const Tensor b = model.weights()[1]->value;
  const std::string architecture = model.to_config().dump();
  auto write = [&](const io_detail::Metadata& metadata) {
    io_detail::write_safetensors(p, {{"dense/kernel", k}, {"dense/bias", b}}, metadata);
  };
  write({});
  expect_error([&] { load_model(p); },
               p + ": no 'format' in the header's __metadata__; expected \"fovea\" (a safetensors file not written by "
                   "fovea?)");
  write({{"format", "pt"}});
  expect_error([&] { load_weights(model, p); }, p + ": 'format' is \"pt\"; expected \"fovea\"");
  write({{"format", "fovea"}});
  expect_error([&] { load_model(p); }, p + ": no 'format_version' in the header's __metadata__; expected \"1\"");
  write({{"format", "fovea"}, {"format_version", "2"}, {"architecture", architecture}});
  expect_error([&] { load_model(p); }, p + ": 'format_version' is \"2\"; this fovea reads version \"1\"");
  write({{"format", "fovea"}, {"format_version", "1"}, {"architecture", architecture}, {"epoch", "three"}});
  expect_error([&] { load_model_file(p); },
               p + ": 'epoch' in __metadata__ is \"three\"; expected a non-negative integer");
  write({{"format", "fovea"}, {"format_version", "1"}, {"architecture", architecture}, {"user", "[1]"}});
  expect_error([&] { load_model_file(p); }, p + ": 'user' in __metadata__ is a JSON array; expected an object");
  write({{"format", "fovea"}, {"format_version", "1"}, {"architecture", R"({"class_name": "Graph", "config": {}})"}});
  expect_error([&] { load_model(p); },
               p + " (architecture): unknown model class 'Graph'; expected 'Sequential' or 'Functional'");
  // A damaged container is reported by the safetensors reader, naming the file.
  write({{"format", "fovea"}, {"format_version", "1"}, {"architecture", architecture}});
  const std::string whole = read_bytes(p);
  testing_data::write_bytes(p, whole.substr(0, whole.size() - 1));
  expect_error([&] { load_model(p); }, p + ": file is truncated: tensor 'dense/bias' ends at byte " +
                                           std::to_string(whole.size()) + " but the file has " +
                                           std::to_string(whole.size() - 1) + " bytes");
}

TEST(ModelFileTest, RefusesModelsAndOptimizersItCannotSaveFaithfully) {
  const fs::path dir = temp_dir("model_file_refuse");
  const std::string p = dir / "x.fovea";
  Sequential unbuilt({Dense({.units = 2})});
  expect_error<ValueError>([&] { save_model(unbuilt, p); },
                           "save_model(" + p + "): Sequential 'sequential' is not built, so its weights do not exist "
                           "yet; start it with an InputLayer, call build(input_shape) or run it on data first");
  Sequential model({InputLayer({3}), Dense({.units = 2})});
  OptimizerPtr adam = optimizers::Adam();
  Tensor stranger = Tensor::ones({7}).set_requires_grad();
  stranger.set_grad(Tensor::ones({7}));
  adam->step(std::vector<Tensor>{stranger});
  expect_error<ValueError>([&] { save_model(model, p, {.optimizer = adam.get()}); },
                           "save_model(" + p + "): the optimizer's state '0/momentum' is float32 (7,) but trainable "
                           "weight 0 'dense/kernel' is float32 (3, 2); the optimizer must be stepped with this model's "
                           "trainable weights (model.trainable_weights(), as fit() does)");
  EXPECT_THROW(save_model(model, p, {.user = nlohmann::json::array({1})}), ValueError);
  EXPECT_THROW(save_model(model, p, {.epoch = -2}), ValueError);
  Sequential reserved({InputLayer({3}), Dense({.units = 2, .name = "optimizer"})});
  expect_error<ValueError>([&] { save_weights(reserved, p); },
                           "save_weights(" + p + "): layer 'optimizer' has a name that model files reserve for the "
                           "optimizer state (names starting with 'optimizer/'); rename the layer");
  EXPECT_FALSE(fs::exists(p));
}

TEST(ModelFileTest, AFailedSaveLeavesThePreviousFileIntact) {
  const fs::path dir = temp_dir("model_file_atomic");
  const std::string path = dir / "m.fovea";
  auto model = small_cnn();
  save_model(*model, path);
  const std::string before = read_bytes(path);
  update_statistics(*model, Tensor::ones({2, 6, 6, 2}));
  {
    NoNewFiles limit;
    expect_error([&] { save_model(*model, path); },
                 path + ": cannot create a temporary file in its folder (Too many open files)");
  }
  {
    FileSizeLimit limit(1024);  // the file is larger: the write fails midway
    EXPECT_THROW(save_model(*model, path), IoError);
  }
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  const std::string nowhere = dir / "no_such_folder" / "m.fovea";
  expect_error([&] { save_model(*model, nowhere); },
               nowhere + ": cannot create a temporary file in its folder (No such file or directory)");
  save_model(*model, path);
  EXPECT_NE(read_bytes(path), before);
}

TEST(ModelFileTest, NpyFoldersHoldOneFilePerWeight) {
  const fs::path dir = temp_dir("model_file_npy");
  const fs::path out = dir / "weights";
  Sequential model({InputLayer({3}), Dense({.units = 2}), BatchNormalization()});
  update_statistics(model, Tensor::uniform({4, 3}, -1, 1));
  export_weights_npy(model, out.string());
  std::set<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    if (entry.is_regular_file()) files.insert(fs::relative(entry.path(), out).generic_string());
  }
  EXPECT_EQ(files, (std::set<std::string>{"dense/kernel.npy", "dense/bias.npy", "batch_normalization/gamma.npy",
                                          "batch_normalization/beta.npy", "batch_normalization/moving_mean.npy",
                                          "batch_normalization/moving_variance.npy"}));
  EXPECT_EQ(bytes_of(read_npy((out / "batch_normalization/moving_mean.npy").string())),
            bytes_of(model.get_layer("batch_normalization")->weight("moving_mean").value));

  Sequential other({InputLayer({3}), Dense({.units = 2}), BatchNormalization()});
  import_weights_npy(other, out.string());
  EXPECT_EQ(weight_snapshot(other), weight_snapshot(model));

  fs::create_directory(out / "extra");
  write_npy((out / "extra" / "w.npy").string(), Tensor::zeros({1}));
  fs::remove(out / "dense" / "bias.npy");
  const auto before = weight_snapshot(other);
  expect_error([&] { import_weights_npy(other, out.string()); },
               out.string() + ": the weights do not fit model 'sequential': 'dense/bias' is missing (the model's is "
                              "float32 (2,)); 'extra/w' (float32 (1,)) is not a weight of the model");
  EXPECT_EQ(weight_snapshot(other), before);
  expect_error([&] { import_weights_npy(other, (dir / "absent").string()); },
               (dir / "absent").string() +
                   ": not a folder; import_weights_npy reads <folder>/<layer name>/<weight name>.npy");
}

}  // namespace
}  // namespace fovea
