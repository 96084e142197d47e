// Tests for the weight initializers: value statistics against Keras's formulas, reproducibility, Identity and
// Orthogonal structure, errors, and JSON forms.
#include "fovea/layers/initializers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "fovea/core/error.h"

namespace fovea {
namespace {

using nlohmann::json;
namespace init = initializers;

// The standard deviation of a unit normal truncated to (-2, 2).
constexpr double kTruncatedStd = 0.87962566103423978;

struct Stats {
  double mean = 0, std = 0, min = 0, max = 0;
};

Stats stats_of(const Tensor& t) {
  const std::vector<double> v = t.to_vector();
  Stats s;
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  for (double x : v) s.std += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(s.std / static_cast<double>(v.size()));
  return s;
}

// A large sample (200k values): the mean is known to ~0.0025 std and the std to ~0.002 std (1 sigma).
Stats sample(const InitializerPtr& i, const Fans& fans, uint64_t seed = 3) {
  Generator gen(seed);
  const Tensor t = (*i)(Shape{400, 500}, fans, gen);
  EXPECT_EQ(t.shape(), (Shape{400, 500}));
  EXPECT_EQ(t.dtype(), DType::f32);
  return stats_of(t);
}

void expect_normal(const Stats& s, double mean, double std) {
  EXPECT_NEAR(s.mean, mean, 0.015 * std);
  EXPECT_NEAR(s.std, std, 0.01 * std);
  // 200k normal draws reach beyond 3.5 standard deviations (about 46 of them on each side).
  EXPECT_LT(s.min, mean - 3.5 * std);
  EXPECT_GT(s.max, mean + 3.5 * std);
}

// A normal with sigma `sigma` before truncation at two sigma: the spread and range of what is kept.
void expect_truncated(const Stats& s, double mean, double sigma) {
  EXPECT_NEAR(s.mean, mean, 0.015 * sigma);
  EXPECT_NEAR(s.std, sigma * kTruncatedStd, 0.01 * sigma);
  EXPECT_GE(s.min, mean - 2 * sigma - 1e-6);
  EXPECT_LE(s.max, mean + 2 * sigma + 1e-6);
  EXPECT_LT(s.min, mean - 1.98 * sigma);
  EXPECT_GT(s.max, mean + 1.98 * sigma);
}

void expect_uniform(const Stats& s, double low, double high) {
  const double std = (high - low) / std::sqrt(12.0);
  EXPECT_NEAR(s.mean, (low + high) / 2, 0.015 * std);
  EXPECT_NEAR(s.std, std, 0.01 * std);
  EXPECT_GE(s.min, low);
  EXPECT_LE(s.max, high);
  EXPECT_LT(s.min, low + 0.001 * (high - low));
  EXPECT_GT(s.max, high - 0.001 * (high - low));
}

TEST(Initializers, ConstantsFillEveryElement) {
  Generator gen(1);
  EXPECT_EQ((*init::Zeros())(Shape{2, 3}, {}, gen).to_vector(), std::vector<double>(6, 0.0));
  EXPECT_EQ((*init::Ones())(Shape{4}, {}, gen).to_vector(), std::vector<double>(4, 1.0));
  EXPECT_EQ((*init::Constant(-2.5))(Shape{3, 1}, {}, gen).to_vector(), std::vector<double>(3, -2.5));
  EXPECT_EQ((*init::Constant())(Shape{2}, {}, gen).to_vector(), std::vector<double>(2, 0.0));
}

TEST(Initializers, RandomNormalUniformAndTruncatedHaveTheirMoments) {
  expect_normal(sample(init::RandomNormal(), {}), 0.0, 0.05);
  expect_normal(sample(init::RandomNormal(1.5, 0.5), {}), 1.5, 0.5);
  expect_uniform(sample(init::RandomUniform(), {}), -0.05, 0.05);
  expect_uniform(sample(init::RandomUniform(-2.0, 3.0), {}), -2.0, 3.0);
  expect_truncated(sample(init::TruncatedNormal(), {}), 0.0, 0.05);
  expect_truncated(sample(init::TruncatedNormal(1.0, 2.0), {}), 1.0, 2.0);
}

TEST(Initializers, VarianceScalingUsesTheChosenFanAndDistribution) {
  const Fans fans{50, 200};
  using init::Distribution;
  using init::Mode;
  // truncated_normal: stddev sqrt(scale / n) / 0.8796..., so the kept values have variance scale / n.
  const double sigma_in = std::sqrt(2.0 / 50) / kTruncatedStd;
  expect_truncated(sample(init::VarianceScaling(2.0, Mode::fan_in, Distribution::truncated_normal), fans), 0.0,
                   sigma_in);
  expect_normal(sample(init::VarianceScaling(3.0, Mode::fan_out, Distribution::untruncated_normal), fans), 0.0,
                std::sqrt(3.0 / 200));
  const double limit_avg = std::sqrt(3.0 * 1.0 / 125);
  expect_uniform(sample(init::VarianceScaling(1.0, Mode::fan_avg, Distribution::uniform), fans), -limit_avg, limit_avg);
  // Defaults: scale 1, fan_in, truncated_normal.
  expect_truncated(sample(init::VarianceScaling(), fans), 0.0, std::sqrt(1.0 / 50) / kTruncatedStd);
  // A fan below 1 counts as 1 (Keras's max(1, n)).
  expect_uniform(sample(init::VarianceScaling(1.0, Mode::fan_in, Distribution::uniform), {0.25, 1}), -std::sqrt(3.0),
                 std::sqrt(3.0));
}

TEST(Initializers, GlorotHeAndLecunLimitsComeFromTheFans) {
  // A 3x3 convolution from 16 to 32 channels: fan_in 144, fan_out 288.
  const Fans fans{144, 288};
  expect_uniform(sample(init::GlorotUniform(), fans), -std::sqrt(6.0 / 432), std::sqrt(6.0 / 432));
  expect_truncated(sample(init::GlorotNormal(), fans), 0.0, std::sqrt(2.0 / 432) / kTruncatedStd);
  expect_uniform(sample(init::HeUniform(), fans), -std::sqrt(6.0 / 144), std::sqrt(6.0 / 144));
  expect_truncated(sample(init::HeNormal(), fans), 0.0, std::sqrt(2.0 / 144) / kTruncatedStd);
  expect_uniform(sample(init::LecunUniform(), fans), -std::sqrt(3.0 / 144), std::sqrt(3.0 / 144));
  expect_truncated(sample(init::LecunNormal(), fans), 0.0, std::sqrt(1.0 / 144) / kTruncatedStd);
}

TEST(Initializers, SameGeneratorSeedGivesSameValues) {
  const InitializerPtr inits[] = {init::RandomNormal(),   init::RandomUniform(), init::TruncatedNormal(),
                                  init::GlorotUniform(),  init::HeNormal(),      init::Orthogonal(),
                                  init::VarianceScaling()};
  for (const InitializerPtr& i : inits) {
    Generator a(42), b(42), c(43);
    const std::vector<double> first = (*i)(Shape{6, 7}, {7, 6}, a).to_vector();
    EXPECT_EQ(first, (*i)(Shape{6, 7}, {7, 6}, b).to_vector()) << i->class_name();
    EXPECT_NE(first, (*i)(Shape{6, 7}, {7, 6}, c).to_vector()) << i->class_name();
    // The generator advances: a second draw from it differs.
    EXPECT_NE(first, (*i)(Shape{6, 7}, {7, 6}, a).to_vector()) << i->class_name();
  }
}

TEST(Initializers, SeedInConfigFixesTheValues) {
  const InitializerPtr i = init::from_json(json{{"class_name", "RandomNormal"}, {"config", {{"seed", 7}}}});
  Generator a(1), b(2);
  EXPECT_EQ((*i)(Shape{10}, {}, a).to_vector(), (*i)(Shape{10}, {}, b).to_vector());
  Generator seven(7);
  EXPECT_EQ((*i)(Shape{10}, {}, a).to_vector(), Tensor::normal(Shape{10}, 0.0, 0.05, &seven).to_vector());
  EXPECT_EQ(init::to_json(i)["config"]["seed"], 7);
}

TEST(Initializers, IdentityIsGainTimesEye) {
  Generator gen(0);
  EXPECT_EQ((*init::Identity())(Shape{3, 3}, {}, gen).to_vector(), (std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
  EXPECT_EQ((*init::Identity(2.0))(Shape{2, 3}, {}, gen).to_vector(), (std::vector<double>{2, 0, 0, 0, 2, 0}));
  EXPECT_EQ((*init::Identity(0.5))(Shape{3, 2}, {}, gen).to_vector(), (std::vector<double>{0.5, 0, 0, 0.5, 0, 0}));
}

TEST(Initializers, IdentityNeedsAMatrix) {
  Generator gen(0);
  try {
    (*init::Identity())(Shape{2, 3, 3}, {}, gen);
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "Identity initializer can only be used for 2-D matrices, got shape (2, 3, 3)");
  }
  EXPECT_THROW((*init::Identity())(Shape{4}, {}, gen), ValueError);
}

// W W^T for a (rows, cols) matrix.
std::vector<double> gram_rows(const std::vector<double>& w, int64_t rows, int64_t cols) {
  std::vector<double> g(static_cast<size_t>(rows * rows), 0.0);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < rows; ++j) {
      for (int64_t k = 0; k < cols; ++k) g[i * rows + j] += w[i * cols + k] * w[j * cols + k];
    }
  }
  return g;
}

std::vector<double> transpose(const std::vector<double>& w, int64_t rows, int64_t cols) {
  std::vector<double> t(w.size());
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) t[j * rows + i] = w[i * cols + j];
  }
  return t;
}

