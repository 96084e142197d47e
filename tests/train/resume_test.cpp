// Exact resumption through the C++ API: a run checkpointed at an epoch end (weights, optimizer, default generator,
// callback states) and continued in a fresh model equals the uninterrupted run bit for bit; callback states and a
// resumed CSVLogger on their own.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "data/data_test_util.h"
#include "fovea/fovea.h"
#include "fovea/io/json.h"

namespace fovea {
namespace {

namespace fs = std::filesystem;

// Dropout draws from the default generator every step, so a resumption that lost the generator's state diverges.
std::shared_ptr<Model> dropout_model() {
  auto model = std::make_shared<Sequential>(
      std::vector<Layer>{InputLayer({6}), Dense({.units = 16, .activation = ActivationKind::relu}),
                         Dropout({.rate = 0.3}), Dense({.units = 3, .activation = ActivationKind::softmax})});
  model->compile({.optimizer = optimizers::Adam({.learning_rate = 0.01}),
                  .loss = "sparse_categorical_crossentropy",
                  .metrics = {"accuracy"}});
  return model;
}

Dataset samples() {
  Generator gen(5);
  Tensor x = Tensor::uniform({96, 6}, -1.0, 1.0, &gen);
  std::vector<double> labels(96);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<double>(i % 3);
  return {x, Tensor::from_vector(Shape{96}, labels, DType::i64)};
}

// EarlyStopping that restores its best weights and a ReduceLROnPlateau that acts within a few epochs: both carry
// state from epoch to epoch.
std::vector<CallbackPtr> stateful_callbacks() {
  return {std::make_shared<EarlyStopping>(
              EarlyStoppingOptions{.monitor = "loss", .patience = 3, .restore_best_weights = true}),
          std::make_shared<ReduceLROnPlateau>(
              ReduceLROnPlateauOptions{.monitor = "loss", .factor = 0.5, .patience = 1, .min_delta = 0.05})};
}

FitOptions fit_options(int64_t epochs, std::vector<CallbackPtr> callbacks) {
  return {.epochs = epochs, .batch_size = 16, .callbacks = std::move(callbacks), .verbose = 0, .seed = 3};
}

void expect_same_weights(Model& a, Model& b) {
  const std::vector<Weight*> wa = a.weights(), wb = b.weights();
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i) {
    ASSERT_EQ(wa[i]->value.nbytes(), wb[i]->value.nbytes());
    EXPECT_EQ(std::memcmp(wa[i]->value.raw_data(), wb[i]->value.raw_data(), wa[i]->value.nbytes()), 0)
        << "weight " << i << " (" << wa[i]->name << ")";
  }
}

TEST(ResumeTest, ACheckpointedRunContinuedInAFreshModelEqualsTheUninterruptedRun) {
  constexpr int64_t kEpochs = 8, kCheckpointAfter = 4;
  const Dataset data = samples();

  manual_seed(11);
  std::shared_ptr<Model> whole = dropout_model();
  const History uninterrupted = whole->fit(data, fit_options(kEpochs, stateful_callbacks()));

  // The interrupted run writes its checkpoint at the end of epoch kCheckpointAfter, as `fovea train` does: last
  // among the callbacks, so that the others' states include that epoch. Everything after it is thrown away.
  const std::string checkpoint = (testing_data::test_temp_dir() / "checkpoint.fovea").string();
  manual_seed(11);
  std::shared_ptr<Model> first = dropout_model();
  std::vector<CallbackPtr> first_callbacks = stateful_callbacks();
  first_callbacks.push_back(
      std::make_shared<LambdaCallback>(LambdaCallbackOptions{.on_epoch_end = [&](int64_t epoch, Logs&) {
        if (epoch + 1 != kCheckpointAfter) return;
        std::vector<CallbackState> states;
        for (size_t i = 0; i + 1 < first_callbacks.size(); ++i) states.push_back(first_callbacks[i]->state());
        save_model(*first, checkpoint,
                   {.optimizer = &first->optimizer(),
                    .epoch = epoch + 1,
                    .generator_state = DefaultGenerator()->state(),
                    .callback_states = states});
      }}));
  first->fit(data, fit_options(kEpochs, first_callbacks));
  manual_seed(999);  // whatever the process drew since, the checkpoint's state is what counts

  LoadedModel loaded = load_model_file(checkpoint);
  ASSERT_EQ(loaded.epoch, kCheckpointAfter);
  ASSERT_EQ(loaded.callback_states.size(), 2u);
  loaded.model->compile(
      {.optimizer = loaded.optimizer, .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  DefaultGenerator()->set_state(loaded.generator_state);
  FitOptions resumed_options = fit_options(kEpochs, stateful_callbacks());
  resumed_options.initial_epoch = loaded.epoch;
  resumed_options.callback_states = loaded.callback_states;
  const History resumed = loaded.model->fit(data, resumed_options);

  expect_same_weights(*loaded.model, *whole);
  // The resumed epochs' logs equal the uninterrupted run's same epochs exactly.
  ASSERT_FALSE(resumed.epochs().empty());
  for (size_t i = 0; i < resumed.epochs().size(); ++i) {
    const auto at = static_cast<size_t>(resumed.epochs()[i]);
    ASSERT_LT(at, uninterrupted.epochs().size());
    for (const std::string& name : uninterrupted.names()) {
      EXPECT_EQ(resumed.at(name)[i], uninterrupted.at(name)[at]) << name << " at epoch " << at;
    }
  }
}

TEST(ResumeTest, WithoutTheGeneratorStateDropoutMakesTheRunDiverge) {
  // The counter-test of the one above: the same resumption minus the generator state gives other weights, so the
  // test above depends on the state it claims to restore.
  const Dataset data = samples();
  manual_seed(11);
  std::shared_ptr<Model> whole = dropout_model();
  whole->fit(data, fit_options(4, {}));
  manual_seed(11);
  std::shared_ptr<Model> first = dropout_model();
  first->fit(data, fit_options(2, {}));
  const std::string checkpoint = (testing_data::test_temp_dir() / "no_generator.fovea").string();
  save_model(*first, checkpoint, {.optimizer = &first->optimizer(), .epoch = 2});
  manual_seed(12);
  LoadedModel loaded = load_model_file(checkpoint);
  EXPECT_EQ(loaded.generator_state, "");
  loaded.model->compile({.optimizer = loaded.optimizer, .loss = "sparse_categorical_crossentropy"});
  FitOptions options = fit_options(4, {});
  options.initial_epoch = 2;
  loaded.model->fit(data, options);
  const Tensor& a = loaded.model->weights()[0]->value;
  const Tensor& b = whole->weights()[0]->value;
  EXPECT_NE(std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()), 0);
}

TEST(ResumeTest, EarlyStoppingStateCarriesCountersBestAndTheDecisionToStop) {
  EarlyStopping original({.patience = 2, .restore_best_weights = true});
  Sequential model({InputLayer({3}), Dense({.units = 2})});
  model.compile({.optimizer = optimizers::SGD({}), .loss = "mse"});
  original.set_model(&model);
  original.on_train_begin({});
  Logs logs;
  logs.set("val_loss", 1.0);
  original.on_epoch_end(0, logs);
  logs.set("val_loss", 2.0);
  original.on_epoch_end(1, logs);
  const CallbackState state = original.state();
  EXPECT_EQ(state.values.at("best"), 1.0);
  EXPECT_EQ(state.values.at("best_epoch"), 0.0);
  EXPECT_EQ(state.values.at("wait"), 1.0);
  EXPECT_EQ(state.tensors.size(), model.weights().size());

  // A new callback given the state stops where the original would have: one more epoch without improvement.
  EarlyStopping resumed({.patience = 2, .restore_best_weights = true});
  resumed.set_model(&model);
  model.stop_training(false);
  resumed.on_train_begin({});
  resumed.set_state(state);
  logs.set("val_loss", 3.0);
  resumed.on_epoch_end(2, logs);
  EXPECT_TRUE(model.stop_training());
  EXPECT_EQ(resumed.stopped_epoch(), 2);
  EXPECT_EQ(resumed.best_epoch(), 0);

  // A state in which the run had already stopped stops the resumed run at once.
  EarlyStopping after_stop({.patience = 2});
  after_stop.set_model(&model);
  model.stop_training(false);
  after_stop.on_train_begin({});
  after_stop.set_state(resumed.state());
  EXPECT_TRUE(model.stop_training());

  try {
    EarlyStopping other;
    other.set_state(CallbackState{.values = {{"wait", 1}}});
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(),
                 "EarlyStopping: the state to resume has no 'best'; it was written for another callback (resume with "
                 "the callbacks of the checkpointed run, in order)");
  }
}

TEST(ResumeTest, CallbackStatesRoundTripThroughModelFilesWithInfinitiesExactly) {
  Sequential model({InputLayer({3}), Dense({.units = 2})});
  const std::string path = (testing_data::test_temp_dir() / "states.fovea").string();
  const std::vector<CallbackState> states = {
      {.values = {{"best", std::numeric_limits<double>::infinity()}, {"wait", 3}},
       .tensors = {Tensor::full({2, 2}, 0.25), Tensor::full({3}, -1.0, DType::f64)}},
      {},
      {.values = {{"best", 0.1 + 0.2}}}};
  Generator gen(4);
  gen.normal();
  save_model(model, path, {.generator_state = gen.state(), .callback_states = states});
  LoadedModel loaded = load_model_file(path);
  ASSERT_EQ(loaded.callback_states.size(), 3u);
  EXPECT_EQ(loaded.callback_states[0].values, states[0].values);
  ASSERT_EQ(loaded.callback_states[0].tensors.size(), 2u);
  EXPECT_EQ(loaded.callback_states[0].tensors[1].to_vector(), states[0].tensors[1].to_vector());
  EXPECT_EQ(loaded.callback_states[0].tensors[1].dtype(), DType::f64);
  EXPECT_TRUE(loaded.callback_states[1].empty());
  EXPECT_EQ(loaded.callback_states[2].values.at("best"), 0.1 + 0.2);
  EXPECT_EQ(loaded.generator_state, gen.state());
  // The entries are not weights: the model loads as it was.
  EXPECT_EQ(load_model(path)->count_params(), model.count_params());

  try {
    save_model(model, path, {.generator_state = "not a state"});
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_EQ(
        std::string(e.what()),
        "save_model(" + path +
            "): generator_state: random generator state: expected the text "
            "Generator::state() writes (the mt19937_64 state, a flag and a number), got 11 characters that do not "
            "parse");
  }
}

TEST(ResumeTest, AResumedCSVLoggerDropsTheRowsItRepeatsAndACutRow) {
  const fs::path file = testing_data::test_temp_dir() / "history.csv";
  {
    std::ofstream out(file);
    out << "epoch,loss\n0,0.9\n1,0.8\n2,0.7\n3,0.6\n4,0.5";  // epochs 3 and 4 after the checkpoint; 4 cut short
  }
  Sequential model({InputLayer({3}), Dense({.units = 1})});
  model.compile({.optimizer = optimizers::SGD({.learning_rate = 0.0}), .loss = "mse"});
  const Tensor x = Tensor::zeros({4, 3}), y = Tensor::zeros({4, 1});
  model.fit(x, y,
            {.epochs = 4,
             .batch_size = 4,
             .callbacks = {std::make_shared<CSVLogger>(CSVLoggerOptions{.filename = file.string(), .append = true})},
             .verbose = 0,
             .initial_epoch = 3});
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "epoch,loss\n0,0.9\n1,0.8\n2,0.7\n3,0\n");

  // Appending from epoch 0 keeps every row, as Keras's append does.
  model.fit(x, y,
            {.epochs = 1,
             .batch_size = 4,
             .callbacks = {std::make_shared<CSVLogger>(CSVLoggerOptions{.filename = file.string(), .append = true})},
             .verbose = 0});
  std::ifstream again(file);
  std::stringstream appended;
  appended << again.rdbuf();
  EXPECT_EQ(appended.str(), "epoch,loss\n0,0.9\n1,0.8\n2,0.7\n3,0\n0,0\n");
}

}  // namespace
}  // namespace fovea
