// `fovea bench MODEL`: how fast a model trains and runs on this machine. Training throughput (Adam steps on
// random data, or with --data on consecutive batches of a data set held in memory as `fovea train` holds it),
// inference throughput at the same batch size, batch-1 latency, and the process's peak memory (with --data it
// includes the data set), each the median of timed repeats after warm-up; achieved GFLOP/s from the model's
// multiply-accumulates.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <functional>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli_common.h"
#include "commands.h"
#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/core/threading.h"
#include "fovea/data/sources.h"
#include "fovea/train/training.h"

namespace fovea::cli {

namespace {

struct BenchArgs {
  std::string model;
  std::string input_shape;  // "224,224,3"; empty: the network's default
  int64_t num_classes = 0;
  std::string data;  // a `fovea train --data` name; empty: random batches
  int64_t batch_size = 64;
  int warmup = 3;
  int repeats = 10;
  int threads = 0;
  bool skip_training = false;
  bool skip_inference = false;
  bool json = false;
};

struct Timing {
  double min_ms = 0, median_ms = 0, max_ms = 0;
};

template <class F>
Timing time_repeats(int warmup, int repeats, F&& run) {
  for (int i = 0; i < warmup; ++i) run();
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    run();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms.front(), ms[ms.size() / 2], ms.back()};
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

Shape parse_shape(const std::string& text) {
  Shape shape;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    size_t used = 0;
    int64_t size = 0;
    try {
      size = std::stoll(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    FOVEA_CHECK(used > 0 && used == part.size() && size > 0 && shape.rank() + 1 < Shape::capacity(), ValueError,
                "fovea bench: --input-shape '", text, "' is not a list of positive sizes like 224,224,3");
    shape.push_back(size);
  }
  return shape;
}

// A random batch for the model's first input (batch excluded from the model's shape).
Tensor random_batch(const Model& model, int64_t batch) {
  Shape shape = model.inputs().at(0).shape();
  FOVEA_CHECK(std::all_of(shape.begin() + 1, shape.end(), [](int64_t d) { return d > 0; }), ValueError,
              "fovea bench: the model's input ", shape.to_string(true), " has free dimensions; give --input-shape");
  shape[0] = batch;
  return Tensor::uniform(shape, 0, 1);
}

// Classifiers (a (batch, classes) output) train on random class ids; anything else regresses random targets.
void compile_for_training(Model& model, const Tensor& x, Tensor* y) {
  const Shape out = model.outputs().at(0).shape();
  if (out.rank() == 2 && out[1] > 1) {
    *y = Tensor::uniform(Shape{x.dim(0)}, 0, static_cast<double>(out[1])).to(DType::i64);
    model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy"});
  } else {
    Shape shape = out;
    shape[0] = x.dim(0);
    *y = Tensor::uniform(shape, 0, 1);
    model.compile({.optimizer = "adam", .loss = "mse"});
  }
}

// The training split of spec, loaded as `fovea train` loads it (pixels as their stored bytes where the format has
// them) and held for the whole run, with train's default min-max normalizer fitted on it for the batches.
Dataset load_training_split(const std::string& spec, int64_t batch, int64_t* num_classes, Normalizer* normalizer) {
  DataSplits splits = load_data(spec, {.pixels = DType::u8});
  Dataset train = std::move(splits.train);
  FOVEA_CHECK(train.size() >= batch, ValueError, "fovea bench: --data ", spec, " has ", train.size(),
              " training samples; expected at least one batch of ", batch, " (-b)");
  *normalizer = Normalizer::fit(train.images, NormalizationKind::min_max);
  *num_classes = splits.num_classes;
  return train;  // the test split is not used: it is freed here (its load still counts in the peak RSS)
}

nlohmann::json timing_json(const Timing& t, int64_t batch, int64_t macs, double passes) {
  const double per_second = batch * 1000.0 / t.median_ms;
  return {{"min_ms", t.min_ms},
          {"median_ms", t.median_ms},
          {"max_ms", t.max_ms},
          {"images_per_s", per_second},
          {"gflops", passes * 2.0 * static_cast<double>(macs) * per_second / 1e9}};
}

void print_row(const std::string& label, const nlohmann::json& r) {
  std::cout << std::left << std::setw(24) << label << std::right << std::fixed << std::setprecision(2) << std::setw(10)
            << r["min_ms"].get<double>() << std::setw(10) << r["median_ms"].get<double>() << std::setw(10)
            << r["max_ms"].get<double>() << std::setw(12) << std::setprecision(1) << r["images_per_s"].get<double>()
            << std::setw(10) << r["gflops"].get<double>() << std::setw(10) << r["peak_rss_mib"].get<double>() << "\n";
}

void run_bench(const BenchArgs& args) {
  apply_threads(args.threads);
  // The data first, as `fovea train` loads it before building the model.
  Dataset data;
  Normalizer normalizer;
  int64_t data_classes = 0;
  if (!args.data.empty()) data = load_training_split(args.data, args.batch_size, &data_classes, &normalizer);
  zoo::ZooOptions zoo_options;
  if (!args.input_shape.empty()) {
    zoo_options.input_shape = parse_shape(args.input_shape);
  } else if (data.size() > 0) {
    const Shape& shape = data.images.shape();
    zoo_options.input_shape = Shape(shape.begin() + 1, shape.end());  // one sample: the batch axis dropped
  }
  zoo_options.num_classes = args.num_classes > 0 ? args.num_classes : data_classes;
  const LoadedSource source = load_model_source(args.model, zoo_options);
  Model& model = *source.model;
  const int64_t macs = model.count_macs();
  nlohmann::json report = {{"model", args.model},
                           {"parameters", model.count_params()},
                           {"macs_per_sample", macs},
                           {"batch_size", args.batch_size},
                           {"threads", num_threads()}};
  if (data.size() > 0) {
    report["data"] = args.data;
    report["data_samples"] = data.size();
    report["data_mib"] = static_cast<double>(data.images.nbytes() + data.labels.nbytes()) / (1024.0 * 1024.0);
  }

  const Tensor one = random_batch(model, 1), batch = random_batch(model, args.batch_size);
  if (!args.skip_inference) {
    autograd::NoGradGuard no_grad;
    // Inference runs first so that its peak memory is not the training phase's.
    nlohmann::json latency =
        timing_json(time_repeats(args.warmup, args.repeats, [&] { model.call({one}); }), 1, macs, 1.0);
    latency["peak_rss_mib"] = peak_rss_mib();
    report["latency_batch_1"] = latency;
    nlohmann::json inference =
        timing_json(time_repeats(args.warmup, args.repeats, [&] { model.call({batch}); }), args.batch_size, macs, 1.0);
    inference["peak_rss_mib"] = peak_rss_mib();
    report["inference"] = inference;
  }
  if (!args.skip_training) {
    Tensor y;
    std::function<void()> step;
    if (data.size() > 0) {
      // Consecutive batches of the data, normalized as drawn, starting over when the next one would run past the
      // end (the partial last batch is left out, so every step has the same size).
      model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy"});
      step = [&, start = int64_t{0}]() mutable {
        if (start + args.batch_size > data.size()) start = 0;
        const Dataset next = slice_samples(data, start, args.batch_size);
        start += args.batch_size;
        model.train_on_batch(normalizer.transform(next.images), next.labels);
      };
    } else {
      compile_for_training(model, batch, &y);
      step = [&] { model.train_on_batch(batch, y); };
    }
    // A training step is a forward pass and a backward pass of about twice its work.
    nlohmann::json training =
        timing_json(time_repeats(args.warmup, args.repeats, step), args.batch_size, macs, 3.0);
    training["peak_rss_mib"] = peak_rss_mib();
    report["training"] = training;
  }

  if (args.json) {
    std::cout << report.dump(2) << "\n";
    return;
  }
  std::cout << args.model << ": " << model.count_params() << " parameters, " << macs << " MACs per sample, batch "
            << args.batch_size << ", " << num_threads() << " threads (median of " << args.repeats << " after "
            << args.warmup << " warm-up runs)\n";
  if (report.contains("data")) {
    std::cout << "training on " << args.data << ": " << data.size() << " samples held in memory ("
              << std::setprecision(1) << std::fixed << report["data_mib"].get<double>() << " MiB)\n";
  }
  std::cout << std::left << std::setw(24) << "phase" << std::right << std::setw(10) << "min ms" << std::setw(10)
            << "median ms" << std::setw(10) << "max ms" << std::setw(12) << "images/s" << std::setw(10) << "GFLOP/s"
            << std::setw(10) << "peak MiB"
            << "\n";
  if (report.contains("inference")) {
    print_row("inference, batch 1", report["latency_batch_1"]);
    print_row("inference, batch " + std::to_string(args.batch_size), report["inference"]);
  }
  if (report.contains("training")) print_row("training, batch " + std::to_string(args.batch_size), report["training"]);
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Measure training and inference throughput, batch-1 latency and memory of a model on this machine");
  cmd->add_option("model", args->model, "zoo name, JSON config, model file or ONNX file")->required();
  cmd->add_option("--input-shape", args->input_shape, "zoo networks: input shape without batch, e.g. 32,32,3");
  cmd->add_option("--classes", args->num_classes, "zoo networks: number of classes")->check(non_negative());
  cmd->add_option("--data", args->data,
                  "train on consecutive batches of this data set (names as in `fovea train --data`), held in memory; "
                  "the peak memory includes it");
  cmd->add_option("-b,--batch-size", args->batch_size)->capture_default_str()->check(positive());
  cmd->add_option("--warmup", args->warmup, "untimed runs first")->capture_default_str()->check(non_negative());
  cmd->add_option("--repeats", args->repeats, "timed runs")->capture_default_str()->check(positive());
  cmd->add_option("--threads", args->threads, "compute threads (0: all cores)")->check(thread_count());
  auto* inference_only = cmd->add_flag("--inference-only", args->skip_training, "skip the training measurement");
  cmd->add_flag("--training-only", args->skip_inference, "skip the inference measurements")->excludes(inference_only);
  cmd->add_flag("--json", args->json, "print the results as JSON");
  cmd->callback([args] { run_bench(*args); });
}

}  // namespace fovea::cli
