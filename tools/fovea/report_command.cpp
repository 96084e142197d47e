// `fovea report`: draws the training report again from a run folder (what `fovea train` stored there: history,
// run.json, the model, the test split's predictions and sample images; never the data set a model file names), or
// makes one for any model file on a data set given with --data.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

#include "cli_common.h"
#include "commands.h"
#include "run_report.h"
#include "fovea/core/error.h"
#include "fovea/data/sources.h"
#include "fovea/train/training.h"

namespace fovea::cli {
namespace {

namespace fs = std::filesystem;

struct ReportArgs {
  std::string source;  // a run folder or a model file
  std::string data;
  std::string output;
  int64_t limit = 10000;
  int64_t batch_size = 128;
  int threads = 0;
};

// The model a run folder holds: model.fovea when the run finished, else the checkpoint of the last finished epoch.
fs::path run_model(const fs::path& folder) {
  for (const char* name : {"model.fovea", "checkpoint.fovea"}) {
    if (fs::exists(folder / name)) return folder / name;
  }
  throw IoError(detail::concat(folder.string(), ": no model.fovea or checkpoint.fovea; expected the output folder of "
                               "fovea train"));
}

viz::TrainingReport report_of_run_folder(const fs::path& folder) {
  const fs::path history = folder / "history.csv";
  FOVEA_CHECK(fs::exists(history), IoError, folder.string(), ": no history.csv, so there are no curves to draw; "
              "expected the output folder of fovea train after at least one epoch");
  RunDescription run{.title = "fovea report: " + folder.string()};
  const fs::path description = folder / "run.json";
  if (fs::exists(description)) {
    run = read_run_description(description);
  }
  LoadedSource source = load_model_source(run_model(folder).string());
  viz::TrainingReport report = report_skeleton(run, *source.model);
  read_history_csv(history, report);
  if (fs::exists(folder / "report" / "labels.npy")) {
    add_test_outcome(report, *source.model, load_test_outcome(folder));
  }
  return report;
}

viz::TrainingReport report_of_model(const ReportArgs& args) {
  FOVEA_CHECK(!args.data.empty(), ValueError, "fovea report: ", args.source,
              " is a model file: give the data to evaluate it on with --data SPEC");
  LoadedSource source = load_model_source(args.source);
  DataSplits data = load_data(args.data, {});
  Dataset test = take(data.test.size() > 0 ? data.test : data.train, args.limit);
  // A model file of fovea 0.1 kept its normalization beside the model; later ones hold it inside.
  if (has_stored_normalizer(source.user)) test.images = stored_normalizer(source.user).transform(test.images);
  const Tensor probabilities = source.model->predict(test.images, {.batch_size = args.batch_size});
  FOVEA_CHECK(probabilities.rank() == 2, ValueError, "fovea report: ", args.source, " gives outputs of shape ",
              probabilities.shape().to_string(), "; expected class scores (samples, classes)");
  RunDescription run{.title = "fovea report: " + args.source + " on " + args.data,
                     .command = command_line(),
                     .facts = {{"model", args.source},
                               {"data", data.description},
                               {"test samples", std::to_string(test.size())},
                               {"parameters", std::to_string(source.model->count_params())}},
                     .class_names = source.user.is_object() && source.user.contains("class_names")
                                        ? stored_class_names(source.user, probabilities.dim(1))
                                        : data.class_names};
  viz::TrainingReport report = report_skeleton(run, *source.model);
  report.confusion_split = data.test.size() > 0 ? "test" : "training data: the source has no test split";
  add_test_outcome(report, *source.model,
                   {.labels = test.labels, .probabilities = probabilities, .images = test.images});
  return report;
}

void run_report(const ReportArgs& args) {
  apply_threads(args.threads);
  const bool run_folder = fs::is_directory(args.source);
  FOVEA_CHECK(run_folder || fs::exists(args.source), IoError, args.source,
              ": no such run folder or model file");
  viz::TrainingReport report = run_folder ? report_of_run_folder(args.source) : report_of_model(args);
  const std::string output =
      !args.output.empty() ? args.output : run_folder ? (fs::path(args.source) / "report.html").string() : "report.html";
  viz::write_report(output, report);
  std::cout << "Wrote " << output << "\n";
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Write the HTML training report (curves, confusion matrix, filters, Grad-CAM, graph) of a fovea "
                "train output folder again, or of a model file on --data");
  cmd->add_option("source", args->source, "output folder of fovea train, or a model file")->required();
  cmd->add_option("-d,--data", args->data, "for a model file: the data set to evaluate it on (" +
                                               std::string("fashion-mnist, idx:DIR, folder:DIR, ...)"));
  cmd->add_option("-o,--output", args->output,
                  "the page to write (default: report.html in the run folder, or in the current folder)");
  cmd->add_option("--limit", args->limit, "for a model file: test samples used")->capture_default_str()->check(positive());
  cmd->add_option("-b,--batch-size", args->batch_size)->capture_default_str()->check(positive());
  cmd->add_option("-t,--threads", args->threads, "threads (0: all cores)")->check(thread_count());
  cmd->callback([args] { run_report(*args); });
}

}  // namespace fovea::cli
