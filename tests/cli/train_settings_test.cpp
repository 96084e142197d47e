// fovea train's one settings type (tools/fovea/train_settings.*): the table against the command's options, JSON
// round trips and error texts, the command line that repeats a run, --settings files, the knobs the library had
// and the command lacked (their effect on the trained model and its optimizer), --no-test, and resuming a
// checkpoint written before the new settings existed.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/bars_data.h"
#include "cli/cli_test_util.h"
#include "fovea/core/error.h"
#include "fovea/io/json.h"
#include "fovea/io/model_file.h"
#include "fovea/train/optimizers.h"
#include "train_settings.h"  // tools/fovea

namespace fovea {
namespace {

namespace fs = std::filesystem;
using cli::TrainSettings;
using testing::CommandResult;
using testing::run;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// Every long option of `fovea train --help`, without dashes.
std::set<std::string> help_options() {
  const CommandResult help = run("train --help");
  EXPECT_EQ(help.status, 0) << help.out;
  std::set<std::string> names;
  std::istringstream lines(help.out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string first;
    words >> first;  // "-m,--model", "--lr,--learning-rate", "--resume"
    std::stringstream parts(first);
    for (std::string part; std::getline(parts, part, ',');) {
      if (part.rfind("--", 0) == 0) names.insert(part.substr(2, part.find('=') - 2));
    }
  }
  return names;
}

TEST(TrainSettingsTest, TheTableAndTheCommandAgree) {
  const std::set<std::string> options = help_options();
  std::set<std::string> table;
  for (const cli::SettingSpec& spec : cli::train_settings_table()) {
    table.insert(spec.name);
    // Every name of the row is an option of the command (aliases included).
    std::stringstream parts(spec.flags);
    for (std::string part; std::getline(parts, part, ',');) {
      if (part.rfind("--", 0) == 0) EXPECT_TRUE(options.count(part.substr(2))) << part;
    }
    EXPECT_EQ(spec.flags.find("--" + spec.name), spec.flags.rfind("--", spec.flags.find("--" + spec.name)))
        << spec.name << ": the name is the first long option";
  }
  // The options the table does not hold: --help, --settings (the file of settings itself) and --lr's alias.
  std::set<std::string> rest;
  for (const std::string& o : options) {
    if (!table.count(o)) rest.insert(o);
  }
  EXPECT_EQ(rest, (std::set<std::string>{"help", "settings", "learning-rate"}));
  EXPECT_TRUE(cli::is_setting("lr"));
  EXPECT_TRUE(cli::is_setting("batch-size"));
  EXPECT_FALSE(cli::is_setting("learning_rate"));
  EXPECT_EQ(cli::setting_names().size(), cli::train_settings_table().size());
}

// Settings with every run setting away from its default.
TrainSettings all_changed() {
  TrainSettings s;
  s.model = "lwls-6.3";
  s.data = "npy:x.npy,y.npy";
  s.epochs = 3;
  s.batch_size = 64;
  s.optimizer = "sgd";
  s.learning_rate = 0.05;
  s.momentum = 0.9;
  s.nesterov = true;
  s.weight_decay = 1e-4;
  s.lr_schedule = "step";
  s.lr_decay_rate = 0.5;
  s.lr_decay_epochs = 2.5;
  s.clipnorm = 1;
  s.clipvalue = 0;  // not both
  s.label_smoothing = 0.1;
  s.dropout = 0.3;
  s.augment = "flip,crop=2";
  s.normalize = "z_score";
  s.validation_split = 0.2;
  s.limit = 1000;
  s.limit_test = 100;
  s.patience = 2;
  s.seed = 18446744073709551615ull;
  s.skip_bad_samples = true;
  s.image_height = 32;
  s.image_width = 30;
  s.classes = "0-4";
  s.base = "base dir/model.fovea";
  s.cut = 3;
  s.fine_tune_epochs = 2;
  s.fine_tune_lr = 1e-5;
  return s;
}

TEST(TrainSettingsTest, JsonRoundTrip) {
  const TrainSettings s = all_changed();
  const nlohmann::json j = cli::to_json(s);
  // Keys are the run settings' names; how a run goes (threads, output, ...) is not among them.
  for (const cli::SettingSpec& spec : cli::train_settings_table()) {
    EXPECT_EQ(j.contains(spec.name), spec.role != cli::SettingRole::runs) << spec.name;
  }
  EXPECT_EQ(j["lr"], 0.05);
  EXPECT_EQ(j["batch-size"], 64);
  EXPECT_EQ(j["seed"], 18446744073709551615ull);  // all 64 bits
  EXPECT_EQ(cli::to_json(cli::from_json(j)), j);
  EXPECT_EQ(cli::to_json(cli::from_json(nlohmann::json::parse(j.dump()))), j);  // through text
  // Unset optional settings are null, and null unsets them.
  const nlohmann::json defaults = cli::to_json(TrainSettings());
  EXPECT_TRUE(defaults["dropout"].is_null());
  EXPECT_TRUE(defaults["weight-decay"].is_null());
  EXPECT_FALSE(cli::from_json({{"dropout", nullptr}}).dropout.has_value());
  // A missing key keeps its default; whole floats are read as integers (a search's numbers); how-to-run settings
  // are read too.
  const TrainSettings partial = cli::from_json({{"lr", 0.01}, {"batch-size", 32.0}, {"threads", 2}});
  EXPECT_EQ(partial.learning_rate, 0.01);
  EXPECT_EQ(partial.batch_size, 32);
  EXPECT_EQ(partial.threads, 2);
  EXPECT_EQ(partial.epochs, 12);
}

TEST(TrainSettingsTest, ErrorTexts) {
  std::string names;
  for (const std::string& n : cli::setting_names()) names += (names.empty() ? "" : ", ") + n;
  EXPECT_EQ(error_of([] { cli::from_json({{"lrr", 1}}); }), "unknown setting 'lrr'; the settings are: " + names);
  EXPECT_EQ(names.substr(0, 40), "model, data, epochs, batch-size, optimiz");
  EXPECT_EQ(error_of([] { cli::from_json({{"lr", -1}}); }),
            "setting 'lr': expected a learning rate >= 0 (0: the optimizer's default), got -1");
  EXPECT_EQ(error_of([] { cli::from_json({{"lr", "fast"}}); }),
            "setting 'lr': expected a learning rate >= 0 (0: the optimizer's default), got \"fast\"");
  EXPECT_EQ(error_of([] { cli::from_json({{"batch-size", 0}}); }),
            "setting 'batch-size': expected a number >= 1, got 0");
  EXPECT_EQ(error_of([] { cli::from_json({{"batch-size", 2.5}}); }),
            "setting 'batch-size': expected a whole number, got 2.5");
  EXPECT_EQ(error_of([] { cli::from_json({{"model", 3}}); }), "setting 'model': expected a string, got 3");
  EXPECT_EQ(error_of([] { cli::from_json({{"nesterov", 1}}); }), "setting 'nesterov': expected true or false, got 1");
  EXPECT_EQ(error_of([] { cli::from_json({{"lr-schedule", "linear"}}); }),
            "setting 'lr-schedule': expected one of constant, cosine, exponential, step, one-cycle, got \"linear\"");
  EXPECT_EQ(error_of([] { cli::from_json({{"dropout", 1}}); }),
            "setting 'dropout': expected a rate from 0 to below 1, got 1");
  EXPECT_EQ(error_of([] { cli::from_json({{"momentum", 1.5}}); }),
            "setting 'momentum': expected a momentum from 0 to 1, got 1.5");
  EXPECT_EQ(error_of([] { cli::from_json(nlohmann::json::array({1, 2})); }),
            "expected a JSON object of fovea train settings, got [1,2]");
  // The rules between settings.
  TrainSettings s;
  s.momentum = 0.9;
  EXPECT_EQ(error_of([&] { cli::check_settings(s); }),
            "setting 'momentum': only the sgd and rmsprop optimizers take a momentum, not adam");
  s.optimizer = "RMSprop";
  EXPECT_EQ(error_of([&] { cli::check_settings(s); }), "(no error)");
  s.nesterov = true;
  EXPECT_EQ(error_of([&] { cli::check_settings(s); }),
            "setting 'nesterov': only the sgd optimizer takes Nesterov momentum, not RMSprop");
  s = TrainSettings();
  s.clipnorm = 1;
  s.clipvalue = 1;
  EXPECT_EQ(error_of([&] { cli::check_settings(s); }),
            "settings 'clipnorm' and 'clipvalue': set one of them, not both (gradients are clipped one way)");
  s = TrainSettings();
  s.dropout = 0.2;
  s.model = "net.json";
  EXPECT_EQ(error_of([&] { cli::check_settings(s); }),
            "setting 'dropout': sets the rates of a zoo network's Dropout layers, and 'net.json' is not a zoo "
            "network; set the rates in the model itself");
}

TEST(TrainSettingsTest, CommandLineHoldsTheNonDefaultSettingsQuoted) {
  EXPECT_EQ(cli::command_line(TrainSettings()), "fovea train");
  TrainSettings s;
  s.learning_rate = 0.01;
  s.optimizer = "sgd";
  s.momentum = 0.9;
  s.nesterov = true;
  s.dropout = 0.25;
  s.augment = "flip,crop=2";
  s.base = "my base/model.fovea";
  s.threads = 4;  // how a run goes: left out unless asked for
  s.output = "trial 3";
  EXPECT_EQ(cli::command_line(s),
            "fovea train --optimizer sgd --lr 0.01 --momentum 0.9 --nesterov --dropout 0.25 --augment flip,crop=2 "
            "--base 'my base/model.fovea'");
  // In the table's order.
  EXPECT_EQ(cli::command_line(s, /*how_to_run=*/true),
            "fovea train --optimizer sgd --lr 0.01 --momentum 0.9 --nesterov --dropout 0.25 --augment flip,crop=2 "
            "--threads 4 --output 'trial 3' --base 'my base/model.fovea'");
  // Every run setting but clipvalue (at its default) as name and value, the two flags as their names alone.
  const TrainSettings all = all_changed();
  const std::vector<std::string> args = cli::command_arguments(all);
  EXPECT_EQ(args.size(), 2 * (cli::to_json(all).size() - 1) - 2);
  EXPECT_NE(std::find(args.begin(), args.end(), "18446744073709551615"), args.end());
  EXPECT_NE(std::find(args.begin(), args.end(), "0.0001"), args.end());
}

class TrainSettingsCommandTest : public testing::CommandTest {
 protected:
  void SetUp() override {
    testing::CommandTest::SetUp();
    data_ = testing::write_bars_data(dir_, 120, 30);
  }
  // A short run on the bars: 108 training samples after the validation split, 7 batches of 16 per epoch.
  CommandResult train(const std::string& out, const std::string& extra) {
    const std::string epochs = extra.find("--epochs") == std::string::npos ? " --epochs 2" : "";
    return run("train --data " + data_ + epochs + " -b 16 --threads 1 -v 0 --no-report -o " + path(out) + " " + extra);
  }
  std::string data_;
};

TEST_F(TrainSettingsCommandTest, NewKnobsReachTheOptimizerTheLossAndTheNetwork) {
  CommandResult r = train("sgd",
                          "--optimizer sgd --lr 0.1 --momentum 0.9 --nesterov --weight-decay 0.01 --clipnorm 1 "
                          "--lr-schedule step --lr-decay-epochs 1 --lr-decay-rate 0.5 --dropout 0.2");
  ASSERT_EQ(r.status, 0) << r.out;
  LoadedModel checkpoint = load_model_file(path("sgd/checkpoint.fovea"));
  ASSERT_TRUE(checkpoint.optimizer);
  const nlohmann::json config = checkpoint.optimizer->config();
  EXPECT_EQ(checkpoint.optimizer->class_name(), "SGD");
  EXPECT_EQ(config["momentum"], 0.9);
  EXPECT_EQ(config["nesterov"], true);
  EXPECT_EQ(config["weight_decay"], 0.01);
  EXPECT_EQ(config["clipnorm"], 1.0);
  // Step decay: halved after every epoch of 7 steps, so 0.1 * 0.5^2 after two epochs.
  EXPECT_EQ(config["learning_rate"]["class_name"], "ExponentialDecay");
  EXPECT_EQ(config["learning_rate"]["config"]["decay_steps"], 7);
  EXPECT_EQ(config["learning_rate"]["config"]["staircase"], true);
  EXPECT_EQ(checkpoint.optimizer->iterations(), 14);
  EXPECT_DOUBLE_EQ(checkpoint.optimizer->learning_rate(), 0.025);
  // Every Dropout layer of mnist-cnn at 0.2.
  int dropouts = 0;
  const nlohmann::json model = checkpoint.model->to_config();
  for (const auto& layer : model["config"]["layers"]) {
    if (layer["class_name"] != "Dropout") continue;
    EXPECT_EQ(layer["config"]["rate"], 0.2);
    ++dropouts;
  }
  EXPECT_EQ(dropouts, 2);

  // Cosine decay ends at 0 on the run's last step; clipvalue and RMSprop's momentum.
  r = train("cosine", "--optimizer rmsprop --momentum 0.5 --lr-schedule cosine --clipvalue 0.5");
  ASSERT_EQ(r.status, 0) << r.out;
  checkpoint = load_model_file(path("cosine/checkpoint.fovea"));
  EXPECT_EQ(checkpoint.optimizer->config()["learning_rate"]["config"]["decay_steps"], 14);
  EXPECT_EQ(checkpoint.optimizer->config()["learning_rate"]["config"]["initial_learning_rate"], 0.001);  // RMSprop's
  EXPECT_EQ(checkpoint.optimizer->config()["momentum"], 0.5);
  EXPECT_EQ(checkpoint.optimizer->config()["clipvalue"], 0.5);
  EXPECT_NEAR(checkpoint.optimizer->learning_rate(), 0.0, 1e-12);

  // One-cycle: the peak is --lr.
  r = train("one-cycle", "--lr 0.01 --lr-schedule one-cycle");
  ASSERT_EQ(r.status, 0) << r.out;
  const nlohmann::json one_cycle = load_model_file(path("one-cycle/checkpoint.fovea")).optimizer->config();
  EXPECT_EQ(one_cycle["learning_rate"]["class_name"], "OneCycle");
  EXPECT_EQ(one_cycle["learning_rate"]["config"]["max_lr"], 0.01);
  EXPECT_EQ(one_cycle["learning_rate"]["config"]["total_steps"], 14);
}

// A search promotes a trial by resuming it with more --epochs: its cosine schedule then spans the new length and
// goes on from where the run stopped, instead of staying at the 0 the first run's schedule ended at.
TEST_F(TrainSettingsCommandTest, ResumingWithMoreEpochsStretchesTheScheduleOverTheNewLength) {
  ASSERT_EQ(train("run", "--epochs 1 --lr 0.01 --lr-schedule cosine").status, 0);
  LoadedModel first = load_model_file(path("run/checkpoint.fovea"));
  EXPECT_NEAR(first.optimizer->learning_rate(), 0.0, 1e-12);
  const std::vector<double> after_one = first.model->trainable_weights().front().to_vector();

  const CommandResult resumed = train("run", "--epochs 3 --lr 0.01 --lr-schedule cosine --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("Note: the learning-rate schedule now spans this run's 3 epochs"), std::string::npos)
      << resumed.out;
  LoadedModel last = load_model_file(path("run/checkpoint.fovea"));
  EXPECT_EQ(last.optimizer->config()["learning_rate"]["config"]["decay_steps"], 21);
  EXPECT_EQ(last.optimizer->iterations(), 21);
  EXPECT_NE(last.model->trainable_weights().front().to_vector(), after_one);  // it went on learning

  // Resumed with the same length, nothing changes and nothing is said.
  ASSERT_EQ(train("same", "--epochs 1 --lr 0.01 --lr-schedule cosine").status, 0);
  const CommandResult same = train("same", "--epochs 2 --lr 0.01 --lr-schedule cosine --resume");
  ASSERT_EQ(same.status, 0) << same.out;
  const CommandResult again = train("same", "--epochs 2 --lr 0.01 --lr-schedule cosine --resume");
  EXPECT_EQ(again.out.find("Note: the learning-rate schedule"), std::string::npos) << again.out;
}

TEST_F(TrainSettingsCommandTest, LabelSmoothingChangesTheLoss) {
  ASSERT_EQ(train("plain", "--epochs 1").status, 0);
  const CommandResult smoothed = train("smoothed", "--epochs 1 --label-smoothing 0.2");
  ASSERT_EQ(smoothed.status, 0) << smoothed.out;
  const auto first_loss = [](const fs::path& history) {
    std::ifstream in(history);
    std::string header, row;
    std::getline(in, header);
    std::getline(in, row);
    return std::stod(row.substr(row.find(',') + 1));
  };
  const double plain = first_loss(path("plain/history.csv")), smooth = first_loss(path("smoothed/history.csv"));
  EXPECT_NE(plain, smooth);
  EXPECT_EQ(read_json(path("smoothed/metrics.json"))["test"].contains("loss"), true);
}

TEST_F(TrainSettingsCommandTest, RulesBetweenSettingsAreOneLine) {
  CommandResult r = train("adam", "--momentum 0.9");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "fovea: error: setting 'momentum': only the sgd and rmsprop optimizers take a momentum, not adam\n");
  r = run("train --data " + data_ + " --model " + path("missing.json") + " --dropout 0.3 -o " + path("json"));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "fovea: error: setting 'dropout': sets the rates of a zoo network's Dropout layers, and '" +
                       path("missing.json") + "' is not a zoo network; set the rates in the model itself\n");
  r = train("bad", "--lr-schedule linear");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out,
            "fovea: error: --lr-schedule: expected one of constant, cosine, exponential, step, one-cycle; got "
            "'linear' (see fovea train --help)\n");
  r = train("bad", "--label-smoothing 2");
  EXPECT_EQ(r.out,
            "fovea: error: --label-smoothing: expected a fraction from 0 to 1; got '2' (see fovea train --help)\n");
}

