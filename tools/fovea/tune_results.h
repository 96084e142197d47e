// What `fovea tune` makes of its trials: each step's result read from its folder, the report rewritten as steps
// end, and at the end trials.csv, best.json (the best trial evaluated on the test split) and the last report.
#pragma once

#include <filesystem>
#include <map>
#include <ostream>
#include <string>

#include "fovea/tune/search.h"
#include "fovea/tune/search_report.h"
#include "trial_processes.h"
#include "tune_space_file.h"

namespace fovea::cli {

// OUTPUT/trials/0007: a trial's folder.
std::string trial_folder(const std::filesystem::path& output, int64_t trial);

// A trial step's result: the objective from its metrics.json; a failure (with the reason from its log) when the
// process failed or the loss diverged.
tune::TrialResult read_trial_result(const tune::TrialStep& step, const ProcessEnd& end, const std::string& folder,
                                    const std::string& objective);

// Keeps report.html up to date with the search's events (rewritten, atomically, as each step ends).
class SearchReportWriter {
 public:
  SearchReportWriter(std::filesystem::path path, const TuneSpaceFile& file, const nlohmann::json& description,
                     std::string command);
  void on_event(const tune::SearchEvent& event);
  // The last page: not live, with the best trial and the command that retrains it.
  void finish(const tune::SearchResult& result, const std::string& best_command);

 private:
  void write();
  std::filesystem::path path_;
  tune::SearchReport report_;
  std::map<std::pair<int64_t, double>, size_t> index_;  // (trial, budget) -> report_.steps
};

// trials.csv, best.json and the last report; the best trial's model evaluated on the test split (by continuing its
// `fovea train` run, which has no epoch left to train, with the test split on); checkpoints removed.
void finish_search(const std::filesystem::path& output, const TuneSpaceFile& file, const nlohmann::json& description,
                   const tune::SearchResult& result, const std::string& program, int threads,
                   SearchReportWriter& report, std::ostream& out);

}  // namespace fovea::cli
