// `fovea tune`'s executor: each trial step runs as a child process (a `fovea train`), several at once. Children
// die with the search: each sets the parent-death signal (SIGKILL) before it runs the command, so a search killed
// in any way, SIGKILL included, leaves no trial running; a search that ends by an exception kills them itself.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fovea/tune/search.h"

namespace fovea::cli {

// How to run one step.
struct TrialLaunch {
  std::vector<std::string> argv;  // argv[0] is the program's path
  std::string log_path;           // the child's stdout and stderr
};

// How a child ended.
struct ProcessEnd {
  int exit_code = -1;  // when it exited
  int signal = 0;      // when a signal killed it
};

class TrialProcesses : public tune::Executor {
 public:
  // prepare: the command of a step (and whatever its folder needs); collect: the step's result from how its process
  // ended and what it wrote. tick: called about every 100 ms while waiting (a live table's clock).
  using Prepare = std::function<TrialLaunch(const tune::TrialStep&)>;
  using Collect = std::function<tune::TrialResult(const tune::TrialStep&, const ProcessEnd&)>;
  TrialProcesses(int capacity, Prepare prepare, Collect collect, std::function<void()> tick = {});
  // Kills (SIGKILL) and reaps the children still running.
  ~TrialProcesses() override;
  TrialProcesses(const TrialProcesses&) = delete;
  TrialProcesses& operator=(const TrialProcesses&) = delete;

  int capacity() const override { return capacity_; }
  void start(const tune::TrialStep& step) override;
  tune::TrialResult wait() override;

 private:
  int capacity_;
  Prepare prepare_;
  Collect collect_;
  std::function<void()> tick_;
  std::map<pid_t, tune::TrialStep> running_;
};

// "killed by signal 9 (SIGKILL)", "exited with status 1".
std::string describe(const ProcessEnd& end);

}  // namespace fovea::cli