TEST_F(TrainSettingsCommandTest, SettingsFileWithCommandLineOverrides) {
  std::ofstream(path("settings.json")) << R"({"lr": 0.02, "epochs": 3, "optimizer": "sgd", "momentum": 0.8,
                                              "batch-size": 16, "verbose": 0})";
  const CommandResult r = run("train --settings " + path("settings.json") + " --data " + data_ +
                              " --epochs 1 --threads 1 -o " + path("run"));
  ASSERT_EQ(r.status, 0) << r.out;
  const nlohmann::json settings = read_json(path("run/run.json"))["settings"];
  EXPECT_EQ(settings["lr"], 0.02);
  EXPECT_EQ(settings["momentum"], 0.8);
  EXPECT_EQ(settings["epochs"], 1);  // the command line wins
  EXPECT_EQ(read_json(path("run/metrics.json"))["epochs"], 1);
  // A trial's settings.json is to_json's output: it reads back as it was written.
  EXPECT_EQ(cli::to_json(cli::read_settings_file(path("settings.json")))["momentum"], 0.8);

  std::ofstream(path("bad.json")) << R"({"lr": 0.02, "lrr": 1})";
  CommandResult bad = run("train --settings " + path("bad.json") + " -o " + path("bad"));
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.out.rfind("fovea: error: " + path("bad.json") + ": unknown setting 'lrr'; the settings are: model, ",
                          0),
            0u)
      << bad.out;
  std::ofstream(path("range.json")) << R"({"lr": -1})";
  bad = run("train --settings " + path("range.json") + " -o " + path("bad"));
  EXPECT_EQ(bad.out, "fovea: error: " + path("range.json") +
                         ": setting 'lr': expected a learning rate >= 0 (0: the optimizer's default), got -1\n");
  std::ofstream(path("broken.json")) << "{\"lr\": ";
  bad = run("train --settings " + path("broken.json") + " -o " + path("bad"));
  EXPECT_EQ(bad.out.rfind("fovea: error: " + path("broken.json") + ": not valid JSON (", 0), 0u) << bad.out;
  bad = run("train --settings " + path("absent.json") + " -o " + path("bad"));
  EXPECT_EQ(bad.out, "fovea: error: " + path("absent.json") +
                         ": no such file; expected a JSON file of fovea train settings (--settings)\n");
}

