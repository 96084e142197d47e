// Weight regularizers (Keras L1, L2, L1L2): a penalty added to the training loss.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "fovea/core/tensor.h"

namespace fovea {

class Regularizer {
 public:
  virtual ~Regularizer() = default;
  virtual std::string class_name() const = 0;
  // The penalty for weight w as a differentiable scalar tensor.
  virtual Tensor operator()(const Tensor& w) const = 0;
  virtual nlohmann::json config() const = 0;
};
using RegularizerPtr = std::shared_ptr<const Regularizer>;

namespace regularizers {
// l1 * sum(|w|) + l2 * sum(w^2). Keras defaults: L1(0.01), L2(0.01), L1L2(0, 0).
RegularizerPtr L1(double l1 = 0.01);
RegularizerPtr L2(double l2 = 0.01);
RegularizerPtr L1L2(double l1 = 0.0, double l2 = 0.0);
// From "l1"/"l2"/"l1_l2" or {"class_name", "config"}; null JSON gives a null pointer.
RegularizerPtr from_json(const nlohmann::json& spec);
nlohmann::json to_json(const RegularizerPtr& r);
}  // namespace regularizers

}  // namespace fovea
