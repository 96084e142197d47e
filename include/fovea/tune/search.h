// Running a search: a strategy's steps go to an executor, every event goes to a journal, and a search that was
// killed continues from its journal without redoing finished work.
//
//   SearchSpace space;                                 // fovea/tune/space.h
//   space.add(tune::log_uniform("lr", 1e-4, 0.1));
//   auto strategy = tune::make_strategy(space, {.name = "hyperband", .max_budget = 27});
//   SearchResult result = tune::search(*strategy, [](const Config& config, const TrialStep& step) {
//     return train_and_validate(config["lr"].get<double>(), step.budget);   // higher is better
//   }, {.directory = "search-out"});
//
// `fovea tune` uses the same driver with an executor that runs each step as a `fovea train` process.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fovea/tune/strategy.h"

namespace fovea::tune {

// Runs the steps run_search gives it. Not called from several threads.
class Executor {
 public:
  virtual ~Executor() = default;
  // How many steps may run at once (at least 1).
  virtual int capacity() const = 0;
  // Starts a step; an asynchronous executor returns at once. A step with `continues` unset starts afresh: whatever
  // an earlier, unfinished attempt at that trial left behind is to be discarded.
  virtual void start(const TrialStep& step) = 0;
  // Blocks until one started step has ended and returns its result (a failure with its reason when it crashed).
  // Called only while at least one step runs.
  virtual TrialResult wait() = 0;
};

enum class Direction { maximize, minimize };

// One step of a trial as it went: what ran and what came of it.
struct StepRecord {
  TrialStep step{};
  enum class Status { running, done, failed } status = Status::running;
  std::optional<double> value{};  // the objective as reported (not negated for minimize)
  std::string failure{};
  double seconds = 0;
  bool stopped = false;  // the strategy dropped the trial after this step (successive halving did not promote it)
};

// What a driver tells its watcher (a live table, a log).
struct SearchEvent {
  enum class Kind { started, ended, stopped, message } kind = Kind::message;
  const StepRecord* record = nullptr;  // started / ended / stopped: the step (valid during the call only)
  std::string message{};               // message: a strategy's line ("bracket 2 of 4: 9 trials at 3 epochs")
  bool replayed = false;               // ended: the result came from the journal of an earlier, killed run
};

struct SearchOptions {
  // The folder of the journal (journal.jsonl): every step's start and end, appended and flushed as they happen,
  // so that killing the search (even with SIGKILL) loses no finished step. Empty: no journal.
  std::string directory{};
  // Continue the search whose journal is in `directory`: finished steps are replayed from it (not run again), and
  // a step that had started but not ended is run again from its start (continues unset, in a clean state).
  // Without resume, a directory that already holds a journal is refused.
  bool resume = false;
  Direction direction = Direction::maximize;
  // What the search is, written into the journal's first line; resume refuses a journal of another search.
  nlohmann::json description = nlohmann::json::object();
  std::function<void(const SearchEvent&)> on_event{};
};

struct SearchResult {
  std::vector<StepRecord> steps{};    // in the order they started
  // The best trial as it ended: among the trials' last steps, the finished one with the best value (ties: the larger
  // budget). A trial that scored better at a smaller budget than after it continued is judged by where it ended,
  // since that is the model it leaves (and what its test score and retrain command describe).
  std::optional<StepRecord> best{};
  double budget_used = 0;             // the budget spent: a continued step counts only what it added
  double seconds = 0;                 // wall time, this run only
  int64_t replayed = 0;               // steps taken from the journal of an earlier run
};

// Drives `strategy` to its end on `executor`. Returns when the strategy is finished; an exception from the executor
// or the journal ends the search (the journal keeps what finished).
SearchResult run_search(Strategy& strategy, Executor& executor, const SearchOptions& options = {});

// The objective of an in-process search: the score of `config` trained to step.budget (continuing from
// step.previous_budget when step.continues). An exception or a NaN marks the step failed, with the reason.
using Objective = std::function<double(const Config& config, const TrialStep& step)>;

// run_search with the objective called on this thread, one step at a time.
SearchResult search(Strategy& strategy, const Objective& objective, const SearchOptions& options = {});

// The journal's file name inside SearchOptions::directory.
inline constexpr const char* kJournalFile = "journal.jsonl";

}  // namespace fovea::tune
