// import_onnx on hand-built ONNX models: a Conv+BN+Relu+MaxPool+Flatten+Gemm network against fovea's ops, training
// and saving the imported model, PyTorch's dynamic-batch view() pattern, reshapes across the batch axis, and the
// errors for an unsupported operator and a truncated file.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>

#include "fovea/fovea.h"
#include "fovea/io/model_file.h"
#include "fovea/io/onnx.h"
#include "onnx/proto_io.h"

namespace fovea {
namespace {

std::string temp_file(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "fovea_onnx_import";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

Tensor random_tensor(const Shape& shape, uint64_t seed, double scale = 1.0) {
  Generator gen(seed);
  return Tensor::normal(shape, 0.0, scale, &gen);
}

// A graph input or output of type float with the given dimensions (a negative one is the symbolic "N").
void set_value_info(::onnx::ValueInfoProto* info, const std::string& name, const std::vector<int64_t>& dims,
                    int elem_type = ::onnx::TensorProto::FLOAT) {
  info->set_name(name);
  auto* tensor = info->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(elem_type);
  for (int64_t d : dims) {
    auto* dim = tensor->mutable_shape()->add_dim();
    if (d < 0) {
      dim->set_dim_param("N");
    } else {
      dim->set_dim_value(d);
    }
  }
}

::onnx::NodeProto* add_node(::onnx::GraphProto* graph, const std::string& op, const std::vector<std::string>& inputs,
                            const std::vector<std::string>& outputs, const std::string& name = "") {
  ::onnx::NodeProto* node = graph->add_node();
  node->set_op_type(op);
  node->set_name(name);
  for (const std::string& i : inputs) node->add_input(i);
  for (const std::string& o : outputs) node->add_output(o);
  return node;
}

void add_ints(::onnx::NodeProto* node, const std::string& name, const std::vector<int64_t>& values) {
  ::onnx::AttributeProto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

void add_int(::onnx::NodeProto* node, const std::string& name, int64_t value) {
  ::onnx::AttributeProto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INT);
  a->set_i(value);
}

void add_float(::onnx::NodeProto* node, const std::string& name, float value) {
  ::onnx::AttributeProto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

void add_initializer(::onnx::GraphProto* graph, const std::string& name, const Tensor& value) {
  *graph->add_initializer() = onnx_detail::tensor_to_proto(value, name);
}

std::string write_model(const ::onnx::ModelProto& model, const std::string& name) {
  const std::string path = temp_file(name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  model.SerializeToOstream(&out);
  return path;
}

::onnx::ModelProto new_model() {
  ::onnx::ModelProto model;
  model.set_ir_version(7);
  model.set_producer_name("fovea-test");
  ::onnx::OperatorSetIdProto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  model.mutable_graph()->set_name("hand_built");
  return model;
}

// The weights of the reference network.
struct SmallNet {
  Tensor conv_w = random_tensor({4, 1, 3, 3}, 1, 0.5);
  Tensor conv_b = random_tensor({4}, 2, 0.1);
  Tensor bn_scale = add(random_tensor({4}, 3, 0.1), Tensor::ones({4}));
  Tensor bn_bias = random_tensor({4}, 4, 0.1);
  Tensor bn_mean = random_tensor({4}, 5, 0.1);
  Tensor bn_var = add(abs(random_tensor({4}, 6, 0.2)), Tensor::full({4}, 0.5));
  Tensor fc_w = random_tensor({3, 64}, 7, 0.2);  // Gemm with transB: (out, in) as PyTorch's Linear
  Tensor fc_b = random_tensor({3}, 8, 0.1);
};

// x (N, 1, 8, 8) -> Conv 3x3 pad 1 -> BatchNormalization -> Relu -> MaxPool 2x2 -> Flatten -> Gemm -> y (N, 3).
std::string write_small_net(const SmallNet& w, const std::string& name) {
  ::onnx::ModelProto model = new_model();
  ::onnx::GraphProto* g = model.mutable_graph();
  set_value_info(g->add_input(), "x", {-1, 1, 8, 8});
  set_value_info(g->add_output(), "y", {-1, 3});
  add_initializer(g, "conv.weight", w.conv_w);
  add_initializer(g, "conv.bias", w.conv_b);
  add_initializer(g, "bn.weight", w.bn_scale);
  add_initializer(g, "bn.bias", w.bn_bias);
  add_initializer(g, "bn.running_mean", w.bn_mean);
  add_initializer(g, "bn.running_var", w.bn_var);
  add_initializer(g, "fc.weight", w.fc_w);
  add_initializer(g, "fc.bias", w.fc_b);
  ::onnx::NodeProto* conv = add_node(g, "Conv", {"x", "conv.weight", "conv.bias"}, {"c"}, "conv");
  add_ints(conv, "kernel_shape", {3, 3});
  add_ints(conv, "pads", {1, 1, 1, 1});
  ::onnx::NodeProto* bn = add_node(g, "BatchNormalization",
                                   {"c", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"}, {"b"}, "bn");
  add_float(bn, "epsilon", 1e-5f);
  add_node(g, "Relu", {"b"}, {"r"}, "relu");
  ::onnx::NodeProto* pool = add_node(g, "MaxPool", {"r"}, {"p"}, "pool");
  add_ints(pool, "kernel_shape", {2, 2});
  add_ints(pool, "strides", {2, 2});
  add_node(g, "Flatten", {"p"}, {"f"}, "flatten");
  ::onnx::NodeProto* fc = add_node(g, "Gemm", {"f", "fc.weight", "fc.bias"}, {"y"}, "fc");
  add_int(fc, "transB", 1);
  return write_model(model, name);
}

// The same network computed directly with fovea's ops.
Tensor reference_small_net(const SmallNet& w, const Tensor& x) {
  ConvArgs conv_args;
  conv_args.padding = Padding::explicit_;
  conv_args.pads_begin = {1, 1};
  conv_args.pads_end = {1, 1};
  conv_args.layout = Layout::channels_first;
  Tensor y = conv(x, {w.conv_w, w.conv_b}, conv_args);
  y = batch_norm(y, {w.bn_scale, w.bn_bias, w.bn_mean.clone(), w.bn_var.clone()},
                 {.training = false, .epsilon = 1e-5, .axis = 1});
  y = relu(y);
  y = pool(y, {.kind = PoolKind::max, .pool_size = {2, 2}, .strides = {2, 2}, .layout = Layout::channels_first});
  y = flatten(y);
  return add(matmul(y, w.fc_w, {.transpose_b = true}), w.fc_b);
}

void expect_close(const Tensor& got, const Tensor& expected, double tolerance) {
  ASSERT_EQ(got.shape(), expected.shape()) << got.shape().to_string() << " vs " << expected.shape().to_string();
  const std::vector<double> g = got.to_vector();
  const std::vector<double> e = expected.to_vector();
  for (size_t i = 0; i < g.size(); ++i) ASSERT_NEAR(g[i], e[i], tolerance) << "element " << i;
}

TEST(OnnxImport, SmallConvNetMatchesFoveaOps) {
  const SmallNet w;
  const std::shared_ptr<Model> model = import_onnx(write_small_net(w, "small.onnx"));
  const Tensor x = random_tensor({5, 1, 8, 8}, 11);
  expect_close((*model)(x), reference_small_net(w, x), 1e-4);
  // Native Keras layers where the semantics match, so the summary reads like a Keras model's.
  const std::string summary = model->summary();
  for (const char* cls : {"Conv2D", "BatchNormalization", "ReLU", "MaxPooling2D", "Flatten", "Dense"}) {
    EXPECT_NE(summary.find(cls), std::string::npos) << cls << " missing from\n" << summary;
  }
  EXPECT_EQ(model->count_params(), 4 * 9 + 4 + 4 * 4 + 64 * 3 + 3);
  EXPECT_EQ(model->inputs()[0].shape(), (Shape{-1, 1, 8, 8}));  // the symbolic N stays free
}

TEST(OnnxImport, ImportedModelTrainsAndRoundTripsThroughModelFiles) {
  const SmallNet w;
  const std::shared_ptr<Model> model = import_onnx(write_small_net(w, "train.onnx"));
  EXPECT_GT(model->trainable_weights().size(), 0u);
  const Tensor x = random_tensor({16, 1, 8, 8}, 21);
  const Tensor y = random_tensor({16, 3}, 22);
  model->compile({.optimizer = "adam", .loss = "mse"});
  const History history = model->fit(x, y, {.epochs = 6, .batch_size = 8, .shuffle = false, .verbose = 0});
  const std::vector<double>& loss = history.at("loss");
  EXPECT_LT(loss.back(), loss.front());

  const std::string path = temp_file("imported.fovea");
  save_model(*model, path);
  const std::shared_ptr<Model> loaded = load_model(path);
  const Tensor probe = random_tensor({3, 1, 8, 8}, 23);
  const std::vector<double> before = model->predict(probe).to_vector();
  const std::vector<double> after = loaded->predict(probe).to_vector();
  EXPECT_EQ(before, after);
}

// PyTorch's x.view(x.size(0), -1) with a dynamic batch: Shape -> Gather -> Unsqueeze -> Concat -> Reshape, folded
// at import time with the batch size following the input.
TEST(OnnxImport, FoldsPyTorchDynamicBatchViewPattern) {
  ::onnx::ModelProto model = new_model();
  ::onnx::GraphProto* g = model.mutable_graph();
  set_value_info(g->add_input(), "x", {-1, 2, 3, 3});
  set_value_info(g->add_output(), "y", {-1, 18});
  add_initializer(g, "zero", Tensor::scalar(0, DType::i64));
  add_initializer(g, "axes", Tensor::from_vector({1}, std::vector<double>{0}, DType::i64));
  add_initializer(g, "minus_one", Tensor::from_vector({1}, std::vector<double>{-1}, DType::i64));
  add_node(g, "Shape", {"x"}, {"s"});
  add_node(g, "Gather", {"s", "zero"}, {"n"});
  add_node(g, "Unsqueeze", {"n", "axes"}, {"n1"});
  add_int(add_node(g, "Concat", {"n1", "minus_one"}, {"shape"}), "axis", 0);
  add_node(g, "Reshape", {"x", "shape"}, {"y"});
  const std::shared_ptr<Model> net = import_onnx(write_model(model, "view.onnx"));
  for (int64_t batch : {1, 4}) {
    const Tensor x = random_tensor({batch, 2, 3, 3}, 31);
    const Tensor y = (*net)(x);
    EXPECT_EQ(y.shape(), (Shape{batch, 18}));
    EXPECT_EQ(y.to_vector(), x.to_vector());
  }
}

// Static first dimensions are kept exactly, so reshapes and concatenations across axis 0 work as in ONNX; the
// ONNX-semantics layers this needs (and their constant weights) survive save_model/load_model.
TEST(OnnxImport, ReshapeAndConcatAcrossTheFirstAxisSaveAndLoad) {
  ::onnx::ModelProto model = new_model();
  ::onnx::GraphProto* g = model.mutable_graph();
  set_value_info(g->add_input(), "x", {2, 3, 4});
  set_value_info(g->add_output(), "y", {8, 2, 3});
  add_initializer(g, "shape", Tensor::from_vector({3}, std::vector<double>{4, 2, 3}, DType::i64));
  const Tensor bias = random_tensor({3}, 42);
  add_initializer(g, "bias", bias);
  add_node(g, "Reshape", {"x", "shape"}, {"r"});
  add_int(add_node(g, "Concat", {"r", "r"}, {"c"}), "axis", 0);
  add_node(g, "Add", {"c", "bias"}, {"y"});
  const std::shared_ptr<Model> net = import_onnx(write_model(model, "axis0.onnx"));
  const Tensor x = random_tensor({2, 3, 4}, 41);
  const Tensor y = (*net)(x);
  ASSERT_EQ(y.shape(), (Shape{8, 2, 3}));
  const std::vector<double> xv = x.to_vector();
  const std::vector<double> bv = bias.to_vector();
  const std::vector<double> yv = y.to_vector();
  for (size_t i = 0; i < yv.size(); ++i) {
    ASSERT_NEAR(yv[i], xv[i % xv.size()] + bv[i % 3], 1e-6) << "element " << i;
  }
  const std::string summary = net->summary();
  EXPECT_NE(summary.find("OnnxReshape"), std::string::npos) << summary;
  EXPECT_NE(summary.find("OnnxConcat"), std::string::npos) << summary;
  EXPECT_EQ(net->count_trainable_params(), 3);  // the float initializer is a trainable weight

  const std::string path = temp_file("axis0.fovea");
  save_model(*net, path);
  const std::shared_ptr<Model> loaded = load_model(path);
  EXPECT_EQ((*loaded)(x).to_vector(), yv);
  EXPECT_EQ(loaded->inputs()[0].shape(), (Shape{2, 3, 4}));  // the fixed batch size is part of the model
}

TEST(OnnxImport, UnsupportedOperatorNamesNodeOpAndSupportedList) {
  ::onnx::ModelProto model = new_model();
  ::onnx::GraphProto* g = model.mutable_graph();
  set_value_info(g->add_input(), "x", {1, 4});
  set_value_info(g->add_output(), "y", {1, 4});
  add_node(g, "Relu", {"x"}, {"r"}, "first");
  add_node(g, "Einsum", {"r"}, {"y"}, "my_einsum");
  try {
    import_onnx(write_model(model, "einsum.onnx"));
    FAIL() << "Einsum was accepted";
  } catch (const ValueError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("node 1"), std::string::npos) << what;
    EXPECT_NE(what.find("my_einsum"), std::string::npos) << what;
    EXPECT_NE(what.find("'Einsum' is not supported"), std::string::npos) << what;
    EXPECT_NE(what.find("Conv, ConvTranspose"), std::string::npos) << what;
  }
  const std::vector<std::string> ops = onnx_supported_ops();
  EXPECT_TRUE(std::is_sorted(ops.begin(), ops.end()));
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Einsum"), 0);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Conv"), 1);
}

TEST(OnnxImport, TruncatedFileIsAnIoErrorNamingIt) {
  const SmallNet w;
  const std::string path = write_small_net(w, "whole.onnx");
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string truncated = temp_file("truncated.onnx");
  std::ofstream(truncated, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() / 2);
  try {
    import_onnx(truncated);
    FAIL() << "a truncated file was accepted";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(truncated), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fovea
