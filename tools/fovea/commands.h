// The `fovea` subcommands: each adds itself to the application with its flags and the function it runs.
#pragma once

namespace CLI {
class App;
}

namespace fovea::cli {

void add_train_command(CLI::App& app);
void add_summary_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_zoo_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_import_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_onnx_test_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_viz_command(CLI::App& app);
void add_tune_command(CLI::App& app);

}  // namespace fovea::cli
