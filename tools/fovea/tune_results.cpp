#include "tune_results.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "fovea/core/error.h"
#include "train_settings.h"
#include "tune_table.h"

namespace fovea::cli {

namespace {

namespace fs = std::filesystem;

// The line of a failed trial's log that says why: its last error line, else its last line.
std::string reason_from_log(const fs::path& log_path) {
  std::ifstream in(log_path);
  std::string line, last, last_error;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    last = line;
    if (line.find("rror") != std::string::npos) last_error = line;
  }
  std::string reason = last_error.empty() ? last : last_error;
  if (reason.size() > 300) reason = reason.substr(0, 297) + "...";
  return reason;
}

std::optional<nlohmann::json> read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in.good()) return std::nullopt;
  nlohmann::json value = nlohmann::json::parse(in, nullptr, false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

std::string csv_field(std::string text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_value(const nlohmann::json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return csv_field(value.get<std::string>());
  return value.dump();
}

std::string status_of(const tune::StepRecord& record) {
  if (record.status == tune::StepRecord::Status::failed) return "failed";
  if (record.status == tune::StepRecord::Status::running) return "running";
  return record.stopped ? "stopped early" : "done";
}

void write_trials_csv(const fs::path& path, const TuneSpaceFile& file, const tune::SearchResult& result) {
  std::ofstream out(path);
  out << "trial,budget,previous_budget,continues,bracket,rung,round,status," << file.objective
      << ",seconds,failure";
  for (const tune::Knob& knob : file.space.knobs()) out << "," << csv_field(knob.name);
  out << "\n";
  for (const tune::StepRecord& record : result.steps) {
    const tune::TrialStep& step = record.step;
    out << step.trial << "," << step.budget << "," << step.previous_budget << "," << (step.continues ? 1 : 0) << ","
        << step.bracket << "," << step.rung << "," << step.round << "," << status_of(record) << ","
        << (record.value ? nlohmann::json(*record.value).dump() : "") << "," << record.seconds << ","
        << csv_field(record.failure);
    for (const tune::Knob& knob : file.space.knobs()) {
      out << "," << (step.config.contains(knob.name) ? csv_value(step.config[knob.name]) : "");
    }
    out << "\n";
  }
  FOVEA_CHECK(out.good(), IoError, path.string(), ": cannot write");
}

// Runs one command to its end with its output in log_path; "" when it succeeded, else why not.
std::string run_to_end(std::vector<std::string> argv, const fs::path& log_path) {
  TrialProcesses process(
      1, [&](const tune::TrialStep&) { return TrialLaunch{.argv = argv, .log_path = log_path.string()}; },
      [&](const tune::TrialStep& step, const ProcessEnd& end) {
        tune::TrialResult result{.trial = step.trial, .budget = step.budget};
        if (end.signal != 0 || end.exit_code != 0) result.failure = describe(end) + ": " + reason_from_log(log_path);
        return result;
      });
  process.start({});
  return process.wait().failure;
}

// The best trial's model on the test split, untouched until now. Its `fovea train` run is continued once more:
// its checkpoint has every epoch done, so the run only evaluates the test split exactly as the run's settings take
// it (classes, sizes) and writes the trial's metrics.json and report.html. When the checkpoint is gone (a finished
// search resumed again), `fovea eval` evaluates the model file, which serves the settings that change no test data.
nlohmann::json evaluate_best(const std::string& folder, int64_t epochs, const nlohmann::json& settings,
                             const std::string& program, int threads) {
  const fs::path dir = folder;
  const fs::path log = dir / "test.log";
  if (fs::exists(dir / "checkpoint.fovea")) {
    const std::string failure =
        run_to_end({program, "train", "--settings", (dir / "settings.json").string(), "-o", folder, "--epochs",
                    std::to_string(epochs), "--threads", std::to_string(threads), "--verbose", "0", "--resume"},
                   log);
    if (!failure.empty()) return {{"failed", failure}};
    const std::optional<nlohmann::json> metrics = read_json(dir / "metrics.json");
    if (!metrics || !metrics->contains("test")) return {{"failed", "metrics.json has no test metrics"}};
    return (*metrics)["test"];
  }
  const TrainSettings run = from_json(settings);
  if (!run.classes.empty() || run.image_height > 0 || run.image_width > 0) {
    return {{"skipped", "the trial's checkpoint is gone, and fovea eval cannot select its classes or image size"}};
  }
  const std::string failure =
      run_to_end({program, "eval", (dir / "model.fovea").string(), "--data", run.data, "--limit",
                  std::to_string(run.limit_test), "--threads", std::to_string(threads), "--json"},
                 log);
  if (!failure.empty()) return {{"failed", failure}};
  const std::optional<nlohmann::json> metrics = read_json(log);
  if (!metrics || !metrics->contains("accuracy")) return {{"failed", "fovea eval printed no metrics"}};
  return {{"accuracy", (*metrics)["accuracy"]}, {"loss", (*metrics)["loss"]}};
}

}  // namespace

std::string trial_folder(const fs::path& output, int64_t trial) {
  char name[32];
  std::snprintf(name, sizeof name, "%04lld", static_cast<long long>(trial));
  return (output / "trials" / name).string();
}

tune::TrialResult read_trial_result(const tune::TrialStep& step, const ProcessEnd& end, const std::string& folder,
                                    const std::string& objective) {
  tune::TrialResult result{.trial = step.trial, .budget = step.budget};
  if (end.signal != 0 || end.exit_code != 0) {
    const std::string reason = reason_from_log(fs::path(folder) / "train.log");
    result.failure = describe(end) + (reason.empty() ? "" : ": " + reason);
    return result;
  }
  const std::optional<nlohmann::json> metrics = read_json(fs::path(folder) / "metrics.json");
  if (!metrics || !metrics->contains("final_epoch")) {
    result.failure = "the trial wrote no metrics.json with a final epoch";
    return result;
  }
  const nlohmann::json& last = (*metrics)["final_epoch"];
  const int64_t epochs = metrics->value("epochs", int64_t{0});
  // JSON has no NaN: the trial's metrics.json holds null where the loss diverged (TerminateOnNaN then stopped it).
  const nlohmann::json loss = last.value("loss", nlohmann::json());
  if (!loss.is_number() || std::isnan(loss.get<double>()) || std::isinf(loss.get<double>())) {
    result.failure = "diverged (loss NaN at epoch " + std::to_string(epochs) + ")";
    return result;
  }
  if (!last.contains(objective) || !last[objective].is_number()) {
    result.failure = "the trial's last epoch has no " + objective;
    return result;
  }
  if (epochs < static_cast<int64_t>(std::llround(step.budget))) {
    // Early stopping (a setting of the space) ended it before its budget: a result all the same.
  }
  result.score = last[objective].get<double>();
  return result;
}

SearchReportWriter::SearchReportWriter(fs::path path, const TuneSpaceFile& file, const nlohmann::json& description,
                                       std::string command)
    : path_(std::move(path)) {
  report_.title = "fovea tune: " + description.value("strategy", std::string("search")) + " on " +
                  file.settings.value("data", std::string("?"));
  report_.command = std::move(command);
  report_.objective = file.objective;
  report_.direction = file.direction;
  for (const tune::Knob& knob : file.space.knobs()) {
    report_.knobs.push_back(knob.name);
    if (knob.log) report_.log_knobs.insert(knob.name);
  }
  report_.settings.push_back({"strategy", description.value("strategy", std::string())});
  for (const auto& [name, value] : description["strategy_settings"].items()) {
    report_.settings.push_back({name, value.is_string() ? value.get<std::string>() : value.dump()});
  }
  for (const auto& [name, value] : file.settings.items()) {
    report_.settings.push_back({"train " + name, value.is_string() ? value.get<std::string>() : value.dump()});
  }
  report_.live = true;
}

void SearchReportWriter::on_event(const tune::SearchEvent& event) {
  using Kind = tune::SearchEvent::Kind;
  if (event.kind == Kind::message) {
    report_.messages.push_back(event.message);
    return;
  }
  const tune::StepRecord& record = *event.record;
  const std::pair<int64_t, double> key{record.step.trial, record.step.budget};
  if (const auto found = index_.find(key); found != index_.end()) {
    report_.steps[found->second] = record;
  } else {
    index_[key] = report_.steps.size();
    report_.steps.push_back(record);
  }
  if (event.kind == Kind::ended && !event.replayed) write();
}

void SearchReportWriter::write() { tune::write_search_report(path_.string(), report_); }

void SearchReportWriter::finish(const tune::SearchResult& result, const std::string& best_command) {
  report_.live = false;
  report_.steps = result.steps;
  report_.best = result.best;
  report_.best_command = best_command;
  write();
}

void finish_search(const fs::path& output, const TuneSpaceFile& file, const nlohmann::json& description,
                   const tune::SearchResult& result, const std::string& program, int threads,
                   SearchReportWriter& report, std::ostream& out) {
  write_trials_csv(output / "trials.csv", file, result);
  nlohmann::json best = {{"objective", file.objective},
                         {"direction", file.direction == tune::Direction::maximize ? "maximize" : "minimize"},
                         {"strategy", description.value("strategy", std::string())},
                         {"budget_used", result.budget_used},
                         {"steps", result.steps.size()},
                         {"seconds", result.seconds},  // this run's wall time (after --resume: the resumed part)
                         {"replayed_steps", result.replayed}};
  std::string command;
  if (result.best) {
    const tune::StepRecord& step = *result.best;
    const std::string folder = trial_folder(output, step.step.trial);
    nlohmann::json settings = trial_settings(file, step.step.config);
    settings["epochs"] = std::max<int64_t>(1, std::llround(step.step.budget));
    if (const std::optional<nlohmann::json> model = trial_model(file, step.step.config)) {
      const fs::path model_path = output / "best-model.json";
      std::ofstream(model_path) << model->dump(2) << "\n";
      settings["model"] = model_path.string();
      best["model_config"] = *model;
    }
    command = command_line(from_json(settings));
    best.update({{"trial", step.step.trial},
                 {"budget", step.step.budget},
                 {"value", *step.value},
                 {"config", step.step.config},
                 {"folder", folder},
                 {"settings", settings},
                 {"command", command}});
    out << "Best: trial " << step.step.trial << " at budget " << step.step.budget << ": " << file.objective << " "
        << *step.value << "  " << config_line(step.step.config) << "\n";
    out << "Evaluating its model on the test split...\n" << std::flush;
    best["test"] = evaluate_best(folder, settings["epochs"].get<int64_t>(), trial_settings(file, step.step.config),
                                 program, threads);
    out << "Test: " << best["test"].dump() << "\n";
  } else {
    best["trial"] = nullptr;
    out << "No trial finished: every one failed (see trials.csv)\n";
  }
  std::ofstream(output / "best.json") << best.dump(2) << "\n";
  for (const tune::StepRecord& record : result.steps) {
    fs::remove(fs::path(trial_folder(output, record.step.trial)) / "checkpoint.fovea");
  }
  report.finish(result, command);
  out << "Budget used: " << result.budget_used << " epochs in " << result.steps.size() << " steps ("
      << result.replayed << " from the journal), " << result.seconds << " s\n";
  out << "Wrote " << (output / "trials.csv").string() << ", " << (output / "best.json").string() << " and "
      << (output / "report.html").string() << "\n";
  if (!command.empty()) out << "Retrain the best: " << command << "\n";
}

}  // namespace fovea::cli
