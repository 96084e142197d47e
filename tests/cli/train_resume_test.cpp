// `fovea train --resume` after kill -9: the test starts a training run, kills it at seeded moments (as often as
// it likes, also while files are being written), resumes it each time, and requires the finished run to equal an
// uninterrupted one bit for bit (history and weights), with no epoch twice and no temporary file left behind.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/bars_data.h"
#include "cli/cli_test_util.h"
#include "fovea/core/rng.h"
#include "fovea/io/model_file.h"

extern char** environ;

namespace fovea {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

class TrainResumeTest : public testing::CommandTest {
 protected:
  void SetUp() override {
    testing::CommandTest::SetUp();
    data_ = testing::write_bars_data(dir_, 480, 60);
  }

  // The training command's arguments for output folder `out`. mnist-cnn has dropout (the default generator) and
  // early stopping keeps counters and the best weights (restored at the end): all of it must survive a kill.
  std::vector<std::string> train_args(const fs::path& out, bool resume) const {
    std::vector<std::string> args = {
        FOVEA_CLI_PATH, "train", "--data", data_,       "--model",          "mnist-cnn", "--epochs",  "6",
        "--batch-size", "32",    "--lr",   "0.003",     "--early-stopping", "2",         "--threads", "1",
        "-v",           "2",     "-o",     out.string()};
    if (resume) args.push_back("--resume");
    return args;
  }

  // Starts the command with its output in log (appended); returns its process id.
  pid_t start(const std::vector<std::string>& args, const fs::path& log) const {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int error = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    EXPECT_EQ(error, 0) << std::strerror(error);
    return pid;
  }

  // Waits for the process; its exit status, or -signal when a signal ended it.
  static int finish(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

  std::string data_;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> temporary_files(const fs::path& dir) {
  std::vector<std::string> found;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp-") != std::string::npos) found.push_back(name);
  }
  return found;
}

TEST_F(TrainResumeTest, RunsKilledAtSeededMomentsAndResumedEqualTheUninterruptedRunBitForBit) {
  const fs::path reference = dir_ / "reference";
  const Clock::time_point began = Clock::now();
  ASSERT_EQ(finish(start(train_args(reference, false), dir_ / "reference.log")), 0)
      << read_file(dir_ / "reference.log");
  const double run_seconds = std::chrono::duration<double>(Clock::now() - began).count();
  const std::string reference_history = read_file(reference / "history.csv");
  std::shared_ptr<Model> reference_model = load_model((reference / "model.fovea").string());

  int kills_during_training = 0;
  for (uint64_t seed : {1, 2, 3}) {
    const fs::path out = dir_ / ("killed_" + std::to_string(seed));
    const fs::path log = dir_ / ("killed_" + std::to_string(seed) + ".log");
    Generator moments(seed);
    // Three kills at seeded moments of the run's length, each after (re)starting it with --resume, then a run to
    // the end. The first start has --resume too: with no checkpoint yet it starts from scratch.
    for (int kill = 0; kill < 3; ++kill) {
      const pid_t pid = start(train_args(out, true), log);
      std::this_thread::sleep_for(std::chrono::duration<double>(moments.uniform(0.15, 0.6) * run_seconds));
      ::kill(pid, SIGKILL);
      const int status = finish(pid);
      kills_during_training += status == -SIGKILL && fs::exists(out / "checkpoint.fovea");
    }
    ASSERT_EQ(finish(start(train_args(out, true), log)), 0) << read_file(log);

    EXPECT_EQ(read_file(out / "history.csv"), reference_history) << "seed " << seed << "\n" << read_file(log);
    std::shared_ptr<Model> model = load_model((out / "model.fovea").string());
    const std::vector<Weight*> got = model->weights(), want = reference_model->weights();
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      const Tensor& a = got[i]->value;
      const Tensor& b = want[i]->value;
      ASSERT_EQ(a.nbytes(), b.nbytes());
      EXPECT_EQ(std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()), 0)
          << "seed " << seed << ": weight " << got[i]->name;
    }
    EXPECT_EQ(temporary_files(out), std::vector<std::string>()) << "seed " << seed;
  }
  // The kills must have hit training, not only start-up, for the test to mean anything.
  EXPECT_GE(kills_during_training, 3);
}

TEST_F(TrainResumeTest, ResumingWithOtherSettingsIsRefusedNamingThem) {
  const fs::path out = dir_ / "run";
  std::vector<std::string> args = train_args(out, false);
  args[7] = "2";  // --epochs 2
  ASSERT_EQ(finish(start(args, dir_ / "first.log")), 0) << read_file(dir_ / "first.log");
  testing::CommandResult other = testing::run("train --data " + data_ +
                                              " --model lwls-6.3 --epochs 3 --batch-size 32 --lr 0.01 "
                                              "--early-stopping 2 --threads 1 --resume -o " +
                                              out.string());
  EXPECT_EQ(other.status, 1);
  EXPECT_NE(other.out.find("--resume: " + (out / "checkpoint.fovea").string() +
                           " was written by a run with other settings: --lr 0.003 (this run: 0.01), --model "
                           "mnist-cnn (this run: lwls-6.3); repeat that run's settings to continue it, or train into "
                           "another output folder (-o)"),
            std::string::npos)
      << other.out;
}

}  // namespace
}  // namespace fovea
