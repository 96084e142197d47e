// Running the built `fovea` command from tests: its exit status and output, or its --json output parsed.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#ifndef FOVEA_CLI_PATH
#error "FOVEA_CLI_PATH must name the fovea executable"
#endif

namespace fovea::testing {

struct CommandResult {
  int status = 0;
  std::string out;
};

// stderr joins stdout unless args redirect it.
inline CommandResult run(const std::string& args) {
  CommandResult result;
  const bool own_stderr = args.find(" 2>") != std::string::npos;
  const std::string command = std::string(FOVEA_CLI_PATH) + " " + args + (own_stderr ? "" : " 2>&1");
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// stdout of a --json command; stderr goes to a file so progress lines cannot mix in.
inline nlohmann::json run_json(const std::string& args, const std::filesystem::path& dir) {
  const std::filesystem::path err = dir / "stderr.txt";
  CommandResult r = run(args + " 2>" + err.string());
  EXPECT_EQ(r.status, 0) << r.out;
  return nlohmann::json::parse(r.out);
}

}  // namespace fovea::testing
