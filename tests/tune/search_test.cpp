// The search driver and its journal: results, failures, resume without redoing finished steps, and a search
// killed with SIGKILL in the middle (the test kills its own child process) that resume finishes.
#include "fovea/tune/search.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "fovea/core/error.h"

namespace fovea::tune {
namespace {

namespace fs = std::filesystem;

// A small successive-halving-like strategy written here, independent of the library's: `n` trials at budget 1,
// then the best `keep` continue to budget 3 once all results of the first rung are in.
class TwoRungs : public Strategy {
 public:
  // offset shifts every configuration's x: another search over the same trials.
  TwoRungs(int n, int keep, int offset = 0) : n_(n), keep_(keep), offset_(offset) {}
  std::optional<TrialStep> suggest() override {
    if (next_ < n_) {
      const int t = next_++;
      return TrialStep{.trial = t, .config = {{"x", t + offset_}}, .budget = 1, .rung = 0};
    }
    if (static_cast<int>(scores_.size()) < n_ || promoted_) return std::nullopt;
    if (promotions_.empty() && !announced_) {
      std::vector<std::pair<double, int>> ranked;
      for (const auto& [trial, score] : scores_) ranked.push_back({score.value_or(-1e300), trial});
      std::sort(ranked.rbegin(), ranked.rend());
      for (int i = 0; i < static_cast<int>(ranked.size()); ++i) {
        if (i < keep_) {
          promotions_.push_back(ranked[i].second);
        } else {
          stop_trial(ranked[i].second);
        }
      }
      say("rung 1: " + std::to_string(keep_) + " trials continue to budget 3");
      announced_ = true;
    }
    if (promotions_.empty()) {
      promoted_ = true;
      return std::nullopt;
    }
    const int t = promotions_.front();
    promotions_.erase(promotions_.begin());
    return TrialStep{
        .trial = t, .config = {{"x", t + offset_}}, .budget = 3, .previous_budget = 1, .continues = true, .rung = 1};
  }
  void report(const TrialResult& result) override {
    if (result.budget == 1) {
      scores_[result.trial] = result.score;
    } else {
      ++finals_;
    }
  }
  bool finished() const override { return promoted_ && finals_ == keep_; }
  std::string name() const override { return "two-rungs"; }
  nlohmann::json settings() const override { return {{"n", n_}, {"keep", keep_}}; }

