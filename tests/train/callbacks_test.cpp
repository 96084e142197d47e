// Callbacks driven directly with hand-made logs: the epochs at which EarlyStopping stops and ReduceLROnPlateau
// reduces (worked out by hand from Keras's rules), restored weights, CSV rows, checkpoint paths.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fovea/fovea.h"
#include "fovea/io/json.h"

namespace fovea {
namespace {

Sequential tiny_model() {
  Sequential model({InputLayer({3}), Dense({.units = 2})});
  model.compile({.optimizer = optimizers::SGD({.learning_rate = 0.5}), .loss = "mse"});
  return model;
}

Logs val_loss(double v) {
  Logs logs;
  logs.set("loss", 1.0);
  logs.set("val_loss", v);
  return logs;
}

// Runs a callback over a sequence of val_loss values as fit() would; returns the epochs run.
int64_t drive(Model& model, Callback& cb, const std::vector<double>& values,
              const std::function<void(int64_t)>& before_end = {}) {
  cb.set_model(&model);
  model.stop_training(false);
  cb.on_train_begin({});
  int64_t epochs = 0;
  for (size_t e = 0; e < values.size() && !model.stop_training(); ++e) {
    if (before_end) before_end(static_cast<int64_t>(e));
    Logs logs = val_loss(values[e]);
    cb.on_epoch_begin(static_cast<int64_t>(e), logs);
    cb.on_epoch_end(static_cast<int64_t>(e), logs);
    ++epochs;
  }
  cb.on_train_end({});
  return epochs;
}

TEST(LogsTest, KeepsInsertionOrderAndNamesMissingValues) {
  Logs logs;
  logs.set("loss", 2);
  logs.set("accuracy", 0.5);
  logs.set("loss", 1);
  std::vector<std::string> names;
  for (const auto& [n, v] : logs) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"loss", "accuracy"}));
  EXPECT_EQ(logs.at("loss"), 1);
  try {
    logs.at("val_loss");
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "logs have no value 'val_loss'; available: loss, accuracy");
  }
}

TEST(EarlyStoppingTest, StopsPatienceEpochsAfterTheBest) {
  Sequential model = tiny_model();
  // Best at epoch 1 (0.5); epochs 2 and 3 do not improve -> wait reaches 2 at epoch 3.
  EarlyStopping es({.patience = 2});
  EXPECT_EQ(drive(model, es, {1.0, 0.5, 0.6, 0.7, 0.1, 0.1}), 4);
  EXPECT_EQ(es.stopped_epoch(), 3);
  EXPECT_EQ(es.best_epoch(), 1);
}

TEST(EarlyStoppingTest, MinDeltaAndModeMax) {
  Sequential model = tiny_model();
  // Accuracy-like names go up; improvements smaller than min_delta do not count.
  EarlyStopping es({.monitor = "val_accuracy", .min_delta = 0.05, .patience = 1});
  model.stop_training(false);
  es.set_model(&model);
  es.on_train_begin({});
  std::vector<double> acc = {0.5, 0.6, 0.62, 0.9};
  int64_t epoch = 0;
  for (; epoch < 4 && !model.stop_training(); ++epoch) {
    Logs logs;
    logs.set("val_accuracy", acc[epoch]);
    es.on_epoch_end(epoch, logs);
  }
  EXPECT_EQ(es.stopped_epoch(), 2);
}

TEST(EarlyStoppingTest, RestoresTheBestWeights) {
  Sequential model = tiny_model();
  Weight* kernel = model.weights()[0];
  EarlyStopping es({.patience = 1, .restore_best_weights = true});
  // Before each epoch's end the weights are set to the epoch number, so the best epoch's weights are known.
  drive(model, es, {3.0, 1.0, 2.0, 2.5}, [&](int64_t e) { kernel->value.fill_(static_cast<double>(e)); });
  EXPECT_EQ(es.stopped_epoch(), 2);
  EXPECT_EQ(kernel->value.at({0, 0}), 1.0);
}

TEST(EarlyStoppingTest, MissingMonitorNamesWhatIsLogged) {
  Sequential model = tiny_model();
  EarlyStopping es;
  es.set_model(&model);
  es.on_train_begin({});
  Logs logs;
  logs.set("loss", 1.0);
  try {
    es.on_epoch_end(0, logs);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(),
                 "EarlyStopping: monitors 'val_loss' but the logs have only loss (is there validation data?)");
  }
}

TEST(ReduceLROnPlateauTest, ReducesAfterPatienceAndCoolsDown) {
  Sequential model = tiny_model();
  ReduceLROnPlateau cb({.factor = 0.5, .patience = 2, .cooldown = 1, .min_lr = 0.1});
  std::vector<double> rates;
  cb.set_model(&model);
  cb.on_train_begin({});
  // Keras: best at epoch 0; epochs 1, 2 stall -> reduce after epoch 2 (0.5 -> 0.25, cooldown 1). Epoch 3 ends
  // the cooldown and, not in cooldown any more, counts as a stalled epoch; so epoch 4 reduces again (0.125),
  // epoch 6 reaches min_lr (0.1), and epoch 8 finds the rate at min_lr and leaves it.
  for (int64_t e = 0; e < 9; ++e) {
    Logs logs = val_loss(e == 0 ? 1.0 : 2.0);
    cb.on_epoch_end(e, logs);
    rates.push_back(model.optimizer().learning_rate());
  }
  EXPECT_EQ(rates, (std::vector<double>{0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.1, 0.1, 0.1}));
}

