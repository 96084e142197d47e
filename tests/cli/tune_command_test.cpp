// `fovea tune` end to end on a small data set: a Hyperband search over a model template and the learning rate, its
// outputs (trials.csv, best.json with a command that retrains the best, report.html), malformed spaces' exact
// errors, and a search killed with SIGKILL in the middle: no trial process outlives it, and --resume finishes it
// with every step run to its end exactly once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/bars_data.h"
#include "cli/cli_test_util.h"

extern char** environ;

namespace fovea {
namespace {

namespace fs = std::filesystem;

// A small CNN whose width and depth are knobs, for the 12x12 bars.
constexpr const char* kSpace = R"({
  "objective": "val_accuracy",
  "settings": {"batch-size": 32, "validation-split": 0.25},
  "model": {"class_name": "Sequential", "config": {"layers": [
    {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 12, 12, 1]}},
    {"$repeat": "blocks", "layers": [
      {"class_name": "Conv2D", "config": {"filters": "$filters", "kernel_size": 3, "padding": "same",
                                          "activation": "relu"}},
      {"class_name": "MaxPooling2D", "config": {"pool_size": 2}}]},
    {"class_name": "Flatten", "config": {}},
    {"class_name": "Dense", "config": {"units": 3, "activation": "softmax"}}]}},
  "knobs": {
    "lr": {"log_uniform": [0.0003, 0.03]},
    "optimizer": {"choice": ["adam", "sgd"]},
    "momentum": {"float": [0.0, 0.9], "when": {"optimizer": "sgd"}},
    "filters": {"choice": [2, 4]},
    "blocks": {"int": [1, 2]}
  }
})";

class TuneCommandTest : public testing::CommandTest {
 protected:
  void SetUp() override {
    testing::CommandTest::SetUp();
    data_ = testing::write_bars_data(dir_, 240, 60);
    space_ = path("space.json");
    std::ofstream(space_) << kSpace;
  }

  std::vector<std::string> tune_args(const std::string& out, const std::string& budget = "3") const {
    return {FOVEA_CLI_PATH, "tune",     space_,  "--data", data_, "--strategy", "hyperband", "--budget", budget,
            "--eta",        "3",        "--seed", "5",     "--parallel", "2", "--threads-per-trial", "1", "-o", out};
  }

  std::string error_of(const std::string& space_text) const {
    std::ofstream(path("bad.json")) << space_text;
    const testing::CommandResult r = testing::run("tune " + path("bad.json") + " --data " + data_ + " -o " +
                                                  path("bad-out"));
    EXPECT_NE(r.status, 0);
    return r.out;
  }

  std::string data_, space_;
};

std::vector<nlohmann::json> journal(const fs::path& folder) {
  std::vector<nlohmann::json> events;
  std::ifstream in(folder / "journal.jsonl");
  std::string line;
  while (std::getline(in, line)) events.push_back(nlohmann::json::parse(line));
  return events;
}

std::string joined(const std::vector<std::string>& args) {
  std::string out;
  for (size_t i = 1; i < args.size(); ++i) out += (i > 1 ? " " : "") + args[i];
  return out;
}

TEST_F(TuneCommandTest, HyperbandSearchWritesTrialsBestAndReport) {
  const testing::CommandResult r = testing::run(joined(tune_args(path("out"))));
  ASSERT_EQ(r.status, 0) << r.out;
  // R = 3, eta = 3: bracket s=1 runs 3 trials for 1 epoch and continues the best for 3; bracket s=0 runs 2 for 3.
  const std::vector<nlohmann::json> events = journal(path("out"));
  int starts = 0, ends = 0, continued = 0;
  for (const nlohmann::json& e : events) {
    starts += e["event"] == "start";
    ends += e["event"] == "end";
    if (e["event"] == "start") continued += e["step"]["continues"].get<bool>();
  }
  EXPECT_EQ(starts, 6);
  EXPECT_EQ(ends, 6);
  EXPECT_EQ(continued, 1);

  std::ifstream csv(path("out/trials.csv"));
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header, "trial,budget,previous_budget,continues,bracket,rung,round,status,val_accuracy,seconds,failure,"
                    "lr,optimizer,momentum,filters,blocks");
  int rows = 0;
  for (std::string line; std::getline(csv, line);) ++rows;
  EXPECT_EQ(rows, 6);

  std::ifstream best_file(path("out/best.json"));
  const nlohmann::json best = nlohmann::json::parse(best_file);
  ASSERT_TRUE(best["trial"].is_number()) << best.dump(2);
  EXPECT_GT(best["value"].get<double>(), 0.0);
  ASSERT_TRUE(best["test"].contains("accuracy")) << best.dump(2);
  EXPECT_TRUE(best.contains("model_config"));
  EXPECT_TRUE(fs::exists(path("out/best-model.json")));
  const std::string command = best["command"].get<std::string>();
  ASSERT_EQ(command.rfind("fovea train ", 0), 0u) << command;
  EXPECT_NE(command.find("--epochs"), std::string::npos) << command;
  EXPECT_NE(command.find("--model " + path("out/best-model.json")), std::string::npos) << command;

  // The ready command retrains the best configuration.
  const testing::CommandResult again =
      testing::run(command.substr(std::string("fovea ").size()) + " -o " + path("retrained") + " --verbose 0");
  EXPECT_EQ(again.status, 0) << again.out;
  EXPECT_TRUE(fs::exists(path("retrained/model.fovea")));

  std::ifstream page_file(path("out/report.html"));
  std::stringstream page;
  page << page_file.rdbuf();
  EXPECT_NE(page.str().find("val_accuracy"), std::string::npos);
  // No checkpoint is left behind, a model per trial is.
  for (const auto& entry : fs::directory_iterator(path("out/trials"))) {
    EXPECT_FALSE(fs::exists(entry.path() / "checkpoint.fovea")) << entry.path();
    EXPECT_TRUE(fs::exists(entry.path() / "model.fovea")) << entry.path();
  }
}

