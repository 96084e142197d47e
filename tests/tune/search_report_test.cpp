// The search report page's text: the data its charts are drawn from (every step, the knobs' axes, the budget spent,
// the best), the best and its command, escaping, no reference outside the page, the notice without a chart library,
// and atomic writing.
#include "fovea/tune/search_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <regex>

#include "fovea/core/error.h"

namespace fovea::tune {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

StepRecord step(int64_t trial, json config, double budget, std::optional<double> value, bool continues = false,
                double previous_budget = 0) {
  StepRecord record;
  record.step = {.trial = trial, .config = std::move(config), .budget = budget, .previous_budget = previous_budget,
                 .continues = continues, .bracket = 0, .rung = continues ? 1 : 0};
  record.status = value ? StepRecord::Status::done : StepRecord::Status::failed;
  record.value = value;
  record.seconds = 2;
  return record;
}

// Successive halving in miniature: three trials at budget 1, trial 1 continued to 3, trial 2 failed.
SearchReport small_search() {
  SearchReport report;
  report.command = "fovea tune space.json --strategy hyperband -o out";
  report.settings = {{"strategy", "hyperband"}, {"seed", "1"}};
  report.knobs = {"lr", "optimizer"};
  report.log_knobs = {"lr"};
  report.steps = {step(0, {{"lr", 0.001}, {"optimizer", "adam"}}, 1, 0.70),
                  step(1, {{"lr", 0.01}, {"optimizer", "<script>"}}, 1, 0.80),
                  step(2, {{"lr", 0.1}, {"optimizer", "sgd"}}, 1, std::nullopt),
                  step(1, {{"lr", 0.01}, {"optimizer", "<script>"}}, 3, 0.85, true, 1)};
  report.steps[0].stopped = true;
  report.steps[2].failure = "diverged (loss is NaN)";
  report.messages = {"bracket 1 of 1: 3 trials at budget 1"};
  report.best = report.steps[3];
  report.best_command = "fovea train --lr 0.01 --optimizer '<script>' -e 3";
  return report;
}

// The JSON block the page's script reads.
json page_data(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"fovea-report-data\">";
  const size_t start = page.find(open);
  EXPECT_NE(start, std::string::npos);
  const size_t end = page.find("</script>", start);
  return json::parse(page.substr(start + open.size(), end - start - open.size()));
}

TEST(SearchReport, EmbedsEveryStepTheKnobsAndTheBudgetSpent) {
  const json data = page_data(search_report_html(small_search()));
  ASSERT_EQ(data["steps"].size(), 4u);
  EXPECT_EQ(data["steps"][3]["trial"], 1);
  EXPECT_EQ(data["steps"][3]["config"]["optimizer"], "<script>");
  EXPECT_EQ(data["steps"][2]["status"], "failed");
  EXPECT_EQ(data["steps"][2]["failure"], "diverged (loss is NaN)");
  EXPECT_TRUE(data["steps"][2]["value"].is_null());
  EXPECT_TRUE(data["steps"][0]["stopped"].get<bool>());
  // The continued step adds only its 2 more epochs: 1 + 1 + 1 + 2.
  EXPECT_EQ(data["steps"][3]["spent"], 5.0);
  EXPECT_EQ(data["steps"][1]["best_so_far"], 0.80);
  EXPECT_EQ(data["steps"][3]["best_so_far"], 0.85);

  ASSERT_EQ(data["knobs"].size(), 2u);
  EXPECT_EQ(data["knobs"][0]["name"], "lr");
  EXPECT_EQ(data["knobs"][0]["kind"], "log");
  EXPECT_EQ(data["knobs"][1]["kind"], "category");
  EXPECT_EQ(data["knobs"][1]["categories"], json({"<script>", "adam", "sgd"}));
  EXPECT_EQ(data["steps"][0]["x"], json({0.001, 1}));  // lr itself, the index of "adam"
  EXPECT_EQ(data["budgets"].size(), 2u);

  EXPECT_EQ(data["best"]["trial"], 1);
  EXPECT_EQ(data["best"]["budget"], 3.0);
  EXPECT_EQ(data["best_command"], "fovea train --lr 0.01 --optimizer '<script>' -e 3");
}

TEST(SearchReport, ParallelCoordinatesUseEachTrialsLargestFinishedBudget) {
  const json data = page_data(search_report_html(small_search()));
  ASSERT_EQ(data["trials"].size(), 3u);  // worst first: failed 2, then 0, then the best, 1
  EXPECT_EQ(data["trials"][0]["trial"], 2);
  EXPECT_TRUE(data["trials"][0]["position"][2].is_null());  // no objective value
  const json& best = data["trials"][2];
  EXPECT_EQ(best["trial"], 1);
  EXPECT_EQ(best["budget"], 3.0);
  EXPECT_TRUE(best["best"].get<bool>());
  // lr 0.01 is halfway between 0.001 and 0.1 on the log axis; "<script>" is category 0 of 3; 0.85 the top.
  EXPECT_NEAR(best["position"][0].get<double>(), 0.5, 1e-12);
  EXPECT_EQ(best["position"][1], 0.0);
  EXPECT_EQ(best["position"][2], 1.0);
  EXPECT_EQ(best["text"], json({"0.01", "<script>", "0.85"}));
  EXPECT_EQ(data["objective_axis"]["min"], 0.70);
  EXPECT_EQ(data["objective_axis"]["max"], 0.85);
}

TEST(SearchReport, ShowsTheBestItsCommandTheTrialsAndTheStrategy) {
  const std::string page = search_report_html(small_search());
  EXPECT_NE(page.find("<p class=\"status\">finished: 3 trials, 1 stopped early, 1 failed</p>"), std::string::npos);
  EXPECT_NE(page.find("val_accuracy <strong>0.85</strong> (trial 1 at budget 3)"), std::string::npos);
  EXPECT_NE(page.find("<pre class=\"command\" id=\"best-command\">fovea train --lr 0.01 --optimizer "
                      "&#39;&lt;script&gt;&#39; -e 3</pre>"),
            std::string::npos);
  EXPECT_NE(page.find("<pre class=\"command\">fovea tune space.json --strategy hyperband -o out</pre>"),
            std::string::npos);
  EXPECT_NE(page.find("<li>bracket 1 of 1: 3 trials at budget 1</li>"), std::string::npos);
  EXPECT_NE(page.find("<canvas id=\"knob-0\""), std::string::npos);
  EXPECT_NE(page.find("<canvas id=\"knob-1\""), std::string::npos);
  EXPECT_NE(page.find("<canvas id=\"progress-chart\""), std::string::npos);
  EXPECT_NE(page.find("<canvas id=\"parallel-chart\""), std::string::npos);

  // The trials, best first; the failed one last, with its reason.
  const size_t best = page.find("<tr class=\"best\"><td>1</td><td class=\"status\">done</td><td>3</td><td>0.85</td>");
  const size_t stopped = page.find("<tr><td>0</td><td class=\"status\">stopped early</td><td>1</td><td>0.7</td>");
  const size_t failed = page.find("<td class=\"status\">failed: diverged (loss is NaN)</td>");
  ASSERT_NE(best, std::string::npos);
  ASSERT_NE(stopped, std::string::npos);
  ASSERT_NE(failed, std::string::npos);
  EXPECT_LT(best, stopped);
  EXPECT_LT(stopped, failed);
}

TEST(SearchReport, MinimizingRanksTheLowestFirst) {
  SearchReport report = small_search();
  report.objective = "val_loss";
  report.direction = Direction::minimize;
  report.best.reset();  // worked out from the steps: the lowest value
  const std::string page = search_report_html(report);
  EXPECT_NE(page.find("val_loss <strong>0.7</strong> (trial 0 at budget 1)"), std::string::npos);
  const json data = page_data(page);
  EXPECT_EQ(data["direction"], "minimize");
  EXPECT_EQ(data["steps"][3]["best_so_far"], 0.70);
  EXPECT_EQ(data["trials"][2]["trial"], 0);
}

TEST(SearchReport, EscapesConfigStrings) {
  const std::string page = search_report_html(small_search());
  EXPECT_NE(page.find("optimizer=&lt;script&gt;"), std::string::npos);
  EXPECT_NE(page.find("<th>optimizer</th><td>&lt;script&gt;</td>"), std::string::npos);  // the best's config
  // The only "<script" tags are the page's own: the data block, Chart.js (when found), the live and chart scripts.
  const std::regex tag("<script[ >]");
  const auto tags = std::distance(std::sregex_iterator(page.begin(), page.end(), tag), std::sregex_iterator());
  EXPECT_LE(tags, 4);
  // In the data block every "<" is \u003c, so no string in it can end the block.
  EXPECT_NE(page.find("\"optimizer\":\"\\u003cscript>\""), std::string::npos);
}

TEST(SearchReport, RefersToNothingOutsideItself) {
  const std::string page = search_report_html(small_search(), {.chart_library = "/nonexistent/chart.umd.min.js"});
  EXPECT_FALSE(std::regex_search(page, std::regex(R"((src|href)\s*=\s*"(?!data:))"))) << "a reference out";
  EXPECT_FALSE(std::regex_search(page, std::regex("<link|@import|url\\(")));
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
}

TEST(SearchReport, InlinesTheChartLibraryWhoseCommentsAloneHoldAddresses) {
  const std::string library = viz::find_chart_library();
  if (library.empty()) GTEST_SKIP() << "Chart.js is not installed (scripts/setup installs it)";
  const std::string page = search_report_html(small_search());
  EXPECT_EQ(page.find("The charts are missing"), std::string::npos);
  // Chart.js's license comments name its site; every address on the page is one of those (and is never fetched).
  std::ifstream in(library);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::regex url(R"(https?://[^\s"'*)<>]+)");
  int urls = 0;
  for (auto it = std::sregex_iterator(page.begin(), page.end(), url); it != std::sregex_iterator(); ++it, ++urls) {
    EXPECT_NE(text.find(it->str()), std::string::npos) << "an address not from Chart.js: " << it->str();
  }
  EXPECT_LE(urls, 4);
}

TEST(SearchReport, SaysWhenTheChartLibraryIsMissing) {
  const std::string page = search_report_html(small_search(), {.chart_library = "/nonexistent/chart.umd.min.js"});
  EXPECT_NE(page.find("<p class=\"missing\">The charts are missing: fovea found no chart library (Chart.js)"),
            std::string::npos);
  EXPECT_NE(page.find("<td class=\"status\">stopped early</td>"), std::string::npos);  // the table is still there
}

TEST(SearchReport, NonFiniteValuesAreMissingNotBrokenJson) {
  SearchReport report = small_search();
  report.steps[0].value = std::numeric_limits<double>::quiet_NaN();
  report.steps[1].value = std::numeric_limits<double>::infinity();
  report.steps[1].seconds = std::numeric_limits<double>::quiet_NaN();
  report.steps[2].step.config["lr"] = std::numeric_limits<double>::quiet_NaN();
  const json data = page_data(search_report_html(report));  // parses
  EXPECT_TRUE(data["steps"][0]["value"].is_null());
  EXPECT_TRUE(data["steps"][1]["value"].is_null());
  EXPECT_TRUE(data["steps"][1]["seconds"].is_null());
  EXPECT_EQ(data["knobs"][0]["kind"], "log");  // the NaN lr is not a category
  EXPECT_TRUE(data["steps"][2]["x"][0].is_null());
}

TEST(SearchReport, WithoutStepsSaysNothingFinished) {
  SearchReport report;
  report.live = true;
  const std::string page = search_report_html(report);
  EXPECT_NE(page.find("No trial has finished yet."), std::string::npos);
  EXPECT_NE(page.find("running: 0 trials"), std::string::npos);
  const json data = page_data(page);
  EXPECT_EQ(data["live"]["running"], "The search is running");
  EXPECT_EQ(data["live"]["stale_ms"], 1800000);
}

TEST(SearchReport, KnobsDefaultToTheConfigsKnobs) {
  SearchReport report = small_search();
  report.knobs.clear();
  report.steps[3].step.config["units"] = 64;
  const json data = page_data(search_report_html(report));
  ASSERT_EQ(data["knobs"].size(), 3u);
  EXPECT_EQ(data["knobs"][2]["name"], "units");
  EXPECT_EQ(data["knobs"][2]["kind"], "linear");
  EXPECT_TRUE(data["steps"][0]["x"][2].is_null());  // trial 0 has no units
}

TEST(SearchReport, AFailedWriteLeavesThePreviousPage) {
  const fs::path dir = fs::temp_directory_path() / "fovea_search_report_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "report.html").string();
  write_search_report(path, small_search());
  std::ifstream in(path);
  const std::string before((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(before.find("fovea search report"), std::string::npos);
  EXPECT_THROW(write_search_report((dir / "missing" / "report.html").string(), small_search()), IoError);
  fs::create_directories(dir / "folder.html");  // a folder cannot be replaced by the page
  EXPECT_THROW(write_search_report((dir / "folder.html").string(), small_search()), IoError);
  EXPECT_TRUE(fs::is_directory(dir / "folder.html"));
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_TRUE(entry.path().filename() == "report.html" || entry.path().filename() == "folder.html")
        << "left behind: " << entry.path();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fovea::tune
