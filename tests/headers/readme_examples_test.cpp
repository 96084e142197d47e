// README.md's examples that run in seconds: the first prints the parameter count the README promises; the viz
// example writes the report and pictures it says it writes.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "fovea/fovea.h"
#include "headers/readme_examples.h"

namespace {

namespace fs = std::filesystem;

TEST(ReadmeExamples, TopExamplePrintsTheSummaryItPromises) {
  testing::internal::CaptureStdout();
  fovea_readme::top_example();
  const std::string printed = testing::internal::GetCapturedStdout();
  EXPECT_NE(printed.find("Total params: 1,199,882\n"), std::string::npos) << printed;
}

TEST(ReadmeExamples, VizExampleWritesTheReportAndPictures) {
  using namespace fovea;
  const fs::path dir = fs::path(::testing::TempDir()) / "fovea_readme_viz_example";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path previous = fs::current_path();
  fs::current_path(dir);  // the example writes into the current folder, as a user's program would
  Sequential model({InputLayer({8, 8, 1}), Conv2D({.filters = 2, .kernel_size = 3, .activation = "relu"}), Flatten(),
                    Dense({.units = 2, .activation = "softmax"})});
  model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy"});
  const Tensor x = Tensor::uniform(Shape{20, 8, 8, 1}, 0, 1);
  const Tensor y = Tensor::from_vector(Shape{20}, std::vector<double>(20, 1.0));
  fovea_readme::viz_example(model, x, y, Tensor::uniform(Shape{8, 8, 1}, 0, 255));
  for (const char* file : {"report.html", "filters.png", "cam.png", "maps.png"}) {
    EXPECT_TRUE(fs::exists(dir / file)) << file;
  }
  fs::current_path(previous);
  fs::remove_all(dir);
}

}  // namespace
