// Tests of the Normalization preprocessing layer: adapt() against hand-computed statistics (one axis kept, none,
// two) and against exact integer sums on an MNIST-sized uint8 set, integer inputs, invert, given statistics, the
// identity before adapt(), the exact text of its errors, Keras's config, the model-file and ONNX round trips, and
// a float64 gradient check.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include "fovea/fovea.h"
#include "fovea/layers/preprocessing.h"
#include "gradcheck.h"
#include "layers/misc_layer_test_util.h"
#include "onnx/proto_io.h"

namespace fovea::testing {
namespace {

NormalizationImpl& impl(const Layer& layer) { return *layer.as<NormalizationImpl>(); }

// (2, 2, 2): channel 0 holds 1, 3, 5, 7 (mean 4, variance 5), channel 1 holds 10, 10, 20, 40 (mean 20, variance
// 150); all eight values have mean 12 and variance 285.5 - 144 = 141.5.
Tensor two_channels(DType dtype = DType::f32) {
  return Tensor::from_vector({2, 2, 2}, {1, 10, 3, 10, 5, 20, 7, 40}, dtype);
}

std::filesystem::path temp_file(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "fovea_normalization_layer";
  std::filesystem::create_directories(dir);
  std::filesystem::remove(dir / name);
  return dir / name;
}

TEST(NormalizationLayer, AdaptKeepsTheLastAxisByDefault) {
  const Layer layer = Normalization();
  EXPECT_EQ(layer->class_name(), "Normalization");
  EXPECT_EQ(layer->default_name_base(), "normalization");
  impl(layer).adapt(two_channels());
  ASSERT_TRUE(layer->built());
  EXPECT_EQ(impl(layer).mean(), (std::vector<double>{4, 20}));
  EXPECT_EQ(impl(layer).variance(), (std::vector<double>{5, 150}));
  ASSERT_EQ(layer->weights().size(), 2u);
  EXPECT_EQ(layer->weights()[0].name, "mean");
  EXPECT_EQ(layer->weights()[1].name, "variance");
  EXPECT_EQ(layer->weights()[0].value.shape(), (Shape{2}));
  EXPECT_FALSE(layer->weights()[0].trainable);
  EXPECT_FALSE(layer->weights()[1].trainable);
  EXPECT_EQ(layer->count_params(), 4);
  EXPECT_EQ(layer->count_trainable_params(), 0);
  const std::vector<double> y = run_layer(layer, {two_channels()}).to_vector();
  const std::vector<double> x = two_channels().to_vector();
  for (size_t i = 0; i < x.size(); ++i) {
    const double expected = i % 2 == 0 ? (x[i] - 4) / std::sqrt(5.0) : (x[i] - 20) / std::sqrt(150.0);
    EXPECT_NEAR(y[i], expected, 1e-6) << "element " << i;
  }
}

TEST(NormalizationLayer, AdaptWithNoKeptAxisGivesOneStatistic) {
  const Layer layer = Normalization({.axis = {}});
  impl(layer).adapt(two_channels(DType::f64));
  EXPECT_EQ(layer->weights()[0].value.shape(), (Shape{1}));
  EXPECT_EQ(impl(layer).mean(), (std::vector<double>{12}));
  EXPECT_EQ(impl(layer).variance(), (std::vector<double>{141.5}));
  const Tensor y = run_layer(layer, {two_channels(DType::f64)});
  EXPECT_EQ(y.dtype(), DType::f64);
  EXPECT_NEAR(y.to_vector()[7], (40 - 12) / std::sqrt(141.5), 1e-6);
}

TEST(NormalizationLayer, AdaptKeepsTwoAxesAroundAReducedOne) {
  // x[n][a][b][c] = 8n + 4a + 2b + c: for each (a, c) the values over (n, b) are 4a + c + {0, 2, 8, 10}, of mean
  // 4a + c + 5 and variance (25 + 9 + 9 + 25) / 4 = 17.
  std::vector<double> values(16);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i);
  const Tensor x = Tensor::from_vector({2, 2, 2, 2}, values);
  for (const std::vector<int>& axis : {std::vector<int>{1, 3}, std::vector<int>{-1, 1}}) {
    const Layer layer = Normalization({.axis = axis});
    impl(layer).adapt(x);
    EXPECT_EQ(layer->weights()[0].value.shape(), (Shape{2, 2}));
    EXPECT_EQ(impl(layer).mean(), (std::vector<double>{5, 6, 9, 10}));
    EXPECT_EQ(impl(layer).variance(), (std::vector<double>{17, 17, 17, 17}));
    // x[1][1][0][1] = 13: statistic (a, c) = (1, 1).
    EXPECT_NEAR(run_layer(layer, {x}).at({1, 1, 0, 1}), (13 - 10) / std::sqrt(17.0), 1e-6);
  }
}

TEST(NormalizationLayer, AdaptIsExactOnAnMnistSizedUint8Set) {
  // 60,000 images of 28 x 28 pseudo-random bytes: float32 running sums of 47 million values lose several digits;
  // the layer must give the exact statistics rounded once to float32. Exact: integer sums, 128-bit arithmetic.
  const int64_t n = 60000LL * 28 * 28;
  Tensor data = Tensor::empty({60000, 28, 28, 1}, DType::u8);
  uint8_t* p = data.data<uint8_t>();
  uint64_t state = 12345, sum = 0, squares = 0;
  for (int64_t i = 0; i < n; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    // Mostly dark pixels with bright strokes, as digits are: a skewed distribution, not a uniform one.
    const uint64_t r = state >> 33;
    const uint8_t v = static_cast<uint8_t>(r % 5 == 0 ? 128 + r % 128 : r % 7);
    p[i] = v;
    sum += v;
    squares += static_cast<uint64_t>(v) * v;
  }
  const long double exact_mean = static_cast<long double>(sum) / n;
  __extension__ using u128 = unsigned __int128;  // n * squares needs 67 bits
  const u128 numerator = static_cast<u128>(n) * squares - static_cast<u128>(sum) * sum;
  const long double exact_variance = static_cast<long double>(numerator) / (static_cast<long double>(n) * n);
  const Layer layer = Normalization();
  impl(layer).adapt(data);
  EXPECT_EQ(impl(layer).mean()[0], static_cast<double>(static_cast<float>(exact_mean)));
  EXPECT_EQ(impl(layer).variance()[0], static_cast<double>(static_cast<float>(exact_variance)));
}

TEST(NormalizationLayer, IntegerInputsGiveWhatFloatInputsGive) {
  const Tensor bytes = Tensor::from_vector({3, 2}, {0, 255, 17, 128, 200, 3}, DType::u8);
  const Tensor floats = bytes.to(DType::f32);
  const Layer from_bytes = Normalization(), from_floats = Normalization();
  impl(from_bytes).adapt(bytes);
  impl(from_floats).adapt(floats);
  EXPECT_EQ(impl(from_bytes).mean(), impl(from_floats).mean());
  EXPECT_EQ(impl(from_bytes).variance(), impl(from_floats).variance());
  EXPECT_TRUE(from_bytes->accepts_integer_input());
  const Tensor y = run_layer(from_bytes, {bytes});
  EXPECT_EQ(y.dtype(), DType::f32);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.to_vector(), run_layer(from_bytes, {floats}).to_vector());
  for (DType dtype : {DType::i32, DType::i64}) {
    EXPECT_EQ(run_layer(from_bytes, {bytes.to(dtype)}).to_vector(), y.to_vector()) << dtype_name(dtype);
  }
}

