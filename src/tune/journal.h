// The search journal (journal.jsonl): one JSON object per line, appended and flushed to disk as each event
// happens, so that a search killed at any moment (SIGKILL included) leaves every finished step on record.
//
//   {"event":"search","description":{...}}                 first line: what the search is
//   {"event":"start","step":{...}}                         a step began (TrialStep as JSON)
//   {"event":"end","trial":3,"budget":9,"value":0.91,"seconds":12.5}
//   {"event":"end","trial":4,"budget":9,"failure":"diverged (loss NaN at epoch 2)","seconds":3.1}
//   {"event":"stopped","trial":5}                          successive halving dropped the trial
//   {"event":"message","text":"bracket 2 of 4: ..."}
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fovea/tune/search.h"

namespace fovea::tune::detail {

nlohmann::json step_to_json(const TrialStep& step);
TrialStep step_from_json(const nlohmann::json& value);

// What an earlier run of the search left in its journal.
struct JournalContents {
  nlohmann::json description = nlohmann::json::object();
  // The finished steps, by (trial, budget): value or failure, and seconds.
  struct Ended {
    std::optional<double> value;
    std::string failure;
    double seconds = 0;
  };
  std::map<std::pair<int64_t, double>, Ended> ended;
  // The configuration each trial ran with: a search resumed with another space or strategy would suggest others.
  std::map<int64_t, Config> configs;
  // The steps that had started but not ended when the search stopped.
  std::set<std::pair<int64_t, double>> unfinished;
};

// Reads a journal. A last line cut short (the search was killed while writing it) is ignored; any other malformed
// line is an IoError naming the file and the line.
JournalContents read_journal(const std::string& path);

// Appends events to a journal file, creating it.
class JournalWriter {
 public:
  explicit JournalWriter(const std::string& path);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;
  // Writes the line and flushes it to disk before returning; IoError naming the file when that fails.
  void append(const nlohmann::json& event);

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace fovea::tune::detail
