// The live report during fit(): a page after every epoch with the history so far, live until training ends, the
// history of a resumed run continued, and a name logged only from some epoch on.
#include "fovea/viz/report_callback.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fovea/core/error.h"
#include "fovea/fovea.h"

namespace fovea::viz {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct ReportCallbackTest : ::testing::Test {
  void SetUp() override {
    // A folder per test: ctest runs the tests of one suite in parallel processes.
    dir = fs::temp_directory_path() /
          (std::string("fovea_report_callback_test_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  fs::path dir;
};

TEST_F(ReportCallbackTest, WritesAPageEveryEpochAndFinishes) {
  Sequential model({InputLayer({3}), Dense({.units = 2})});
  model.compile({.optimizer = "sgd", .loss = "mse"});
  const Tensor x = Tensor::uniform(Shape{16, 3}, -1, 1);
  const Tensor y = Tensor::uniform(Shape{16, 2}, -1, 1);
  auto report = std::make_shared<ReportCallback>(ReportCallbackOptions{.path = (dir / "report.html").string()});
  model.fit(x, y, {.epochs = 3, .batch_size = 8, .validation_split = 0.25, .callbacks = {report}, .verbose = 0});
  EXPECT_EQ(report->pages_written(), 5);  // before the first epoch, after each, and the finished page
  EXPECT_EQ(report->report().epochs, (std::vector<int64_t>{0, 1, 2}));
  ASSERT_EQ(report->report().history.size(), 2u);
  EXPECT_EQ(report->report().history[0].name, "loss");
  EXPECT_EQ(report->report().history[1].name, "val_loss");
  EXPECT_EQ(report->report().history[1].values.size(), 3u);
  const std::string page = read_file(dir / "report.html");
  EXPECT_NE(page.find("finished: 3 epochs"), std::string::npos);
  EXPECT_EQ(page.find("\"live\":{"), std::string::npos);
  EXPECT_GE(report->seconds_writing(), 0.0);
}

TEST_F(ReportCallbackTest, StaysLiveWhenTheCallerFinishes) {
  Sequential model({InputLayer({3}), Dense({.units = 2})});
  model.compile({.optimizer = "sgd", .loss = "mse"});
  TrainingReport earlier;  // a resumed run: epochs 0 and 1 came from history.csv
  earlier.epochs = {0, 1};
  earlier.history = {{"loss", {2.0, 1.5}}};
  auto report = std::make_shared<ReportCallback>(ReportCallbackOptions{
      .path = (dir / "report.html").string(), .report = earlier, .finish_on_train_end = false});
  model.fit(Tensor::zeros(Shape{4, 3}), Tensor::zeros(Shape{4, 2}),
            {.epochs = 3, .batch_size = 4, .callbacks = {report}, .verbose = 0, .initial_epoch = 2});
  EXPECT_EQ(report->report().epochs, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(report->report().history[0].values.size(), 3u);
  EXPECT_DOUBLE_EQ(report->report().history[0].values[0], 2.0);
  EXPECT_NE(read_file(dir / "report.html").find("\"live\":{"), std::string::npos);
  report->report().confusion = {{1, 0}, {0, 1}};
  report->finish();
  const std::string page = read_file(dir / "report.html");
  EXPECT_EQ(page.find("\"live\":{"), std::string::npos);
  EXPECT_NE(page.find("<table class=\"confusion\">"), std::string::npos);
}

TEST_F(ReportCallbackTest, ANameLoggedLaterGetsNaNBefore) {
  Sequential model({InputLayer({3}), Dense({.units = 2})});
  ReportCallback report({.path = (dir / "report.html").string()});
  report.set_model(&model);
  report.set_params({.epochs = 2});
  report.on_train_begin({});
  Logs first;
  first.set("loss", 1.0);
  report.on_epoch_end(0, first);
  Logs second;
  second.set("loss", 0.5);
  second.set("lr", 0.01);
  report.on_epoch_end(1, second);
  ASSERT_EQ(report.report().history.size(), 2u);
  EXPECT_TRUE(std::isnan(report.report().history[1].values[0]));
  EXPECT_DOUBLE_EQ(report.report().history[1].values[1], 0.01);
}

TEST(ReportCallback, NeedsAPath) {
  try {
    ReportCallback report({});
    FAIL() << "expected a ValueError";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "ReportCallback: no path given for the report (options.path)");
  }
}

}  // namespace
}  // namespace fovea::viz