TEST(NormalizationLayer, InvertUndoesTheForwardPass) {
  const Tensor x = uniform32({5, 3, 4}, 11) * 50.0 + 7.0;
  const Layer forward = Normalization();
  impl(forward).adapt(x);
  const Layer inverse =
      Normalization({.mean = impl(forward).mean(), .variance = impl(forward).variance(), .invert = true});
  expect_close(run_layer(inverse, {run_layer(forward, {x})}), x, 1e-4, 1e-6);
  // mean + x * std on a known case: given statistics of one value each broadcast over the channels.
  const Layer scale = Normalization({.mean = {3}, .variance = {4}, .invert = true});
  EXPECT_EQ(run_layer(scale, {Tensor::from_vector({1, 3}, std::vector<double>{0, 1, -2})}).to_vector(),
            (std::vector<double>{3, 5, -1}));
}

TEST(NormalizationLayer, GivenStatistics) {
  // A zero variance divides by Keras's epsilon, 1e-7, instead of zero.
  const Layer layer = Normalization({.mean = {1, 2}, .variance = {4, 0}});
  EXPECT_EQ(impl(layer).mean(), (std::vector<double>{1, 2}));  // before build: the options
  const Tensor y = run_layer(layer, {Tensor::from_vector({1, 2}, std::vector<double>{5, 2.5}, DType::f64)});
  EXPECT_EQ(y.to_vector()[0], 2.0);
  EXPECT_NEAR(y.to_vector()[1], 0.5 / 1e-7, 1e-3);
  EXPECT_EQ(impl(layer).standard_deviation(), (std::vector<double>{2, 1e-7}));
  EXPECT_EQ(layer->count_params(), 4);  // the weights hold them, so the model file does too
  // One value for three channels.
  const Layer broadcast = Normalization({.mean = {3}, .variance = {4}});
  run_layer(broadcast, {Tensor::zeros({1, 2, 3})});
  EXPECT_EQ(impl(broadcast).mean(), (std::vector<double>{3, 3, 3}));
  EXPECT_EQ(impl(broadcast).variance(), (std::vector<double>{4, 4, 4}));
}

