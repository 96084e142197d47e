// The `fovea` commands that exchange models and measure them: export (ONNX), import, run (NPY in and out),
// onnx-test (ONNX backend test cases) and bench, run as a user would and checked against the library itself.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli/cli_test_util.h"
#include "fovea/fovea.h"
#include "onnx/proto_io.h"

namespace fovea {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::run;
using testing::run_json;

const fs::path kOnnxTestData = "/usr/share/libonnx-testdata/data";

using ExchangeCommandTest = testing::CommandTest;

// A small channels_last CNN with batch norm, saved as a model file; x is a batch of 3 inputs for it.
Sequential small_cnn() {
  manual_seed(5);
  Sequential model(
      {InputLayer({10, 10, 2}),
       Conv2D({.filters = 4, .kernel_size = {3}, .padding = Padding::same, .activation = ActivationKind::relu}),
       BatchNormalization(), MaxPooling2D({.pool_size = {2}}), Flatten(),
       Dense({.units = 3, .activation = ActivationKind::softmax})});
  return model;
}

void expect_near(const Tensor& actual, const Tensor& expected, double tolerance) {
  ASSERT_EQ(actual.shape(), expected.shape());
  const std::vector<double> a = actual.to_vector(), e = expected.to_vector();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], e[i], tolerance) << "element " << i;
}

TEST_F(ExchangeCommandTest, ExportImportAndRunComputeWhatTheLibraryComputes) {
  Sequential model = small_cnn();
  save_model(model, path("net.fovea"));
  const Tensor x = Tensor::uniform(Shape{3, 10, 10, 2}, -1, 1);
  write_npy(path("x.npy"), x);
  const Tensor expected = model(x);

  CommandResult exported = run("export " + path("net.fovea") + " -o " + path("net.onnx"));
  ASSERT_EQ(exported.status, 0) << exported.out;
  CommandResult ran = run("run " + path("net.onnx") + " --input " + path("x.npy") + " --output " + path("y.npy"));
  ASSERT_EQ(ran.status, 0) << ran.out;
  expect_near(read_npy(path("y.npy")), expected, 1e-5);

  CommandResult imported = run("import " + path("net.onnx") + " -o " + path("imported.fovea"));
  ASSERT_EQ(imported.status, 0) << imported.out;
  ASSERT_EQ(run("run " + path("imported.fovea") + " -i " + path("x.npy") + " -o " + path("y2.npy")).status, 0);
  expect_near(read_npy(path("y2.npy")), expected, 1e-5);

  // One sample without a batch axis (float64, converted) gives one output without it.
  write_npy(path("one.npy"), slice(x, 0, 1, 1).to(DType::f64).view(Shape{10, 10, 2}));
  ASSERT_EQ(run("run " + path("net.onnx") + " -i " + path("one.npy") + " -o " + path("one_y.npy")).status, 0);
  expect_near(read_npy(path("one_y.npy")), slice(expected, 0, 1, 1).view(Shape{3}), 1e-5);
  nlohmann::json summary = run_json("summary " + path("net.onnx") + " --json", dir_);
  EXPECT_EQ(summary["total_params"].get<int64_t>(), model.count_params());
}

// Writes x (N, 1, 4, 4) -> Pad (edge mode, one row and column on every side) -> y: no Keras layer pads with edge
// values, so fovea imports the node as an OnnxPad layer.
void write_edge_pad_onnx(const std::string& path) {
  ::onnx::ModelProto model;
  model.set_ir_version(7);
  model.add_opset_import()->set_version(13);
  ::onnx::GraphProto* graph = model.mutable_graph();
  graph->set_name("edge_pad");
  auto float_value = [](::onnx::ValueInfoProto* info, const std::string& name) {
    info->set_name(name);
    info->mutable_type()->mutable_tensor_type()->set_elem_type(::onnx::TensorProto::FLOAT);
    return info->mutable_type()->mutable_tensor_type();
  };
  ::onnx::TensorShapeProto* x = float_value(graph->add_input(), "x")->mutable_shape();
  x->add_dim()->set_dim_param("N");
  for (int64_t d : {1, 4, 4}) x->add_dim()->set_dim_value(d);
  float_value(graph->add_output(), "y");
  *graph->add_initializer() =
      onnx_detail::tensor_to_proto(Tensor::from_vector(Shape{8}, {0, 0, 1, 1, 0, 0, 1, 1}, DType::i64), "pads");
  ::onnx::NodeProto* pad = graph->add_node();
  pad->set_op_type("Pad");
  pad->set_name("pad");
  pad->add_input("x");
  pad->add_input("pads");
  pad->add_output("y");
  ::onnx::AttributeProto* mode = pad->add_attribute();
  mode->set_name("mode");
  mode->set_type(::onnx::AttributeProto::STRING);
  mode->set_s("edge");
  onnx_detail::write_model_proto(model, path);
}

