// The report and pictures of the command line: `fovea train` leaves report.html (finished, with the test split's
// pictures) and what `fovea report` draws it from again; a resumed run's page holds every epoch; `fovea viz` writes
// its PNG, SVG and DOT files; bad input gets one line naming the file or layer, and a failed report leaves the old one.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli/bars_data.h"
#include "cli/cli_test_util.h"
#include "fovea/fovea.h"

namespace fovea {
namespace {

namespace fs = std::filesystem;
using testing::run;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ReportVizCommandTest : public testing::CommandTest {
 protected:
  void SetUp() override {
    testing::CommandTest::SetUp();
    data_ = testing::write_bars_data(dir_, 96, 24);
    const Tensor xt = read_npy((dir_ / "xt.npy").string());
    Tensor one = Tensor::empty(Shape{12, 12, 1});
    std::memcpy(one.raw_data(), xt.data<float>(), one.nbytes());
    image_ = (dir_ / "one.png").string();
    write_png(image_, one);
  }
  // A small CNN trained for the given epochs into dir_/run.
  testing::CommandResult train(int epochs, const std::string& extra = "") {
    return run("train --data " + data_ + " --model " + model_config() + " --epochs " + std::to_string(epochs) +
               " --batch-size 16 --verbose 0 -o " + (dir_ / "run").string() + extra);
  }
  std::string model_config() {
    const fs::path path = dir_ / "cnn.json";
    if (!fs::exists(path)) {
      Sequential model({InputLayer({12, 12, 1}), Conv2D({.filters = 4, .kernel_size = {3}, .activation = "relu"}),
                        MaxPooling2D({.pool_size = {2}}), Flatten(), Dense({.units = 3, .activation = "softmax"})});
      std::ofstream(path) << model.to_json();
    }
    return path.string();
  }
  std::string data_;
  std::string image_;
};

TEST_F(ReportVizCommandTest, TrainLeavesAFinishedReportAndWhatRebuildsIt) {
  const testing::CommandResult r = train(2);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("Report: " + (dir_ / "run" / "report.html").string() + " (3 pages written during training"),
            std::string::npos)
      << r.out;
  const std::string page = read_text(dir_ / "run" / "report.html");
  EXPECT_NE(page.find("finished: 2 epochs"), std::string::npos);
  EXPECT_EQ(page.find("\"live\":{"), std::string::npos);
  for (const char* part : {"First-layer filters", "Grad-CAM", "Feature maps of test image 0", "<table class=\"confusion\">",
                           "<canvas id=\"chart-0\"", "train --data"}) {
    EXPECT_NE(page.find(part), std::string::npos) << part;
  }
  for (const char* file : {"run.json", "report/labels.npy", "report/predictions.npy", "report/samples.npy"}) {
    EXPECT_TRUE(fs::exists(dir_ / "run" / file)) << file;
  }
  // fovea report draws the same page again from the folder alone.
  const testing::CommandResult again = run("report " + (dir_ / "run").string() + " -o " + path("again.html"));
  ASSERT_EQ(again.status, 0) << again.out;
  const std::string rebuilt = read_text(dir_ / "again.html");
  for (const char* part : {"First-layer filters", "Grad-CAM", "<table class=\"confusion\">", "<canvas id=\"chart-0\""}) {
    EXPECT_NE(rebuilt.find(part), std::string::npos) << part;
  }
}

TEST_F(ReportVizCommandTest, AResumedRunsPageHoldsEveryEpoch) {
  ASSERT_EQ(train(1).status, 0);
  const testing::CommandResult r = train(3, " --resume");
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string page = read_text(dir_ / "run" / "report.html");
  EXPECT_NE(page.find("finished: 3 epochs"), std::string::npos);
  EXPECT_NE(page.find("<tr><td>1</td>"), std::string::npos);  // epoch 1 came from history.csv
  EXPECT_NE(page.find("<tr><td>3</td>"), std::string::npos);
}

TEST_F(ReportVizCommandTest, ReportRefusesWhatIsNotARunAndKeepsTheOldPage) {
  fs::create_directories(dir_ / "empty");
  testing::CommandResult r = run("report " + (dir_ / "empty").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "fovea: error: " + (dir_ / "empty").string() +
                       ": no history.csv, so there are no curves to draw; expected the output folder of fovea train "
                       "after at least one epoch\n");
  ASSERT_EQ(train(1).status, 0);
  const fs::path model = dir_ / "run" / "model.fovea";
  r = run("report " + model.string());
  EXPECT_EQ(r.out, "fovea: error: fovea report: " + model.string() +
                       " is a model file: give the data to evaluate it on with --data SPEC\n");
  // A run folder whose model is gone: the error names it, and the page written before stays as it was.
  const std::string before = read_text(dir_ / "run" / "report.html");
  fs::rename(model, dir_ / "model.fovea");
  fs::remove(dir_ / "run" / "checkpoint.fovea");
  r = run("report " + (dir_ / "run").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("no model.fovea or checkpoint.fovea"), std::string::npos) << r.out;
  EXPECT_EQ(read_text(dir_ / "run" / "report.html"), before);
  // Any model file, on data given by --data.
  r = run("report " + (dir_ / "model.fovea").string() + " --data " + data_ + " -o " + path("model.html"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(read_text(dir_ / "model.html").find("this page was made for a model file"), std::string::npos);
}

TEST_F(ReportVizCommandTest, VizWritesPicturesAndNamesWhatIsWrong) {
  ASSERT_EQ(train(1, " --no-report").status, 0);
  EXPECT_FALSE(fs::exists(dir_ / "run" / "report.html"));
  const std::string model = (dir_ / "run" / "model.fovea").string();
  testing::CommandResult r = run("viz filters " + model + " -o " + path("filters.png"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(read_image(path("filters.png")).dim(2), 3);
  r = run("viz gradcam " + model + " " + image_ + " -o " + path("cam.png"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(read_image(path("cam.png")).shape(), Shape({12, 12, 3}));
  r = run("viz saliency " + model + " " + image_ + " -o " + path("saliency.png"));
  ASSERT_EQ(r.status, 0) << r.out;
  r = run("viz features " + model + " " + image_ + " -o " + path("features.png"));
  ASSERT_EQ(r.status, 0) << r.out;
  r = run("viz curves " + (dir_ / "run").string() + " -o " + path("curves.png"));
  if (fs::exists("/usr/bin/gnuplot")) {
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(read_image(path("curves.png")).dim(2), 3);
  } else {
    EXPECT_NE(r.out.find("install Debian's gnuplot-nox"), std::string::npos) << r.out;
  }
  r = run("viz graph " + model + " -o " + path("graph.dot"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(read_text(dir_ / "graph.dot").rfind("digraph", 0), 0u);

  r = run("viz filters " + model + " --layer dense");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("Dense 'dense' has no convolution filters"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("its convolution layers are: conv2d"), std::string::npos) << r.out;
  r = run("viz filters " + model + " --layer nope");
  EXPECT_NE(r.out.find("has no layer named 'nope'; its convolution layers are: conv2d"), std::string::npos) << r.out;
  std::ofstream(path("notes.txt")) << "not an image";
  r = run("viz features " + model + " " + path("notes.txt"));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out.rfind("fovea: error: " + path("notes.txt") + ": not a PNG or JPEG image", 0), 0u) << r.out;
  r = run("viz graph " + model + " -o " + path("graph.bmp"));
  EXPECT_EQ(r.out, "fovea: error: -o " + path("graph.bmp") + ": expected a .svg, .png or .dot file\n");
}

}  // namespace
}  // namespace fovea
