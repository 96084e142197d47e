// Weight constraints (Keras MaxNorm, MinMaxNorm, NonNeg, UnitNorm): projections applied to a weight after
// each optimizer update. Norm-based constraints work per output unit: by default the norm runs over the axes
// the weight declares as its fan-in axes (Dense kernel (in, out): {0}; Conv kernel (out, in, k...): {1, ...}),
// or over the axes given to the constraint.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "fovea/core/inline_vec.h"
#include "fovea/core/tensor.h"

namespace fovea {

class Constraint {
 public:
  virtual ~Constraint() = default;
  virtual std::string class_name() const = 0;
  // Returns the projected weight (not recorded by autograd). fan_in_axes: the weight's default norm axes.
  virtual Tensor operator()(const Tensor& w, const Dims& fan_in_axes) const = 0;
  virtual nlohmann::json config() const = 0;
};
using ConstraintPtr = std::shared_ptr<const Constraint>;

namespace constraints {
// axes: the axes the norm is computed over; empty means the weight's fan-in axes (one norm per output unit).
ConstraintPtr MaxNorm(double max_value = 2.0, const Dims& axes = {});
ConstraintPtr MinMaxNorm(double min_value = 0.0, double max_value = 1.0, double rate = 1.0, const Dims& axes = {});
ConstraintPtr NonNeg();
ConstraintPtr UnitNorm(const Dims& axes = {});
ConstraintPtr from_json(const nlohmann::json& spec);
nlohmann::json to_json(const ConstraintPtr& c);
}  // namespace constraints

}  // namespace fovea
