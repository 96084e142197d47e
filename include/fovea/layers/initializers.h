// Weight initializers with Keras's names and defaults (GlorotUniform is Keras's default kernel initializer).
// An initializer is told the fans of the weight it fills, because fovea stores convolution kernels as
// (out, in / groups, k...) rather than Keras's (k..., in, out): the fans, not the axis order, define the scale.
#pragma once

#include <concepts>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <nlohmann/json_fwd.hpp>

#include "fovea/core/rng.h"
#include "fovea/core/tensor.h"

namespace fovea {

// fan_in: inputs that feed one output unit; fan_out: outputs one input unit feeds (Keras's definitions).
struct Fans {
  double fan_in = 1;
  double fan_out = 1;
};

class Initializer {
 public:
  virtual ~Initializer() = default;
  virtual std::string class_name() const = 0;
  virtual Tensor operator()(const Shape& shape, const Fans& fans, Generator& gen) const = 0;
  // Keras's config dict for this initializer (arguments only).
  virtual nlohmann::json config() const;
};
using InitializerPtr = std::shared_ptr<const Initializer>;

namespace initializers {

enum class Mode { fan_in, fan_out, fan_avg };
enum class Distribution { truncated_normal, untruncated_normal, uniform };

InitializerPtr Zeros();
InitializerPtr Ones();
InitializerPtr Constant(double value = 0.0);
InitializerPtr RandomNormal(double mean = 0.0, double stddev = 0.05);
InitializerPtr RandomUniform(double minval = -0.05, double maxval = 0.05);
// Normal with values beyond two standard deviations redrawn.
InitializerPtr TruncatedNormal(double mean = 0.0, double stddev = 0.05);
InitializerPtr VarianceScaling(double scale = 1.0, Mode mode = Mode::fan_in,
                               Distribution distribution = Distribution::truncated_normal);
InitializerPtr GlorotNormal();
InitializerPtr GlorotUniform();
InitializerPtr HeNormal();
InitializerPtr HeUniform();
InitializerPtr LecunNormal();
InitializerPtr LecunUniform();
// gain * identity; needs a 2-D shape.
InitializerPtr Identity(double gain = 1.0);
// gain * a (semi-)orthogonal matrix from the QR decomposition of a normal matrix; a shape of rank > 2 is
// treated as the matrix (shape[0], numel / shape[0]): rows are output units in fovea's weight layouts.
InitializerPtr Orthogonal(double gain = 1.0);

// Builds from a Keras name ("glorot_uniform", "he_normal", ...) or a {"class_name", "config"} object.
InitializerPtr from_json(const nlohmann::json& spec);
nlohmann::json to_json(const InitializerPtr& init);
// Keras's initializers.get(name): "he_normal", "HeNormal", ... with their default arguments; throws ValueError
// listing the valid names.
InitializerPtr from_name(std::string_view name);

}  // namespace initializers

// The layers' initializer fields (DenseOptions::kernel_initializer, ...): an initializer, or its Keras name
// (`.kernel_initializer = "he_normal"`) made at once by initializers::from_name. It is an InitializerPtr, so code
// that reads the field as one (calls it, copies it, compares it with nullptr) reads it as before.
class InitializerOption : public InitializerPtr {
 public:
  InitializerOption() = default;
  // Any pointer an InitializerPtr takes: initializers::HeNormal(), std::make_shared<MyInitializer>(), nullptr.
  template <class P>
    requires(std::convertible_to<P, InitializerPtr> && !std::same_as<std::remove_cvref_t<P>, InitializerOption>)
  InitializerOption(P&& init) : InitializerPtr(std::forward<P>(init)) {}  // NOLINT(google-explicit-constructor)
  InitializerOption(const char* name);                                      // NOLINT(google-explicit-constructor)
  InitializerOption(std::string_view name);                                 // NOLINT(google-explicit-constructor)
  InitializerOption(const std::string& name);                               // NOLINT(google-explicit-constructor)
};
}  // namespace fovea
