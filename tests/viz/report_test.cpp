// The report page's text: what it holds, that it escapes what it shows, that it refers to nothing outside itself,
// its live-reload data, the notice when the chart library is missing, and atomic writing.
#include "fovea/viz/report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "fovea/core/error.h"
#include "viz/html_text.h"

namespace fovea::viz {
namespace {

namespace fs = std::filesystem;

TrainingReport small_report() {
  TrainingReport report;
  report.status = "epoch 2 of 2";
  report.command = "fovea train -e 2 -o run";
  report.settings = {{"optimizer", "adam"}, {"learning rate", "0.001"}};
  report.facts = {{"data", "fashion-mnist <subset>"}};
  report.epochs = {0, 1};
  report.history = {{"loss", {0.9, 0.5}}, {"accuracy", {0.6, 0.8}}, {"val_loss", {1.0, 0.7}}};
  report.class_names = {"T-shirt", "Trouser"};
  report.confusion = {{8, 2}, {1, 9}};
  report.pictures = {{"Filters", "conv2d", std::string("\x89PNG\r\n\x1a\n", 8)}};
  report.graph_missing = "Graphviz's dot is not installed";
  return report;
}

TEST(Base64, MatchesRfc4648TestVectors) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foob"), "Zm9vYg==");
  EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
}

TEST(HtmlText, EscapesMarkupAndScriptEnds) {
  EXPECT_EQ(html_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  EXPECT_EQ(script_safe("{\"a\":\"</script>\"}"), "{\"a\":\"<\\/script>\"}");
}

TEST(Report, HoldsTheRunItsCurvesConfusionAndPictures) {
  const std::string page = report_html(small_report());
  EXPECT_NE(page.find("<pre class=\"command\">fovea train -e 2 -o run</pre>"), std::string::npos);
  EXPECT_NE(page.find("fashion-mnist &lt;subset&gt;"), std::string::npos);  // escaped
  EXPECT_NE(page.find("<canvas id=\"chart-0\""), std::string::npos);       // loss with val_loss
  EXPECT_NE(page.find("<canvas id=\"chart-1\""), std::string::npos);       // accuracy
  EXPECT_EQ(page.find("<canvas id=\"chart-2\""), std::string::npos);
  EXPECT_NE(page.find(">T-shirt</th>"), std::string::npos);
  EXPECT_NE(page.find("src=\"data:image/png;base64,iVBORw0KGgo=\""), std::string::npos);
  EXPECT_NE(page.find("The model graph is missing: Graphviz&#39;s dot is not installed."), std::string::npos);
  // Precision of T-shirt: 8 of the 9 predicted as T-shirt; recall 8 of 10.
  EXPECT_NE(page.find("<tr><th>T-shirt</th><td>0.889</td><td>0.800</td><td>0.842</td><td>10</td></tr>"),
            std::string::npos);
  EXPECT_EQ(page.find("\"live\":{"), std::string::npos);  // a finished run's page does not reload
}

TEST(Report, RefersToNothingOutsideItself) {
  const std::string page = report_html(small_report());
  EXPECT_FALSE(std::regex_search(page, std::regex(R"((src|href)\s*=\s*"(?!data:))"))) << "a reference out";
  EXPECT_FALSE(std::regex_search(page, std::regex("<link|@import|url\\(")));
}

TEST(Report, LivePageCarriesItsReloadAndStaleness) {
  TrainingReport report = small_report();
  report.state = RunState::live;
  report.reload_seconds = 2;
  report.stale_seconds = 60;
  const std::string page = report_html(report);
  EXPECT_NE(page.find("\"reload_ms\":2000"), std::string::npos);
  EXPECT_NE(page.find("\"stale_ms\":60000"), std::string::npos);
  EXPECT_NE(page.find("\"written_ms\":"), std::string::npos);
}

TEST(Report, SaysWhenTheChartLibraryIsMissing) {
  const std::string page = report_html(small_report(), {.chart_library = "/nonexistent/chart.umd.min.js"});
  EXPECT_NE(page.find("The charts are missing"), std::string::npos);
  EXPECT_NE(page.find("<td>0.9000</td>"), std::string::npos);  // the values are still there, as a table
}

TEST(Report, InlinesTheChartLibrary) {
  const fs::path library = fs::temp_directory_path() / "fovea_report_test_chart.js";
  std::ofstream(library) << "window.Chart = function () {}; /* </script> inside */";
  const std::string page = report_html(small_report(), {.chart_library = library.string()});
  EXPECT_NE(page.find("<script>window.Chart = function () {}; /* <\\/script> inside */</script>"), std::string::npos);
  EXPECT_EQ(page.find("The charts are missing"), std::string::npos);
  fs::remove(library);
}

TEST(Report, RefusesInconsistentNumbers) {
  TrainingReport report = small_report();
  report.history[1].values.pop_back();
  try {
    report_html(report);
    FAIL() << "expected a ValueError";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "report: the series 'accuracy' has 1 values for 2 epochs");
  }
  report = small_report();
  report.confusion[1].push_back(0);
  try {
    report_html(report);
    FAIL() << "expected a ValueError";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "report: the confusion matrix has 2 rows but a row of 3 counts; expected a square matrix");
  }
}

TEST(Report, AFailedWriteLeavesThePreviousPage) {
  const fs::path dir = fs::temp_directory_path() / "fovea_report_test_dir";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "report.html").string();
  write_report(path, small_report());
  const auto size = fs::file_size(path);
  TrainingReport bad = small_report();
  bad.history[0].values.clear();
  EXPECT_THROW(write_report(path, bad), ValueError);
  EXPECT_EQ(fs::file_size(path), size);
  EXPECT_THROW(write_report((dir / "missing" / "report.html").string(), small_report()), IoError);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fovea::viz