TEST_F(TuneCommandTest, MalformedSpacesGetTheirExactErrors) {
  const std::string bad = path("bad.json");
  EXPECT_NE(error_of(R"({"knobs": {"lrr": {"log_uniform": [0.001, 0.1]}}})")
                .find(bad + ": knob 'lrr' is neither a fovea train setting nor a placeholder of the model template"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"knobs": {"lr": {"log_uniform": [0, 0.1]}}})").find(bad + ": knob 'lr': "), std::string::npos);
  EXPECT_NE(error_of(R"({"knobs": {"epochs": {"int": [1, 5]}}})")
                .find(bad + ": knob 'epochs': the budget gives every trial its epochs (--budget)"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"model": {"class_name": "Sequential", "config": {"layers": [
                         {"class_name": "Dense", "config": {"units": "$width"}}]}},
                         "knobs": {"lr": {"log_uniform": [0.001, 0.1]}}})")
                .find(bad + ": the model template's placeholder '$width' has no knob"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"knobs": {"lr": 0.01}, "objective": "f1"})")
                .find(bad + ": objective 'f1' is not one of val_accuracy, val_loss, accuracy, loss"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"knobs": {"lr": 0.01}, "extra": 1})")
                .find(bad + ": unknown entry 'extra' (expected knobs, settings, model, objective)"),
            std::string::npos);
}

TEST_F(TuneCommandTest, TrialsThatCrashOrDivergeAreFailuresWithTheirReasonsAndTheSearchGoesOn) {
  // A grid of three trials: adam with a momentum is refused by fovea train, sgd at a huge rate diverges, sgd at a
  // sane rate trains.
  std::ofstream(path("failing.json")) << R"({
    "settings": {"batch-size": 32, "validation-split": 0.25, "model": "lwls-6.3"},
    "knobs": {"optimizer": {"choice": ["adam", "sgd"]},
              "momentum": {"fixed": 0.5},
              "lr": {"choice": [1e12, 0.01]}}})";
  const testing::CommandResult r =
      testing::run("tune " + path("failing.json") + " --data " + data_ + " --strategy grid --budget 2 -o " +
                   path("out"));
  ASSERT_EQ(r.status, 0) << r.out;
  std::vector<std::string> failures;
  int done = 0;
  for (const nlohmann::json& e : journal(path("out"))) {
    if (e["event"] == "end" && e.contains("failure")) failures.push_back(e["failure"].get<std::string>());
    if (e["event"] == "end" && e.contains("value")) ++done;
  }
  ASSERT_EQ(failures.size(), 3u) << r.out;
  EXPECT_EQ(done, 1) << r.out;
  for (int i = 0; i < 2; ++i) {
    EXPECT_NE(failures[i].find("exited with status 1: "), std::string::npos) << failures[i];
    EXPECT_NE(failures[i].find("setting 'momentum': only the sgd and rmsprop optimizers take a momentum, not adam"),
              std::string::npos)
        << failures[i];
  }
  EXPECT_EQ(failures[2].rfind("diverged (loss NaN at epoch ", 0), 0u) << failures[2];
  EXPECT_NE(r.out.find("failed    budget 2  diverged"), std::string::npos) << r.out;
}

// All processes whose command line mentions `needle`.
std::vector<pid_t> processes_mentioning(const std::string& needle) {
  std::vector<pid_t> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(needle) != std::string::npos && std::stoi(name) != getpid()) found.push_back(std::stoi(name));
  }
  return found;
}

TEST_F(TuneCommandTest, AKilledSearchLeavesNoTrialRunningAndResumeFinishesEachStepOnce) {
  // R = 9, eta = 3: brackets of (9 x 1, 3 x 3, 1 x 9), (5 x 3, 1 x 9) and (3 x 9): 22 steps, long enough to be
  // killed in the middle.
  const fs::path out = path("killed");
  std::vector<std::string> args = tune_args(out.string(), "9");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = path("killed.log");
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t search = -1;
  ASSERT_EQ(posix_spawn(&search, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);

  // Kill it once two steps have ended, while others run.
  int ended = 0;
  for (int i = 0; i < 1200 && ended < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    ended = 0;
    if (fs::exists(out / "journal.jsonl")) {
      std::ifstream in(out / "journal.jsonl");
      for (std::string line; std::getline(in, line);) ended += line.find("\"event\":\"end\"") != std::string::npos;
    }
  }
  ASSERT_EQ(kill(search, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(search, &status, 0), search);
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_GE(ended, 2);
  ASSERT_LT(ended, 22) << "the search ended before it was killed";
  // The trials die with it (their parent-death signal): none is left after a moment.
  std::vector<pid_t> left;
  for (int i = 0; i < 100; ++i) {
    left = processes_mentioning(out.string() + "/trials/");
    if (left.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(left.empty()) << left.size() << " trial process(es) outlived the search";

  const testing::CommandResult resumed = testing::run("tune --resume -o " + out.string());
  ASSERT_EQ(resumed.status, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("from the journal"), std::string::npos) << resumed.out;
  std::map<std::pair<int64_t, double>, int> ends;
  for (const nlohmann::json& e : journal(out)) {
    if (e["event"] == "end") ++ends[{e["trial"].get<int64_t>(), e["budget"].get<double>()}];
  }
  EXPECT_EQ(ends.size(), 22u);
  for (const auto& [step, count] : ends) EXPECT_EQ(count, 1) << "trial " << step.first << " budget " << step.second;
  EXPECT_TRUE(fs::exists(out / "best.json"));
}

}  // namespace
}  // namespace fovea
