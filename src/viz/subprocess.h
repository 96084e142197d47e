// Running a helper program (Graphviz's dot) as a child process: no shell, stdin fed from a string, stdout and
// stderr collected, safe from several threads at once.
#pragma once

#include <string>
#include <vector>

namespace fovea::viz::subprocess_detail {

struct ProcessResult {
  bool started = false;     // false: the program could not be found or started (start_error says why)
  std::string start_error{};
  int exit_code = -1;       // the exit status when it exited, -1 when a signal ended it
  int signal = 0;           // the signal that ended it, 0 when it exited
  std::string out{};
  std::string err{};
};

// Runs argv[0] (looked up on PATH when it has no '/') with argv, writing input to its stdin and reading its stdout
// and stderr until it ends; waits for it. Never throws for the program's own failures: the result says.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input);

}  // namespace fovea::viz::subprocess_detail
