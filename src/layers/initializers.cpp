// Weight initializers with Keras's semantics, defaults, config dicts and names.
// Values are drawn in double from the given Generator (or from a private one when the config carries a seed, as
// a seeded Keras initializer gives the same values on every call) and stored as float32.
#include "fovea/layers/initializers.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "fovea/core/error.h"

namespace fovea {

nlohmann::json Initializer::config() const { return nlohmann::json::object(); }

namespace initializers {
namespace {

using Seed = std::optional<uint64_t>;

nlohmann::json seed_json(const Seed& seed) { return seed ? nlohmann::json(*seed) : nlohmann::json(nullptr); }

// Base of the random initializers: picks the generator and turns drawn values into a tensor.
class RandomInitializer : public Initializer {
 public:
  explicit RandomInitializer(Seed seed) : seed_(seed) {}
  Tensor operator()(const Shape& shape, const Fans& fans, Generator& gen) const final {
    // The tensor first: when the system cannot give it, the MemoryError names its shape and size.
    Tensor out = Tensor::empty(shape, DType::f32);
    std::vector<double> values;
    try {
      values.resize(static_cast<size_t>(out.numel()));
    } catch (const std::bad_alloc&) {
      throw MemoryError(detail::concat("out of memory: the initial values of a tensor of shape ", shape.to_string(),
                                       " need ", out.numel() * 8, " bytes while they are drawn (as float64)"));
    }
    if (seed_) {
      Generator own(*seed_);
      fill(values, shape, fans, own);
    } else {
      fill(values, shape, fans, gen);
    }
    float* data = out.data<float>();
    for (size_t i = 0; i < values.size(); ++i) data[i] = static_cast<float>(values[i]);
    return out;
  }

 protected:
  virtual void fill(std::vector<double>& out, const Shape& shape, const Fans& fans, Generator& gen) const = 0;
  Seed seed_;
};

// A standard normal redrawn until it lies within two standard deviations (tf.random.truncated_normal).
double truncated_standard_normal(Generator& gen) {
  double z = gen.normal();
  while (std::abs(z) > 2.0) z = gen.normal();
  return z;
}

class ConstantInit : public Initializer {
 public:
  ConstantInit(std::string name, double value) : name_(std::move(name)), value_(value) {}
  std::string class_name() const override { return name_; }
  Tensor operator()(const Shape& shape, const Fans&, Generator&) const override {
    return Tensor::full(shape, value_, DType::f32);
  }
  nlohmann::json config() const override {
    if (name_ != "Constant") return nlohmann::json::object();
    return {{"value", value_}};
  }

 private:
  std::string name_;
  double value_;
};

class RandomNormalInit : public RandomInitializer {
 public:
  RandomNormalInit(double mean, double stddev, bool truncated, Seed seed)
      : RandomInitializer(seed), mean_(mean), stddev_(stddev), truncated_(truncated) {}
  std::string class_name() const override { return truncated_ ? "TruncatedNormal" : "RandomNormal"; }
  nlohmann::json config() const override { return {{"mean", mean_}, {"stddev", stddev_}, {"seed", seed_json(seed_)}}; }

 protected:
  void fill(std::vector<double>& out, const Shape&, const Fans&, Generator& gen) const override {
    for (double& v : out) v = mean_ + stddev_ * (truncated_ ? truncated_standard_normal(gen) : gen.normal());
  }

 private:
  double mean_, stddev_;
  bool truncated_;
};

class RandomUniformInit : public RandomInitializer {
 public:
  RandomUniformInit(double minval, double maxval, Seed seed)
      : RandomInitializer(seed), minval_(minval), maxval_(maxval) {}
  std::string class_name() const override { return "RandomUniform"; }
  nlohmann::json config() const override {
    return {{"minval", minval_}, {"maxval", maxval_}, {"seed", seed_json(seed_)}};
  }

 protected:
  void fill(std::vector<double>& out, const Shape&, const Fans&, Generator& gen) const override {
    for (double& v : out) v = gen.uniform(minval_, maxval_);
  }