void expect_scaled_identity(const std::vector<double>& g, int64_t n, double value) {
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) EXPECT_NEAR(g[i * n + j], i == j ? value : 0.0, 1e-5) << i << "," << j;
  }
}

TEST(Initializers, OrthogonalSquareWideAndTall) {
  Generator gen(5);
  const std::vector<double> square = (*init::Orthogonal())(Shape{16, 16}, {}, gen).to_vector();
  expect_scaled_identity(gram_rows(square, 16, 16), 16, 1.0);
  expect_scaled_identity(gram_rows(transpose(square, 16, 16), 16, 16), 16, 1.0);
  // Wide: orthonormal rows.
  expect_scaled_identity(gram_rows((*init::Orthogonal())(Shape{4, 10}, {}, gen).to_vector(), 4, 10), 4, 1.0);
  // Tall: orthonormal columns.
  const std::vector<double> tall = (*init::Orthogonal())(Shape{10, 4}, {}, gen).to_vector();
  expect_scaled_identity(gram_rows(transpose(tall, 10, 4), 4, 10), 4, 1.0);
  // gain scales: W W^T = gain^2 I.
  expect_scaled_identity(gram_rows((*init::Orthogonal(3.0))(Shape{5, 5}, {}, gen).to_vector(), 5, 5), 5, 9.0);
}

