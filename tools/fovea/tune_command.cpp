// `fovea tune`: a hyperparameter and architecture search. Each trial step is a `fovea train` process in its own
// folder under OUTPUT/trials; the journal (OUTPUT/journal.jsonl) is the search's only state, so --resume continues a
// killed search; at the end trials.csv, best.json (with the command that retrains the best) and report.html.
#include <CLI/CLI.hpp>
#include <sys/ioctl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli_common.h"
#include "commands.h"
#include "fovea/core/error.h"
#include "fovea/tune/search.h"
#include "fovea/tune/search_report.h"
#include "fovea/tune/strategies.h"
#include "train_settings.h"
#include "trial_processes.h"
#include "tune_results.h"
#include "tune_space_file.h"
#include "tune_table.h"

namespace fovea::cli {

namespace {

namespace fs = std::filesystem;

struct TuneArgs {
  std::string space;  // SPACE.json
  std::string data;
  int64_t limit = 0;
  tune::StrategyOptions strategy{.name = "hyperband", .max_budget = 9, .seed = 1};
  double total_budget = 0;  // random, tpe: trials = total_budget / budget
  std::string output = "fovea-tune";
  bool resume = false;
  int parallel = 0;           // 0: chosen from the cores
  int threads_per_trial = 0;  // 0: chosen from the cores
};

// The search as search.json stores it: what --resume reads back, and the description its journal must match.
nlohmann::json search_description(const TuneArgs& args, const TuneSpaceFile& file, const tune::Strategy& strategy) {
  // The space as text: a JSON object here would sort the knobs by name, and their order decides what a seed samples.
  return {{"space", file.document.dump()},
          {"space_file", file.path},
          {"data", args.data},
          {"limit", args.limit},
          {"strategy", strategy.name()},
          {"strategy_settings", strategy.settings()},
          {"strategy_options",
           {{"trials", args.strategy.trials},
            {"rounds", args.strategy.rounds},
            {"budget", args.strategy.max_budget},
            {"min_budget", args.strategy.min_budget},
            {"eta", args.strategy.eta},
            {"grid_points", args.strategy.grid_points},
            {"seed", args.strategy.seed},
            {"sampler", args.strategy.sampler},
            {"total_budget", args.total_budget}}}};
}

void restore_args(const nlohmann::json& description, TuneArgs& args) {
  const nlohmann::json& o = description.at("strategy_options");
  args.data = description.at("data").get<std::string>();
  args.limit = description.at("limit").get<int64_t>();
  args.strategy.name = description.at("strategy").get<std::string>();
  args.strategy.trials = o.at("trials").get<int64_t>();
  args.strategy.rounds = o.at("rounds").get<int64_t>();
  args.strategy.max_budget = o.at("budget").get<double>();
  args.strategy.min_budget = o.at("min_budget").get<double>();
  args.strategy.eta = o.at("eta").get<double>();
  args.strategy.grid_points = o.at("grid_points").get<int64_t>();
  args.strategy.seed = o.at("seed").get<uint64_t>();
  args.strategy.sampler = o.at("sampler").get<std::string>();
  args.total_budget = o.at("total_budget").get<double>();
}

int available_cores() { return std::max(1u, std::thread::hardware_concurrency()); }

// Trials x threads per trial <= cores: small networks train better on one thread each, so the cores go to trials
// first, two threads a trial from 4 cores on.
std::pair<int, int> choose_parallelism(const TuneArgs& args) {
  const int cores = available_cores();
  int parallel = args.parallel;
  int threads = args.threads_per_trial;
  if (parallel == 0 && threads == 0) {
    threads = cores >= 4 ? 2 : 1;
    parallel = cores / threads;
  } else if (parallel == 0) {
    parallel = std::max(1, cores / threads);
  } else if (threads == 0) {
    threads = std::max(1, cores / parallel);
  }
  return {parallel, threads};
}

int64_t whole_epochs(double budget) { return std::max<int64_t>(1, std::llround(budget)); }

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  FOVEA_CHECK(out.good(), IoError, path.string(), ": cannot write");
}

std::string self_path() { return fs::read_symlink("/proc/self/exe").string(); }

void run_tune(TuneArgs args) {
  const fs::path output = args.output;
  const fs::path search_file = output / "search.json";
  nlohmann::json description;
  TuneSpaceFile file;
  if (args.resume) {
    FOVEA_CHECK(fs::exists(search_file), IoError, search_file.string(),
                ": not found; --resume continues the search whose folder is -o (it holds search.json)");
    std::ifstream in(search_file);
    description = nlohmann::json::parse(in, nullptr, false);
    FOVEA_CHECK(!description.is_discarded() && description.is_object(), IoError, search_file.string(),
                ": not a search description (invalid JSON)");
    restore_args(description, args);
    file = parse_space_file(nlohmann::ordered_json::parse(description.at("space").get<std::string>()),
                            description.at("space_file").get<std::string>());
  } else {
    FOVEA_CHECK(!args.space.empty(), ValueError, "fovea tune: give the search space (SPACE.json), or --resume");
    FOVEA_CHECK(!fs::exists(output / tune::kJournalFile), ValueError, output.string(),
                " already holds a search: continue it with --resume, or choose another folder (-o)");
    file = read_space_file(args.space);
  }
  if (!args.data.empty()) file.settings["data"] = args.data;
  if (args.limit > 0) file.settings["limit"] = args.limit;
  if (!file.settings.contains("data")) file.settings["data"] = TrainSettings().data;  // fovea train's default
  if (file.objective.starts_with("val_")) {
    FOVEA_CHECK(file.settings.value("validation-split", 0.1) > 0, ValueError, "fovea tune: the objective ",
                file.objective, " needs a validation split above 0");
  }
  if (args.total_budget > 0 && (args.strategy.name == "random" || args.strategy.name == "tpe")) {
    args.strategy.trials = std::max<int64_t>(1, static_cast<int64_t>(args.total_budget / args.strategy.max_budget));
  }
  std::unique_ptr<tune::Strategy> strategy = tune::make_strategy(file.space, args.strategy);
  if (!args.resume) {
    description = search_description(args, file, *strategy);
    fs::create_directories(output);
    write_text(search_file, description.dump(2) + "\n");
  }

  const auto [parallel, threads] = choose_parallelism(args);
  std::cout << "Search: " << strategy->name() << " over " << file.space.size() << " knobs of " << file.path
            << ", objective " << file.objective << " (" << (file.direction == tune::Direction::maximize ? "max" : "min")
            << "imized); " << parallel << " trial(s) at once, " << threads << " thread(s) each; output " << output.string()
            << "\n";

  const std::string program = self_path();
  auto prepare = [&, threads = threads](const tune::TrialStep& step) {
    const fs::path folder = trial_folder(output, step.trial);
    if (!step.continues) {
      fs::remove_all(folder);  // a clean folder: an unfinished attempt of a killed search leaves nothing behind
      fs::create_directories(folder);
      nlohmann::json settings = trial_settings(file, step.config);
      if (const std::optional<nlohmann::json> model = trial_model(file, step.config)) {
        write_text(folder / "model.json", model->dump(2) + "\n");
        settings["model"] = (folder / "model.json").string();
      }
      write_text(folder / "settings.json", settings.dump(2) + "\n");
    }
    TrialLaunch launch{.argv = {program, "train", "--settings", (folder / "settings.json").string(), "-o",
                                folder.string(), "--epochs", std::to_string(whole_epochs(step.budget)), "--threads",
                                std::to_string(threads), "--verbose", "2", "--no-report", "--no-test"},
                       .log_path = (folder / "train.log").string()};
    if (step.continues) launch.argv.push_back("--resume");
    return launch;
  };
  auto collect = [&](const tune::TrialStep& step, const ProcessEnd& end) {
    return read_trial_result(step, end, trial_folder(output, step.trial), file.objective);
  };

  struct winsize size {};
  const bool interactive = isatty(STDOUT_FILENO) != 0;
  const int width = interactive && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0 ? size.ws_col : 100;
  TrialTable table(std::cout, interactive, width, file.objective, file.direction);
  SearchReportWriter report(output / "report.html", file, description, command_line());
  tune::SearchOptions options{.directory = output.string(),
                              .resume = args.resume,
                              .direction = file.direction,
                              .description = description,
                              .on_event = [&](const tune::SearchEvent& event) {
                                table.on_event(event);
                                report.on_event(event);
                                if (event.kind == tune::SearchEvent::Kind::stopped) {
                                  // A dropped trial never continues: its checkpoint is only disk space now.
                                  fs::remove(fs::path(trial_folder(output, event.record->step.trial)) /
                                             "checkpoint.fovea");
                                }
                              }};
  TrialProcesses executor(parallel, prepare, collect, [&] { table.tick(); });
  const tune::SearchResult result = tune::run_search(*strategy, executor, options);
  table.finish();

  finish_search(output, file, description, result, program, threads, report, std::cout);
}

}  // namespace