 private:
  double minval_, maxval_;
};

std::string mode_name(Mode m) {
  switch (m) {
    case Mode::fan_in:
      return "fan_in";
    case Mode::fan_out:
      return "fan_out";
    case Mode::fan_avg:
      return "fan_avg";
  }
  return "";
}

std::string distribution_name(Distribution d) {
  switch (d) {
    case Distribution::truncated_normal:
      return "truncated_normal";
    case Distribution::untruncated_normal:
      return "untruncated_normal";
    case Distribution::uniform:
      return "uniform";
  }
  return "";
}

// VarianceScaling and its named presets (GlorotUniform, HeNormal, ...), which differ only in class name and in
// keeping just the seed in their config, as Keras does.
class VarianceScalingInit : public RandomInitializer {
 public:
  VarianceScalingInit(std::string name, double scale, Mode mode, Distribution distribution, Seed seed)
      : RandomInitializer(seed), name_(std::move(name)), scale_(scale), mode_(mode), distribution_(distribution) {
    FOVEA_CHECK(scale > 0, ValueError, "VarianceScaling: 'scale' must be a positive float, got ", scale);
  }
  std::string class_name() const override { return name_; }
  nlohmann::json config() const override {
    if (name_ != "VarianceScaling") return {{"seed", seed_json(seed_)}};
    return {{"scale", scale_},
            {"mode", mode_name(mode_)},
            {"distribution", distribution_name(distribution_)},
            {"seed", seed_json(seed_)}};
  }

 protected:
  void fill(std::vector<double>& out, const Shape&, const Fans& fans, Generator& gen) const override {
    double fan = fans.fan_in;
    if (mode_ == Mode::fan_out) fan = fans.fan_out;
    if (mode_ == Mode::fan_avg) fan = (fans.fan_in + fans.fan_out) / 2.0;
    const double variance = scale_ / std::max(1.0, fan);
    switch (distribution_) {
      case Distribution::truncated_normal: {
        // The standard deviation of a unit normal truncated to (-2, 2); dividing by it restores the variance.
        const double stddev = std::sqrt(variance) / 0.87962566103423978;
        for (double& v : out) v = stddev * truncated_standard_normal(gen);
        break;
      }
      case Distribution::untruncated_normal: {
        const double stddev = std::sqrt(variance);
        for (double& v : out) v = stddev * gen.normal();
        break;
      }
      case Distribution::uniform: {
        const double limit = std::sqrt(3.0 * variance);
        for (double& v : out) v = gen.uniform(-limit, limit);
        break;
      }
    }
  }

 private:
  std::string name_;
  double scale_;
  Mode mode_;
  Distribution distribution_;
};

class IdentityInit : public Initializer {
 public:
  explicit IdentityInit(double gain) : gain_(gain) {}
  std::string class_name() const override { return "Identity"; }
  Tensor operator()(const Shape& shape, const Fans&, Generator&) const override {
    FOVEA_CHECK(shape.rank() == 2, ValueError, "Identity initializer can only be used for 2-D matrices, got shape ",
                shape.to_string());
    Tensor t = Tensor::zeros(shape, DType::f32);
    float* p = t.data<float>();
    for (int64_t i = 0; i < std::min(shape[0], shape[1]); ++i) p[i * shape[1] + i] = static_cast<float>(gain_);
    return t;
  }
  nlohmann::json config() const override { return {{"gain", gain_}}; }

