// Helpers shared by the ONNX export and round-trip tests: small models that cover every exportable layer class in
// both data formats, the zoo networks at small input sizes, ONNX's own checks on an exported file, and the python
// onnx checker when it is installed.
#pragma once

#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fovea/fovea.h"
#include "fovea/io/onnx.h"
#include "onnx/proto_io.h"

namespace fovea::onnx_testing {

// A fresh file path under the test temp folder.
inline std::string temp_path(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "fovea_onnx_export";
  std::filesystem::create_directories(dir);
  const std::filesystem::path path = dir / name;
  std::filesystem::remove(path);
  return path.string();
}

inline Tensor random_tensor(const Shape& shape, uint64_t seed) {
  Generator gen(seed);
  return Tensor::normal(shape, 0.0, 1.0, &gen);
}

// The model's input shape with batch 2.
inline Shape batch_shape(const Model& model, int index = 0, int64_t batch = 2) {
  Shape s = model.inputs()[index].shape();
  s[0] = batch;
  return s;
}

// ONNX's checker and strict shape inference with type checks, as `onnx.checker.check_model(m, full_check=True)`.
// Returns the error text, empty when the model passes.
inline std::string onnx_check_errors(const ::onnx::ModelProto& model) {
  try {
    ::onnx::checker::check_model(model);
    ::onnx::ModelProto copy = model;
    ::onnx::shape_inference::InferShapes(copy, ::onnx::OpSchemaRegistry::Instance(),
                                         ::onnx::ShapeInferenceOptions(true, 1));
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// Why the python onnx checker cannot run here (empty when it can).
inline std::string python_onnx_missing() {
  if (!std::filesystem::exists("/usr/bin/python3")) return "/usr/bin/python3 is not installed";
  if (std::system("/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1") != 0) return "python3 has no onnx module";
  return "";
}

// Runs onnx.checker.check_model(full_check=True) on the file; returns the exit status (0: it passes).
inline int python_onnx_check(const std::string& path) {
  const std::string command =
      "/usr/bin/python3 -c \"import onnx, sys; "
      "onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)\" '" +
      path + "' 2>&1";
  return std::system(command.c_str());
}

struct ModelCase {
  std::string name;
  std::function<std::shared_ptr<Model>()> make;
};

// gtest prints a parameter by its name.
inline void PrintTo(const ModelCase& c, std::ostream* os) { *os << c.name; }

inline std::string format_suffix(DataFormat f) { return f == DataFormat::channels_last ? "last" : "first"; }

// (spatial..., channels) or (channels, spatial...).
inline Shape image_input(const Dims& spatial, int64_t channels, DataFormat f) {
  Shape s;
  if (f == DataFormat::channels_first) s.push_back(channels);
  for (int64_t d : spatial) s.push_back(d);
  if (f == DataFormat::channels_last) s.push_back(channels);
  return s;
}

// 2-D convolutions of every kind, padding and cropping, every 2-D pooling, batch norm, LRN, layer norm, then
// Flatten and a softmax Dense.
inline std::shared_ptr<Model> conv2d_model(DataFormat f) {
  const int channel_axis = f == DataFormat::channels_last ? -1 : 1;
  SymbolicTensor x = Input(image_input({11, 11}, 3, f), "image");
  SymbolicTensor y = Conv2D({.filters = 4,
                             .kernel_size = {3},
                             .strides = {2},
                             .padding = Padding::same,
                             .data_format = f,
                             .activation = ActivationKind::relu})(x);
  y = Conv2D({.filters = 6,
              .kernel_size = {3, 2},
              .padding = Padding::same,
              .data_format = f,
              .dilation_rate = {2},
              .groups = 2,
              .activation = ActivationKind::gelu})(y);
  y = DepthwiseConv2D({.kernel_size = {3},
                       .padding = Padding::same,
                       .depth_multiplier = 2,
                       .data_format = f,
                       .activation = Activation::hard_sigmoid()})(y);
  y = SeparableConv2D({.filters = 4, .kernel_size = {2}, .data_format = f, .activation = ActivationKind::swish})(y);
  y = Conv2DTranspose({.filters = 3,
                       .kernel_size = {3},
                       .strides = {2},
                       .padding = Padding::same,
                       .data_format = f,
                       .activation = ActivationKind::tanh})(y);
  y = Conv2DTranspose({.filters = 4, .kernel_size = {2}, .strides = {3}, .data_format = f, .groups = 1})(y);
  y = Conv2DTranspose({.filters = 2,
                       .kernel_size = {3},
                       .strides = {2},
                       .padding = Padding::same,
                       .output_padding = {1},
                       .data_format = f})(y);
  y = Conv2D({.filters = 4, .kernel_size = {3}, .padding = Padding::full, .data_format = f, .use_bias = false})(y);
  y = ZeroPadding2D({.padding = {{1, 0}, {2, 1}}, .data_format = f})(y);
  y = Cropping2D({.cropping = {{0, 1}, {3, 2}}, .data_format = f})(y);
  y = MaxPooling2D({.pool_size = {3}, .strides = {2}, .padding = Padding::same, .data_format = f})(y);
  y = BatchNormalization({.axis = channel_axis, .epsilon = 0.01})(y);
  y = AveragePooling2D({.pool_size = {3}, .strides = {1}, .padding = Padding::same, .data_format = f})(y);
  y = LocalResponseNormalization({.size = 3, .alpha = 0.5, .beta = 0.75, .bias = 1.5, .data_format = f})(y);
  y = L2Pooling2D({.pool_size = {2}, .data_format = f})(y);
  y = SpatialDropout2D({.rate = 0.3, .data_format = f})(y);
  y = LayerNormalization({.axis = {channel_axis}, .epsilon = 0.001})(y);
  SymbolicTensor pooled = GlobalMaxPooling2D({.data_format = f, .keepdims = true})(y);
  SymbolicTensor averaged = GlobalAveragePooling2D({.data_format = f})(y);
  SymbolicTensor flat = Flatten({.data_format = f})(y);
  SymbolicTensor joined = Concatenate({.axis = 1})({Flatten({.data_format = f})(pooled), averaged, flat});
  SymbolicTensor out = Dense({.units = 5, .activation = ActivationKind::softmax})(joined);
  return std::make_shared<Model>(std::vector<SymbolicTensor>{x}, std::vector<SymbolicTensor>{out, y},
                                 "conv2d_" + format_suffix(f));
}

// 1-D convolutions (causal, dilated), transposed, pooling, padding, cropping, spatial dropout, global pooling.
inline std::shared_ptr<Model> conv1d_model(DataFormat f) {
  SymbolicTensor x = Input(image_input({16}, 3, f), "sequence");
  SymbolicTensor y = Conv1D({.filters = 4,
                             .kernel_size = {2},
                             .padding = Padding::causal,
                             .data_format = f,
                             .dilation_rate = {2},
                             .activation = ActivationKind::tanh})(x);
  y = Conv1DTranspose({.filters = 3, .kernel_size = {3}, .strides = {2}, .data_format = f})(y);
  y = MaxPooling1D({.pool_size = {2}, .data_format = f})(y);
  y = AveragePooling1D({.pool_size = {3}, .strides = {2}, .padding = Padding::same, .data_format = f})(y);
  y = L2Pooling1D({.pool_size = {2}, .strides = {1}, .data_format = f})(y);
  y = ZeroPadding1D({.padding = {2, 1}, .data_format = f})(y);
  y = Cropping1D({.cropping = {1, 2}, .data_format = f})(y);
  y = SpatialDropout1D({.rate = 0.5, .data_format = f})(y);
  SymbolicTensor a = GlobalMaxPooling1D({.data_format = f})(y);
  SymbolicTensor b = GlobalAveragePooling1D({.data_format = f, .keepdims = true})(y);
  return std::make_shared<Model>(std::vector<SymbolicTensor>{x}, std::vector<SymbolicTensor>{a, b, y},
                                 "conv1d_" + format_suffix(f));
}

// 3-D convolutions, transposed, pooling, padding, cropping, spatial dropout, global pooling.
inline std::shared_ptr<Model> conv3d_model(DataFormat f) {
  SymbolicTensor x = Input(image_input({5, 6, 6}, 2, f), "volume");
  SymbolicTensor y = Conv3D({.filters = 3,
                             .kernel_size = {3},
                             .padding = Padding::same,
                             .data_format = f,
                             .activation = ActivationKind::relu6})(x);
  y = Conv3DTranspose({.filters = 2, .kernel_size = {2}, .strides = {2}, .data_format = f})(y);
  y = MaxPooling3D({.pool_size = {2}, .data_format = f})(y);
  y = AveragePooling3D({.pool_size = {2}, .strides = {1}, .padding = Padding::same, .data_format = f})(y);
  y = L2Pooling3D({.pool_size = {2}, .data_format = f})(y);
  y = ZeroPadding3D({.padding = 1, .data_format = f})(y);
  y = Cropping3D({.cropping = {{1, 0}, {0, 1}, {1, 1}}, .data_format = f})(y);
  y = SpatialDropout3D({.rate = 0.5, .data_format = f})(y);
  SymbolicTensor a = GlobalMaxPooling3D({.data_format = f, .keepdims = true})(y);
  SymbolicTensor b = GlobalAveragePooling3D({.data_format = f})(y);
  return std::make_shared<Model>(std::vector<SymbolicTensor>{x}, std::vector<SymbolicTensor>{a, b},
                                 "conv3d_" + format_suffix(f));
}

// Dense, the activation layers, every merge, Permute, Reshape, Rescaling, Softmax on an inner axis, layer norm
// over two axes, a shared layer applied twice, Dropout.
inline std::shared_ptr<Model> dense_merge_model() {
  SymbolicTensor x = Input({6}, "features");
  SymbolicTensor h = Reshape({.target_shape = {4, 8}})(Dense({.units = 32, .activation = ActivationKind::selu})(x));
  SymbolicTensor r = ReLU({.max_value = 1.5, .negative_slope = 0.1, .threshold = 0.2})(h);
  SymbolicTensor r2 = ReLU({.max_value = 0.8})(h);
  SymbolicTensor lk = LeakyReLU({.negative_slope = 0.2})(h);
  SymbolicTensor pr = PReLU({.alpha_initializer = initializers::RandomUniform(-1.0, 1.0), .shared_axes = {1}})(h);
  SymbolicTensor el = ELU({.alpha = 0.7})(h);
  SymbolicTensor sum = Add()({r, lk, pr});
  SymbolicTensor diff = Subtract()({el, r2});
  SymbolicTensor prod = Multiply()({sum, diff, r});
  SymbolicTensor avg = Average()({prod, el, lk});
  SymbolicTensor mx = Maximum()({avg, sum});
  SymbolicTensor mn = Minimum()({mx, diff, pr});
  SymbolicTensor cat = Concatenate({.axis = 1})({mn, mx});  // (8, 8)
  SymbolicTensor soft = Softmax({.axis = 1})(cat);
  SymbolicTensor permuted = Permute({.dims = {2, 1}})(soft);
  SymbolicTensor normed = LayerNormalization({.axis = {1, 2}, .epsilon = 0.01})(permuted);
  SymbolicTensor scaled = Rescaling({.scale = 2.5, .offset = -0.5})(normed);
  Layer shared = Dense({.units = 6, .activation = Activation::relu(0.0, 6.0, 0.5), .use_bias = false});
  SymbolicTensor once = shared(Flatten()(scaled));
  SymbolicTensor again = Reshape({.target_shape = {2, 3}})(shared(Flatten()(Permute({.dims = {2, 1}})(scaled))));
  SymbolicTensor out = Dropout({.rate = 0.5})(Dense({.units = 4, .activation = ActivationKind::log_softmax})(once));
  return std::make_shared<Model>(std::vector<SymbolicTensor>{x}, std::vector<SymbolicTensor>{out, again, permuted},
                                 "dense_merge");
}

// Every activation function, side by side on one input (log, sqrt and pow on positive values).
inline std::shared_ptr<Model> activations_model() {
  SymbolicTensor x = Input({5}, "values");
  std::vector<SymbolicTensor> branches;
  for (ActivationKind k :
       {ActivationKind::relu, ActivationKind::leaky_relu, ActivationKind::relu6, ActivationKind::elu,
        ActivationKind::selu, ActivationKind::gelu, ActivationKind::gelu_tanh, ActivationKind::sigmoid,
        ActivationKind::hard_sigmoid, ActivationKind::exponential, ActivationKind::softplus, ActivationKind::softsign,
        ActivationKind::swish, ActivationKind::tanh, ActivationKind::abs, ActivationKind::square,
        ActivationKind::softmax, ActivationKind::log_softmax}) {
    branches.push_back(ActivationLayer({.activation = k})(x));
  }
  branches.push_back(ActivationLayer({.activation = Activation::clip(-0.5, 0.7)})(x));
  branches.push_back(ActivationLayer({.activation = Activation::relu(0.3, 2.0, -0.5)})(x));
  SymbolicTensor positive = Rescaling({.offset = 0.5})(ActivationLayer({.activation = ActivationKind::abs})(x));
  for (Activation a : {Activation(ActivationKind::log), Activation(ActivationKind::sqrt), Activation::pow(1.5)}) {
    branches.push_back(ActivationLayer({.activation = a})(positive));
  }
  return std::make_shared<Model>(std::vector<SymbolicTensor>{x},
                                 std::vector<SymbolicTensor>{Concatenate({.axis = -1})(branches)}, "activations");
}

// A Sequential whose image layers all run channels-first inside ONNX: one transpose in, one before Flatten.
inline std::shared_ptr<Model> conv_stack_model() {
  return std::make_shared<Sequential>(std::vector<Layer>{
      InputLayer({8, 8, 2}), Conv2D({.filters = 3, .kernel_size = {3}, .padding = Padding::same}), BatchNormalization(),
      ReLU(), Conv2D({.filters = 4, .kernel_size = {3}, .activation = ActivationKind::relu}), MaxPooling2D(),
      Dropout({.rate = 0.2}), Flatten(), Dense({.units = 3, .activation = ActivationKind::softmax})});
}

// Models covering every exportable layer class, in both data formats where the layer has one.
inline std::vector<ModelCase> layer_cases() {
  std::vector<ModelCase> cases;
  for (DataFormat f : {DataFormat::channels_last, DataFormat::channels_first}) {
    cases.push_back({"conv2d_" + format_suffix(f), [f] { return conv2d_model(f); }});
    cases.push_back({"conv1d_" + format_suffix(f), [f] { return conv1d_model(f); }});
    cases.push_back({"conv3d_" + format_suffix(f), [f] { return conv3d_model(f); }});
  }
  cases.push_back({"dense_merge", dense_merge_model});
  cases.push_back({"activations", activations_model});
  cases.push_back({"conv_stack", conv_stack_model});
  return cases;
}

// Every zoo network at a small input size (as tests/zoo uses them), 5 classes.
inline zoo::ZooOptions small_zoo_options(const std::string& name) {
  zoo::ZooOptions o{.num_classes = 5};
  if (name == "mnist-cnn" || name == "lwls-6.3") o.input_shape = {28, 28, 1};
  if (name == "lenet5") o.input_shape = {32, 32, 1};
  if (name == "alexnet") o.input_shape = {67, 67, 3};
  if (name == "alexnet-torchvision") o.input_shape = {63, 63, 3};
  if (name.rfind("vgg", 0) == 0 || name.rfind("resnet", 0) == 0 || name.rfind("densenet", 0) == 0) {
    o.input_shape = {32, 32, 3};
  }
  if (name == "pilotnet") o.input_shape = {61, 61, 3};
  if (name == "cnn3d") o.input_shape = {8, 16, 16, 1};
  if (name == "googlenet") o.input_shape = {31, 31, 3};
  if (name == "wavenet") o.input_shape = {24, 5};
  return o;
}

}  // namespace fovea::onnx_testing
