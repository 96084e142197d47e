// ONNX exchange from the shell: `fovea import model.onnx -o model.fovea`, `fovea export model.fovea -o model.onnx`,
// and `fovea onnx-test DIR...`, which runs ONNX backend test cases and reports each with its worst error.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>

#include "cli_common.h"
#include "commands.h"
#include "fovea/core/error.h"
#include "fovea/io/model_file.h"
#include "fovea/io/onnx.h"

namespace fovea::cli {

namespace {

namespace fs = std::filesystem;

struct ImportArgs {
  std::string onnx_path;
  std::string output;
  bool dynamic_batch = false;
};

void run_import(const ImportArgs& args) {
  std::shared_ptr<Model> model = import_onnx(args.onnx_path, {.dynamic_batch = args.dynamic_batch});
  save_model(*model, args.output);
  std::cout << args.onnx_path << " -> " << args.output << " (" << model->layers().size() << " layers, "
            << model->count_params() << " parameters)\n";
}

struct ExportArgs {
  std::string model;
  std::string output;
  int opset = 13;
  bool static_batch = false;
};

void run_export(const ExportArgs& args) {
  LoadedSource source = load_model_source(args.model);
  export_onnx(*source.model, args.output, {.opset = args.opset, .dynamic_batch = !args.static_batch});
  std::cout << args.model << " -> " << args.output << " (opset " << args.opset << ")\n";
}

struct OnnxTestArgs {
  std::vector<std::string> paths;
  std::string list;  // a file naming case folders, one per line, relative to root
  std::string root = "/usr/share/libonnx-testdata/data";
  double rtol = 1e-3, atol = 1e-7;
  bool json = false;
};

bool is_case(const fs::path& dir) { return fs::exists(dir / "model.onnx"); }

// Case folders: each path that is one, and the case folders directly inside each path that is not.
std::vector<std::string> collect_cases(const OnnxTestArgs& args) {
  std::vector<std::string> cases;
  for (const std::string& p : args.paths) {
    FOVEA_CHECK(fs::is_directory(p), IoError, p, ": no such folder (give ONNX test case folders, or folders of them)");
    if (is_case(p)) {
      cases.push_back(p);
      continue;
    }
    std::vector<std::string> inside;
    for (const auto& entry : fs::directory_iterator(p)) {
      if (entry.is_directory() && is_case(entry.path())) inside.push_back(entry.path().string());
    }
    FOVEA_CHECK(!inside.empty(), IoError, p, ": holds no ONNX test case (a folder with model.onnx)");
    std::sort(inside.begin(), inside.end());
    cases.insert(cases.end(), inside.begin(), inside.end());
  }
  if (!args.list.empty()) {
    require_regular_file(args.list, "a list of case folders, one per line");
    std::ifstream in(args.list);
    FOVEA_CHECK(in.good(), IoError, args.list, ": cannot open the case list");
    std::string line;
    while (std::getline(in, line)) {
      line.erase(0, line.find_first_not_of(" \t"));
      line.erase(line.find_last_not_of(" \t\r") + 1);
      if (line.empty() || line[0] == '#') continue;
      cases.push_back((fs::path(args.root) / line).string());
    }
  }
  FOVEA_CHECK(!cases.empty(), ValueError, "fovea onnx-test: give case folders or --list");
  return cases;
}

int run_onnx_tests(const OnnxTestArgs& args) {
  const std::vector<std::string> cases = collect_cases(args);
  nlohmann::json results = nlohmann::json::array();
  int passed = 0;
  for (const std::string& dir : cases) {
    const OnnxCaseResult r = run_onnx_test_case(dir, {.rtol = args.rtol, .atol = args.atol});
    passed += r.passed;
    if (args.json) {
      results.push_back({{"case", dir},
                         {"passed", r.passed},
                         {"worst_abs_error", r.worst_abs_error},
                         {"worst_rel_error", r.worst_rel_error},
                         {"data_sets", r.data_sets},
                         {"message", r.message}});
      continue;
    }
    std::cout << (r.passed ? "PASS " : "FAIL ") << r.name;
    if (r.passed) {
      std::cout << "  (max abs error " << std::setprecision(3) << r.worst_abs_error << ")";
    } else {
      std::cout << ": " << r.message;
    }
    std::cout << "\n";
  }
  if (args.json) {
    std::cout << nlohmann::json{{"passed", passed}, {"total", cases.size()}, {"cases", results}}.dump(2) << "\n";
  } else {
    std::cout << passed << " of " << cases.size() << " cases passed\n";
  }
  return passed == static_cast<int>(cases.size()) ? 0 : 1;
}

}  // namespace

void add_import_command(CLI::App& app) {
  auto args = std::make_shared<ImportArgs>();
  CLI::App* cmd = app.add_subcommand("import", "Convert an ONNX model into a fovea model file");
  cmd->add_option("model", args->onnx_path, "ONNX file")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", args->output, "fovea model file to write")->required();
  cmd->add_flag("--dynamic-batch", args->dynamic_batch,
                "treat the first input dimension as the batch even when the file fixes it (to train on batches)");
  cmd->callback([args] { run_import(*args); });
}

void add_export_command(CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand("export", "Write a model as an ONNX file (weights included)");
  cmd->add_option("model", args->model, "model file, JSON config or zoo name")->required();
  cmd->add_option("-o,--output", args->output, "ONNX file to write")->required();
  cmd->add_option("--opset", args->opset, "ai.onnx opset (13 or later)")->capture_default_str();
  cmd->add_flag("--static-batch", args->static_batch, "fix the batch dimension at 1 instead of leaving it free");
  cmd->callback([args] { run_export(*args); });
}

void add_onnx_test_command(CLI::App& app) {
  auto args = std::make_shared<OnnxTestArgs>();
  CLI::App* cmd = app.add_subcommand("onnx-test", "Run ONNX backend test cases and report pass/fail per case");
  cmd->add_option("cases", args->paths, "case folders (model.onnx + test_data_set_*), or folders of them");
  cmd->add_option("--list", args->list, "a file naming case folders, one per line (# comments)");
  cmd->add_option("--root", args->root, "the folder --list paths are relative to")->capture_default_str();
  cmd->add_option("--rtol", args->rtol)->capture_default_str()->check(number_in(0, 1e300, "a tolerance >= 0"));
  cmd->add_option("--atol", args->atol)->capture_default_str()->check(number_in(0, 1e300, "a tolerance >= 0"));
  cmd->add_flag("--json", args->json, "print the results as JSON");
  // A failing case makes the exit status 1, so scripts and CI can rely on it.
  cmd->callback([args] {
    if (run_onnx_tests(*args) != 0) throw CLI::RuntimeError(1);
  });
}

}  // namespace fovea::cli
