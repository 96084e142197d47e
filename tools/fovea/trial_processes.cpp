#include "trial_processes.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "fovea/core/error.h"

namespace fovea::cli {

namespace {

// In the child between fork and exec only async-signal-safe calls are allowed: no allocation, no locks.
[[noreturn]] void run_child(char* const argv[], const char* log_path, pid_t parent) {
  // The parent-death signal is cleared by fork and kept by exec; checking the parent afterwards closes the window
  // in which the parent died before prctl ran.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  setpgid(0, 0);  // its own group: a Ctrl-C at the terminal reaches the search, which then ends its trials
  const int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log < 0 || null < 0) _exit(126);
  dup2(null, 0);
  dup2(log, 1);
  dup2(log, 2);
  execv(argv[0], argv);
  const char message[] = "fovea tune: cannot run the trial's command\n";
  (void)!write(2, message, sizeof message - 1);
  _exit(127);
}

}  // namespace

std::string describe(const ProcessEnd& end) {
  if (end.signal != 0) {
    const char* abbrev = sigabbrev_np(end.signal);
    return ::fovea::detail::concat("killed by signal ", end.signal, abbrev ? std::string(" (SIG") + abbrev + ")" : "");
  }
  return ::fovea::detail::concat("exited with status ", end.exit_code);
}

TrialProcesses::TrialProcesses(int capacity, Prepare prepare, Collect collect, std::function<void()> tick)
    : capacity_(std::max(1, capacity)),
      prepare_(std::move(prepare)),
      collect_(std::move(collect)),
      tick_(std::move(tick)) {}

TrialProcesses::~TrialProcesses() {
  for (const auto& [pid, step] : running_) kill(pid, SIGKILL);
  for (const auto& [pid, step] : running_) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

void TrialProcesses::start(const tune::TrialStep& step) {
  const TrialLaunch launch = prepare_(step);
  FOVEA_CHECK(!launch.argv.empty(), ValueError, "fovea tune: trial ", step.trial, " has no command");
  // Everything the child needs is built before fork: it must not allocate.
  std::vector<std::string> args = launch.argv;
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  FOVEA_CHECK(pid >= 0, IoError, "fovea tune: cannot start trial ", step.trial, " (", strerror(errno), ")");
  if (pid == 0) run_child(argv.data(), launch.log_path.c_str(), parent);
  running_[pid] = step;
}

tune::TrialResult TrialProcesses::wait() {
  FOVEA_CHECK(!running_.empty(), ValueError, "fovea tune: waiting for a trial while none runs");
  while (true) {
    for (auto it = running_.begin(); it != running_.end(); ++it) {
      int status = 0;
      const pid_t done = waitpid(it->first, &status, WNOHANG);
      if (done == 0 || (done < 0 && errno == EINTR)) continue;
      ProcessEnd end;
      if (done > 0 && WIFEXITED(status)) end.exit_code = WEXITSTATUS(status);
      if (done > 0 && WIFSIGNALED(status)) end.signal = WTERMSIG(status);
      const tune::TrialStep step = it->second;
      running_.erase(it);
      return collect_(step, end);
    }
    if (tick_) tick_();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace fovea::cli