 private:
  double gain_;
};

// Thin QR of a (m, n) row-major matrix with m >= n by Householder reflections: returns Q (m, n) with its
// columns multiplied by the signs of R's diagonal, which makes the factorization unique (Keras's correction).
std::vector<double> sign_corrected_q(std::vector<double> a, int64_t m, int64_t n) {
  std::vector<std::vector<double>> reflectors;  // v_k over rows k..m-1, normalized to unit length
  std::vector<double> r_diag(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) {
    std::vector<double> v(static_cast<size_t>(m - k));
    double norm = 0;
    for (int64_t i = k; i < m; ++i) {
      v[i - k] = a[i * n + k];
      norm += v[i - k] * v[i - k];
    }
    norm = std::sqrt(norm);
    // Reflect onto -sign(a_kk) * norm * e_k, the choice that avoids cancellation.
    const double alpha = v[0] >= 0 ? -norm : norm;
    v[0] -= alpha;
    double vnorm = 0;
    for (double x : v) vnorm += x * x;
    vnorm = std::sqrt(vnorm);
    if (vnorm > 0) {
      for (double& x : v) x /= vnorm;
    }
    // A <- (I - 2 v v^T) A on rows k.., columns k..
    for (int64_t j = k; j < n; ++j) {
      double dot = 0;
      for (int64_t i = k; i < m; ++i) dot += v[i - k] * a[i * n + j];
      for (int64_t i = k; i < m; ++i) a[i * n + j] -= 2 * dot * v[i - k];
    }
    r_diag[k] = a[k * n + k];
    reflectors.push_back(std::move(v));
  }
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity, innermost reflector first.
  std::vector<double> q(static_cast<size_t>(m * n), 0.0);
  for (int64_t i = 0; i < n; ++i) q[i * n + i] = 1.0;
  for (int64_t k = n - 1; k >= 0; --k) {
    const std::vector<double>& v = reflectors[k];
    for (int64_t j = 0; j < n; ++j) {
      double dot = 0;
      for (int64_t i = k; i < m; ++i) dot += v[i - k] * q[i * n + j];
      for (int64_t i = k; i < m; ++i) q[i * n + j] -= 2 * dot * v[i - k];
    }
  }
  for (int64_t j = 0; j < n; ++j) {
    if (r_diag[j] < 0) {
      for (int64_t i = 0; i < m; ++i) q[i * n + j] = -q[i * n + j];
    }
  }
  return q;
}

class OrthogonalInit : public RandomInitializer {
 public:
  OrthogonalInit(double gain, Seed seed) : RandomInitializer(seed), gain_(gain) {}
  std::string class_name() const override { return "Orthogonal"; }
  nlohmann::json config() const override { return {{"gain", gain_}, {"seed", seed_json(seed_)}}; }

 protected:
  void fill(std::vector<double>& out, const Shape& shape, const Fans&, Generator& gen) const override {
    FOVEA_CHECK(shape.rank() >= 2, ValueError,
                "Orthogonal initializer needs a weight of at least 2 dimensions, got shape ", shape.to_string());
    const int64_t rows = shape[0];
    const int64_t cols = rows > 0 ? shape.numel() / rows : 0;
    if (rows == 0 || cols == 0) return;
    const int64_t m = std::max(rows, cols);
    const int64_t n = std::min(rows, cols);
    std::vector<double> a(static_cast<size_t>(m * n));
    for (double& x : a) x = gen.normal();
    const std::vector<double> q = sign_corrected_q(std::move(a), m, n);
    // q is (m, n) with orthonormal columns; a wide weight takes its transpose so that its rows are orthonormal.
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < cols; ++j) {
        out[i * cols + j] = gain_ * (rows >= cols ? q[i * n + j] : q[j * n + i]);
      }
    }
  }

 private:
  double gain_;
};

// ---- JSON ----

struct NamedInit {
  std::string_view snake_name;
  std::string_view class_name;
};
constexpr NamedInit kNames[] = {
    {"zeros", "Zeros"},
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
};

std::string valid_names() {
  std::string out;
  for (const NamedInit& n : kNames) out += (out.empty() ? "" : ", ") + std::string(n.snake_name);
  return out;
}

// Reads config[key] as a number, the fallback when absent or null.
double number_or(const nlohmann::json& config, const char* key, double fallback, const std::string& cls) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return fallback;
  FOVEA_CHECK(it->is_number(), ValueError, "initializer ", cls, ": '", key, "' must be a number, got ", it->dump());
  return it->get<double>();
}

