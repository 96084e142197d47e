// Export then import: the imported model computes what the fovea model computes (every zoo network at a small
// input size, and models covering every exportable layer class in both data formats), on random inputs of batch
// 2. Needs both halves of the ONNX exchange (export_onnx and import_onnx).
#include <gtest/gtest.h>

#include <cmath>

#include "fovea/fovea.h"
#include "fovea/io/onnx.h"
#include "onnx/onnx_test_util.h"

namespace fovea {
namespace {

// |imported - original| <= 1e-5 (relative to the value for values above 1, as float rounding is).
void expect_same_outputs(Model& original, const std::string& file) {
  const std::string path = onnx_testing::temp_path(file);
  export_onnx(original, path);
  std::shared_ptr<Model> imported = import_onnx(path);
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < original.inputs().size(); ++i) {
    inputs.push_back(onnx_testing::random_tensor(onnx_testing::batch_shape(original, static_cast<int>(i)), 17 + i));
  }
  const std::vector<Tensor> expected = original.call(inputs);
  const std::vector<Tensor> got = imported->call(inputs);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t o = 0; o < expected.size(); ++o) {
    ASSERT_EQ(got[o].shape(), expected[o].shape()) << "output " << o;
    const std::vector<double> a = got[o].to_vector(), b = expected[o].to_vector();
    double worst = 0;
    size_t worst_at = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      const double excess = std::abs(a[i] - b[i]) - 1e-5 * std::max(1.0, std::abs(b[i]));
      if (!(excess <= worst)) {
        worst = std::isnan(excess) ? INFINITY : excess;
        worst_at = i;
      }
    }
    EXPECT_LE(worst, 0.0) << "output " << o << " element " << worst_at << ": imported " << a[worst_at] << ", fovea "
                          << b[worst_at];
  }
}

class OnnxRoundTripLayers : public ::testing::TestWithParam<onnx_testing::ModelCase> {};

TEST_P(OnnxRoundTripLayers, ImportedModelComputesTheSame) {
  std::shared_ptr<Model> model = GetParam().make();
  expect_same_outputs(*model, "round_trip_" + GetParam().name + ".onnx");
}

INSTANTIATE_TEST_SUITE_P(EveryLayerClass, OnnxRoundTripLayers, ::testing::ValuesIn(onnx_testing::layer_cases()),
                         [](const auto& info) { return info.param.name; });

std::vector<std::string> zoo_names() {
  std::vector<std::string> names;
  for (const zoo::ZooEntry& e : zoo::entries()) names.push_back(e.name);
  return names;
}

std::string test_name(const std::string& zoo_name) {
  std::string s;
  for (char c : zoo_name) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

class OnnxRoundTripZoo : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxRoundTripZoo, ImportedModelComputesTheSame) {
  std::shared_ptr<Model> model = zoo::create(GetParam(), onnx_testing::small_zoo_options(GetParam()));
  expect_same_outputs(*model, "round_trip_" + test_name(GetParam()) + ".onnx");
}

INSTANTIATE_TEST_SUITE_P(EveryNetwork, OnnxRoundTripZoo, ::testing::ValuesIn(zoo_names()),
                         [](const auto& info) { return test_name(info.param); });

}  // namespace
}  // namespace fovea
