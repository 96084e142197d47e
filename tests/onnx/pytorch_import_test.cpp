// Models exported by PyTorch itself (tests/onnx/export_from_pytorch.py: torchvision's resnet18 and a custom CNN
// with the x.view(x.size(0), -1) pattern) import into fovea, compute PyTorch's outputs, and keep training on
// Fashion-MNIST. Skips where /usr/bin/python3 has no torch/torchvision, or Fashion-MNIST is not installed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <unistd.h>

#include "fovea/fovea.h"

#ifndef FOVEA_SOURCE_DIR
#error "FOVEA_SOURCE_DIR must name the source tree"
#endif

namespace fovea {
namespace {

namespace fs = std::filesystem;

class PytorchImportTest : public ::testing::Test {
 protected:
  // Exports once per process (importing torch takes seconds). ctest runs each test in a process of its own, in
  // parallel, so each process needs its own folder: in a shared one, one export rewrites the files another is
  // reading.
  static void SetUpTestSuite() {
    dir_ = fs::path(::testing::TempDir()) / ("fovea_pytorch_import_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    if (std::system("/usr/bin/python3 -c 'import torch, torchvision, onnx' >/dev/null 2>&1") != 0) {
      skip_reason_ = "/usr/bin/python3 has no torch, torchvision or onnx";
      return;
    }
    const std::string command = "/usr/bin/python3 " + std::string(FOVEA_SOURCE_DIR) +
                                "/tests/onnx/export_from_pytorch.py " + dir_.string() + " > " +
                                (dir_ / "export.log").string() + " 2>&1";
    if (std::system(command.c_str()) != 0) {
      std::ifstream log(dir_ / "export.log");
      export_error_ = std::string(std::istreambuf_iterator<char>(log), {});
      if (export_error_.empty()) export_error_ = "(no output)";
    }
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(export_error_.empty()) << "export_from_pytorch.py failed:\n" << export_error_;
  }
  static std::string path(const std::string& name) { return (dir_ / name).string(); }

  // fovea's output for PyTorch's input, against PyTorch's output: the largest difference relative to the largest
  // output magnitude.
  static double relative_error(Model& model, const std::string& name) {
    const Tensor x = read_npy(path(name + "_x.npy"));
    const Tensor expected = read_npy(path(name + "_y.npy"));
    const Tensor y = model(x);
    EXPECT_EQ(y.shape(), expected.shape());
    const std::vector<double> a = y.to_vector(), e = expected.to_vector();
    double worst = 0, scale = 0;
    for (size_t i = 0; i < a.size() && i < e.size(); ++i) {
      worst = std::max(worst, std::abs(a[i] - e[i]));
      scale = std::max(scale, std::abs(e[i]));
    }
    return worst / std::max(scale, 1e-12);
  }

  static inline fs::path dir_;
  static inline std::string skip_reason_;
  static inline std::string export_error_;  // the export's output when it failed
};

TEST_F(PytorchImportTest, TorchvisionResnet18ComputesPytorchsOutputs) {
  std::shared_ptr<Model> net = import_onnx(path("resnet18.onnx"));
  // torchvision's resnet18 with 10 classes has 11,181,642 parameters; exporting in eval mode folds each batch norm
  // into its convolution, whose new bias replaces the norm's gamma and beta: 4,800 channels, 4,800 fewer.
  EXPECT_EQ(net->count_trainable_params(), 11181642 - 4800);
  EXPECT_LE(relative_error(*net, "resnet18"), 1e-4);
}

TEST_F(PytorchImportTest, CustomCnnComputesPytorchsOutputsAndTrainsOnFashionMnist) {
  std::shared_ptr<Model> net = import_onnx(path("small_cnn.onnx"));
  EXPECT_LE(relative_error(*net, "small_cnn"), 1e-4);
  EXPECT_EQ(net->inputs()[0].shape(), (Shape{-1, 1, 28, 28}));  // the dynamic batch axis stays free

  Dataset train;
  try {
    train = take(load_fashion_mnist("train"), 1024);
  } catch (const IoError& e) {
    GTEST_SKIP() << "Fashion-MNIST is not installed: " << e.what();
  }
  // (N, 28, 28, 1) and (N, 1, 28, 28) hold the same bytes when there is one channel; PyTorch's layout is the latter.
  const Tensor x = (train.images / 255.0).view(Shape{train.size(), 1, 28, 28});
  net->compile({.optimizer = optimizers::Adam({.learning_rate = 1e-3}),
                .loss = "sparse_categorical_crossentropy",
                .metrics = {"accuracy"}});
  const History history = net->fit(x, train.labels, {.epochs = 3, .batch_size = 64, .verbose = 0, .seed = 1});
  const std::vector<double>& loss = history.at("loss");
  ASSERT_EQ(loss.size(), 3u);
  EXPECT_LT(loss.back(), 0.8 * loss.front()) << "loss " << loss.front() << " -> " << loss.back();
}

}  // namespace
}  // namespace fovea
