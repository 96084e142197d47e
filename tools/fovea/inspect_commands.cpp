// `fovea summary` (the Keras parameter table of any model) and `fovea zoo` (the networks built in).
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli_common.h"
#include "commands.h"

namespace fovea::cli {

namespace {

struct SummaryArgs {
  std::string model;
  bool macs = false;
  bool receptive_field = false;
  bool memory = false;
  int64_t batch_size = 0;
  bool json = false;
};

nlohmann::json summary_json(const Model& model) {
  // The rows of the text table: Keras leaves a Sequential model's InputLayer out.
  const bool sequential = dynamic_cast<const Sequential*>(&model) != nullptr;
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& node : model.nodes()) {
    if (sequential && node->layer->class_name() == "InputLayer") continue;
    std::vector<int64_t> shape(node->output_shape.begin(), node->output_shape.end());
    nlohmann::json output_shape = nlohmann::json::array();
    for (int64_t d : shape) output_shape.push_back(d < 0 ? nlohmann::json(nullptr) : nlohmann::json(d));
    layers.push_back({{"name", node->layer->name()},
                      {"class_name", node->layer->class_name()},
                      {"output_shape", output_shape},
                      {"params", node->layer->count_params()}});
  }
  return {{"name", model.name()},
          {"layers", layers},
          {"total_params", model.count_params()},
          {"trainable_params", model.count_trainable_params()},
          {"non_trainable_params", model.count_non_trainable_params()}};
}

void run_summary(const SummaryArgs& args) {
  LoadedSource source = load_model_source(args.model);
  if (args.json) {
    std::cout << summary_json(*source.model).dump(2) << "\n";
    return;
  }
  std::cout << source.model->summary({.macs = args.macs,
                                      .receptive_field = args.receptive_field,
                                      .activation_memory = args.memory,
                                      .batch_size = args.batch_size});
}

}  // namespace

void add_summary_command(CLI::App& app) {
  auto args = std::make_shared<SummaryArgs>();
  CLI::App* cmd = app.add_subcommand("summary", "Print the Keras summary table of a model");
  cmd->add_option("model", args->model, "zoo name, JSON config or model file")->required();
  cmd->add_flag("--macs", args->macs, "add multiply-accumulates per sample");
  cmd->add_flag("--receptive-field", args->receptive_field, "add each layer's receptive field");
  cmd->add_flag("--memory", args->memory, "add each layer's activation memory");
  cmd->add_option("--batch-size", args->batch_size, "estimate training memory at this batch size")
      ->check(non_negative());
  cmd->add_flag("--json", args->json, "print the table as JSON");
  cmd->callback([args] { run_summary(*args); });
}

void add_zoo_command(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("zoo", "List the networks built into fovea");
  cmd->add_flag("--json", *json, "print the list as JSON");
  cmd->callback([json] {
    if (*json) {
      nlohmann::json out = nlohmann::json::array();
      for (const zoo::ZooEntry& e : zoo::entries()) out.push_back({{"name", e.name}, {"description", e.description}});
      std::cout << out.dump(2) << "\n";
      return;
    }
    for (const zoo::ZooEntry& e : zoo::entries()) std::cout << e.name << "  " << e.description << "\n";
  });
}

}  // namespace fovea::cli
