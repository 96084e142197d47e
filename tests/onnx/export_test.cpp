// export_onnx: every layer class and zoo network gives a model ONNX's checker and strict shape inference accept,
// with fovea's names, the batch dimension as asked, the weights as initializers, Keras's padding as explicit pads,
// transposes only where the layout must change, and a ValueError naming the layer for what has no ONNX form.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "fovea/fovea.h"
#include "fovea/io/onnx.h"
#include "onnx/onnx_test_util.h"
#include "onnx/proto_io.h"

namespace fovea {
namespace {

using onnx_testing::layer_cases;
using onnx_testing::temp_path;

::onnx::ModelProto export_and_read(Model& model, const std::string& file, const OnnxExportOptions& options = {}) {
  const std::string path = temp_path(file);
  export_onnx(model, path, options);
  return onnx_detail::read_model_proto(path);
}

std::vector<const ::onnx::NodeProto*> nodes_of(const ::onnx::ModelProto& m, const std::string& op) {
  std::vector<const ::onnx::NodeProto*> out;
  for (const auto& n : m.graph().node()) {
    if (n.op_type() == op) out.push_back(&n);
  }
  return out;
}

const ::onnx::AttributeProto* attribute(const ::onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

std::vector<int64_t> ints_of(const ::onnx::NodeProto& n, const std::string& name) {
  const ::onnx::AttributeProto* a = attribute(n, name);
  return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : std::vector<int64_t>{};
}

const ::onnx::TensorProto* initializer(const ::onnx::ModelProto& m, const std::string& name) {
  for (const auto& t : m.graph().initializer()) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

// "batch" or the fixed size of a graph input's or output's first dimension.
std::string first_dim(const ::onnx::ValueInfoProto& v) {
  const auto& d = v.type().tensor_type().shape().dim(0);
  return d.has_dim_param() ? d.dim_param() : std::to_string(d.dim_value());
}

// The dimensions after the batch of a graph input or output.
Shape inner_dims(const ::onnx::ValueInfoProto& v) {
  Shape s{-1};
  const auto& dims = v.type().tensor_type().shape().dim();
  for (int i = 1; i < dims.size(); ++i) s.push_back(dims[i].has_dim_value() ? dims[i].dim_value() : -2);
  return s;
}

void expect_names_and_shapes(const Model& model, const ::onnx::ModelProto& m, const std::string& what) {
  ASSERT_EQ(m.graph().input_size(), static_cast<int>(model.inputs().size())) << what;
  for (size_t i = 0; i < model.inputs().size(); ++i) {
    EXPECT_EQ(m.graph().input(i).name(), model.inputs()[i].node()->layer->name()) << what;
    EXPECT_EQ(inner_dims(m.graph().input(i)), model.inputs()[i].shape()) << what;
  }
  ASSERT_EQ(m.graph().output_size(), static_cast<int>(model.outputs().size())) << what;
  for (size_t i = 0; i < model.outputs().size(); ++i) {
    EXPECT_EQ(m.graph().output(i).name(), model.outputs()[i].node()->layer->name()) << what;
    EXPECT_EQ(inner_dims(m.graph().output(i)), model.outputs()[i].shape()) << what;
  }
}

TEST(OnnxExport, EveryLayerCaseIsAValidOnnxModel) {
  for (const auto& c : layer_cases()) {
    std::shared_ptr<Model> model = c.make();
    const ::onnx::ModelProto m = export_and_read(*model, c.name + ".onnx");
    EXPECT_EQ(onnx_testing::onnx_check_errors(m), "") << c.name;
    EXPECT_EQ(m.ir_version(), 7) << c.name;
    ASSERT_EQ(m.opset_import_size(), 1);
    EXPECT_EQ(m.opset_import(0).domain(), "");
    EXPECT_EQ(m.opset_import(0).version(), 13);
    EXPECT_EQ(m.producer_name(), "fovea");
    expect_names_and_shapes(*model, m, c.name);
    // Every parameter of the model is in the file (PReLU's alpha and LayerNormalization's gamma/beta in another
    // shape, the same count).
    int64_t stored = 0;
    for (const auto& t : m.graph().initializer()) {
      if (t.data_type() != ::onnx::TensorProto::FLOAT || t.dims_size() == 0) continue;
      if (t.name().find("/") == std::string::npos) continue;  // shared constants
      int64_t n = 1;
      for (int64_t d : t.dims()) n *= d;
      stored += n;
    }
    EXPECT_EQ(stored, model->count_params()) << c.name;
  }
}

TEST(OnnxExport, ZooNetworksAreValidOnnxModels) {
  for (const char* name : {"mnist-cnn", "lwls-6.3", "lenet5", "alexnet", "alexnet-torchvision", "vgg11-bn", "pilotnet",
                           "cnn3d", "googlenet", "resnet18", "densenet121", "wavenet"}) {
    std::shared_ptr<Model> model = zoo::create(name, onnx_testing::small_zoo_options(name));
    const ::onnx::ModelProto m = export_and_read(*model, std::string(name) + ".onnx");
    EXPECT_EQ(onnx_testing::onnx_check_errors(m), "") << name;
    expect_names_and_shapes(*model, m, name);
  }
}

TEST(OnnxExport, AlexNetKeepsItsGroupsAndLrn) {
  std::shared_ptr<Model> model = zoo::create("alexnet", onnx_testing::small_zoo_options("alexnet"));
  const ::onnx::ModelProto m = export_and_read(*model, "alexnet_groups.onnx");
  std::vector<int64_t> groups;
  for (const auto* n : nodes_of(m, "Conv")) groups.push_back(attribute(*n, "group")->i());
  EXPECT_EQ(std::count(groups.begin(), groups.end(), 2), 3) << "conv2, conv4 and conv5 are split in two";
  EXPECT_EQ(nodes_of(m, "LRN").size(), 2u);
}

TEST(OnnxExport, ChannelsLastConvStackTransposesOnlyAtItsEdges) {
  std::shared_ptr<Model> model = onnx_testing::conv_stack_model();
  const ::onnx::ModelProto m = export_and_read(*model, "conv_stack.onnx");
  const auto transposes = nodes_of(m, "Transpose");
  ASSERT_EQ(transposes.size(), 2u);
  // Into channels-first at the input, back to Keras's order right before Flatten.
  EXPECT_EQ(transposes[0]->input(0), m.graph().input(0).name());
  EXPECT_EQ(ints_of(*transposes[0], "perm"), (std::vector<int64_t>{0, 3, 1, 2}));
  EXPECT_EQ(ints_of(*transposes[1], "perm"), (std::vector<int64_t>{0, 2, 3, 1}));
  const auto flatten = nodes_of(m, "Flatten");
  ASSERT_EQ(flatten.size(), 1u);
  EXPECT_EQ(flatten[0]->input(0), transposes[1]->output(0));
  // BatchNormalization and MaxPool consume the channels-first values directly.
  EXPECT_EQ(nodes_of(m, "BatchNormalization").size(), 1u);
  EXPECT_EQ(nodes_of(m, "Gemm").size(), 1u);
  EXPECT_EQ(nodes_of(m, "Softmax").size(), 1u);
}

TEST(OnnxExport, ChannelsFirstModelNeedsNoTranspose) {
  std::shared_ptr<Model> model = onnx_testing::conv3d_model(DataFormat::channels_first);
  const ::onnx::ModelProto m = export_and_read(*model, "conv3d_first.onnx");
  EXPECT_TRUE(nodes_of(m, "Transpose").empty());
}

TEST(OnnxExport, ChannelsLastOutputsAreTransposedBack) {
  std::shared_ptr<Model> model = onnx_testing::conv3d_model(DataFormat::channels_last);
  const ::onnx::ModelProto m = export_and_read(*model, "conv3d_last.onnx");
  // One transpose in; GlobalMaxPooling3D(keepdims) is an output and leaves (N, C, 1, 1, 1): one transpose out.
  // GlobalAveragePooling3D's (N, C) needs none.
  const auto transposes = nodes_of(m, "Transpose");
  ASSERT_EQ(transposes.size(), 2u);
  EXPECT_EQ(transposes[1]->output(0), m.graph().output(0).name());
  EXPECT_EQ(ints_of(*transposes[1], "perm"), (std::vector<int64_t>{0, 2, 3, 4, 1}));
}

TEST(OnnxExport, BatchDimensionIsNamedOrFixed) {
  std::shared_ptr<Model> model = onnx_testing::conv_stack_model();
  const ::onnx::ModelProto dynamic = export_and_read(*model, "batch_dynamic.onnx");
  EXPECT_EQ(first_dim(dynamic.graph().input(0)), "batch");
  EXPECT_EQ(first_dim(dynamic.graph().output(0)), "batch");
  const ::onnx::ModelProto fixed =
      export_and_read(*model, "batch_fixed.onnx", {.dynamic_batch = false, .producer_name = "tester"});
  EXPECT_EQ(first_dim(fixed.graph().input(0)), "1");
  EXPECT_EQ(first_dim(fixed.graph().output(0)), "1");
  EXPECT_EQ(fixed.producer_name(), "tester");
  EXPECT_EQ(onnx_testing::onnx_check_errors(fixed), "");
  // Every intermediate value has a complete type.
  for (const auto& v : fixed.graph().value_info()) {
    ASSERT_TRUE(v.type().tensor_type().has_shape()) << v.name();
    for (const auto& d : v.type().tensor_type().shape().dim()) EXPECT_TRUE(d.has_dim_value()) << v.name();
  }
  EXPECT_GE(fixed.graph().value_info_size(), fixed.graph().node_size() - 1);
}

TEST(OnnxExport, LaterOpsetsAreAccepted) {
  std::shared_ptr<Model> model = onnx_testing::dense_merge_model();
  const ::onnx::ModelProto m = export_and_read(*model, "opset17.onnx", {.opset = 17});
  EXPECT_EQ(m.opset_import(0).version(), 17);
  EXPECT_EQ(m.ir_version(), 8);
  EXPECT_EQ(onnx_testing::onnx_check_errors(m), "");
}

TEST(OnnxExport, KerasPaddingBecomesExplicitPads) {
  SymbolicTensor x = Input({7, 7, 1});
  SymbolicTensor y = Conv2D({.filters = 1, .kernel_size = {4}, .padding = Padding::same, .name = "same4"})(x);
  SymbolicTensor p = MaxPooling2D({.pool_size = {2}, .padding = Padding::same, .name = "pool"})(y);
  SymbolicTensor s = Input({9, 2});
  SymbolicTensor c =
      Conv1D({.filters = 2, .kernel_size = {3}, .padding = Padding::causal, .dilation_rate = {2}, .name = "causal"})(s);
  Model model({x, s}, {p, c});
  const ::onnx::ModelProto m = export_and_read(model, "pads.onnx");
  std::map<std::string, std::vector<int64_t>> pads;
  for (const auto& n : m.graph().node()) {
    // An output's own node is renamed "<layer>/channels_first" (its transpose takes the layer's name).
    const std::string layer = n.name().substr(0, n.name().find('/'));
    if (n.op_type() == "Conv" || n.op_type() == "MaxPool") pads[layer] = ints_of(n, "pads");
  }
  // 'same' with an even kernel puts the odd pad at the end (TensorFlow's rule): 7 + 3 = 1 + 7 + 2.
  EXPECT_EQ(pads["same4"], (std::vector<int64_t>{1, 1, 2, 2}));
  EXPECT_EQ(pads["pool"], (std::vector<int64_t>{0, 0, 1, 1}));
  // causal: dilation * (kernel - 1) before, nothing after.
  EXPECT_EQ(pads["causal"], (std::vector<int64_t>{4, 0}));
}

TEST(OnnxExport, WeightsAreStoredAsInitializers) {
  std::shared_ptr<Model> model = onnx_testing::conv_stack_model();
  const ::onnx::ModelProto m = export_and_read(*model, "weights.onnx");
  for (const Layer& layer : model->layers()) {
    for (const Weight& w : layer->weights()) {
      const std::string name = layer->name() + "/" + w.name;
      const ::onnx::TensorProto* t = initializer(m, name);
      ASSERT_NE(t, nullptr) << name;
      EXPECT_EQ(onnx_detail::tensor_from_proto(*t, name).to_vector(), w.value.to_vector()) << name;
    }
  }
  const auto gemm = nodes_of(m, "Gemm");
  ASSERT_EQ(gemm.size(), 1u);
  EXPECT_EQ(gemm[0]->input(1), "dense/kernel");  // (in, out): Gemm's B without transposing
  EXPECT_EQ(attribute(*gemm[0], "transB"), nullptr);
}

TEST(OnnxExport, LrnAlphaFollowsOnnxConvention) {
  // TensorFlow's form (depth_radius, alpha on the plain sum) becomes size 2r + 1 and alpha * size.
  Sequential tf_form({InputLayer({4, 4, 8}),
                      LocalResponseNormalization({.depth_radius = 2, .alpha = 1e-4, .beta = 0.5, .bias = 1.0})});
  const ::onnx::ModelProto m = export_and_read(tf_form, "lrn.onnx");
  const auto lrn = nodes_of(m, "LRN");
  ASSERT_EQ(lrn.size(), 1u);
  EXPECT_EQ(attribute(*lrn[0], "size")->i(), 5);
  EXPECT_FLOAT_EQ(attribute(*lrn[0], "alpha")->f(), 5e-4f);
  EXPECT_FLOAT_EQ(attribute(*lrn[0], "beta")->f(), 0.5f);
  EXPECT_FLOAT_EQ(attribute(*lrn[0], "bias")->f(), 1.0f);
}

// A layer class without an exporter.
class MysteryImpl : public LayerImpl {
 public:
  std::string class_name() const override { return "Mystery"; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override { return inputs[0]; }
  Tensor call(const std::vector<Tensor>& inputs, bool) override { return inputs[0]; }
};

std::string export_error(Model& model, const OnnxExportOptions& options = {}) {
  const std::string path = temp_path("refused.onnx");
  try {
    export_onnx(model, path, options);
  } catch (const ValueError& e) {
    EXPECT_FALSE(std::filesystem::exists(path)) << "a refused export leaves no file";
    return e.what();
  }
  return "no error";
}

TEST(OnnxExport, RefusesWhatHasNoOnnxForm) {
  Sequential mystery({InputLayer({3}), make_layer<MysteryImpl>(), Dense({.units = 2})});
  const std::string error = export_error(mystery);
  EXPECT_NE(error.find("layer 'mystery' (class Mystery) has no ONNX form"), std::string::npos) << error;
  EXPECT_NE(error.find("Conv2DTranspose"), std::string::npos) << "lists the exportable classes: " << error;

  Sequential even_lrn({InputLayer({4, 4, 8}), LocalResponseNormalization({.size = 4, .name = "lrn4"})});
  EXPECT_EQ(export_error(even_lrn),
            "export_onnx: LocalResponseNormalization 'lrn4': an even size (4) has no ONNX LRN form (ONNX centres "
            "even windows one channel later than fovea and PyTorch)");

  Sequential net({InputLayer({3}), Dense({.units = 2})});
  EXPECT_EQ(export_error(net, {.opset = 12}), "export_onnx: opset 12 is not supported; choose 13 to 17");
  Sequential unbuilt({Dense({.units = 2})}, "unbuilt");
  EXPECT_EQ(export_error(unbuilt),
            "export_onnx: model 'unbuilt' is not built (give it an Input layer or call build(input_shape) first)");
}

TEST(OnnxExport, PythonCheckerAcceptsExportedFiles) {
  const std::string missing = onnx_testing::python_onnx_missing();
  if (!missing.empty()) GTEST_SKIP() << missing;
  std::vector<std::pair<std::string, std::shared_ptr<Model>>> models{
      {"py_conv2d.onnx", onnx_testing::conv2d_model(DataFormat::channels_last)},
      {"py_dense_merge.onnx", onnx_testing::dense_merge_model()},
      {"py_activations.onnx", onnx_testing::activations_model()},
      {"py_wavenet.onnx", zoo::create("wavenet", onnx_testing::small_zoo_options("wavenet"))}};
  for (auto& [file, model] : models) {
    const std::string path = temp_path(file);
    export_onnx(*model, path);
    EXPECT_EQ(onnx_testing::python_onnx_check(path), 0) << file;
  }
}

}  // namespace
}  // namespace fovea
