// The progress display: Keras's bar and number formats, one line per epoch off a terminal, silence at 0.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "fovea/train/progress.h"

namespace fovea {
namespace {

TEST(ProgressTest, FormatsDurationsAndValuesAsKerasDoes) {
  EXPECT_EQ(format_duration(12.4), "12s");
  EXPECT_EQ(format_duration(62), "1:02");
  EXPECT_EQ(format_duration(3723), "1:02:03");
  EXPECT_EQ(format_duration(0.235), "235ms");
  EXPECT_EQ(format_log_value(0.31214), "0.3121");
  EXPECT_EQ(format_log_value(1.2345e-5), "1.2345e-05");
  EXPECT_EQ(format_log_value(0), "0.0000");
}

TEST(ProgressTest, AutoVerboseIsOneLinePerEpochOffATerminal) {
  std::ostringstream out;
  EXPECT_EQ(resolve_verbose(-1, out), 2);
  EXPECT_EQ(resolve_verbose(0, out), 0);
  EXPECT_EQ(resolve_verbose(1, out), 1);
}

TEST(ProgressTest, VerboseTwoPrintsOneLineWhenFinished) {
  std::ostringstream out;
  ProgressBar bar(3, 2, out);
  Logs logs;
  logs.set("loss", 0.5);
  logs.set("accuracy", 0.75);
  bar.update(1, logs);
  bar.update(2, logs);
  EXPECT_EQ(out.str(), "");
  bar.finish(3, logs);
  EXPECT_TRUE(std::regex_match(out.str(), std::regex(R"(3/3 - \d+(us|ms|s) - \d+(us|ms|s)/step - loss: 0\.5000 - )"
                                                     R"(accuracy: 0\.7500\n)")))
      << out.str();
}

TEST(ProgressTest, VerboseOneOffATerminalPrintsTheFinalBarOnce) {
  std::ostringstream out;
  ProgressBar bar(40, 1, out);
  Logs logs;
  logs.set("loss", 1.25);
  for (int i = 1; i < 40; ++i) bar.update(i, logs);
  bar.finish(40, logs);
  EXPECT_TRUE(std::regex_match(out.str(), std::regex(R"(40/40 \[={30}\] - \d+(us|ms|s) \d+(us|ms|s)/step - )"
                                                     R"(loss: 1\.2500\n)")))
      << out.str();
}

TEST(ProgressTest, VerboseZeroPrintsNothing) {
  std::ostringstream out;
  ProgressBar bar(3, 0, out);
  bar.update(1, {});
  bar.finish(3, {});
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace fovea
