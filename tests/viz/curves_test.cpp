// Training curves drawn by gnuplot: a PNG of one chart per metric, its errors, and the missing-program error.
#include "fovea/viz/curves.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "fovea/data/image_io.h"
#include "viz/series_groups.h"

namespace fovea::viz {
namespace {

namespace fs = std::filesystem;

std::vector<ReportSeries> history() {
  return {{"loss", {0.9, 0.6, 0.4}}, {"accuracy", {0.6, 0.7, 0.8}}, {"val_loss", {1.0, std::nan(""), 0.5}},
          {"val_accuracy", {0.55, 0.65, 0.75}}};
}

TEST(SeriesGroups, PairAMetricWithItsValidationTwin) {
  const std::vector<ReportSeries> h = history();
  const std::vector<SeriesGroup> groups = group_series(h);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].metric, "loss");
  ASSERT_EQ(groups[0].series.size(), 2u);
  EXPECT_EQ(groups[0].series[1]->name, "val_loss");
  EXPECT_EQ(groups[1].metric, "accuracy");
}

TEST(Curves, GnuplotDrawsOneChartPerMetric) {
  if (!fs::exists("/usr/bin/gnuplot")) GTEST_SKIP() << "gnuplot is not installed (Debian package gnuplot-nox)";
  const std::string png = plot_curves({0, 1, 2}, history(), {.chart_width = 300, .chart_height = 200});
  ASSERT_EQ(png.rfind("\x89PNG", 0), 0u);
  const fs::path path = fs::temp_directory_path() / "fovea_curves_test.png";
  std::ofstream(path, std::ios::binary) << png;
  const Tensor image = read_image(path.string());
  fs::remove(path);
  EXPECT_EQ(image.shape(), Shape({200, 600, 3}));  // two charts side by side
  // The lines are drawn in their colours: some pixels are the training blue, some the validation orange.
  const std::vector<double> v = image.to_vector();
  int blue = 0, orange = 0;
  for (size_t i = 0; i + 2 < v.size(); i += 3) {
    blue += v[i] == 0x2c && v[i + 1] == 0x72 && v[i + 2] == 0x8e;
    orange += v[i] == 0xe8 && v[i + 1] == 0x70 && v[i + 2] == 0x2a;
  }
  EXPECT_GT(blue, 50);
  EXPECT_GT(orange, 50);
}

TEST(Curves, SaysWhatIsWrong) {
  std::vector<ReportSeries> h = history();
  h[1].values.pop_back();
  try {
    plot_curves({0, 1, 2}, h);
    FAIL() << "expected a ValueError";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "plot_curves: the series 'accuracy' has 2 values for 3 epochs");
  }
  try {
    plot_curves({0, 1, 2}, history(), {.program = "/nonexistent/gnuplot"});
    FAIL() << "expected GnuplotNotFound";
  } catch (const GnuplotNotFound& e) {
    EXPECT_STREQ(e.what(), "plot_curves: cannot run /nonexistent/gnuplot (No such file or directory); install "
                           "Debian's gnuplot-nox to draw curves as pictures");
  }
}

}  // namespace
}  // namespace fovea::viz