TEST(NormalizationLayer, IdentityBeforeAdapt) {
  const Layer layer = Normalization();
  EXPECT_TRUE(impl(layer).mean().empty());
  EXPECT_TRUE(impl(layer).variance().empty());
  const Tensor x = uniform32({4, 3}, 5);
  EXPECT_EQ(run_layer(layer, {x}).to_vector(), x.to_vector());
  EXPECT_EQ(impl(layer).mean(), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(impl(layer).variance(), (std::vector<double>{1, 1, 1}));
  // adapt() after the build replaces the weights in place: a model holding the layer sees the statistics.
  impl(layer).adapt(Tensor::from_vector({2, 3}, std::vector<double>{1, 2, 3, 3, 2, 1}));
  EXPECT_EQ(impl(layer).mean(), (std::vector<double>{2, 2, 2}));
  EXPECT_EQ(impl(layer).variance(), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(layer->weights()[0].value.to_vector(), (std::vector<double>{2, 2, 2}));
}

TEST(NormalizationLayer, Float64GradientMatchesCentralDifferences) {
  for (bool invert : {false, true}) {
    const Layer layer = Normalization({.axis = {1, -1}, .invert = invert});
    impl(layer).adapt(random64({6, 2, 3, 4}, 3, -4.0, 9.0));
    expect_gradients_match([&](const std::vector<Tensor>& in) { return run_layer(layer, in); },
                           {random64({2, 2, 3, 4}, 8)});
  }
}

TEST(NormalizationLayer, KerasConfigAndRegistry) {
  const Layer adapted = Normalization({.name = "norm"});
  EXPECT_EQ(adapted->config().dump(),
            R"({"axis":[-1],"invert":false,"mean":null,"name":"norm","trainable":true,"variance":null})");
  expect_round_trip(adapted, {Shape{-1, 4, 4, 3}});
  const Layer given = Normalization({.axis = {1, 2}, .mean = {0.5, 1.5}, .variance = {2, 3}, .invert = true});
  EXPECT_EQ(given->config().dump(),
            R"({"axis":[1,2],"invert":true,"mean":[0.5,1.5],"name":"","trainable":true,"variance":[2.0,3.0]})");
  expect_round_trip(given, {Shape{-1, 1, 2, 5}});
  // Keras 3's documents: axis None as [], an integer axis, statistics as numpy's tolist() writes them (nested).
  const Layer none =
      layer_from_config("Normalization", {{"name", "n"}, {"axis", nlohmann::json::array()}}, "layers[1]");
  EXPECT_TRUE(impl(none).options().axis.empty());
  const Layer keras = layer_from_config("Normalization", nlohmann::json::parse(R"({
        "name": "normalization", "trainable": true, "dtype": "float32", "axis": -1, "invert": false,
        "mean": [[[1.0, 2.0]]], "variance": 4.0})"),
                                        "layers[1]");
  EXPECT_EQ(impl(keras).options().axis, (std::vector<int>{-1}));
  EXPECT_EQ(impl(keras).options().mean, (std::vector<double>{1, 2}));
  EXPECT_EQ(impl(keras).options().variance, (std::vector<double>{4}));
  EXPECT_EQ(run_layer(keras, {Tensor::from_vector({1, 2}, std::vector<double>{5, 6})}).to_vector(),
            (std::vector<double>{2, 2}));
  EXPECT_EQ(impl(layer_from_config("Normalization", nlohmann::json::object(), "layers[0]")).options().axis,
            (std::vector<int>{-1}));
}

TEST(NormalizationLayer, OptionErrors) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(error_text<ValueError>([] {
              Normalization({.mean = {1, 2}});
            }),
            "Normalization: mean and variance must be given together (got 2 mean and 0 variance values)");
  EXPECT_EQ(error_text<ValueError>([&] {
              Normalization({.mean = {0, nan}, .variance = {1, 1}});
            }),
            "Normalization: mean[1] must be a finite float32 value, got nan");
  EXPECT_EQ(error_text<ValueError>([] { Normalization({.mean = {1e300}, .variance = {1}}); }),
            "Normalization: mean[0] must be a finite float32 value, got 1e+300");
  EXPECT_EQ(error_text<ValueError>([] { Normalization({.mean = {0}, .variance = {-1}}); }),
            "Normalization: variance[0] must be a finite float32 value >= 0, got -1");
  EXPECT_EQ(error_text<ValueError>([] {
              layer_from_config("Normalization", {{"mean", {1, "big"}}, {"variance", 1}}, "layers[2]");
            }),
            "layers[2] (Normalization): 'mean' must be a number or a list of numbers, got [1,\"big\"]");
  EXPECT_EQ(error_text<ValueError>([] {
              layer_from_config("Normalization", {{"axis", "last"}}, "layers[2]");
            }),
            "layers[2] (Normalization): 'axis' must be an integer or a list of at most 6 integers, got \"last\"");
  EXPECT_EQ(error_text<ValueError>([] {
              layer_from_config("Normalization", {{"mean", 1}}, "layers[2]");
            }),
            "layers[2] (Normalization): Normalization: mean and variance must be given together (got 1 mean and 0 "
            "variance values)");
}

