// run_onnx_test_case: one ONNX backend test case (model.onnx and test_data_set_*/{input,output}_*.pb) through
// import_onnx, compared as ONNX's backend tests compare (numpy's assert_allclose; integers exactly).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/io/onnx.h"
#include "onnx/proto_io.h"

namespace fovea {
namespace {

namespace fs = std::filesystem;

// Input slots that carry an operator's parameters rather than its data. A graph input used only there is bound as a
// constant per data set, as if it were an initializer: that is how a model whose weights are initializers runs.
bool is_parameter_slot(const std::string& op, int slot) {
  static const std::map<std::string, std::set<int>> slots = {{"Conv", {1, 2}},
                                                             {"ConvTranspose", {1, 2}},
                                                             {"BatchNormalization", {1, 2, 3, 4}},
                                                             {"InstanceNormalization", {1, 2}},
                                                             {"Gemm", {1, 2}},
                                                             {"MatMul", {1}},
                                                             {"PRelu", {1}},
                                                             {"Reshape", {1}},
                                                             {"Pad", {1, 2}},
                                                             {"Clip", {1, 2}},
                                                             {"Dropout", {1, 2}},
                                                             {"Slice", {1, 2, 3, 4}},
                                                             {"Split", {1}},
                                                             {"Squeeze", {1}},
                                                             {"Unsqueeze", {1}},
                                                             {"Tile", {1}},
                                                             {"ReduceSum", {1}},
                                                             {"ReduceMean", {1}},
                                                             {"ReduceMax", {1}},
                                                             {"ReduceMin", {1}}};
  const auto it = slots.find(op);
  return it != slots.end() && it->second.count(slot) > 0;
}

std::vector<fs::path> sorted_entries(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path());
  }
  // input_10 after input_9: by the number after the prefix.
  std::sort(out.begin(), out.end(), [&](const fs::path& a, const fs::path& b) {
    auto number = [&](const fs::path& p) {
      const std::string s = p.stem().string().substr(prefix.size());
      return s.empty() ? 0L : std::stol(s);
    };
    return number(a) < number(b);
  });
  return out;
}

bool is_float(DType t) { return t == DType::f32 || t == DType::f64; }

// Compares one output; returns an empty string when it matches.
std::string compare(const Tensor& got, const Tensor& expected, const OnnxTestTolerance& tolerance,
                    const std::string& what, OnnxCaseResult& result) {
  if (!(got.shape() == expected.shape())) {
    return what + ": shape " + got.shape().to_string() + " but expected " + expected.shape().to_string();
  }
  const std::vector<double> g = got.to_vector();
  const std::vector<double> e = expected.to_vector();
  const bool exact = !is_float(expected.dtype());
  std::string failure;
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(e[i]) && std::isnan(g[i])) continue;
    const double abs_error = std::abs(g[i] - e[i]);
    const double rel_error = e[i] != 0 ? abs_error / std::abs(e[i]) : (abs_error > 0 ? INFINITY : 0.0);
    if (!std::isnan(abs_error)) {
      result.worst_abs_error = std::max(result.worst_abs_error, abs_error);
      result.worst_rel_error = std::max(result.worst_rel_error, rel_error);
    }
    const bool ok = exact ? g[i] == e[i] : abs_error <= tolerance.atol + tolerance.rtol * std::abs(e[i]);
    if (!ok && failure.empty()) {
      failure = what + ": element " + std::to_string(i) + " is " + std::to_string(g[i]) + " but expected " +
                std::to_string(e[i]);
    }
  }
  return failure;
}

}  // namespace

OnnxCaseResult run_onnx_test_case(const std::string& dir, const OnnxTestTolerance& tolerance) {
  OnnxCaseResult result;
  result.name = fs::path(dir).filename().string();
  if (result.name.empty()) result.name = fs::path(dir).parent_path().filename().string();
  try {
    const std::string model_path = (fs::path(dir) / "model.onnx").string();
    const onnx::ModelProto proto = onnx_detail::read_model_proto(model_path);
    const onnx::GraphProto& graph = proto.graph();
    std::set<std::string> initializers;
    for (const onnx::TensorProto& t : graph.initializer()) initializers.insert(t.name());
    // The graph inputs the data sets feed, in order, and which of them are bound as constants.
    std::vector<std::string> inputs;
    std::vector<bool> bound;
    for (const onnx::ValueInfoProto& info : graph.input()) {
      if (initializers.count(info.name())) continue;
      bool parameter_only = true;
      bool used = false;
      for (const onnx::NodeProto& node : graph.node()) {
        for (int slot = 0; slot < node.input_size(); ++slot) {
          if (node.input(slot) != info.name()) continue;
          used = true;
          parameter_only = parameter_only && is_parameter_slot(node.op_type(), slot);
        }
      }
      inputs.push_back(info.name());
      bound.push_back(used && parameter_only);
    }
    if (!inputs.empty() && std::all_of(bound.begin(), bound.end(), [](bool b) { return b; })) bound[0] = false;

    const std::vector<fs::path> data_sets = sorted_entries(dir, "test_data_set_");
    if (data_sets.empty()) throw IoError(dir + ": no test_data_set_* folder");
    std::shared_ptr<Model> model;
    const bool binds = std::any_of(bound.begin(), bound.end(), [](bool b) { return b; });
    for (const fs::path& set : data_sets) {
      const std::vector<fs::path> input_files = sorted_entries(set, "input_");
      const std::vector<fs::path> output_files = sorted_entries(set, "output_");
      if (input_files.size() != inputs.size()) {
        throw IoError(set.string() + ": " + std::to_string(input_files.size()) + " input files for " +
                      std::to_string(inputs.size()) + " graph inputs");
      }
      OnnxImportOptions options;
      std::vector<Tensor> feeds;
      for (size_t i = 0; i < inputs.size(); ++i) {
        const onnx::TensorProto proto_input = onnx_detail::read_tensor_proto(input_files[i].string());
        Tensor value = onnx_detail::tensor_from_proto(proto_input, input_files[i].string());
        if (bound[i]) {
          options.bind_inputs[inputs[i]] = value;
        } else {
          feeds.push_back(value);
        }
      }
      if (!model || binds) model = import_onnx(model_path, options);
      std::vector<Tensor> outputs;
      {
        const autograd::NoGradGuard no_grad;
        outputs = model->call(feeds, false);
      }
      if (outputs.size() != output_files.size()) {
        throw ValueError("the model has " + std::to_string(outputs.size()) + " outputs but " + set.string() + " has " +
                         std::to_string(output_files.size()));
      }
      for (size_t o = 0; o < outputs.size(); ++o) {
        const Tensor expected = onnx_detail::tensor_from_proto(onnx_detail::read_tensor_proto(output_files[o].string()),
                                                               output_files[o].string());
        const std::string failure =
            compare(outputs[o], expected, tolerance,
                    set.filename().string() + "/" + output_files[o].filename().string(), result);
        if (!failure.empty() && result.message.empty()) result.message = failure;
      }
      ++result.data_sets;
    }
    result.passed = result.message.empty();
  } catch (const std::exception& e) {
    result.passed = false;
    result.message = e.what();
  }
  return result;
}

}  // namespace fovea
