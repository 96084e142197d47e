// The `fovea` command end to end: train on a small data set written here, then eval, predict, summary and zoo on
// the result, reading their --json output; and the errors a person sees for bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/bars_data.h"
#include "cli/cli_test_util.h"
#include "fovea/fovea.h"

namespace fovea {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::run;
using testing::run_json;

class FoveaCommandTest : public testing::CommandTest {
 protected:
  void SetUp() override {
    testing::CommandTest::SetUp();
    data_ = testing::write_bars_data(dir_, 240, 90);
  }
  std::string data_;
};

TEST_F(FoveaCommandTest, TrainWritesModelHistoryAndMetricsThatEvalAndPredictReuse) {
  const fs::path out = dir_ / "run";
  nlohmann::json metrics = run_json(
      "train --data " + data_ + " --epochs 4 --batch-size 16 --lr 0.003 --threads 2 --json -o " + out.string(), dir_);
  EXPECT_EQ(metrics["epochs"], 4);
  EXPECT_EQ(metrics["train_samples"], 240);
  EXPECT_GT(metrics["test"]["accuracy"].get<double>(), 0.8);  // chance is 1/3
  EXPECT_TRUE(fs::exists(out / "model.fovea"));
  EXPECT_TRUE(fs::exists(out / "checkpoint.fovea"));

  // history.csv: a header and one row per epoch; metrics.json equals what --json printed.
  std::ifstream history(out / "history.csv");
  std::string header, line;
  std::getline(history, header);
  EXPECT_EQ(header, "epoch,loss,accuracy,val_loss,val_accuracy");
  int rows = 0;
  while (std::getline(history, line)) ++rows;
  EXPECT_EQ(rows, 4);
  std::ifstream saved(out / "metrics.json");
  EXPECT_EQ(nlohmann::json::parse(saved), metrics);

  // eval reloads the model and its normalizer, and scores the same test split the same way.
  nlohmann::json eval = run_json("eval " + (out / "model.fovea").string() + " --data " + data_ + " --json", dir_);
  EXPECT_EQ(eval["samples"], 90);
  EXPECT_NEAR(eval["accuracy"].get<double>(), metrics["test"]["accuracy"].get<double>(), 1e-12);
  EXPECT_NEAR(eval["loss"].get<double>(), metrics["test"]["loss"].get<double>(), 1e-6);

  // predict: one sample (no batch axis) from an NPY file, top-2 classes.
  Tensor xt = read_npy((dir_ / "xt.npy").string());
  Tensor one = Tensor::empty(Shape{12, 12, 1});
  std::memcpy(one.raw_data(), xt.data<float>() + 144, one.nbytes());  // sample 1: a vertical bar
  write_npy((dir_ / "one.npy").string(), one);
  nlohmann::json predicted =
      run_json("predict " + (out / "model.fovea").string() + " " + (dir_ / "one.npy").string() + " -k 2 --json", dir_);
  ASSERT_EQ(predicted.size(), 1u);
  ASSERT_EQ(predicted[0]["top"].size(), 2u);
  EXPECT_EQ(predicted[0]["top"][0]["class"], 1);
  EXPECT_GE(predicted[0]["top"][0]["score"].get<double>(), predicted[0]["top"][1]["score"].get<double>());

  // predict: the same sample as a PNG file, resized and normalized as the model was trained.
  write_png((dir_ / "one.png").string(), one);
  nlohmann::json from_png =
      run_json("predict " + (out / "model.fovea").string() + " " + (dir_ / "one.png").string() + " --json", dir_);
  EXPECT_EQ(from_png[0]["top"][0]["class"], 1);

  // --resume continues from the checkpoint: two more epochs appended to the same history.
  CommandResult resumed =
      run("train --data " + data_ + " --epochs 6 --batch-size 16 --lr 0.003 --resume -v 2 -o " + out.string());
  EXPECT_EQ(resumed.status, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("Resuming from"), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("Epoch 5/6"), std::string::npos) << resumed.out;
  EXPECT_EQ(resumed.out.find("Epoch 4/6"), std::string::npos) << resumed.out;
}

// With augmentation each batch of stored pixels is converted to float32 and augmented before the model's own
// normalization; it still trains to well above chance.
TEST_F(FoveaCommandTest, TrainsWithAugmentation) {
  nlohmann::json augmented = run_json("train --data " + data_ +
                                          " --augment crop=1 --epochs 4 --batch-size 16 --lr 0.003 --json -v 0 -o " +
                                          (dir_ / "augmented").string(),
                                      dir_);
  EXPECT_EQ(augmented["epochs"], 4);
  EXPECT_GT(augmented["test"]["accuracy"].get<double>(), 0.6);  // chance is 1/3
}

TEST_F(FoveaCommandTest, TransfersFeaturesToNewClassesAndFineTunes) {
  const fs::path base = dir_ / "base", target = dir_ / "target";
  CommandResult trained =
      run("train --data " + data_ + " --classes 0,1 --epochs 3 --batch-size 16 -v 0 -o " + base.string());
  ASSERT_EQ(trained.status, 0) << trained.out;
  nlohmann::json metrics =
      run_json("train --data " + data_ + " --classes 1-2 --base " + (base / "model.fovea").string() +
                   " --epochs 3 --fine-tune-epochs 1 --batch-size 16 --lr 0.01 --json -o " + target.string(),
               dir_);
  EXPECT_EQ(metrics["epochs"], 4);  // 3 for the head, 1 of fine-tuning
  std::ifstream history(target / "history.csv");
  std::string line;
  int rows = 0;
  while (std::getline(history, line)) ++rows;
  EXPECT_EQ(rows, 1 + 4);  // the header, then every epoch of both phases
  EXPECT_EQ(metrics["train_samples"], 160);
  EXPECT_GT(metrics["test"]["accuracy"].get<double>(), 0.7);  // two classes: chance is 1/2
  nlohmann::json summary = run_json("summary " + (target / "model.fovea").string() + " --json", dir_);
  EXPECT_EQ(summary["layers"].back()["name"], "transfer_head");
  EXPECT_EQ(summary["layers"].back()["params"], 128 * 2 + 2);
  CommandResult bad = run("train --data " + data_ + " --classes 7 -o " + target.string());
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.out.find("--classes: class 7 is not in"), std::string::npos) << bad.out;
}