 private:
  int n_, keep_, offset_, next_ = 0, finals_ = 0;
  bool announced_ = false, promoted_ = false;
  std::map<int, std::optional<double>> scores_;
  std::vector<int> promotions_;
};

// Higher x is better; budget 3 adds 0.5.
double toy(const Config& config, const TrialStep& step) {
  return config["x"].get<double>() + (step.budget == 3 ? 0.5 : 0.0);
}

std::string fresh_folder(const std::string& name) {
  const fs::path path = fs::temp_directory_path() / ("fovea_search_test_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(path);
  return path.string();
}

std::vector<nlohmann::json> journal_events(const std::string& folder) {
  std::ifstream in(fs::path(folder) / kJournalFile);
  std::vector<nlohmann::json> events;
  std::string line;
  while (std::getline(in, line)) events.push_back(nlohmann::json::parse(line));
  return events;
}

TEST(Search, RunsEveryStepAndFindsTheBest) {
  TwoRungs strategy(6, 2);
  std::vector<std::string> messages;
  std::vector<int64_t> stopped;
  const SearchResult result = search(strategy, toy, {.on_event = [&](const SearchEvent& e) {
                                       if (e.kind == SearchEvent::Kind::message) messages.push_back(e.message);
                                       if (e.kind == SearchEvent::Kind::stopped) stopped.push_back(e.record->step.trial);
                                     }});
  ASSERT_EQ(result.steps.size(), 8u);
  ASSERT_TRUE(result.best);
  EXPECT_EQ(result.best->step.trial, 5);
  EXPECT_EQ(result.best->step.budget, 3);
  EXPECT_DOUBLE_EQ(*result.best->value, 5.5);
  EXPECT_DOUBLE_EQ(result.budget_used, 6 * 1 + 2 * 2);  // continued steps count only what they add
  EXPECT_EQ(messages, std::vector<std::string>{"rung 1: 2 trials continue to budget 3"});
  EXPECT_EQ(stopped, (std::vector<int64_t>{3, 2, 1, 0}));
  EXPECT_EQ(result.replayed, 0);
}

TEST(Search, TheBestIsJudgedByWhereEachTrialEnded) {
  // Trial 5 is the best after one unit of budget but falls to 0 when it continues: trial 4 ends best.
  TwoRungs strategy(6, 2);
  const SearchResult result = search(strategy, [](const Config& config, const TrialStep& step) {
    return config["x"] == 5 && step.budget == 3 ? 0.0 : toy(config, step);
  });
  ASSERT_TRUE(result.best);
  EXPECT_EQ(result.best->step.trial, 4);
  EXPECT_EQ(result.best->step.budget, 3);
  EXPECT_DOUBLE_EQ(*result.best->value, 4.5);
}

TEST(Search, MinimizeReportsTheNegatedValueAndKeepsTheRawOne) {
  TwoRungs strategy(4, 1);
  const SearchResult result = search(strategy, toy, {.direction = Direction::minimize});
  ASSERT_TRUE(result.best);
  EXPECT_EQ(result.best->step.trial, 0);  // the smallest x was promoted, and ended best at 0.5
  EXPECT_DOUBLE_EQ(*result.best->value, 0.5);
  EXPECT_EQ(result.steps.back().step.trial, 0);
  EXPECT_EQ(result.steps.back().step.budget, 3);
}

TEST(Search, ExceptionsAndNaNAreFailuresWithReasonsAndNeverPromoted) {
  TwoRungs strategy(4, 2);
  const std::string folder = fresh_folder("failures");
  const SearchResult result = search(
      strategy,
      [](const Config& config, const TrialStep& step) {
        if (config["x"] == 3) throw ValueError("trial three crashed");
        if (config["x"] == 2) return std::nan("");
        return toy(config, step);
      },
      {.directory = folder});
  ASSERT_EQ(result.steps.size(), 6u);
  EXPECT_EQ(result.steps[3].status, StepRecord::Status::failed);
  EXPECT_EQ(result.steps[3].failure, "trial three crashed");
  EXPECT_EQ(result.steps[2].failure, "the objective is NaN");
  EXPECT_EQ(result.steps[4].step.trial, 1);  // the two scored trials are promoted, the failed ones are not
  EXPECT_EQ(result.steps[5].step.trial, 0);
  int failures = 0;
  for (const nlohmann::json& event : journal_events(folder)) failures += event.contains("failure");
  EXPECT_EQ(failures, 2);
  fs::remove_all(folder);
}

TEST(Search, ResumeReplaysTheJournalWithoutRunningAgain) {
  const std::string folder = fresh_folder("resume");
  const nlohmann::json description = {{"strategy", "two-rungs"}, {"seed", 1}};
  TwoRungs first(6, 2);
  const SearchResult done = search(first, toy, {.directory = folder, .description = description});
  int calls = 0;
  TwoRungs again(6, 2);
  const SearchResult resumed = search(
      again, [&](const Config& c, const TrialStep& s) { return ++calls, toy(c, s); },
      {.directory = folder, .resume = true, .description = description});
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(resumed.replayed, 8);
  ASSERT_TRUE(resumed.best);
  EXPECT_EQ(resumed.best->step.trial, done.best->step.trial);
  EXPECT_DOUBLE_EQ(resumed.budget_used, done.budget_used);
  fs::remove_all(folder);
}

TEST(Search, RefusesAnExistingJournalWithoutResumeAndAnotherSearchsJournal) {
  const std::string folder = fresh_folder("refuse");
  TwoRungs first(2, 1);
  search(first, toy, {.directory = folder, .description = {{"strategy", "two-rungs"}, {"seed", 1}}});
  TwoRungs second(2, 1);
  try {
    search(second, toy, {.directory = folder});
    FAIL() << "an existing journal was overwritten";
  } catch (const ValueError& e) {
    EXPECT_EQ(std::string(e.what()),
              folder + " already holds a search (journal.jsonl): continue it with resume, or choose another folder");
  }
  try {
    search(second, toy, {.directory = folder, .resume = true, .description = {{"strategy", "two-rungs"}, {"seed", 2}}});
    FAIL() << "another search's journal was resumed";
  } catch (const ValueError& e) {
    EXPECT_EQ(std::string(e.what()), folder + "/journal.jsonl: the journal is of another search (it differs in seed); "
                                              "resume it with the same settings, or start the new search in another "
                                              "folder");
  }
  fs::remove_all(folder);
}

TEST(Search, ResumeRefusesASearchThatNowSuggestsOtherConfigurations) {
  const std::string folder = fresh_folder("changed");
  TwoRungs first(3, 1);
  search(first, toy, {.directory = folder});
  TwoRungs shifted(3, 1, 100);
  try {
    search(shifted, toy, {.directory = folder, .resume = true});
    FAIL() << "results were replayed onto other configurations";
  } catch (const ValueError& e) {
    EXPECT_EQ(std::string(e.what()), folder + "/journal.jsonl: trial 0 ran with {\"x\":0}, but the search now suggests "
                                              "{\"x\":100}; it cannot be resumed (start it again in another folder)");
  }
  fs::remove_all(folder);
}

TEST(Search, AJournalCutShortIsReadUpToItsLastWholeLineAndACorruptLineIsNamed) {
  const std::string folder = fresh_folder("cut");
  TwoRungs first(3, 1);
  search(first, toy, {.directory = folder});
  const fs::path path = fs::path(folder) / kJournalFile;
  {
    std::ofstream out(path, std::ios::app);
    out << R"({"event":"end","trial":0,"bud)";  // killed while writing
  }
  int calls = 0;
  TwoRungs again(3, 1);
  search(again, [&](const Config& c, const TrialStep& s) { return ++calls, toy(c, s); },
         {.directory = folder, .resume = true});
  EXPECT_EQ(calls, 0);
  for (const nlohmann::json& event : journal_events(folder)) EXPECT_TRUE(event.contains("event"));  // the cut line is gone
  {
    std::ofstream out(path, std::ios::app);
    out << "not json\n" << R"({"event":"message","text":"x"})" << "\n";
  }
  TwoRungs third(3, 1);
  try {
    search(third, toy, {.directory = folder, .resume = true});
    FAIL() << "a corrupt journal was read";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string() + ": line "), std::string::npos) << e.what();
  }
  fs::remove_all(folder);
}