TEST(Initializers, OrthogonalConvKernelHasOrthonormalOutputUnits) {
  // (out 8, in 2, 3, 3): each output unit's 18 weights form one row.
  Generator gen(11);
  const Tensor w = (*init::Orthogonal())(Shape{8, 2, 3, 3}, {18, 72}, gen);
  EXPECT_EQ(w.shape(), (Shape{8, 2, 3, 3}));
  expect_scaled_identity(gram_rows(w.to_vector(), 8, 18), 8, 1.0);
}

TEST(Initializers, OrthogonalIsTheSignCorrectedQOfANormalMatrix) {
  // Keras: q, r = qr(a); q *= sign(diag(r)). Then q^T a = r is upper triangular with a positive diagonal.
  const int64_t m = 7, n = 4;
  Generator gen(9), replay(9);
  const std::vector<double> q = (*init::Orthogonal())(Shape{m, n}, {}, gen).to_vector();
  std::vector<double> a(static_cast<size_t>(m * n));
  for (double& x : a) x = replay.normal();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double r = 0;
      for (int64_t k = 0; k < m; ++k) r += q[k * n + i] * a[k * n + j];
      if (i > j) EXPECT_NEAR(r, 0.0, 1e-5) << i << "," << j;
      if (i == j) EXPECT_GT(r, 0.1) << i;
    }
  }
  // Wide shapes take the transpose of the same factorization of the (cols, rows) normal matrix.
  Generator wide_gen(9);
  const std::vector<double> wide = (*init::Orthogonal())(Shape{n, m}, {}, wide_gen).to_vector();
  EXPECT_EQ(wide, transpose(q, m, n));
}