Seed seed_of(const nlohmann::json& config, const std::string& cls) {
  auto it = config.find("seed");
  if (it == config.end() || it->is_null()) return std::nullopt;
  FOVEA_CHECK(it->is_number_integer(), ValueError, "initializer ", cls, ": 'seed' must be an integer or null, got ",
              it->dump());
  return static_cast<uint64_t>(it->get<int64_t>());
}

std::string string_or(const nlohmann::json& config, const char* key, const std::string& fallback,
                      const std::string& cls) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return fallback;
  FOVEA_CHECK(it->is_string(), ValueError, "initializer ", cls, ": '", key, "' must be a string, got ", it->dump());
  return it->get<std::string>();
}

Mode parse_mode(const std::string& s) {
  if (s == "fan_in") return Mode::fan_in;
  if (s == "fan_out") return Mode::fan_out;
  if (s == "fan_avg") return Mode::fan_avg;
  throw ValueError(
      detail::concat("initializer VarianceScaling: 'mode' must be one of fan_in, fan_out, fan_avg; got '", s, "'"));
}

Distribution parse_distribution(const std::string& s) {
  // Keras 2 accepted "normal" as the old name of truncated_normal.
  if (s == "truncated_normal" || s == "normal") return Distribution::truncated_normal;
  if (s == "untruncated_normal") return Distribution::untruncated_normal;
  if (s == "uniform") return Distribution::uniform;
  throw ValueError(
      detail::concat("initializer VarianceScaling: 'distribution' must be one of truncated_normal, "
                     "untruncated_normal, uniform; got '",
                     s, "'"));
}

InitializerPtr make(const std::string& cls, const nlohmann::json& c) {
  if (cls == "Zeros") return Zeros();
  if (cls == "Ones") return Ones();
  if (cls == "Constant") return Constant(number_or(c, "value", 0.0, cls));
  const Seed seed = seed_of(c, cls);
  if (cls == "RandomNormal" || cls == "TruncatedNormal") {
    return std::make_shared<RandomNormalInit>(number_or(c, "mean", 0.0, cls), number_or(c, "stddev", 0.05, cls),
                                              cls == "TruncatedNormal", seed);
  }
  if (cls == "RandomUniform") {
    return std::make_shared<RandomUniformInit>(number_or(c, "minval", -0.05, cls), number_or(c, "maxval", 0.05, cls),
                                               seed);
  }
  if (cls == "VarianceScaling") {
    return std::make_shared<VarianceScalingInit>(
        cls, number_or(c, "scale", 1.0, cls), parse_mode(string_or(c, "mode", "fan_in", cls)),
        parse_distribution(string_or(c, "distribution", "truncated_normal", cls)), seed);
  }
  struct Preset {
    const char* name;
    double scale;
    Mode mode;
    Distribution distribution;
  };
  static const Preset kPresets[] = {
      {"GlorotNormal", 1.0, Mode::fan_avg, Distribution::truncated_normal},
      {"GlorotUniform", 1.0, Mode::fan_avg, Distribution::uniform},
      {"HeNormal", 2.0, Mode::fan_in, Distribution::truncated_normal},
      {"HeUniform", 2.0, Mode::fan_in, Distribution::uniform},
      {"LecunNormal", 1.0, Mode::fan_in, Distribution::truncated_normal},
      {"LecunUniform", 1.0, Mode::fan_in, Distribution::uniform},
  };
  for (const Preset& p : kPresets) {
    if (cls == p.name) return std::make_shared<VarianceScalingInit>(p.name, p.scale, p.mode, p.distribution, seed);
  }
  if (cls == "Identity") return Identity(number_or(c, "gain", 1.0, cls));
  if (cls == "Orthogonal") return std::make_shared<OrthogonalInit>(number_or(c, "gain", 1.0, cls), seed);
  throw ValueError(detail::concat("unknown initializer '", cls, "'; valid names: ", valid_names()));
}

