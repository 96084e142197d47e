// README.md's first example runs and prints the parameter count the README promises.
#include <gtest/gtest.h>

#include <string>

#include "headers/readme_examples.h"

namespace {

TEST(ReadmeExamples, TopExamplePrintsTheSummaryItPromises) {
  testing::internal::CaptureStdout();
  fovea_readme::top_example();
  const std::string printed = testing::internal::GetCapturedStdout();
  EXPECT_NE(printed.find("Total params: 1,199,882\n"), std::string::npos) << printed;
}

}  // namespace