TEST(NormalizationLayer, ShapeErrors) {
  auto shape_error = [](const NormalizationOptions& o, const Shape& input) {
    return error_text<ShapeError>([&] { Normalization(o)->compute_output_shape({input}); });
  };
  EXPECT_EQ(shape_error({.axis = {3}, .name = "n"}, {-1, 4, 5}),
            "Normalization 'n': axis 3 is out of range for input shape (None, 4, 5) of rank 3");
  EXPECT_EQ(shape_error({.axis = {-3}, .name = "n"}, {-1, 4, 5}),
            "Normalization 'n': axis -3 is the batch axis of input shape (None, 4, 5); keep feature axes, or none "
            "(axis {}) for one mean and variance");
  EXPECT_EQ(shape_error({.axis = {-1}, .name = "n"}, {-1}),
            "Normalization 'n': axis -1 is the batch axis of input shape (None,); keep feature axes, or none (axis {}) "
            "for one mean and variance");
  EXPECT_EQ(shape_error({.axis = {2, -1}, .name = "n"}, {-1, 4, 5}),
            "Normalization 'n': axis -1 is listed twice in axis [2, -1] for input shape (None, 4, 5)");
  EXPECT_EQ(shape_error({.axis = {1}, .name = "n"}, {-1, -1, 5}),
            "Normalization 'n' needs a known size on its kept axis 1, got input shape (None, -1, 5)");
  EXPECT_EQ(shape_error({.mean = {1, 2}, .variance = {1}, .name = "n"}, {-1, 4, 3}),
            "Normalization 'n': mean has 2 values but axis [-1] of input shape (None, 4, 3) keeps 3 statistics; give "
            "one value or 3");
  EXPECT_EQ(shape_error({.axis = {}, .mean = {1}, .variance = {1, 1}, .name = "n"}, {-1, 4, 3}),
            "Normalization 'n': variance has 2 values but axis [] of input shape (None, 4, 3) keeps 1 statistics; "
            "give one value or 1");
  // The model checks the shapes as layers are applied.
  EXPECT_EQ(error_text<ShapeError>([] {
              Normalization({.mean = {1, 2}, .variance = {1, 2}})(Input({4, 3}));
            }),
            "Normalization 'normalization': mean has 2 values but axis [-1] of input shape (None, 4, 3) keeps 3 "
            "statistics; give one value or 3");
}

