// The search driver: asks the strategy for steps while the executor has room, journals every event, and on resume
// answers steps the journal already holds without running them.
#include "fovea/tune/search.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>

#include "fovea/core/error.h"
#include "tune/journal.h"

namespace fovea::tune {

namespace {

using Clock = std::chrono::steady_clock;
using StepKey = std::pair<int64_t, double>;

double budget_spent(const TrialStep& step) { return step.continues ? step.budget - step.previous_budget : step.budget; }

// True when a is a better step than b.
bool better(const StepRecord& a, const StepRecord& b, Direction direction) {
  if (*a.value != *b.value) return direction == Direction::maximize ? *a.value > *b.value : *a.value < *b.value;
  return a.step.budget > b.step.budget;
}

// The keys of the description whose values differ, for the message that refuses another search's journal.
std::string differences(const nlohmann::json& stored, const nlohmann::json& given) {
  std::string out;
  auto add = [&](const std::string& key) { out += (out.empty() ? "" : ", ") + key; };
  if (!stored.is_object() || !given.is_object()) return "its description";
  for (const auto& [key, value] : given.items()) {
    if (!stored.contains(key) || stored[key] != value) add(key);
  }
  for (const auto& [key, value] : stored.items()) {
    if (!given.contains(key)) add(key);
  }
  return out;
}

class Driver {
 public:
  Driver(Strategy& strategy, Executor& executor, const SearchOptions& options)
      : strategy_(strategy), executor_(executor), options_(options) {}

  SearchResult run() {
    const auto start = Clock::now();
    open_journal();
    int running = 0;
    while (true) {
      while (running < std::max(1, executor_.capacity())) {
        std::optional<TrialStep> step = strategy_.suggest();
        pass_on_strategy_output();
        if (!step) break;
        const StepKey key{step->trial, step->budget};
        check_same_config(*step);
        if (auto ended = previous_.ended.find(key); ended != previous_.ended.end()) {
          replay(*step, ended->second);
          continue;
        }
        if (previous_.unfinished.count(key) > 0 && step->continues) {
          // The killed run had begun this step: what it left is half a step, so it is run again from the start.
          step->continues = false;
          step->previous_budget = 0;
        }
        begin(*step);
        ++running;
      }
      if (running == 0) {
        FOVEA_CHECK(strategy_.finished(), ValueError, "search: the ", strategy_.name(),
                    " strategy suggests nothing more, waits for no result and is not finished");
        break;
      }
      TrialResult result = executor_.wait();
      --running;
      finish(result);
    }
    result_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    // Each trial as it stands: its last step is what its model (or whatever the objective keeps) now is.
    for (const auto& [trial, last] : last_step_of_trial_) {
      const StepRecord& record = result_.steps[last];
      if (record.status == StepRecord::Status::done &&
          (!result_.best || better(record, *result_.best, options_.direction))) {
        result_.best = record;
      }
    }
    return std::move(result_);
  }

 private:
  void open_journal() {
    if (options_.directory.empty()) return;
    namespace fs = std::filesystem;
    fs::create_directories(options_.directory);
    const std::string path = (fs::path(options_.directory) / kJournalFile).string();
    if (fs::exists(path)) {
      FOVEA_CHECK(options_.resume, ValueError, options_.directory,
                  " already holds a search (", kJournalFile, "): continue it with resume, or choose another folder");
      previous_ = detail::read_journal(path);
      FOVEA_CHECK(previous_.description == options_.description, ValueError, path,
                  ": the journal is of another search (it differs in ", differences(previous_.description,
                                                                                    options_.description),
                  "); resume it with the same settings, or start the new search in another folder");
      journal_ = std::make_unique<detail::JournalWriter>(path);
    } else {
      journal_ = std::make_unique<detail::JournalWriter>(path);
      journal_->append({{"event", "search"}, {"description", options_.description}});
    }
  }

  // A resumed search must suggest what the killed one ran; a changed space, strategy or fovea would replay results
  // onto other configurations.
  void check_same_config(const TrialStep& step) const {
    const auto ran = previous_.configs.find(step.trial);
    FOVEA_CHECK(ran == previous_.configs.end() || ran->second == step.config, ValueError, options_.directory, "/",
                kJournalFile, ": trial ", step.trial, " ran with ", ran->second.dump(), ", but the search now suggests ",
                step.config.dump(), "; it cannot be resumed (start it again in another folder)");
  }

  void write(const nlohmann::json& event) {
    if (journal_) journal_->append(event);
  }

  void notify(SearchEvent event) {
    if (options_.on_event) options_.on_event(event);
  }

