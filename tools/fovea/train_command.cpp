// `fovea train`: trains a zoo network or JSON-configured model on a data set, shows the summary and progress,
// evaluates on the test split and writes the model, its history (CSV) and final metrics (JSON).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <iostream>
#include <optional>

#include "cli_common.h"
#include "run_report.h"
#include "commands.h"
#include "train_checkpoint.h"
#include "fovea/core/error.h"
#include "fovea/core/rng.h"
#include "fovea/core/threading.h"
#include "fovea/data/augmentation.h"
#include "fovea/data/sources.h"
#include "fovea/io/model_file.h"
#include "fovea/layers/dense.h"
#include "fovea/models/preprocessing.h"
#include "fovea/models/transfer.h"
#include "fovea/train/callbacks.h"
#include "fovea/train/metrics.h"
#include "fovea/train/training.h"

namespace fovea::cli {

namespace {

struct TrainArgs {
  std::string model = "mnist-cnn";
  std::string data = "fashion-mnist";
  int64_t epochs = 12;
  int64_t batch_size = 128;
  std::string optimizer = "adam";
  double learning_rate = 0;  // 0: the optimizer's default
  std::string augment;
  std::string normalize = "min_max";
  double validation_split = 0.1;
  int64_t limit = 0;       // training samples used (0: all)
  int64_t limit_test = 0;  // test samples used (0: all)
  int64_t patience = 0;    // early stopping on val_loss (0: off)
  uint64_t seed = 42;
  int threads = 0;
  int workers = 1;
  std::string output = "fovea-output";
  bool resume = false;
  bool skip_bad_samples = false;
  int64_t image_height = 0, image_width = 0;
  int verbose = -1;
  bool json = false;
  bool report = true;  // report.html in the output folder
  // Class selection and transfer learning.
  std::string classes;     // "5-9" or "0,2,4": keep these classes, relabelled from 0
  std::string base;        // a trained model file whose features are reused
  int cut = 1;             // layers removed from the base's end (its classifier)
  int64_t fine_tune_epochs = 0;
  double fine_tune_lr = 0;  // 0: a tenth of the head's learning rate
};

// "5-9" -> {5, 6, 7, 8, 9}; "0,2,4" -> {0, 2, 4}.
std::vector<int64_t> parse_classes(const std::string& text) {
  std::vector<int64_t> out;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    const size_t dash = item.find('-');
    try {
      if (dash == std::string::npos) {
        out.push_back(std::stoll(item));
      } else {
        for (int64_t c = std::stoll(item.substr(0, dash)); c <= std::stoll(item.substr(dash + 1)); ++c) out.push_back(c);
      }
    } catch (const std::exception&) {
      throw ValueError(detail::concat("--classes: '", item, "' is not a class id or a range like 5-9"));
    }
  }
  return out;
}

// The base model's features (all but its last `cut` layers), frozen, under a new softmax head.
std::shared_ptr<Model> transfer_model(Model& base, int cut, int64_t num_classes) {
  Model features = remove_last_layers(base, cut);
  set_trainable(features, false);
  SymbolicTensor head =
      Dense({.units = num_classes, .activation = ActivationKind::softmax, .name = "transfer_head"})(
          features.outputs()[0]);
  return std::make_shared<Model>(features.inputs(), std::vector<SymbolicTensor>{head}, "transfer");
}

OptimizerPtr make_optimizer(const TrainArgs& args) {
  return args.learning_rate > 0 ? optimizers::from_name(args.optimizer, args.learning_rate)
                                : optimizers::from_name(args.optimizer);
}

// The settings that decide what a run computes, as given (defaults included): a checkpoint stores them, and
// --resume refuses a checkpoint written with other ones. --epochs may grow (training longer), and --workers,
// --threads and --verbose change how a run goes, not what it computes.
nlohmann::json run_settings(const TrainArgs& args) {
  return {{"model", args.model},
          {"data", args.data},
          {"batch-size", args.batch_size},
          {"optimizer", args.optimizer},
          {"lr", args.learning_rate},
          {"augment", args.augment},
          {"normalize", args.normalize},
          {"validation-split", args.validation_split},
          {"limit", args.limit},
          {"limit-test", args.limit_test},
          {"early-stopping", args.patience},
          {"seed", args.seed},
          {"skip-bad-samples", args.skip_bad_samples},
          {"image-height", args.image_height},
          {"image-width", args.image_width},
          {"classes", args.classes},
          {"base", args.base},
          {"cut", args.cut},
          {"fine-tune-epochs", args.fine_tune_epochs},
          {"fine-tune-lr", args.fine_tune_lr}};
}

void write_json(const std::filesystem::path& path, const nlohmann::json& value) {
  std::ofstream out(path);
  out << value.dump(2) << '\n';
  FOVEA_CHECK(out.good(), IoError, path.string(), ": cannot write");
}

void run_train(const TrainArgs& args) {
  namespace fs = std::filesystem;
  apply_threads(args.threads);
  manual_seed(args.seed);
  // With --json, stdout carries only the result; everything for people goes to stderr.
  std::ostream& log = args.json ? std::cerr : std::cout;

  DataSourceOptions source_options;
  source_options.skip_bad_samples = args.skip_bad_samples;
  source_options.image_height = args.image_height;
  source_options.image_width = args.image_width;
  // Pixels stay the stored bytes: the model's first layer normalizes each batch (a float32 copy of the data set
  // would be four times the memory), and augmentation converts a batch at a time.
  source_options.pixels = DType::u8;
  DataSplits data = load_data(args.data, source_options);
  if (!args.classes.empty()) {
    const std::vector<int64_t> keep = parse_classes(args.classes);
    for (int64_t c : keep) {
      FOVEA_CHECK(c >= 0 && c < data.num_classes, ValueError, "--classes: class ", c, " is not in ", args.data,
                  " (classes 0-", data.num_classes - 1, ")");
    }
    data.train = select_classes(data.train, keep);
    if (data.test.size() > 0) data.test = select_classes(data.test, keep);
    std::vector<std::string> names;
    for (int64_t c : keep) names.push_back(data.class_names.at(static_cast<size_t>(c)));
    data.class_names = names;
    data.num_classes = static_cast<int64_t>(keep.size());
  }
  Dataset train = take(data.train, args.limit);
  Dataset test = take(data.test, args.limit_test);
  data.train = Dataset();  // train and test are the only holders now, so they can be normalized in place
  data.test = Dataset();
  log << "Data: " << data.description << " (" << train.size() << " training, " << test.size()
      << " test samples, " << data.num_classes << " classes)\n";

  // Statistics come from the training split only and go into the model as its first layer, so that the model file
  // takes stored pixels as they are. A transferred model keeps its base's normalization, since its features were
  // learned on it: inside the base, or (a file written before fovea 0.2) in its user data, from which it is moved
  // into the model.
  LoadedSource base;
  if (!args.base.empty()) base = load_model_source(args.base);
  std::optional<Normalizer> normalizer;
  if (!base.model) {
    normalizer = Normalizer::fit(train.images, parse_normalization(args.normalize));
  } else if (has_stored_normalizer(base.user)) {
    normalizer = stored_normalizer(base.user);
  }
  auto with_normalization = [&](const std::shared_ptr<Model>& m) {
    if (!normalizer || normalizer->kind() == NormalizationKind::none) return m;
    return with_preprocessing(*m, {normalization_layer(*normalizer)});
  };

  fs::create_directories(args.output);
  const fs::path checkpoint = fs::path(args.output) / "checkpoint.fovea";
  const nlohmann::json settings = run_settings(args);
  // A fine-tuning run has two phases: the new head alone for --epochs, then everything for --fine-tune-epochs.
  const bool fine_tunes = !args.base.empty() && args.fine_tune_epochs > 0;
  std::shared_ptr<Model> model;
  RunCheckpoint resumed;  // where an interrupted run stopped (epoch -1: starting afresh)
  if (args.resume && fs::exists(checkpoint)) {
    resumed = read_run_checkpoint(checkpoint.string(), settings, log);
    // The model holds its normalization; a checkpoint of fovea 0.1 kept it beside the model, for data it normalized
    // itself.
    FOVEA_CHECK(!has_stored_normalizer(resumed.loaded.user), ValueError, "--resume: ", checkpoint.string(),
                " was written by fovea 0.1, which kept the input normalization outside the model; train afresh "
                "into another output folder (-o)");
    model = resumed.loaded.model;
    model->compile({.optimizer = resumed.loaded.optimizer ? resumed.loaded.optimizer : make_optimizer(args),
                    .loss = "sparse_categorical_crossentropy",
                    .metrics = {"accuracy"}});
    // Dropout continues from where the interrupted run's draws stopped.
    if (!resumed.loaded.generator_state.empty()) DefaultGenerator()->set_state(resumed.loaded.generator_state);
    log << "Resuming from " << checkpoint.string() << " after epoch " << std::max<int64_t>(resumed.loaded.epoch, 0)
        << "\n";
  } else if (base.model) {
    model = with_normalization(transfer_model(*base.model, args.cut, data.num_classes));
    model->compile({.optimizer = make_optimizer(args), .loss = "sparse_categorical_crossentropy",
                    .metrics = {"accuracy"}});
    log << "Transferring the features of " << args.base << " (frozen; " << args.cut << " layer(s) replaced)\n";
  } else {
    const Shape& shape = train.images.shape();
    const Shape input_shape(shape.begin() + 1, shape.end());  // one sample: the batch axis dropped
    model = with_normalization(
        load_model_source(args.model, {.input_shape = input_shape, .num_classes = data.num_classes}).model);
    model->compile({.optimizer = make_optimizer(args), .loss = "sparse_categorical_crossentropy",
                    .metrics = {"accuracy"}});
  }
  if (args.verbose != 0) log << model->summary();

  // What the report says about the run, also kept as run.json for `fovea report`.
  RunDescription run{.title = "fovea train: " + args.model + " on " + args.data,
                     .command = command_line(),
                     .settings = settings,
                     .facts = {{"data", data.description},
                               {"training samples", std::to_string(train.size())},
                               {"test samples", std::to_string(test.size())},
                               {"classes", std::to_string(data.num_classes)},
                               {"parameters", std::to_string(model->count_params())}},
                     .class_names = data.class_names};
  run.settings["epochs"] = args.epochs;
  const fs::path report_path = fs::path(args.output) / "report.html";

  std::shared_ptr<Augmentation> augmentation;
  if (!args.augment.empty()) {
    // Brightness and contrast clip to a value range: the range the stored training images span.
    const std::vector<double> values = train.images.to_vector();
    const auto [low, high] = std::minmax_element(values.begin(), values.end());
    augmentation = std::make_shared<Augmentation>(
        Augmentation::parse(args.augment, {.value_range = {*low, *high}}));
    augmentation->fit(train.images);
  }

  const nlohmann::json user = {{"class_names", data.class_names},
                               {"data", args.data},
                               {"loss", "sparse_categorical_crossentropy"}};
  const std::string history_path = (fs::path(args.output) / "history.csv").string();
  const int64_t initial_epoch = std::max<int64_t>(resumed.loaded.epoch, 0);
  const bool resumed_in_fine_tuning = resumed.phase == TrainPhase::fine_tune;
  std::vector<CallbackPtr> callbacks = {  // the CSV logger first: fine-tuning replaces it with an appending one
      std::make_shared<CSVLogger>(CSVLoggerOptions{.filename = history_path, .append = initial_epoch > 0}),
      std::make_shared<TerminateOnNaN>(),
  };
  // The report, rewritten after every epoch: a resumed run's page starts with the epochs history.csv already holds.
  std::shared_ptr<viz::ReportCallback> report;
  if (args.report) {
    write_json(fs::path(args.output) / "run.json", to_json(run));
    viz::TrainingReport page = report_skeleton(run, *model);
    if (initial_epoch > 0 && fs::exists(history_path)) read_history_csv(history_path, page);
    report = std::make_shared<viz::ReportCallback>(
        viz::ReportCallbackOptions{.path = report_path.string(), .report = page, .finish_on_train_end = false});
    callbacks.push_back(report);
  }
  if (args.patience > 0) {
    callbacks.push_back(std::make_shared<EarlyStopping>(
        EarlyStoppingOptions{.patience = args.patience, .restore_best_weights = true}));
  }
  const auto start = std::chrono::steady_clock::now();
  FitOptions fit_options{.epochs = args.epochs,
                         .batch_size = args.batch_size,
                         .validation_split = args.validation_split,
                         .callbacks = {},
                         .verbose = args.verbose,
                         .out = &log,
                         .initial_epoch = initial_epoch,
                         .callback_states = resumed.loaded.callback_states,
                         .seed = args.seed,
                         .workers = args.workers,
                         .augmentation = augmentation};
  // A checkpoint after every epoch, so that --resume continues an interrupted run exactly; last, so that the other
  // callbacks' states it stores have seen the epoch.
  auto checkpoint_writer =
      std::make_shared<CheckpointWriter>(checkpoint.string(), user, settings, &fit_options.callbacks);
  checkpoint_writer->set_phase(resumed.phase, resumed.fine_tune_end);
  callbacks.push_back(checkpoint_writer);
  fit_options.callbacks = callbacks;
  History history;
  if (!resumed_in_fine_tuning) history = model->fit(train, fit_options);
  if (fine_tunes) {
    // Fine-tuning: everything trainable again, at a lower learning rate, continuing the same history file. A run
    // resumed in this phase has its checkpoint's model (all trainable) and optimizer already.
    int64_t fine_tune_end = resumed.fine_tune_end;
    if (!resumed_in_fine_tuning) {
      set_trainable(*model, true);
      const double rate = args.fine_tune_lr > 0 ? args.fine_tune_lr : model->optimizer().learning_rate() / 10;
      model->compile({.optimizer = optimizers::from_name(args.optimizer, rate),
                      .loss = "sparse_categorical_crossentropy",
                      .metrics = {"accuracy"}});
      log << "Fine-tuning all layers at learning rate " << rate << "\n";
      fit_options.initial_epoch = initial_epoch + static_cast<int64_t>(history.epochs().size());
      fit_options.callback_states.clear();
      fine_tune_end = fit_options.initial_epoch + args.fine_tune_epochs;
      checkpoint_writer->set_phase(TrainPhase::fine_tune, fine_tune_end);
    }
    fit_options.callbacks[0] = std::make_shared<CSVLogger>(CSVLoggerOptions{.filename = history_path, .append = true});
    fit_options.epochs = fine_tune_end;
    history.extend(model->fit(train, fit_options));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int64_t epochs_run = static_cast<int64_t>(history.epochs().size());  // by this process
  const int64_t epochs_trained = history.epochs().empty() ? initial_epoch : history.epochs().back() + 1;

  nlohmann::json result = {{"model", args.model},
                           {"data", args.data},
                           {"epochs", epochs_trained},
                           {"train_samples", train.size()},
                           {"train_seconds", seconds},
                           {"train_images_per_second",
                            seconds > 0 ? static_cast<double>(epochs_run * train.size()) / seconds : 0.0}};
  if (epochs_run > 0) {
    nlohmann::json last = nlohmann::json::object();
    for (const std::string& name : history.names()) last[name] = history.at(name).back();
    result["final_epoch"] = last;
  }
  Tensor test_probabilities;
  if (test.size() > 0) {
    // At the training batch size: a larger one would only raise the run's peak memory above training's.
    Logs test_logs =
        model->evaluate(test, {.batch_size = args.batch_size, .verbose = 0});
    metrics::ConfusionMatrix confusion({.num_classes = static_cast<int>(data.num_classes)});
    test_probabilities = model->predict(test.images, {.batch_size = args.batch_size});
    confusion.update(test.labels, test_probabilities);
    log << "Test: " << logs_line(test_logs) << "\n" << confusion.to_string(data.class_names);
    result["test"] = logs_json(test_logs);
    result["confusion_matrix"] = confusion.matrix().to_vector();
  }

  const fs::path model_path = fs::path(args.output) / "model.fovea";
  save_model(*model, model_path.string(), {.user = user});
  write_json(fs::path(args.output) / "metrics.json", result);
  log << "Wrote " << model_path.string() << ", " << (fs::path(args.output) / "history.csv").string() << " and "
      << (fs::path(args.output) / "metrics.json").string() << "\n";
  if (report) {
    const double during = report->seconds_writing();
    const auto end_start = std::chrono::steady_clock::now();
    finish_run_report(*report, run, result, *model, test, test_probabilities, fs::path(args.output), log);
    const double at_end = std::chrono::duration<double>(std::chrono::steady_clock::now() - end_start).count();
    log << "Report: " << report_path.string() << " (" << report->pages_written() - 1
        << " pages written during training in " << std::lround(during * 1000) << " ms, "
        << (seconds > 0 ? 100 * during / seconds : 0.0) << "% of the training time; the last page, with the test "
        << "split's pictures, " << std::lround(at_end * 1000) << " ms)\n";
  }
  if (args.json) std::cout << result.dump(2) << "\n";
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train a model (default: the slides' MNIST CNN on Fashion-MNIST), evaluate it on the test split, "
               "and write model.fovea, history.csv and metrics.json into the output folder");
  cmd->add_option("-m,--model", args->model, "zoo name, JSON config or model file")->capture_default_str();
  cmd->add_option("-d,--data", args->data,
                  "fashion-mnist, mnist-digits, idx:DIR, cifar10:DIR, cifar100:DIR, folder:DIR, "
                  "csv:TRAIN[,TEST], npy:X,Y[,XTEST,YTEST]")
      ->capture_default_str();
  cmd->add_option("-e,--epochs", args->epochs)->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("-b,--batch-size", args->batch_size)->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--optimizer", args->optimizer, "sgd, adam, adamw, adagrad, adadelta, rmsprop, adamax, nadam")
      ->capture_default_str();
  cmd->add_option("--lr,--learning-rate", args->learning_rate, "0: the optimizer's default")
      ->capture_default_str()
      ->check(number_in(0, std::numeric_limits<double>::max(), "a learning rate >= 0 (0: the optimizer's default)"));
  cmd->add_option("--augment", args->augment,
                  "augmentation, e.g. flip,crop=2,rotation=0.05 (applied to the normalized images)");
  cmd->add_option("--normalize", args->normalize, "min_max, z_score or none (fitted on the training split)")
      ->capture_default_str();
  cmd->add_option("--validation-split", args->validation_split)
      ->capture_default_str()
      ->check(number_in(0, std::nextafter(1.0, 0.0), "a fraction of the training samples, at least 0 and below 1"));
  cmd->add_option("--limit", args->limit, "use the first N training samples (0: all)")->check(non_negative());
  cmd->add_option("--limit-test", args->limit_test, "use the first N test samples (0: all)")->check(non_negative());
  cmd->add_option("--early-stopping", args->patience, "stop after N epochs without val_loss improvement")
      ->check(non_negative());
  cmd->add_option("--seed", args->seed)
      ->capture_default_str()
      ->check(number_in(0, 18446744073709551615.0, "a seed from 0 to 18446744073709551615"));
  cmd->add_option("--threads", args->threads, "compute threads (0: all cores)")->check(thread_count());
  cmd->add_option("--workers", args->workers, "background data threads")
      ->capture_default_str()
      ->check(number_in(0, 256, "a number of data threads from 0 to 256"));
  cmd->add_option("-o,--output", args->output, "the folder to write into")->capture_default_str();
  cmd->add_flag("--resume", args->resume, "continue from OUTPUT/checkpoint.fovea when it exists");
  cmd->add_flag("--skip-bad-samples", args->skip_bad_samples, "log and skip unreadable samples instead of failing");
  cmd->add_option("--image-height", args->image_height, "resize folder images to this height")
      ->check(number_in(0, 65536, "a height in pixels from 1 to 65536 (0: as stored)"));
  cmd->add_option("--image-width", args->image_width, "resize folder images to this width")
      ->check(number_in(0, 65536, "a width in pixels from 1 to 65536 (0: as stored)"));
  cmd->add_option("--classes", args->classes, "keep only these classes, relabelled from 0 (e.g. 5-9 or 0,2,4)");
  cmd->add_option("--base", args->base, "transfer learning: reuse the frozen features of this trained model file");
  cmd->add_option("--cut", args->cut, "with --base: layers removed from the base's end")
      ->capture_default_str()
      ->check(positive());
  cmd->add_option("--fine-tune-epochs", args->fine_tune_epochs,
                  "with --base: epochs of fine-tuning all layers after training the new head")
      ->check(non_negative());
  cmd->add_option("--fine-tune-lr", args->fine_tune_lr, "fine-tuning learning rate (0: a tenth of --lr)")
      ->check(number_in(0, std::numeric_limits<double>::max(), "a learning rate >= 0 (0: a tenth of --lr)"));
  cmd->add_option("-v,--verbose", args->verbose, "0 silent, 1 progress bar, 2 one line per epoch, -1 auto")
      ->capture_default_str()
      ->check(number_in(-1, 2, "-1 (auto), 0, 1 or 2"));
  cmd->add_flag("!--no-report", args->report,
                 "do not write report.html (curves, confusion matrix, filters, Grad-CAM; see fovea report)");
  cmd->add_flag("--json", args->json, "print the final metrics as JSON on stdout");
  cmd->callback([args] {
    prepare_output_folder(args->output);
    run_train(*args);
  });
}

}  // namespace fovea::cli