// The ONNX-semantics layers are registered by whatever meets them (fovea is a static library: nothing registers
// itself). Every command is a fresh process, and under ctest so is this test.
TEST_F(ExchangeCommandTest, AnImportedModelWithOnnxLayersLoadsInAFreshProcess) {
  write_edge_pad_onnx(path("pad.onnx"));
  CommandResult imported = run("import " + path("pad.onnx") + " -o " + path("pad.fovea"));
  ASSERT_EQ(imported.status, 0) << imported.out;
  CommandResult summary = run("summary " + path("pad.fovea"));
  ASSERT_EQ(summary.status, 0) << summary.out;
  EXPECT_NE(summary.out.find("(OnnxPad)"), std::string::npos) << summary.out;

  std::shared_ptr<Model> loaded = load_model(path("pad.fovea"));
  const Tensor x = Tensor::uniform(Shape{2, 1, 4, 4}, -1, 1);
  const Tensor y = (*loaded)(x);
  ASSERT_EQ(y.shape(), (Shape{2, 1, 6, 6}));
  EXPECT_EQ(y.at({1, 0, 0, 0}), x.at({1, 0, 0, 0}));  // the corner repeats the input's corner

  std::ofstream(path("pad.json")) << loaded->to_json();  // the architecture as a JSON config
  CommandResult config = run("summary " + path("pad.json"));
  ASSERT_EQ(config.status, 0) << config.out;
  EXPECT_NE(config.out.find("(OnnxPad)"), std::string::npos) << config.out;
}

TEST_F(ExchangeCommandTest, RunChecksInputsAndOutputs) {
  Sequential model = small_cnn();
  save_model(model, path("net.fovea"));
  write_npy(path("bad.npy"), Tensor::zeros(Shape{2, 7}));
  CommandResult bad_shape = run("run " + path("net.fovea") + " -i " + path("bad.npy") + " -o " + path("y.npy"));
  EXPECT_EQ(bad_shape.status, 1);
  EXPECT_NE(bad_shape.out.find("bad.npy"), std::string::npos) << bad_shape.out;
  write_npy(path("x.npy"), Tensor::zeros(Shape{1, 10, 10, 2}));
  CommandResult two_outputs =
      run("run " + path("net.fovea") + " -i " + path("x.npy") + " -o " + path("a.npy") + " -o " + path("b.npy"));
  EXPECT_EQ(two_outputs.status, 1);
  EXPECT_NE(two_outputs.out.find("gives 1 output(s); got 2 --output"), std::string::npos) << two_outputs.out;
  EXPECT_FALSE(fs::exists(path("a.npy")));
}

TEST_F(ExchangeCommandTest, OnnxTestReportsEachCaseAndFailsOnAWrongOutput) {
  const fs::path relu = kOnnxTestData / "node" / "test_relu";
  if (!fs::exists(relu)) GTEST_SKIP() << "libonnx-testdata is not installed (" << relu << ")";
  nlohmann::json report = run_json("onnx-test " + relu.string() + " --json", dir_);
  EXPECT_EQ(report["passed"], 1);
  EXPECT_EQ(report["cases"][0]["passed"], true);

  // The same case with its expected output changed by 0.5 must fail, with exit status 1.
  const fs::path broken = dir_ / "test_relu_broken";
  fs::copy(relu, broken, fs::copy_options::recursive);
  const std::string expected_path = (broken / "test_data_set_0" / "output_0.pb").string();
  const ::onnx::TensorProto proto = onnx_detail::read_tensor_proto(expected_path);
  const Tensor wrong = onnx_detail::tensor_from_proto(proto, "output_0") + 0.5;
  fs::permissions(expected_path, fs::perms::owner_write, fs::perm_options::add);
  std::string bytes;
  ASSERT_TRUE(onnx_detail::tensor_to_proto(wrong, proto.name()).SerializeToString(&bytes));
  std::ofstream(expected_path, std::ios::binary | std::ios::trunc) << bytes;
  CommandResult failed = run("onnx-test " + relu.string() + " " + broken.string());
  EXPECT_EQ(failed.status, 1) << failed.out;
  EXPECT_NE(failed.out.find("PASS test_relu"), std::string::npos) << failed.out;
  EXPECT_NE(failed.out.find("FAIL test_relu_broken"), std::string::npos) << failed.out;
  EXPECT_NE(failed.out.find("1 of 2 cases passed"), std::string::npos) << failed.out;
}

TEST_F(ExchangeCommandTest, BenchReportsEveryPhase) {
  nlohmann::json report = run_json("bench lwls-6.3 -b 4 --warmup 1 --repeats 2 --threads 1 --json", dir_);
  EXPECT_EQ(report["parameters"], 122270);
  EXPECT_EQ(report["batch_size"], 4);
  for (const char* phase : {"latency_batch_1", "inference", "training"}) {
    ASSERT_TRUE(report.contains(phase)) << report.dump(2);
    EXPECT_GT(report[phase]["median_ms"].get<double>(), 0) << phase;
    EXPECT_LE(report[phase]["min_ms"].get<double>(), report[phase]["median_ms"].get<double>()) << phase;
    EXPECT_LE(report[phase]["median_ms"].get<double>(), report[phase]["max_ms"].get<double>()) << phase;
    EXPECT_GT(report[phase]["peak_rss_mib"].get<double>(), 1.0) << phase;
  }
  EXPECT_GT(report["macs_per_sample"].get<int64_t>(), 0);
  nlohmann::json inference_only = run_json("bench lwls-6.3 -b 2 --repeats 1 --inference-only --json", dir_);
  EXPECT_FALSE(inference_only.contains("training"));
}

}  // namespace
}  // namespace fovea