TEST(NormalizationLayer, AdaptErrors) {
  EXPECT_EQ(error_text<ValueError>(
                [] { impl(Normalization({.mean = {0}, .variance = {1}, .name = "n"})).adapt(two_channels()); }),
            "Normalization 'n': adapt() cannot replace the mean and variance given as options; leave them out to "
            "learn them");
  EXPECT_EQ(error_text<ValueError>([] {
              impl(Normalization({.name = "n"})).adapt(Tensor::zeros({0, 3}));
            }),
            "Normalization 'n': adapt() needs data with at least one value, got shape (0, 3)");
  EXPECT_EQ(error_text<ValueError>([] { impl(Normalization({.name = "n"})).adapt(Tensor::scalar(1.0)); }),
            "Normalization 'n': adapt() needs batch-first data, got a scalar");
  EXPECT_EQ(
      error_text<ValueError>([] {
        impl(Normalization({.name = "n"})).adapt(Tensor::from_vector({2, 1}, std::vector<double>{1.0, std::nan("")}));
      }),
      "Normalization 'n': adapt() found mean nan and variance nan for statistic 0; both must be finite float32 "
      "values (does the data hold NaN, infinite or huge values?)");
  const Layer built = Normalization({.name = "n"});
  run_layer(built, {Tensor::zeros({1, 4, 3})});
  EXPECT_EQ(error_text<ShapeError>([&] {
              impl(built).adapt(Tensor::zeros({5, 4, 2}));
            }),
            "Normalization 'n' was built for input shape (None, 4, 3) but is now called on (None, 4, 2)");
  // A failed adapt() leaves the statistics as they were.
  EXPECT_EQ(impl(built).mean(), (std::vector<double>{0, 0, 0}));
}

