// `fovea eval` (loss and metrics of a trained model on a data set's test split) and `fovea predict` (the top
// classes for an image file or an NPY array).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <numeric>

#include "cli_common.h"
#include "commands.h"
#include "fovea/core/error.h"
#include "fovea/data/image_io.h"
#include "fovea/data/sources.h"
#include "fovea/train/training.h"

namespace fovea::cli {

namespace {

struct EvalArgs {
  std::string model;
  std::string data;
  bool stored_data = false;  // use the data spec stored in the model file, which may name any path
  int64_t batch_size = 256;
  int64_t limit = 0;
  int threads = 0;
  bool json = false;
};

void run_eval(const EvalArgs& args) {
  apply_threads(args.threads);
  LoadedSource source = load_model_source(args.model);
  // A model file can come from anyone: the data it names is read only when the user asks for it by --stored-data.
  const nlohmann::json stored = source.user.is_object() ? source.user.value("data", nlohmann::json()) : nullptr;
  FOVEA_CHECK(args.stored_data || !args.data.empty(), ValueError, "fovea eval: give --data SPEC",
              stored.is_string() ? detail::concat(" (", args.model, " was trained on '", stored.get<std::string>(),
                                                  "'; --stored-data reads that)")
                                 : std::string());
  FOVEA_CHECK(!args.stored_data || stored.is_string(), ValueError, "fovea eval: --stored-data: ", args.model,
              " does not say which data it was trained on; give --data SPEC");
  const std::string spec = args.stored_data ? stored.get<std::string>() : args.data;
  DataSplits data = load_data(spec, {});
  Dataset test = data.test.size() > 0 ? data.test : data.train;
  test = take(test, args.limit);
  // A model file of fovea 0.1 kept its normalization beside the model; later ones hold it inside.
  if (has_stored_normalizer(source.user)) test.images = stored_normalizer(source.user).transform(test.images);
  std::string loss = "sparse_categorical_crossentropy";
  if (source.user.is_object() && source.user.value("loss", nlohmann::json()).is_string()) loss = source.user["loss"];
  source.model->compile({.loss = loss, .metrics = {"accuracy"}});
  std::ostream& log = args.json ? std::cerr : std::cout;
  Logs logs = source.model->evaluate(test, {.batch_size = args.batch_size, .verbose = args.json ? 0 : -1,
                                            .out = &log});
  if (args.json) {
    nlohmann::json out = logs_json(logs);
    out["samples"] = test.size();
    out["data"] = spec;
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << test.size() << " samples of " << spec << ": " << logs_line(logs) << "\n";
  }
}

struct PredictArgs {
  std::string model;
  std::vector<std::string> inputs;
  int top_k = 3;
  bool json = false;
};

void run_predict(const PredictArgs& args) {
  LoadedSource source = load_model_source(args.model);
  Model& model = *source.model;
  const Normalizer normalizer = stored_normalizer(source.user);
  nlohmann::json results = nlohmann::json::array();
  for (const std::string& path : args.inputs) {
    Tensor x = normalizer.transform(read_input(path, sample_shape(model)));
    if (x.dim(0) == 0) {  // an array of no samples: no predictions, as in Keras (oneDNN refuses empty tensors)
      if (!args.json) std::cout << path << ": no samples\n";
      continue;
    }
    Tensor scores = model.predict(x, {.batch_size = 256});
    const int64_t n = scores.dim(0), classes = scores.numel() / n;
    const std::vector<std::string> names = stored_class_names(source.user, classes);
    const std::vector<double> values = scores.to_vector();
    for (int64_t i = 0; i < n; ++i) {
      std::vector<int64_t> order(classes);
      std::iota(order.begin(), order.end(), 0);
      const int64_t k = std::min<int64_t>(args.top_k, classes);
      std::partial_sort(order.begin(), order.begin() + k, order.end(),
                        [&](int64_t a, int64_t b) { return values[i * classes + a] > values[i * classes + b]; });
      nlohmann::json top = nlohmann::json::array();
      if (!args.json) std::cout << path << (n > 1 ? "[" + std::to_string(i) + "]" : "") << ":\n";
      for (int64_t j = 0; j < k; ++j) {
        const double p = values[i * classes + order[j]];
        top.push_back({{"class", order[j]}, {"name", names[order[j]]}, {"score", p}});
        if (!args.json) {
          std::cout << "  " << std::setw(2) << j + 1 << ". " << names[order[j]] << " (class " << order[j]
                    << "): " << std::fixed << std::setprecision(4) << p << "\n";
        }
      }
      results.push_back({{"input", path}, {"index", i}, {"top", top}});
    }
  }
  if (args.json) std::cout << results.dump(2) << "\n";
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate a trained model on a data set's test split");
  cmd->add_option("model", args->model, "model file (or zoo name / JSON config, untrained)")->required();
  cmd->add_option("-d,--data", args->data, "data set whose test split (or only split) is evaluated");
  cmd->add_flag("--stored-data", args->stored_data,
                "evaluate on the data set named in the model file (it may name any file: only for trusted models)")
      ->excludes(cmd->get_option("--data"));
  cmd->add_option("-b,--batch-size", args->batch_size)->capture_default_str()->check(positive());
  cmd->add_option("--limit", args->limit, "use the first N test samples (0: all)")->check(non_negative());
  cmd->add_option("--threads", args->threads, "compute threads (0: all cores)")->check(thread_count());
  cmd->add_flag("--json", args->json, "print the metrics as JSON");
  cmd->callback([args] { run_eval(*args); });
}

void add_predict_command(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* cmd = app.add_subcommand("predict", "Classify image files (PNG, JPEG) or NPY arrays with a model");
  cmd->add_option("model", args->model, "model file written by fovea train")->required();
  cmd->add_option("inputs", args->inputs, "image files or .npy arrays (one sample or a batch)")->required();
  cmd->add_option("-k,--top-k", args->top_k, "classes to show per sample")->capture_default_str()->check(positive());
  cmd->add_flag("--json", args->json, "print the predictions as JSON");
  cmd->callback([args] { run_predict(*args); });
}

}  // namespace fovea::cli
