// Regression and margin losses: mean squared / absolute / percentage / squared-log error, Huber, log-cosh,
// hinge, squared hinge and categorical hinge.
#include <cmath>
#include <vector>

#include <nlohmann/json.hpp>

#include "fovea/core/error.h"
#include "fovea/ops/activation.h"
#include "fovea/ops/math.h"
#include "fovea/train/losses.h"
#include "train/losses_internal.h"

namespace fovea::losses {

using detail::constant_like;
using detail::mean_last;
using detail::sum_along;

namespace {

// Keras accepts hinge labels in {-1, 1} or in {0, 1}; the latter are mapped to {-1, 1}.
Tensor hinge_labels(const Tensor& y_true) {
  for (double v : y_true.to_vector()) {
    if (v != 0.0 && v != 1.0) return y_true;
  }
  return y_true * 2.0 - 1.0;
}

}  // namespace

MeanSquaredError::MeanSquaredError(const LossOptions& options)
    : Loss("MeanSquaredError", "mean_squared_error", options.reduction) {}

Tensor MeanSquaredError::call(const Tensor& y_true, const Tensor& y_pred) const {
  return mean_last(square(y_pred - y_true));
}

MeanAbsoluteError::MeanAbsoluteError(const LossOptions& options)
    : Loss("MeanAbsoluteError", "mean_absolute_error", options.reduction) {}

Tensor MeanAbsoluteError::call(const Tensor& y_true, const Tensor& y_pred) const {
  return mean_last(abs(y_pred - y_true));
}

MeanAbsolutePercentageError::MeanAbsolutePercentageError(const LossOptions& options)
    : Loss("MeanAbsolutePercentageError", "mean_absolute_percentage_error", options.reduction) {}

Tensor MeanAbsolutePercentageError::call(const Tensor& y_true, const Tensor& y_pred) const {
  Tensor scale = maximum(abs(y_true), constant_like(y_true, kEpsilon));
  return mean_last(abs((y_true - y_pred) / scale)) * 100.0;
}

MeanSquaredLogarithmicError::MeanSquaredLogarithmicError(const LossOptions& options)
    : Loss("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", options.reduction) {}

Tensor MeanSquaredLogarithmicError::call(const Tensor& y_true, const Tensor& y_pred) const {
  Tensor log_pred = log(maximum(y_pred, constant_like(y_pred, kEpsilon)) + 1.0);
  Tensor log_true = log(maximum(y_true, constant_like(y_true, kEpsilon)) + 1.0);
  return mean_last(square(log_pred - log_true));
}

Huber::Huber(const HuberOptions& options) : Loss("Huber", "huber_loss", options.reduction), options_(options) {
  FOVEA_CHECK(options.delta > 0, ValueError, "Huber: delta must be positive, got ", options.delta);
}

nlohmann::json Huber::config() const {
  nlohmann::json c = Loss::config();
  c["delta"] = options_.delta;
  return c;
}

Tensor Huber::call(const Tensor& y_true, const Tensor& y_pred) const {
  // With q = min(|e|, delta): 0.5 q^2 + delta (|e| - q) is 0.5 e^2 inside the band and
  // delta |e| - 0.5 delta^2 outside it, with no select op and a continuous gradient.
  const double delta = options_.delta;
  Tensor abs_error = abs(y_pred - y_true);
  Tensor quadratic = minimum(abs_error, constant_like(abs_error, delta));
  Tensor linear = abs_error - quadratic;
  return mean_last(square(quadratic) * 0.5 + linear * delta);
}

LogCosh::LogCosh(const LossOptions& options) : Loss("LogCosh", "log_cosh", options.reduction) {}

Tensor LogCosh::call(const Tensor& y_true, const Tensor& y_pred) const {
  // log(cosh(x)) = x + softplus(-2x) - log(2): cosh itself overflows for |x| > ~89 in float32.
  Tensor x = y_pred - y_true;
  Tensor softplus = activation(x * -2.0, Activation::of(ActivationKind::softplus));
  return mean_last(x + softplus - std::log(2.0));
}

Hinge::Hinge(const LossOptions& options) : Loss("Hinge", "hinge", options.reduction) {}

Tensor Hinge::call(const Tensor& y_true, const Tensor& y_pred) const {
  return mean_last(relu(1.0 - hinge_labels(y_true) * y_pred));
}

SquaredHinge::SquaredHinge(const LossOptions& options) : Loss("SquaredHinge", "squared_hinge", options.reduction) {}

Tensor SquaredHinge::call(const Tensor& y_true, const Tensor& y_pred) const {
  return mean_last(square(relu(1.0 - hinge_labels(y_true) * y_pred)));
}

CategoricalHinge::CategoricalHinge(const LossOptions& options)
    : Loss("CategoricalHinge", "categorical_hinge", options.reduction) {}

Tensor CategoricalHinge::call(const Tensor& y_true, const Tensor& y_pred) const {
  Tensor positive = sum_along(y_true * y_pred, -1);
  Tensor negative = amax((1.0 - y_true) * y_pred, Dims{y_pred.rank() - 1});
  return relu(negative - positive + 1.0);
}

}  // namespace fovea::losses