TEST(LearningRateSchedulerTest, SetsTheRateEachEpochAndLogsIt) {
  Sequential model = tiny_model();
  LearningRateScheduler cb([](int64_t epoch, double lr) { return epoch < 2 ? lr : lr * 0.1; });
  cb.set_model(&model);
  std::vector<double> logged;
  for (int64_t e = 0; e < 4; ++e) {
    cb.on_epoch_begin(e, {});
    Logs logs;
    cb.on_epoch_end(e, logs);
    logged.push_back(logs.at("learning_rate"));
  }
  EXPECT_DOUBLE_EQ(logged[1], 0.5);
  EXPECT_DOUBLE_EQ(logged[2], 0.05);
  EXPECT_NEAR(logged[3], 0.005, 1e-15);
}

TEST(CSVLoggerTest, WritesAHeaderAndOneRowPerEpochAndAppends) {
  Sequential model = tiny_model();
  const auto path = std::filesystem::path(::testing::TempDir()) / "fovea_csv_logger.csv";
  std::filesystem::remove(path);
  {
    CSVLogger cb({.filename = path.string()});
    drive(model, cb, {0.5, 0.25});
  }
  {
    CSVLogger cb({.filename = path.string(), .append = true});
    drive(model, cb, {0.125});
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "epoch,loss,val_loss\n0,1,0.5\n1,1,0.25\n0,1,0.125\n");
}

TEST(ModelCheckpointTest, FormatsPathsAsKerasDoes) {
  Logs logs = val_loss(0.5);
  EXPECT_EQ(format_checkpoint_path("m-{epoch:02d}-{val_loss:.3f}.fovea", 3, logs), "m-03-0.500.fovea");
  EXPECT_EQ(format_checkpoint_path("m{epoch}.fovea", 12, logs), "m12.fovea");
  try {
    format_checkpoint_path("m-{accuracy}.fovea", 1, logs);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "ModelCheckpoint: filepath 'm-{accuracy}.fovea' uses {accuracy} but the logs have no "
                           "such value");
  }
  EXPECT_THROW(format_checkpoint_path("m-{epoch:x}.fovea", 1, logs), ValueError);
  EXPECT_THROW(format_checkpoint_path("m-{epoch.fovea", 1, logs), ValueError);
}

TEST(ModelCheckpointTest, SaveBestOnlyWritesOnImprovementWithTheOptimizerAndEpoch) {
  Sequential model = tiny_model();
  const auto dir = std::filesystem::path(::testing::TempDir()) / "fovea_checkpoint_test";
  std::filesystem::remove_all(dir);
  const std::string path = (dir / "best.fovea").string();  // the folder is created on the first save
  ModelCheckpoint cb({.filepath = path, .save_best_only = true});
  std::vector<int64_t> saved_epochs;
  drive(model, cb, {1.0, 2.0, 0.5, 0.7}, [&](int64_t e) {
    if (e > 0) saved_epochs.push_back(load_model_file(path).epoch);
  });
  saved_epochs.push_back(load_model_file(path).epoch);
  // Saved after epochs 1 and 3 (1-based): epochs 2 and 4 did not improve on the best val_loss.
  EXPECT_EQ(saved_epochs, (std::vector<int64_t>{1, 1, 3, 3}));
  LoadedModel loaded = load_model_file(path);
  ASSERT_NE(loaded.optimizer, nullptr);
  EXPECT_EQ(loaded.optimizer->class_name(), "SGD");
  EXPECT_EQ(cb.last_saved(), path);
}

TEST(HistoryTest, CollectsValuesPerEpoch) {
  Sequential model = tiny_model();
  History h;
  drive(model, h, {0.5, 0.25});
  EXPECT_EQ(h.at("val_loss"), (std::vector<double>{0.5, 0.25}));
  EXPECT_EQ(h.names(), (std::vector<std::string>{"loss", "val_loss"}));
  EXPECT_EQ(h.epochs(), (std::vector<int64_t>{0, 1}));
  EXPECT_THROW(h.at("accuracy"), ValueError);
}

TEST(TerminateOnNaNTest, StopsOnANonFiniteLoss) {
  Sequential model = tiny_model();
  TerminateOnNaN cb;
  cb.set_model(&model);
  model.stop_training(false);
  Logs logs;
  logs.set("loss", 1.0);
  cb.on_train_batch_end(0, logs);
  EXPECT_FALSE(model.stop_training());
  logs.set("loss", std::numeric_limits<double>::quiet_NaN());
  cb.on_train_batch_end(1, logs);
  EXPECT_TRUE(model.stop_training());
  EXPECT_TRUE(cb.terminated());
}

TEST(CallbackTest, ModelOutsideFitIsAnError) {
  History h;
  Logs logs;
  EarlyStopping es;
  EXPECT_THROW(es.on_epoch_end(0, logs), ValueError);
}

}  // namespace
}  // namespace fovea
