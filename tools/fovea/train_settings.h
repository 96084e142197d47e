// `fovea train`'s settings: one type for everything that defines a run, and one table that describes each setting
// once (its option names, help, type, default and check). The command line, a --settings file, a checkpoint's
// stored settings (--resume) and a hyperparameter search's knobs are all read through the table, so a knob added
// to training is a knob the search can use, and the checks and their messages are the same everywhere.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace fovea::cli {

struct TrainSettings {
  // What a run computes: to_json writes these (checkpoints, run.json), and --resume refuses other values.
  std::string model = "mnist-cnn";
  std::string data = "fashion-mnist";
  int64_t epochs = 12;  // the one --resume lets change: a run may be continued for longer
  int64_t batch_size = 128;
  std::string optimizer = "adam";
  double learning_rate = 0;  // 0: the optimizer's default
  double momentum = 0;       // sgd and rmsprop only
  bool nesterov = false;     // sgd only
  std::optional<double> weight_decay{};  // decoupled; unset: the optimizer's own (none; adamw 0.004)
  std::string lr_schedule = "constant";  // constant, cosine, exponential, step, one-cycle
  double lr_decay_rate = 0.1;            // exponential and step: the factor per lr_decay_epochs
  double lr_decay_epochs = 10;
  double clipnorm = 0;   // 0: no clipping
  double clipvalue = 0;  // 0: no clipping
  double label_smoothing = 0;
  std::optional<double> dropout{};  // zoo networks: every Dropout layer's rate; unset: the network's own
  std::string augment;
  std::string normalize = "min_max";
  double validation_split = 0.1;
  int64_t limit = 0;       // training samples used (0: all)
  int64_t limit_test = 0;  // test samples used (0: all)
  int64_t patience = 0;    // early stopping on val_loss (0: off)
  uint64_t seed = 42;
  bool skip_bad_samples = false;
  int64_t image_height = 0;
  int64_t image_width = 0;
  std::string classes;  // "5-9" or "0,2,4": keep these classes, relabelled from 0
  std::string base;     // transfer learning: a trained model file whose features are reused
  int cut = 1;          // layers removed from the base's end (its classifier)
  int64_t fine_tune_epochs = 0;
  double fine_tune_lr = 0;  // 0: a tenth of the head's learning rate

  // How a run goes, not what it computes: not in to_json, not compared by --resume.
  int threads = 0;
  int workers = 1;
  int verbose = -1;
  std::string output = "fovea-output";
  bool resume = false;
  bool json = false;
  bool no_report = false;
  bool no_test = false;  // leave the test split untouched: no test metrics, confusion matrix or test pictures
};

// What a setting is to a run.
enum class SettingRole {
  computes,  // decides what the run computes: stored, and --resume refuses another value
  extends,   // stored, but --resume may change it (epochs: training for longer)
  runs,      // how the run goes (threads, output, ...): not stored, and no part of what to_json writes
};

using SettingMember =
    std::variant<std::string TrainSettings::*, int64_t TrainSettings::*, uint64_t TrainSettings::*,
                 int TrainSettings::*, double TrainSettings::*, std::optional<double> TrainSettings::*,
                 bool TrainSettings::*>;

// One row of the table.
struct SettingSpec {
  std::string name;   // the long option without dashes, and the key in JSON: "lr", "batch-size"
  std::string flags;  // CLI11's option names: "--lr,--learning-rate", "-b,--batch-size"
  std::string help;
  SettingMember member;
  SettingRole role = SettingRole::computes;
  bool show_default = false;  // --help shows the default value
  // The check, when expected is not empty: numbers within [min, max], strings among choices (when given). The
  // command line says "--lr: expected <expected>; got '-1'", JSON "setting 'lr': expected <expected>, got -1".
  std::string expected{};
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices{};
};

// Every setting of `fovea train`, in the order of its --help.
const std::vector<SettingSpec>& train_settings_table();
// The setting named name (the long option without dashes), or nullptr.
const SettingSpec* find_setting(std::string_view name);
bool is_setting(std::string_view name);
// The names of every setting, in the table's order.
std::vector<std::string> setting_names();

// The run's settings (roles computes and extends) as JSON, keyed by setting name; an unset optional is null.
nlohmann::json to_json(const TrainSettings& settings);
// Sets one setting from a JSON value. ValueError "unknown setting 'lrr'; the settings are: model, data, ..." or
// "setting 'lr': expected a learning rate >= 0 (0: the optimizer's default), got -1".
void set_setting(TrainSettings& settings, std::string_view name, const nlohmann::json& value);
// Sets every member of a JSON object (any setting of the table); the others keep their values. ValueError as
// set_setting, or "expected a JSON object of fovea train settings, got [1,2]".
void apply_json(TrainSettings& settings, const nlohmann::json& object);
// The defaults with object applied: from_json(to_json(s)) gives s's run settings back.
TrainSettings from_json(const nlohmann::json& object);
// A JSON settings file (fovea train --settings) applied onto the defaults; errors start with the file's path.
TrainSettings read_settings_file(const std::string& path);

// The `fovea train` arguments that reproduce settings: its run settings that differ from the defaults (and, with
// how_to_run, the others that do), e.g. {"--lr", "0.01", "--momentum", "0.9"}.
std::vector<std::string> command_arguments(const TrainSettings& settings, bool how_to_run = false);
// The same as one line for a POSIX shell, quoted where needed: fovea train --lr 0.01 --augment 'flip,crop=2'.
std::string command_line(const TrainSettings& settings, bool how_to_run = false);

// The rules between settings, checked before a run starts: ValueError "setting 'momentum': only the sgd and
// rmsprop optimizers take a momentum, not adam", "setting 'nesterov': ...", "settings 'clipnorm' and
// 'clipvalue': ...", "setting 'dropout': ...".
void check_settings(const TrainSettings& settings);

// The command-line options of the table, bound to `given`. After parsing, copy_given copies the settings given on
// the command line onto settings (which may hold a --settings file's values): the command line wins.
class TrainOptions {
 public:
  TrainOptions(CLI::App& command, TrainSettings& given);
  void copy_given(const TrainSettings& given, TrainSettings& settings) const;

 private:
  std::vector<std::pair<const SettingSpec*, CLI::Option*>> options_;
};

}  // namespace fovea::cli
