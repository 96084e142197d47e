// The `fovea` command: train, summarise, evaluate and use CNNs from the shell.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"
#include "fovea/core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"fovea: train, inspect and run convolutional neural networks"};
  app.require_subcommand(1);
  fovea::cli::add_train_command(app);
  fovea::cli::add_summary_command(app);
  fovea::cli::add_eval_command(app);
  fovea::cli::add_predict_command(app);
  fovea::cli::add_zoo_command(app);
  fovea::cli::add_run_command(app);
  fovea::cli::add_import_command(app);
  fovea::cli::add_export_command(app);
  fovea::cli::add_onnx_test_command(app);
  fovea::cli::add_bench_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const fovea::Error& e) {
    std::cerr << "fovea: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "fovea: unexpected error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