// Input -> Normalization (adapted, per channel) -> Conv2D -> Normalization (given, per channel) -> Normalization
// over H and C (given, inverted) -> Normalization over everything (adapted) -> Flatten -> Dense.
std::shared_ptr<Model> normalized_model() {
  SymbolicTensor x = Input({6, 5, 3}, "image");
  Layer first = Normalization({.name = "pixels"});
  SymbolicTensor y = first(x);
  y = Conv2D({.filters = 4, .kernel_size = {3}, .padding = Padding::same})(y);
  y = Normalization({.mean = {1, -1, 0.5, 2}, .variance = {4, 0.25, 1, 9}, .name = "channels"})(y);
  std::vector<double> mean, variance;
  for (int i = 0; i < 24; ++i) {
    mean.push_back(0.25 * i - 2);
    variance.push_back(0.5 + 0.1 * i);
  }
  y = Normalization({.axis = {1, 3}, .mean = mean, .variance = variance, .invert = true, .name = "scaled"})(y);
  Layer last = Normalization({.axis = {}, .name = "overall"});
  y = Dense({.units = 3})(Flatten()(last(y)));
  auto model = std::make_shared<Model>(std::vector<SymbolicTensor>{x}, std::vector<SymbolicTensor>{y}, "normalized");
  impl(first).adapt(uniform32({20, 6, 5, 3}, 4) * 100.0 + 30.0);
  impl(last).adapt(uniform32({7, 6, 5, 4}, 9) * 3.0 - 1.0);
  return model;
}

TEST(NormalizationLayer, ModelFileRoundTrip) {
  const std::shared_ptr<Model> model = normalized_model();
  const std::string path = temp_file("normalized.fovea").string();
  save_model(*model, path);
  const std::shared_ptr<Model> loaded = load_model(path);
  for (const char* name : {"pixels", "channels", "scaled", "overall"}) {
    const auto* a = model->get_layer(name).as<NormalizationImpl>();
    const auto* b = loaded->get_layer(name).as<NormalizationImpl>();
    ASSERT_NE(b, nullptr) << name;
    EXPECT_EQ(b->options().axis, a->options().axis) << name;
    EXPECT_EQ(b->options().invert, a->options().invert) << name;
    EXPECT_EQ(b->mean(), a->mean()) << name;
    EXPECT_EQ(b->variance(), a->variance()) << name;
  }
  const Tensor x = uniform32({2, 6, 5, 3}, 21) * 100.0;
  EXPECT_EQ(loaded->call({x})[0].to_vector(), model->call({x})[0].to_vector());
}

TEST(NormalizationLayer, OnnxRoundTrip) {
  // The exported model computes in ONNX's channels-first layout after the convolution: the per-channel constants
  // broadcast there, and the two kept axes (H and C, held swapped) come back to Keras's order first.
  const std::shared_ptr<Model> model = normalized_model();
  const std::string path = temp_file("normalized.onnx").string();
  export_onnx(*model, path);
  // The constants' shapes: (1, 1, 1, 3) on the input in Keras's layout, (1, C, 1, 1) on the convolution's
  // channels-first output, (1, H, 1, C) once transposed back, (1, 1, 1, 1) for one statistic.
  std::map<std::string, std::vector<int64_t>> dims;
  const ::onnx::ModelProto proto = onnx_detail::read_model_proto(path);
  for (const auto& t : proto.graph().initializer()) {
    dims[t.name()] = std::vector<int64_t>(t.dims().begin(), t.dims().end());
  }
  EXPECT_EQ(dims["pixels/mean"], (std::vector<int64_t>{1, 1, 1, 3}));
  EXPECT_EQ(dims["channels/mean"], (std::vector<int64_t>{1, 4, 1, 1}));
  EXPECT_EQ(dims["channels/std"], (std::vector<int64_t>{1, 4, 1, 1}));
  EXPECT_EQ(dims["scaled/mean"], (std::vector<int64_t>{1, 6, 1, 4}));
  EXPECT_EQ(dims["overall/std"], (std::vector<int64_t>{1, 1, 1, 1}));
  const std::shared_ptr<Model> imported = import_onnx(path);
  const Tensor x = uniform32({2, 6, 5, 3}, 21) * 100.0;
  const std::vector<double> expected = model->call({x})[0].to_vector();
  const std::vector<double> got = imported->call({x})[0].to_vector();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_LE(std::abs(got[i] - expected[i]), 1e-5 * std::max(1.0, std::abs(expected[i]))) << "element " << i;
  }
}

}  // namespace
}  // namespace fovea::testing