TEST(Initializers, OrthogonalNeedsTwoDimensions) {
  Generator gen(0);
  try {
    (*init::Orthogonal())(Shape{6}, {}, gen);
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "Orthogonal initializer needs a weight of at least 2 dimensions, got shape (6,)");
  }
}

TEST(Initializers, VarianceScalingRejectsANonPositiveScale) {
  try {
    init::VarianceScaling(0.0);
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "VarianceScaling: 'scale' must be a positive float, got 0");
  }
}

TEST(Initializers, ConfigsAreKeras) {
  EXPECT_EQ(init::to_json(init::GlorotUniform()), json::parse(R"({"class_name": "GlorotUniform",
                                                                   "config": {"seed": null}})"));
  EXPECT_EQ(init::to_json(init::Zeros()), json::parse(R"({"class_name": "Zeros", "config": {}})"));
  EXPECT_EQ(init::to_json(init::Constant(3.0)), json::parse(R"({"class_name": "Constant", "config": {"value": 3.0}})"));
  EXPECT_EQ(init::to_json(init::RandomNormal(0.5, 2.0)),
            json::parse(R"({"class_name": "RandomNormal", "config": {"mean": 0.5, "stddev": 2.0, "seed": null}})"));
  EXPECT_EQ(init::to_json(init::RandomUniform()),
            json::parse(R"({"class_name": "RandomUniform", "config": {"minval": -0.05, "maxval": 0.05,
                                                                       "seed": null}})"));
  EXPECT_EQ(init::to_json(init::VarianceScaling(2.0, init::Mode::fan_avg, init::Distribution::uniform)),
            json::parse(R"({"class_name": "VarianceScaling", "config": {"scale": 2.0, "mode": "fan_avg",
                                                     "distribution": "uniform", "seed": null}})"));
  EXPECT_EQ(init::to_json(init::Identity(2.0))["config"], json::parse(R"({"gain": 2.0})"));
  EXPECT_EQ(init::to_json(init::Orthogonal())["config"], json::parse(R"({"gain": 1.0, "seed": null})"));
  EXPECT_TRUE(init::to_json(nullptr).is_null());
}

TEST(Initializers, JsonRoundTripsEveryClass) {
  const InitializerPtr all[] = {init::Zeros(),
                                init::Ones(),
                                init::Constant(0.25),
                                init::RandomNormal(1, 2),
                                init::RandomUniform(-1, 4),
                                init::TruncatedNormal(0, 3),
                                init::VarianceScaling(0.5, init::Mode::fan_out, init::Distribution::untruncated_normal),
                                init::GlorotNormal(),
                                init::GlorotUniform(),
                                init::HeNormal(),
                                init::HeUniform(),
                                init::LecunNormal(),
                                init::LecunUniform(),
                                init::Identity(1.5),
                                init::Orthogonal(0.5)};
  for (const InitializerPtr& i : all) {
    const json j = init::to_json(i);
    const InitializerPtr back = init::from_json(j);
    EXPECT_EQ(back->class_name(), i->class_name());
    EXPECT_EQ(init::to_json(back), j);
    // Same values from the same generator state.
    Generator a(4), b(4);
    EXPECT_EQ((*i)(Shape{3, 3}, {3, 3}, a).to_vector(), (*back)(Shape{3, 3}, {3, 3}, b).to_vector()) << i->class_name();
  }
}