  void begin(const TrialStep& step) {
    write({{"event", "start"}, {"step", detail::step_to_json(step)}});
    result_.steps.push_back({.step = step});
    index_[{step.trial, step.budget}] = result_.steps.size() - 1;
    last_step_of_trial_[step.trial] = result_.steps.size() - 1;
    started_at_[{step.trial, step.budget}] = Clock::now();
    notify({.kind = SearchEvent::Kind::started, .record = &result_.steps.back()});
    executor_.start(step);
  }

  void replay(const TrialStep& step, const detail::JournalContents::Ended& ended) {
    StepRecord record{.step = step};
    record.value = ended.value;
    record.failure = ended.failure;
    record.seconds = ended.seconds;
    record.status = ended.value ? StepRecord::Status::done : StepRecord::Status::failed;
    result_.steps.push_back(record);
    last_step_of_trial_[step.trial] = result_.steps.size() - 1;
    result_.budget_used += budget_spent(step);
    ++result_.replayed;
    notify({.kind = SearchEvent::Kind::ended, .record = &result_.steps.back(), .replayed = true});
    report_to_strategy(result_.steps.back());
  }

  void finish(TrialResult result) {
    const StepKey key{result.trial, result.budget};
    const auto found = index_.find(key);
    FOVEA_CHECK(found != index_.end(), ValueError, "search: the executor ended trial ", result.trial, " at budget ",
                result.budget, ", which was not started");
    StepRecord& record = result_.steps[found->second];
    index_.erase(found);
    record.seconds = std::chrono::duration<double>(Clock::now() - started_at_.at(key)).count();
    if (result.score && std::isnan(*result.score)) {
      result.score.reset();
      result.failure = "the objective is NaN";
    }
    if (result.score) {
      record.status = StepRecord::Status::done;
      record.value = result.score;
    } else {
      record.status = StepRecord::Status::failed;
      record.failure = result.failure.empty() ? "failed without a reason" : result.failure;
    }
    nlohmann::json event = {{"event", "end"}, {"trial", result.trial}, {"budget", result.budget},
                            {"seconds", record.seconds}};
    if (record.value) {
      event["value"] = *record.value;
    } else {
      event["failure"] = record.failure;
    }
    write(event);
    result_.budget_used += budget_spent(record.step);
    notify({.kind = SearchEvent::Kind::ended, .record = &record});
    report_to_strategy(record);
  }

  void report_to_strategy(const StepRecord& record) {
    TrialResult result{.trial = record.step.trial, .budget = record.step.budget, .failure = record.failure};
    if (record.value) result.score = options_.direction == Direction::maximize ? *record.value : -*record.value;
    strategy_.report(result);
    pass_on_strategy_output();
  }

  // The strategy's messages and dropped trials go to the journal and the watcher.
  void pass_on_strategy_output() {
    for (std::string& line : strategy_.take_messages()) {
      write({{"event", "message"}, {"text", line}});
      notify({.kind = SearchEvent::Kind::message, .message = std::move(line)});
    }
    for (int64_t trial : strategy_.take_stopped()) {
      const auto last = last_step_of_trial_.find(trial);
      if (last == last_step_of_trial_.end()) continue;
      write({{"event", "stopped"}, {"trial", trial}});
      StepRecord& record = result_.steps[last->second];
      record.stopped = true;
      notify({.kind = SearchEvent::Kind::stopped, .record = &record});
    }
  }

  Strategy& strategy_;
  Executor& executor_;
  const SearchOptions& options_;
  detail::JournalContents previous_;
  std::unique_ptr<detail::JournalWriter> journal_;
  SearchResult result_;
  std::map<StepKey, size_t> index_;  // running steps -> their record
  std::map<StepKey, Clock::time_point> started_at_;
  std::map<int64_t, size_t> last_step_of_trial_;
};

// Runs each step on the caller's thread when the driver waits for it.
class InProcessExecutor : public Executor {
 public:
  explicit InProcessExecutor(const Objective& objective) : objective_(objective) {}
  int capacity() const override { return 1; }
  void start(const TrialStep& step) override { pending_ = step; }
  TrialResult wait() override {
    const TrialStep step = *pending_;
    pending_.reset();
    TrialResult result{.trial = step.trial, .budget = step.budget};
    try {
      result.score = objective_(step.config, step);
    } catch (const std::exception& e) {
      result.failure = e.what();
    }
    return result;
  }

 private:
  const Objective& objective_;
  std::optional<TrialStep> pending_;
};

}  // namespace

SearchResult run_search(Strategy& strategy, Executor& executor, const SearchOptions& options) {
  return Driver(strategy, executor, options).run();
}

SearchResult search(Strategy& strategy, const Objective& objective, const SearchOptions& options) {
  InProcessExecutor executor(objective);
  return run_search(strategy, executor, options);
}

}  // namespace fovea::tune
