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
#include "train_settings.h"
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
#include "fovea/train/losses.h"
#include "fovea/train/metrics.h"
#include "fovea/train/schedules.h"
#include "fovea/train/training.h"

namespace fovea::cli {

namespace {

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

// The learning-rate schedule of a phase of `steps` updates starting at `rate` (nullptr: constant). Exponential and
// step decay by lr-decay-rate every lr-decay-epochs (Keras's ExponentialDecay, smooth or staircase: PyTorch's
// StepLR); cosine decays to 0 at the phase's last step (Keras's CosineDecay); one-cycle is PyTorch's OneCycleLR
// with `rate` as its peak.
LearningRateSchedulePtr make_schedule(const TrainSettings& args, double rate, int64_t steps, int64_t steps_per_epoch) {
  if (args.lr_schedule == "cosine") {
    return schedules::CosineDecay({.initial_learning_rate = rate, .decay_steps = std::max<int64_t>(steps, 1)});
  }
  if (args.lr_schedule == "exponential" || args.lr_schedule == "step") {
    const double decay_steps = std::round(args.lr_decay_epochs * static_cast<double>(steps_per_epoch));
    return schedules::ExponentialDecay({.initial_learning_rate = rate,
                                        .decay_steps = std::max<int64_t>(static_cast<int64_t>(decay_steps), 1),
                                        .decay_rate = args.lr_decay_rate,
                                        .staircase = args.lr_schedule == "step"});
  }
  if (args.lr_schedule == "one-cycle") {
    return schedules::OneCycle({.max_lr = rate, .total_steps = std::max<int64_t>(steps, 2)});
  }
  return nullptr;
}

// The optimizer of a phase of `steps` updates at `rate` (0: the optimizer's default), with the settings' momentum,
// weight decay, clipping and schedule. Without those it is what from_name(optimizer, rate) makes, as before they
// existed, so a run with the defaults computes what it did.
OptimizerPtr make_optimizer(const TrainSettings& args, double rate, int64_t steps, int64_t steps_per_epoch) {
  nlohmann::json config = nlohmann::json::object();
  if (rate > 0) config["learning_rate"] = rate;
  if (args.momentum > 0) config["momentum"] = args.momentum;
  if (args.nesterov) config["nesterov"] = true;
  if (args.weight_decay) config["weight_decay"] = *args.weight_decay;
  if (args.clipnorm > 0) config["clipnorm"] = args.clipnorm;
  if (args.clipvalue > 0) config["clipvalue"] = args.clipvalue;
  const double start = rate > 0 ? rate : optimizers::from_name(args.optimizer)->learning_rate();
  if (LearningRateSchedulePtr schedule = make_schedule(args, start, steps, steps_per_epoch)) {
    config["learning_rate"] = schedules::to_json(schedule);
  }
  return optimizers::from_json({{"class_name", args.optimizer}, {"config", config}});
}

// The optimizer a resumed run continues with. In the head phase it is made again from this run's settings (which
// --resume checked equal to the checkpoint's, --epochs aside) and takes the checkpoint's state: a run resumed with
// more --epochs (a search promoting a trial) then follows a cosine or one-cycle schedule over its new length from
// where it stopped, instead of one that already ended. Fine-tuning keeps the checkpoint's optimizer.
OptimizerPtr resumed_optimizer(const TrainSettings& args, const RunCheckpoint& resumed, Model& model,
                               int64_t steps_per_epoch, std::ostream& log) {
  const OptimizerPtr& stored = resumed.loaded.optimizer;
  if (stored && resumed.phase == TrainPhase::fine_tune) return stored;
  OptimizerPtr optimizer = make_optimizer(args, args.learning_rate, args.epochs * steps_per_epoch, steps_per_epoch);
  if (!stored) return optimizer;
  optimizer->load_state(stored->state(), model.trainable_weights());
  if (optimizer->config() != stored->config()) {
    log << "Note: the learning-rate schedule now spans this run's " << args.epochs
        << " epochs; the checkpoint's ended elsewhere\n";
  }
  return optimizer;
}

// The loss `fovea train` minimizes: sparse categorical cross-entropy, with the settings' label smoothing.
losses::LossPtr make_loss(const TrainSettings& args) {
  return std::make_shared<losses::SparseCategoricalCrossentropy>(
      losses::SparseCategoricalCrossentropyOptions{.label_smoothing = args.label_smoothing});
}

// fit's updates per epoch: the training samples left after the validation split (held out as fit does), in
// batches, the last one partial.
int64_t steps_per_epoch(const TrainSettings& args, int64_t samples) {
  const auto held = static_cast<int64_t>(static_cast<double>(samples) * args.validation_split);
  return std::max<int64_t>((samples - held + args.batch_size - 1) / args.batch_size, 1);
}

void write_json(const std::filesystem::path& path, const nlohmann::json& value) {
  std::ofstream out(path);
  out << value.dump(2) << '\n';
  FOVEA_CHECK(out.good(), IoError, path.string(), ": cannot write");
}

void run_train(const TrainSettings& args) {
  namespace fs = std::filesystem;
  check_settings(args);
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
  // --no-test: a search's trial leaves the test split alone, to be looked at once, at the end.
  Dataset test = args.no_test ? Dataset() : take(data.test, args.limit_test);
  data.train = Dataset();  // train and test are the only holders now, so they can be normalized in place
  data.test = Dataset();
  log << "Data: " << data.description << " (" << train.size() << " training, "
      << (args.no_test ? std::string("the test split left out (--no-test)") : std::to_string(test.size()) + " test")
      << " samples, " << data.num_classes << " classes)\n";

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
  const nlohmann::json settings = to_json(args);
  const int64_t epoch_steps = steps_per_epoch(args, train.size());
  // A fine-tuning run has two phases: the new head alone for --epochs, then everything for --fine-tune-epochs.
  const bool fine_tunes = !args.base.empty() && args.fine_tune_epochs > 0;
  std::shared_ptr<Model> model;
  RunCheckpoint resumed;  // where an interrupted run stopped (epoch -1: starting afresh)
  if (args.resume && fs::exists(checkpoint)) {
    resumed = read_run_checkpoint(checkpoint.string(), args, log);
    // The model holds its normalization; a checkpoint of fovea 0.1 kept it beside the model, for data it normalized
    // itself.
    FOVEA_CHECK(!has_stored_normalizer(resumed.loaded.user), ValueError, "--resume: ", checkpoint.string(),
                " was written by fovea 0.1, which kept the input normalization outside the model; train afresh "
                "into another output folder (-o)");
    model = resumed.loaded.model;
    model->compile({.optimizer = resumed_optimizer(args, resumed, *model, epoch_steps, log),
                    .loss = make_loss(args),
                    .metrics = {"accuracy"}});
    // Dropout continues from where the interrupted run's draws stopped.
    if (!resumed.loaded.generator_state.empty()) DefaultGenerator()->set_state(resumed.loaded.generator_state);
    log << "Resuming from " << checkpoint.string() << " after epoch " << std::max<int64_t>(resumed.loaded.epoch, 0)
        << "\n";
  } else if (base.model) {
    model = with_normalization(transfer_model(*base.model, args.cut, data.num_classes));
    model->compile({.optimizer = make_optimizer(args, args.learning_rate, args.epochs * epoch_steps, epoch_steps),
                    .loss = make_loss(args),
                    .metrics = {"accuracy"}});
    log << "Transferring the features of " << args.base << " (frozen; " << args.cut << " layer(s) replaced)\n";
  } else {
    const Shape& shape = train.images.shape();
    const Shape input_shape(shape.begin() + 1, shape.end());  // one sample: the batch axis dropped
    model = with_normalization(
        load_model_source(args.model,
                          {.input_shape = input_shape, .num_classes = data.num_classes, .dropout = args.dropout})
            .model);
    model->compile({.optimizer = make_optimizer(args, args.learning_rate, args.epochs * epoch_steps, epoch_steps),
                    .loss = make_loss(args),
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
  if (!args.no_report) {
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
      // A tenth of the head's starting rate (a schedule may have decayed it to nothing by now).
      const double head_rate =
          args.learning_rate > 0 ? args.learning_rate : optimizers::from_name(args.optimizer)->learning_rate();
      const double rate = args.fine_tune_lr > 0 ? args.fine_tune_lr : head_rate / 10;
      model->compile({.optimizer = make_optimizer(args, rate, args.fine_tune_epochs * epoch_steps, epoch_steps),
                      .loss = make_loss(args),
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
        << (seconds > 0 ? 100 * during / seconds : 0.0) << "% of the training time; the last page"
        << (test.size() > 0 ? ", with the test split's pictures, " : " ") << std::lround(at_end * 1000) << " ms)\n";
  }
  if (args.json) std::cout << result.dump(2) << "\n";
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto given = std::make_shared<TrainSettings>();  // what the command line sets
  auto settings_file = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train a model (default: the slides' MNIST CNN on Fashion-MNIST), evaluate it on the test split, "
               "and write model.fovea, history.csv and metrics.json into the output folder");
  cmd->add_option("--settings", *settings_file,
                  "a JSON object of settings named as these options (e.g. {\"lr\": 0.01, \"batch-size\": 64}); "
                  "options given here override it");
  auto options = std::make_shared<TrainOptions>(*cmd, *given);
  cmd->callback([given, settings_file, options] {
    TrainSettings settings = settings_file->empty() ? TrainSettings() : read_settings_file(*settings_file);
    options->copy_given(*given, settings);
    prepare_output_folder(settings.output);
    run_train(settings);
  });
}

}  // namespace fovea::cli