TEST(Initializers, KerasStringNamesAndObjectForms) {
  const std::pair<const char*, const char*> names[] = {{"zeros", "Zeros"},
                                                       {"ones", "Ones"},
                                                       {"constant", "Constant"},
                                                       {"random_normal", "RandomNormal"},
                                                       {"random_uniform", "RandomUniform"},
                                                       {"truncated_normal", "TruncatedNormal"},
                                                       {"variance_scaling", "VarianceScaling"},
                                                       {"glorot_normal", "GlorotNormal"},
                                                       {"glorot_uniform", "GlorotUniform"},
                                                       {"he_normal", "HeNormal"},
                                                       {"he_uniform", "HeUniform"},
                                                       {"lecun_normal", "LecunNormal"},
                                                       {"lecun_uniform", "LecunUniform"},
                                                       {"identity", "Identity"},
                                                       {"orthogonal", "Orthogonal"},
                                                       {"GlorotUniform", "GlorotUniform"},
                                                       {"normal", "RandomNormal"},
                                                       {"uniform", "RandomUniform"}};
  for (const auto& [name, cls] : names) EXPECT_EQ(init::from_json(json(name))->class_name(), cls) << name;
  // String names take Keras's defaults.
  EXPECT_EQ(init::to_json(init::from_json("random_uniform")), init::to_json(init::RandomUniform()));
  // Keras 3 writes module and registered_name next to class_name; missing config keys take defaults.
  const json keras3 = json::parse(R"({"module": "keras.initializers", "class_name": "VarianceScaling",
      "config": {"scale": 2.0, "mode": "fan_out"}, "registered_name": null})");
  EXPECT_EQ(init::to_json(init::from_json(keras3)),
            init::to_json(init::VarianceScaling(2.0, init::Mode::fan_out, init::Distribution::truncated_normal)));
  EXPECT_EQ(
      init::from_json(json::parse(R"({"class_name": "IdentityInitializer", "config": {"gain": 1.0}})"))->class_name(),
      "Identity");
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ValueError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Initializers, JsonErrorsNameTheProblem) {
  EXPECT_EQ(error_of([] { init::from_json("glorot"); }),
            "unknown initializer 'glorot'; valid names: zeros, ones, constant, random_normal, random_uniform, "
            "truncated_normal, variance_scaling, glorot_normal, glorot_uniform, he_normal, he_uniform, lecun_normal, "
            "lecun_uniform, identity, orthogonal");
  EXPECT_EQ(error_of([] { init::from_json(json::parse(R"({"class_name": "Xavier"})")); }).substr(0, 30),
            "unknown initializer 'Xavier'; ");
  EXPECT_EQ(error_of([] { init::from_json(3); }),
            "an initializer must be a name such as \"glorot_uniform\" or an object {\"class_name\": ..., \"config\": "
            "{...}}, got 3");
  EXPECT_EQ(
      error_of([] { init::from_json(json::parse(R"({"class_name": "RandomNormal", "config": {"stddev": "big"}})")); }),
      "initializer RandomNormal: 'stddev' must be a number, got \"big\"");
  EXPECT_EQ(error_of([] {
              init::from_json(json::parse(R"({"class_name": "VarianceScaling", "config": {"mode": "fan_max"}})"));
            }),
            "initializer VarianceScaling: 'mode' must be one of fan_in, fan_out, fan_avg; got 'fan_max'");
  EXPECT_EQ(
      error_of([] {
        init::from_json(json::parse(R"({"class_name": "VarianceScaling", "config": {"distribution": "cauchy"}})"));
      }),
      "initializer VarianceScaling: 'distribution' must be one of truncated_normal, untruncated_normal, "
      "uniform; got 'cauchy'");
}

}  // namespace
}  // namespace fovea