// Maps a Keras name in any accepted spelling to the class name.
std::string canonical_class(const std::string& name) {
  if (name == "IdentityInitializer") return "Identity";  // Keras 3's class name
  if (name == "normal") return "RandomNormal";           // old Keras aliases
  if (name == "uniform") return "RandomUniform";
  if (name == "zero") return "Zeros";
  if (name == "one") return "Ones";
  for (const NamedInit& n : kNames) {
    if (name == n.snake_name || name == n.class_name) return std::string(n.class_name);
  }
  throw ValueError(detail::concat("unknown initializer '", name, "'; valid names: ", valid_names()));
}

}  // namespace

InitializerPtr Zeros() { return std::make_shared<ConstantInit>("Zeros", 0.0); }
InitializerPtr Ones() { return std::make_shared<ConstantInit>("Ones", 1.0); }
InitializerPtr Constant(double value) { return std::make_shared<ConstantInit>("Constant", value); }
InitializerPtr RandomNormal(double mean, double stddev) {
  return std::make_shared<RandomNormalInit>(mean, stddev, false, std::nullopt);
}
InitializerPtr RandomUniform(double minval, double maxval) {
  return std::make_shared<RandomUniformInit>(minval, maxval, std::nullopt);
}
InitializerPtr TruncatedNormal(double mean, double stddev) {
  return std::make_shared<RandomNormalInit>(mean, stddev, true, std::nullopt);
}
InitializerPtr VarianceScaling(double scale, Mode mode, Distribution distribution) {
  return std::make_shared<VarianceScalingInit>("VarianceScaling", scale, mode, distribution, std::nullopt);
}
InitializerPtr GlorotNormal() { return make("GlorotNormal", nlohmann::json::object()); }
InitializerPtr GlorotUniform() { return make("GlorotUniform", nlohmann::json::object()); }
InitializerPtr HeNormal() { return make("HeNormal", nlohmann::json::object()); }
InitializerPtr HeUniform() { return make("HeUniform", nlohmann::json::object()); }
InitializerPtr LecunNormal() { return make("LecunNormal", nlohmann::json::object()); }
InitializerPtr LecunUniform() { return make("LecunUniform", nlohmann::json::object()); }
InitializerPtr Identity(double gain) { return std::make_shared<IdentityInit>(gain); }
InitializerPtr Orthogonal(double gain) { return std::make_shared<OrthogonalInit>(gain, std::nullopt); }

InitializerPtr from_json(const nlohmann::json& spec) {
  if (spec.is_string()) return make(canonical_class(spec.get<std::string>()), nlohmann::json::object());
  FOVEA_CHECK(spec.is_object() && spec.contains("class_name") && spec["class_name"].is_string(), ValueError,
              "an initializer must be a name such as \"glorot_uniform\" or an object {\"class_name\": ..., "
              "\"config\": {...}}, got ",
              spec.dump());
  const std::string cls = canonical_class(spec["class_name"].get<std::string>());
  const nlohmann::json config = spec.value("config", nlohmann::json::object());
  FOVEA_CHECK(config.is_object() || config.is_null(), ValueError, "initializer ", cls,
              ": 'config' must be an object, got ", config.dump());
  return make(cls, config.is_null() ? nlohmann::json::object() : config);
}

nlohmann::json to_json(const InitializerPtr& init) {
  if (!init) return nullptr;
  return {{"class_name", init->class_name()}, {"config", init->config()}};
}

InitializerPtr from_name(std::string_view name) {
  return make(canonical_class(std::string(name)), nlohmann::json::object());
}

}  // namespace initializers

InitializerOption::InitializerOption(const char* name)
    : InitializerOption(name ? std::string_view(name) : std::string_view()) {}
InitializerOption::InitializerOption(std::string_view name) : InitializerPtr(initializers::from_name(name)) {}
InitializerOption::InitializerOption(const std::string& name) : InitializerOption(std::string_view(name)) {}
}  // namespace fovea
