// fovea train's settings table, and everything read or written through it: the command-line options, JSON (a
// --settings file, a checkpoint's stored settings, a search's trial) and the command line that repeats a run.
#include "train_settings.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_common.h"
#include "fovea/core/error.h"
#include "fovea/zoo/zoo.h"

namespace fovea::cli {
namespace {

constexpr double kHuge = std::numeric_limits<double>::max();

using S = TrainSettings;
using R = SettingRole;

std::vector<SettingSpec> make_table() {
  // Checks shared by several settings.
  const std::string count = "a number >= 0";
  return {
      {.name = "model", .flags = "-m,--model", .help = "zoo name, JSON config or model file", .member = &S::model,
       .show_default = true},
      {.name = "data",
       .flags = "-d,--data",
       .help = "fashion-mnist, mnist-digits, idx:DIR, cifar10:DIR, cifar100:DIR, folder:DIR, "
               "csv:TRAIN[,TEST], npy:X,Y[,XTEST,YTEST]",
       .member = &S::data,
       .show_default = true},
      {.name = "epochs", .flags = "-e,--epochs", .help = "", .member = &S::epochs, .role = R::extends,
       .show_default = true, .expected = count, .min = 0, .max = kHuge},
      {.name = "batch-size", .flags = "-b,--batch-size", .help = "", .member = &S::batch_size, .show_default = true,
       .expected = "a number >= 1", .min = 1, .max = kHuge},
      {.name = "optimizer",
       .flags = "--optimizer",
       .help = "sgd, adam, adamw, adagrad, adadelta, rmsprop, adamax, nadam",
       .member = &S::optimizer,
       .show_default = true},
      {.name = "lr", .flags = "--lr,--learning-rate", .help = "0: the optimizer's default", .member = &S::learning_rate,
       .show_default = true, .expected = "a learning rate >= 0 (0: the optimizer's default)", .min = 0, .max = kHuge},
      {.name = "momentum",
       .flags = "--momentum",
       .help = "momentum of the sgd and rmsprop optimizers",
       .member = &S::momentum,
       .show_default = true,
       .expected = "a momentum from 0 to 1",
       .min = 0,
       .max = 1},
      {.name = "nesterov", .flags = "--nesterov", .help = "sgd: Nesterov momentum", .member = &S::nesterov},
      {.name = "weight-decay",
       .flags = "--weight-decay",
       .help = "decoupled weight decay, w -= lr * weight_decay * w each step (default: the optimizer's own, none; "
               "adamw 0.004)",
       .member = &S::weight_decay,
       .expected = "a weight decay >= 0",
       .min = 0,
       .max = kHuge},
      {.name = "lr-schedule",
       .flags = "--lr-schedule",
       .help = "the learning rate over the run's steps (epochs x steps per epoch), starting at --lr: constant; "
               "cosine (Keras CosineDecay to 0 at the last step); exponential (times --lr-decay-rate every "
               "--lr-decay-epochs, smoothly); step (the same, all at once every --lr-decay-epochs: PyTorch's "
               "StepLR); one-cycle (PyTorch's OneCycleLR with --lr as its peak)",
       .member = &S::lr_schedule,
       .show_default = true,
       .expected = "one of constant, cosine, exponential, step, one-cycle",
       .choices = {"constant", "cosine", "exponential", "step", "one-cycle"}},
      {.name = "lr-decay-rate",
       .flags = "--lr-decay-rate",
       .help = "exponential and step schedules: the factor the learning rate is multiplied by every --lr-decay-epochs",
       .member = &S::lr_decay_rate,
       .show_default = true,
       .expected = "a factor > 0",
       .min = std::numeric_limits<double>::min(),
       .max = kHuge},
      {.name = "lr-decay-epochs",
       .flags = "--lr-decay-epochs",
       .help = "exponential and step schedules: epochs per decay (fractions allowed)",
       .member = &S::lr_decay_epochs,
       .show_default = true,
       .expected = "a number of epochs > 0",
       .min = std::numeric_limits<double>::min(),
       .max = kHuge},
      {.name = "clipnorm",
       .flags = "--clipnorm",
       .help = "rescale each gradient to at most this L2 norm (0: no clipping)",
       .member = &S::clipnorm,
       .show_default = true,
       .expected = "a norm >= 0 (0: no clipping)",
       .min = 0,
       .max = kHuge},
      {.name = "clipvalue",
       .flags = "--clipvalue",
       .help = "clip each gradient element to [-clipvalue, clipvalue] (0: no clipping)",
       .member = &S::clipvalue,
       .show_default = true,
       .expected = "a value >= 0 (0: no clipping)",
       .min = 0,
       .max = kHuge},
      {.name = "label-smoothing",
       .flags = "--label-smoothing",
       .help = "cross-entropy targets (1 - s) * onehot + s / classes, as PyTorch's CrossEntropyLoss",
       .member = &S::label_smoothing,
       .show_default = true,
       .expected = "a fraction from 0 to 1",
       .min = 0,
       .max = 1},
      {.name = "dropout",
       .flags = "--dropout",
       .help = "zoo networks: the rate of every Dropout layer (default: the network's own rates)",
       .member = &S::dropout,
       .expected = "a rate from 0 to below 1",
       .min = 0,
       .max = std::nextafter(1.0, 0.0)},
      {.name = "augment",
       .flags = "--augment",
       .help = "augmentation, e.g. flip,crop=2,rotation=0.05 (applied to the normalized images)",
       .member = &S::augment},
      {.name = "normalize", .flags = "--normalize", .help = "min_max, z_score or none (fitted on the training split)",
       .member = &S::normalize, .show_default = true},
      {.name = "validation-split", .flags = "--validation-split", .help = "", .member = &S::validation_split,
       .show_default = true, .expected = "a fraction of the training samples, at least 0 and below 1", .min = 0,
       .max = std::nextafter(1.0, 0.0)},
      {.name = "limit", .flags = "--limit", .help = "use the first N training samples (0: all)", .member = &S::limit,
       .expected = count, .min = 0, .max = kHuge},
      {.name = "limit-test", .flags = "--limit-test", .help = "use the first N test samples (0: all)",
       .member = &S::limit_test, .expected = count, .min = 0, .max = kHuge},
      {.name = "early-stopping", .flags = "--early-stopping",
       .help = "stop after N epochs without val_loss improvement", .member = &S::patience, .expected = count,
       .min = 0, .max = kHuge},
      {.name = "seed", .flags = "--seed", .help = "", .member = &S::seed, .show_default = true,
       .expected = "a seed from 0 to 18446744073709551615", .min = 0, .max = 18446744073709551615.0},
      {.name = "threads", .flags = "--threads", .help = "compute threads (0: all cores)", .member = &S::threads,
       .role = R::runs, .expected = "a thread count from 0 (all cores) to 4096", .min = 0, .max = 4096},
      {.name = "workers", .flags = "--workers", .help = "background data threads", .member = &S::workers,
       .role = R::runs, .show_default = true, .expected = "a number of data threads from 0 to 256", .min = 0,
       .max = 256},
      {.name = "output", .flags = "-o,--output", .help = "the folder to write into", .member = &S::output,
       .role = R::runs, .show_default = true},
      {.name = "resume", .flags = "--resume", .help = "continue from OUTPUT/checkpoint.fovea when it exists",
       .member = &S::resume, .role = R::runs},
      {.name = "skip-bad-samples", .flags = "--skip-bad-samples",
       .help = "log and skip unreadable samples instead of failing", .member = &S::skip_bad_samples},
      {.name = "image-height", .flags = "--image-height", .help = "resize folder images to this height",
       .member = &S::image_height, .expected = "a height in pixels from 1 to 65536 (0: as stored)", .min = 0,
       .max = 65536},
      {.name = "image-width", .flags = "--image-width", .help = "resize folder images to this width",
       .member = &S::image_width, .expected = "a width in pixels from 1 to 65536 (0: as stored)", .min = 0,
       .max = 65536},
      {.name = "classes", .flags = "--classes",
       .help = "keep only these classes, relabelled from 0 (e.g. 5-9 or 0,2,4)", .member = &S::classes},
      {.name = "base", .flags = "--base",
       .help = "transfer learning: reuse the frozen features of this trained model file", .member = &S::base},
      {.name = "cut", .flags = "--cut", .help = "with --base: layers removed from the base's end", .member = &S::cut,
       .show_default = true, .expected = "a number >= 1", .min = 1, .max = kHuge},
      {.name = "fine-tune-epochs", .flags = "--fine-tune-epochs",
       .help = "with --base: epochs of fine-tuning all layers after training the new head",
       .member = &S::fine_tune_epochs, .expected = count, .min = 0, .max = kHuge},
      {.name = "fine-tune-lr", .flags = "--fine-tune-lr", .help = "fine-tuning learning rate (0: a tenth of --lr)",
       .member = &S::fine_tune_lr, .expected = "a learning rate >= 0 (0: a tenth of --lr)", .min = 0, .max = kHuge},
      {.name = "verbose", .flags = "-v,--verbose", .help = "0 silent, 1 progress bar, 2 one line per epoch, -1 auto",
       .member = &S::verbose, .role = R::runs, .show_default = true, .expected = "-1 (auto), 0, 1 or 2", .min = -1,
       .max = 2},
      {.name = "no-report", .flags = "--no-report",
       .help = "do not write report.html (curves, confusion matrix, filters, Grad-CAM; see fovea report)",
       .member = &S::no_report, .role = R::runs},
      {.name = "no-test", .flags = "--no-test",
       .help = "leave the test split untouched: no test metrics, confusion matrix or test pictures (a search's "
               "trials)",
       .member = &S::no_test, .role = R::runs},
      {.name = "json", .flags = "--json", .help = "print the final metrics as JSON on stdout", .member = &S::json,
       .role = R::runs},
  };
}

// A value as JSON: an unset optional is null.
template <class T>
nlohmann::json value_json(const T& value) {
  return value;
}
nlohmann::json value_json(const std::optional<double>& value) { return value ? nlohmann::json(*value) : nullptr; }

nlohmann::json get(const TrainSettings& settings, const SettingSpec& spec) {
  return std::visit([&](auto member) { return value_json(settings.*member); }, spec.member);
}

[[noreturn]] void expected(const SettingSpec& spec, const std::string& what, const nlohmann::json& value) {
  throw ValueError(detail::concat("setting '", spec.name, "': expected ", what, ", got ", value.dump()));
}

// A number within the spec's range.
double number(const SettingSpec& spec, const nlohmann::json& value, bool whole) {
  const std::string what = spec.expected.empty() ? std::string("a number") : spec.expected;
  if (!value.is_number()) expected(spec, what, value);
  const double x = value.get<double>();
  if (!std::isfinite(x) || x < spec.min || x > spec.max) expected(spec, what, value);
  if (whole && std::floor(x) != x) expected(spec, "a whole number", value);
  return x;
}

void read(const SettingSpec& spec, const nlohmann::json& value, std::string& out) {
  const std::string what = spec.expected.empty() ? std::string("a string") : spec.expected;
  if (!value.is_string()) expected(spec, what, value);
  const std::string text = value.get<std::string>();
  if (!spec.choices.empty() && std::find(spec.choices.begin(), spec.choices.end(), text) == spec.choices.end()) {
    expected(spec, what, value);
  }
  out = text;
}
void read(const SettingSpec& spec, const nlohmann::json& value, bool& out) {
  if (!value.is_boolean()) expected(spec, "true or false", value);
  out = value.get<bool>();
}
void read(const SettingSpec& spec, const nlohmann::json& value, double& out) { out = number(spec, value, false); }
void read(const SettingSpec& spec, const nlohmann::json& value, std::optional<double>& out) {
  if (value.is_null()) {
    out.reset();
  } else {
    out = number(spec, value, false);
  }
}
void read(const SettingSpec& spec, const nlohmann::json& value, uint64_t& out) {
  number(spec, value, true);
  // Read as an integer where JSON holds one: a double has 53 bits, a seed 64.
  out = value.is_number_float() ? static_cast<uint64_t>(value.get<double>()) : value.get<uint64_t>();
}
template <class Int>
void read(const SettingSpec& spec, const nlohmann::json& value, Int& out) {
  out = static_cast<Int>(number(spec, value, true));
}

// A value as `fovea train` takes it on the command line; doubles in their shortest exact form.
std::string argument_text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// The validator of a table row, with number_in's wording for numbers.
CLI::Validator validator(const SettingSpec& spec) {
  if (spec.choices.empty()) return number_in(spec.min, spec.max, spec.expected);
  const std::vector<std::string> choices = spec.choices;
  const std::string what = spec.expected;
  return CLI::Validator(
      [choices, what](std::string& text) -> std::string {
        if (std::find(choices.begin(), choices.end(), text) != choices.end()) return std::string();
        return "expected " + what + "; got '" + text + "'";
      },
      "", "CHOICE");
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

const std::vector<SettingSpec>& train_settings_table() {
  static const std::vector<SettingSpec> table = make_table();
  return table;
}

const SettingSpec* find_setting(std::string_view name) {
  for (const SettingSpec& spec : train_settings_table()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

bool is_setting(std::string_view name) { return find_setting(name) != nullptr; }

std::vector<std::string> setting_names() {
  std::vector<std::string> names;
  for (const SettingSpec& spec : train_settings_table()) names.push_back(spec.name);
  return names;
}

nlohmann::json to_json(const TrainSettings& settings) {
  nlohmann::json out = nlohmann::json::object();
  for (const SettingSpec& spec : train_settings_table()) {
    if (spec.role != SettingRole::runs) out[spec.name] = get(settings, spec);
  }
  return out;
}

void set_setting(TrainSettings& settings, std::string_view name, const nlohmann::json& value) {
  const SettingSpec* spec = find_setting(name);
  if (spec == nullptr) {
    std::string names;
    for (const std::string& n : setting_names()) names += (names.empty() ? "" : ", ") + n;
    throw ValueError(detail::concat("unknown setting '", name, "'; the settings are: ", names));
  }
  std::visit([&](auto member) { read(*spec, value, settings.*member); }, spec->member);
}

void apply_json(TrainSettings& settings, const nlohmann::json& object) {
  FOVEA_CHECK(object.is_object(), ValueError, "expected a JSON object of fovea train settings, got ", object.dump());
  for (const auto& [name, value] : object.items()) set_setting(settings, name, value);
}

TrainSettings from_json(const nlohmann::json& object) {
  TrainSettings settings;
  apply_json(settings, object);
  return settings;
}

TrainSettings read_settings_file(const std::string& path) {
  FOVEA_CHECK(std::filesystem::exists(path), IoError, path, ": no such file; expected a JSON file of fovea train ",
              "settings (--settings)");
  require_regular_file(path, "a JSON file of fovea train settings (--settings)");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json object;
  try {
    object = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw ValueError(detail::concat(path, ": not valid JSON (", e.what(), ")"));
  }
  try {
    return from_json(object);
  } catch (const ValueError& e) {
    throw ValueError(detail::concat(path, ": ", e.what()));
  }
}

std::vector<std::string> command_arguments(const TrainSettings& settings, bool how_to_run) {
  static const TrainSettings defaults;
  std::vector<std::string> args;
  for (const SettingSpec& spec : train_settings_table()) {
    if (spec.role == SettingRole::runs && !how_to_run) continue;
    const nlohmann::json value = get(settings, spec);
    if (value == get(defaults, spec)) continue;
    args.push_back("--" + spec.name);
    if (!value.is_boolean()) args.push_back(argument_text(value));  // a flag is its name alone
  }
  return args;
}

std::string command_line(const TrainSettings& settings, bool how_to_run) {
  std::string line = "fovea train";
  for (const std::string& arg : command_arguments(settings, how_to_run)) {
    line += ' ';  // appended apart: GCC 12's -Wrestrict misfires on " " + a temporary string
    line += shell_quote(arg);
  }
  return line;
}

void check_settings(const TrainSettings& s) {
  const std::string optimizer = lower(s.optimizer);
  FOVEA_CHECK(s.momentum == 0 || optimizer == "sgd" || optimizer == "rmsprop", ValueError,
              "setting 'momentum': only the sgd and rmsprop optimizers take a momentum, not ", s.optimizer);
  FOVEA_CHECK(!s.nesterov || optimizer == "sgd", ValueError,
              "setting 'nesterov': only the sgd optimizer takes Nesterov momentum, not ", s.optimizer);
  FOVEA_CHECK(s.clipnorm == 0 || s.clipvalue == 0, ValueError,
              "settings 'clipnorm' and 'clipvalue': set one of them, not both (gradients are clipped one way)");
  if (s.dropout) {
    FOVEA_CHECK(s.base.empty(), ValueError,
                "setting 'dropout': sets the rates of a zoo network's Dropout layers, and --base trains a model "
                "transferred from a model file");
    FOVEA_CHECK(zoo::contains(s.model), ValueError, "setting 'dropout': sets the rates of a zoo network's Dropout ",
                "layers, and '", s.model, "' is not a zoo network; set the rates in the model itself");
  }
}

TrainOptions::TrainOptions(CLI::App& command, TrainSettings& given) {
  for (const SettingSpec& spec : train_settings_table()) {
    CLI::Option* option = std::visit(
        [&](auto member) -> CLI::Option* {
          using T = std::remove_reference_t<decltype(given.*member)>;
          if constexpr (std::is_same_v<T, bool>) {
            return command.add_flag(spec.flags, given.*member, spec.help);
          } else if constexpr (std::is_same_v<T, std::optional<double>>) {
            auto& target = given.*member;
            return command.add_option_function<double>(
                spec.flags, [&target](const double& value) { target = value; }, spec.help);
          } else {
            return command.add_option(spec.flags, given.*member, spec.help);
          }
        },
        spec.member);
    if (spec.show_default) option->capture_default_str();
    if (!spec.expected.empty()) option->check(validator(spec));
    options_.emplace_back(&spec, option);
  }
}

void TrainOptions::copy_given(const TrainSettings& given, TrainSettings& settings) const {
  for (const auto& [spec, option] : options_) {
    if (option->count() == 0) continue;
    std::visit([&](auto member) { settings.*member = given.*member; }, spec->member);
  }
}

}  // namespace fovea::cli
