// The search report: one self-contained HTML page about a hyperparameter search (the score against each knob, the
// best score over the budget spent, every trial in parallel coordinates, the trials as a table), drawn with the
// training report's chart library and frame, opening offline from disk with no request of any kind.
//
//   tune::SearchReport page{.status = "finished: 42 trials", .knobs = {"lr", "optimizer"}, .log_knobs = {"lr"}};
//   page.steps = result.steps;
//   page.best = result.best;
//   tune::write_search_report("search-out/report.html", page);
#pragma once

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fovea/tune/search.h"
#include "fovea/viz/report.h"

namespace fovea::tune {

struct SearchReport {
  std::string title = "fovea search report";
  std::string status{};   // one line: "finished: 42 trials, 9 stopped early, 1 failed"; empty: counted from steps
  std::string command{};  // the command line that started the search
  std::vector<std::pair<std::string, std::string>> settings{};  // strategy, seed, budget, eta, objective, data, ...
  std::string objective = "val_accuracy";
  Direction direction = Direction::maximize;
  // The knobs in the space's order: the axes of the parallel coordinates and the order of the per-knob charts.
  // Empty: the knobs of the steps' configs, in the order they first appear. A knob whose values are all numbers is
  // drawn on a numeric axis (logarithmic when named in log_knobs and all its values are positive), any other on
  // a category axis.
  std::vector<std::string> knobs{};
  std::set<std::string> log_knobs{};
  std::vector<StepRecord> steps{};       // every step, in start order
  std::vector<std::string> messages{};   // the strategy's lines (brackets, coarse-to-fine's narrowed ranges)
  std::optional<StepRecord> best{};      // empty: the finished step with the best value (ties: the larger budget)
  std::string best_command{};            // the ready `fovea train ...` command that retrains the best
  // A running search: the page reloads itself every reload_seconds, and once older than stale_seconds (the search
  // was killed, or a step ran that long without the page being rewritten) it stops and says so.
  bool live = false;
  double reload_seconds = 10;
  double stale_seconds = 1800;
};

// The page as text. Values that are NaN or infinite count as missing (a failed step's).
std::string search_report_html(const SearchReport& report, const viz::ReportOptions& options = {});

// Writes search_report_html to path atomically: a reader (the browser reloading a live page) sees the old page or
// the new one, and a failure (IoError: the folder is missing) leaves any existing page as it was.
void write_search_report(const std::string& path, const SearchReport& report,
                         const viz::ReportOptions& options = {});

}  // namespace fovea::tune