TEST_F(TrainSettingsCommandTest, NoTestLeavesTheTestSplitAlone) {
  const CommandResult r =
      run("train --data " + data_ + " --epochs 1 -b 16 --threads 1 -v 0 --no-test -o " + path("run"));
  ASSERT_EQ(r.status, 0) << r.out;
  const nlohmann::json metrics = read_json(path("run/metrics.json"));
  EXPECT_FALSE(metrics.contains("test"));
  EXPECT_FALSE(metrics.contains("confusion_matrix"));
  EXPECT_NE(r.out.find("the test split left out (--no-test)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Test: "), std::string::npos) << r.out;
  // The report is written and complete (marked finished), without test pictures.
  std::ifstream page_in(path("run/report.html"));
  std::stringstream page;
  page << page_in.rdbuf();
  EXPECT_NE(page.str().find("finished: 1 epoch"), std::string::npos);
  EXPECT_EQ(page.str().find("Misclassified test images"), std::string::npos);
  // `fovea report` draws it again from the run folder.
  const CommandResult again = run("report " + path("run"));
  EXPECT_EQ(again.status, 0) << again.out;
}

TEST_F(TrainSettingsCommandTest, ACheckpointWithoutTheNewSettingsResumes) {
  ASSERT_EQ(train("run", "--epochs 1").status, 0);
  // The checkpoint as fovea wrote it before this change: its settings without the new keys (and without epochs).
  const std::string file = path("run/checkpoint.fovea");
  LoadedModel loaded = load_model_file(file);
  nlohmann::json& stored = loaded.user["run"]["settings"];
  for (const char* key : {"momentum", "nesterov", "weight-decay", "lr-schedule", "lr-decay-rate", "lr-decay-epochs",
                          "clipnorm", "clipvalue", "label-smoothing", "dropout", "epochs"}) {
    ASSERT_TRUE(stored.contains(key)) << key;
    stored.erase(key);
  }
  save_model(*loaded.model, file,
             {.optimizer = loaded.optimizer.get(),
              .epoch = loaded.epoch,
              .user = loaded.user,
              .generator_state = loaded.generator_state,
              .callback_states = loaded.callback_states});
  CommandResult resumed = train("run", "--resume");
  ASSERT_EQ(resumed.status, 0) << resumed.out;
  EXPECT_EQ(read_json(path("run/metrics.json"))["epochs"], 2);
  // A new setting that differs from its default is still a difference.
  ASSERT_EQ(train("other", "--epochs 1").status, 0);
  resumed = train("other", "--resume --label-smoothing 0.1 --momentum 0.5 --optimizer sgd");
  EXPECT_EQ(resumed.status, 1);
  EXPECT_NE(resumed.out.find("was written by a run with other settings: --label-smoothing 0.0 (this run: 0.1), "
                             "--momentum 0.0 (this run: 0.5), --optimizer adam (this run: sgd); repeat"),
            std::string::npos)
      << resumed.out;
}

}  // namespace
}  // namespace fovea