TEST_F(FoveaCommandTest, SummaryAndZooPrintTablesAndJson) {
  nlohmann::json summary = run_json("summary mnist-cnn --json", dir_);
  EXPECT_EQ(summary["total_params"], 1199882);
  EXPECT_EQ(summary["layers"][0]["class_name"], "Conv2D");
  EXPECT_EQ(summary["layers"][0]["params"], 320);
  CommandResult table = run("summary lwls-6.3");
  EXPECT_EQ(table.status, 0);
  EXPECT_NE(table.out.find("Total params: 122,270"), std::string::npos) << table.out;
  nlohmann::json zoo = run_json("zoo --json", dir_);
  ASSERT_GE(zoo.size(), 2u);
  EXPECT_EQ(zoo[0]["name"], "mnist-cnn");
}

TEST_F(FoveaCommandTest, BadInputIsAClearErrorAndAFailingExitStatus) {
  CommandResult unknown_model = run("summary no-such-net");
  EXPECT_EQ(unknown_model.status, 1);
  EXPECT_NE(unknown_model.out.find("fovea: error: model 'no-such-net' is neither a zoo network nor an existing file"),
            std::string::npos)
      << unknown_model.out;
  CommandResult bad_data = run("train --data nosuch:thing -o " + (dir_ / "bad").string());
  EXPECT_EQ(bad_data.status, 1);
  EXPECT_NE(bad_data.out.find("fovea: error: "), std::string::npos) << bad_data.out;
  CommandResult missing_file = run("train --data npy:" + (dir_ / "absent.npy").string() + "," +
                                   (dir_ / "y.npy").string() + " -o " + (dir_ / "bad").string());
  EXPECT_EQ(missing_file.status, 1);
  EXPECT_NE(missing_file.out.find("absent.npy"), std::string::npos) << missing_file.out;
  CommandResult no_command = run("");
  EXPECT_NE(no_command.status, 0);
}

}  // namespace
}  // namespace fovea
