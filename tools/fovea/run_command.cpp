// `fovea run MODEL --input x.npy [--input ...] --output y.npy [--output ...]`: runs any model (zoo name, JSON
// config, model file or ONNX file) on NPY arrays and writes its outputs as NPY arrays, the generic way to use a
// model from scripts. The model sees the arrays as given: the normalization `fovea train` stores is applied only
// with --normalize.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli_common.h"
#include "commands.h"
#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"

namespace fovea::cli {

namespace {

struct RunArgs {
  std::string model;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  bool normalize = false;
  int threads = 0;
};

// The array at path as the model's input index: float32, with a batch axis of 1 added when the array is one
// sample (its rank is one less than the model's input). Sets *added_batch accordingly.
Tensor read_model_input(const std::string& path, const Shape& model_input, bool* added_batch) {
  Tensor x = read_npy(path);
  if (x.dtype() != DType::f32) x = x.to(DType::f32);
  *added_batch = x.rank() + 1 == model_input.rank();
  if (*added_batch) {
    Shape batched{1};
    for (int64_t d : x.shape()) batched.push_back(d);
    x = x.view(batched);
  }
  FOVEA_CHECK(x.rank() == model_input.rank(), ShapeError, path, ": an array of shape ", x.shape().to_string(),
              " does not fit the model's input ", model_input.to_string(true), " (give one sample or a batch)");
  return x;
}

void run_model(const RunArgs& args) {
  apply_threads(args.threads);
  LoadedSource source = load_model_source(args.model);
  Model& model = *source.model;
  const size_t want_in = model.inputs().size(), want_out = model.outputs().size();
  FOVEA_CHECK(args.inputs.size() == want_in, ValueError, "fovea run: ", args.model, " takes ", want_in,
              " input(s); got ", args.inputs.size(), " --input");
  FOVEA_CHECK(args.outputs.size() == want_out, ValueError, "fovea run: ", args.model, " gives ", want_out,
              " output(s); got ", args.outputs.size(), " --output");
  const Normalizer normalizer = stored_normalizer(source.user);
  std::vector<Tensor> xs;
  bool all_single = true;
  for (size_t i = 0; i < want_in; ++i) {
    bool added_batch = false;
    Tensor x = read_model_input(args.inputs[i], model.inputs()[i].shape(), &added_batch);
    all_single = all_single && added_batch;
    xs.push_back(args.normalize ? normalizer.transform(x) : x);
  }
  std::vector<Tensor> ys;
  {
    autograd::NoGradGuard no_grad;
    ys = model.call(xs, /*training=*/false);  // a batch of no samples gives empty outputs
  }
  for (size_t i = 0; i < want_out; ++i) {
    Tensor y = ys[i];
    if (all_single && y.rank() > 1 && y.dim(0) == 1) y = y.view(Shape(y.shape().begin() + 1, y.shape().end()));
    write_npy(args.outputs[i], y);
    std::cout << args.outputs[i] << ": " << y.shape().to_string() << "\n";
  }
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run a model on NPY arrays and write its outputs as NPY arrays");
  cmd->add_option("model", args->model, "model file, ONNX file, JSON config or zoo name")->required();
  cmd->add_option("-i,--input", args->inputs, "an NPY array per model input, in order (one sample or a batch)")
      ->required();
  cmd->add_option("-o,--output", args->outputs, "an NPY file per model output, in order")->required();
  cmd->add_flag("--normalize", args->normalize, "apply the normalization stored by fovea train first");
  cmd->add_option("--threads", args->threads, "compute threads (0: all cores)")->check(thread_count());
  cmd->callback([args] { run_model(*args); });
}

}  // namespace fovea::cli