void add_tune_command(CLI::App& app) {
  auto args = std::make_shared<TuneArgs>();
  CLI::App* cmd = app.add_subcommand(
      "tune", "Search hyperparameters and architecture knobs: trials are fovea train runs (SPACE.json: see README, "
              "\"Searching hyperparameters\"); writes trials.csv, best.json and report.html into the output folder");
  cmd->add_option("space", args->space, "the search space (JSON: knobs, settings, model template, objective)");
  cmd->add_option("-d,--data", args->data, "the data set of every trial (as fovea train --data)");
  cmd->add_option("--limit", args->limit, "use the first N training samples (0: all)")->check(non_negative());
  cmd->add_option("--strategy", args->strategy.name, "grid, random, coarse-to-fine, successive-halving, hyperband, "
                                                     "tpe or bohb")
      ->capture_default_str();
  cmd->add_option("--budget", args->strategy.max_budget, "epochs of a full trial (Hyperband's R)")
      ->capture_default_str()
      ->check(number_in(1, 1e6, "a number of epochs from 1"));
  cmd->add_option("--min-budget", args->strategy.min_budget, "epochs of the bandits' first rung")
      ->capture_default_str()
      ->check(number_in(1, 1e6, "a number of epochs from 1"));
  cmd->add_option("--eta", args->strategy.eta, "the bandits' reduction factor")
      ->capture_default_str()
      ->check(number_in(1.01, 100, "a factor above 1"));
  cmd->add_option("--trials", args->strategy.trials,
                  "random, tpe: trials; coarse-to-fine: trials per round; successive-halving: first-rung trials")
      ->capture_default_str()
      ->check(positive());
  cmd->add_option("--total-budget", args->total_budget,
                  "random, tpe: spend this many epochs in all (trials = total / budget), e.g. Hyperband's total")
      ->check(non_negative());
  cmd->add_option("--rounds", args->strategy.rounds, "coarse-to-fine: rounds")->capture_default_str()->check(positive());
  cmd->add_option("--grid-points", args->strategy.grid_points, "grid: values per numeric knob")
      ->capture_default_str()
      ->check(positive());
  cmd->add_option("--sampler", args->strategy.sampler, "successive-halving, hyperband: random or tpe (hyperband with "
                                                      "tpe is bohb)");
  cmd->add_option("--seed", args->strategy.seed, "the search's seed (the same seed repeats the same search)")
      ->capture_default_str();
  cmd->add_option("-o,--output", args->output, "the search's folder")->capture_default_str();
  cmd->add_flag("--resume", args->resume, "continue the search in the output folder where it stopped");
  cmd->add_option("--parallel", args->parallel, "trials at once (0: from the cores)")
      ->check(number_in(0, 1024, "a number of trials from 0 (automatic) to 1024"));
  cmd->add_option("--threads-per-trial", args->threads_per_trial, "compute threads of each trial (0: from the cores)")
      ->check(number_in(0, 1024, "a number of threads from 0 (automatic) to 1024"));
  cmd->callback([args, cmd] {
    if (args->resume) {
      for (const char* name : {"space", "--data", "--limit", "--strategy", "--budget", "--min-budget", "--eta",
                               "--trials", "--total-budget", "--rounds", "--grid-points", "--sampler", "--seed"}) {
        FOVEA_CHECK(cmd->count(name) == 0, ValueError, "fovea tune --resume: ", name,
                    " comes from the search's search.json; give only -o, --parallel and --threads-per-trial");
      }
    }
    run_tune(*args);
  });
}

}  // namespace fovea::cli