TEST(Search, AKilledSearchLosesNoFinishedStepAndResumeRunsEachStepOnce) {
  const std::string folder = fresh_folder("kill");
  const nlohmann::json description = {{"strategy", "two-rungs"}};
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    TwoRungs strategy(12, 4);
    search(strategy,
           [](const Config& c, const TrialStep& s) {
             std::this_thread::sleep_for(std::chrono::milliseconds(40));
             return toy(c, s);
           },
           {.directory = folder, .description = description});
    _exit(0);
  }
  // Kill the child once it has finished a few steps (and so is in the middle of the next one).
  int ended = 0;
  for (int i = 0; i < 500 && ended < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ended = 0;
    if (fs::exists(fs::path(folder) / kJournalFile)) {
      std::ifstream in(fs::path(folder) / kJournalFile);
      std::string line;
      while (std::getline(in, line)) ended += line.find("\"event\":\"end\"") != std::string::npos;
    }
  }
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_GE(ended, 5);
  ASSERT_LT(ended, 16) << "the child finished before it was killed";

  std::map<std::pair<int64_t, double>, int> runs;
  TwoRungs strategy(12, 4);
  const SearchResult result = search(
      strategy, [&](const Config& c, const TrialStep& s) { return ++runs[{s.trial, s.budget}], toy(c, s); },
      {.directory = folder, .resume = true, .description = description});
  EXPECT_EQ(result.steps.size(), 16u);
  EXPECT_GE(result.replayed, ended);
  std::map<std::pair<int64_t, double>, int> ends;
  for (const nlohmann::json& event : journal_events(folder)) {
    if (event["event"] == "end") ++ends[{event["trial"].get<int64_t>(), event["budget"].get<double>()}];
  }
  EXPECT_EQ(ends.size(), 16u);
  for (const auto& [key, count] : ends) EXPECT_EQ(count, 1) << "trial " << key.first << " at " << key.second;
  for (const auto& [key, count] : runs) EXPECT_EQ(ends[key], 1);
  EXPECT_EQ(static_cast<int64_t>(runs.size()) + result.replayed, 16);
  ASSERT_TRUE(result.best);
  EXPECT_EQ(result.best->step.trial, 11);
  fs::remove_all(folder);
}

}  // namespace
}  // namespace fovea::tune
