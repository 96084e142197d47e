// The `fovea` command: train, summarise, evaluate and use CNNs from the shell.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <new>
#include <stdexcept>
#include <string>

#include "cli_common.h"
#include "commands.h"
#include "fovea/core/error.h"
#include "fovea/version.h"

namespace {

// " while running `fovea train`", for messages that know no more than the subcommand.
std::string running(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands()) return " while running `fovea " + sub->get_name() + "`";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fovea: train, inspect and run convolutional neural networks"};
  app.set_version_flag("--version", std::string("fovea ") + fovea::version());
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
  fovea::cli::add_report_command(app);
  fovea::cli::add_viz_command(app);
  fovea::cli::add_tune_command(app);
  fovea::cli::set_command_line(argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a subcommand's own failing status (onnx-test's failed cases), already reported
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    // One line, like every other error, with the subcommand whose help lists the flags; status 2 as argparse's.
    std::string help = "fovea --help";
    for (const CLI::App* sub : app.get_subcommands()) help = "fovea " + sub->get_name() + " --help";
    std::cerr << "fovea: error: " << e.what() << " (see " << help << ")\n";
    return 2;
  } catch (const fovea::Error& e) {
    std::cerr << "fovea: error: " << e.what() << "\n";
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    // "filesystem error: cannot create directories: Permission denied [/proc/x]" as "/proc/x: cannot create
    // directories (Permission denied)", like the library's own IoErrors.
    std::string operation = e.what();
    if (const size_t colon = operation.find(": "); colon != std::string::npos) operation.erase(0, colon + 2);
    if (const size_t reason = operation.rfind(": " + e.code().message()); reason != std::string::npos) {
      operation.erase(reason);
    } else if (const size_t bracket = operation.find(" ["); bracket != std::string::npos) {
      operation.erase(bracket);
    }
    std::cerr << "fovea: error: " << (e.path1().empty() ? "" : e.path1().string() + ": ") << operation << " ("
              << e.code().message() << ")\n";
    return 1;
  } catch (const std::bad_alloc&) {
    // Tensors report their own size (fovea::MemoryError); this is any other allocation.
    std::cerr << "fovea: error: out of memory" << running(app)
              << " (a size in the model, the data or the flags is larger than this machine's memory)\n";
    return 1;
  } catch (const std::length_error& e) {
    std::cerr << "fovea: error: out of memory" << running(app) << ": a container would exceed its largest size ("
              << e.what() << ")\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "fovea: unexpected error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
