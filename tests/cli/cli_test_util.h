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

// stderr joins stdout unless args redirect it. With timeout_seconds > 0 the command runs under `timeout`: one that
// blocks (on a FIFO) ends with status 124 instead of hanging the test.
inline CommandResult run(const std::string& args, int timeout_seconds = 0) {
  CommandResult result;
  const bool own_stderr = args.find(" 2>") != std::string::npos;
  const std::string limit = timeout_seconds > 0 ? "timeout " + std::to_string(timeout_seconds) + " " : "";
  const std::string command = limit + std::string(FOVEA_CLI_PATH) + " " + args + (own_stderr ? "" : " 2>&1");
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// A fixture with a fresh folder per test, named after the suite and the test: ctest runs the tests of one suite in
// parallel processes.
class CommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           (std::string("fovea_") + test->test_suite_name() + "_" + test->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

// stdout of a --json command; stderr goes to a file so progress lines cannot mix in.
inline nlohmann::json run_json(const std::string& args, const std::filesystem::path& dir) {
  const std::filesystem::path err = dir / "stderr.txt";
  CommandResult r = run(args + " 2>" + err.string());
  EXPECT_EQ(r.status, 0) << r.out;
  return nlohmann::json::parse(r.out);
}

}  // namespace fovea::testing
