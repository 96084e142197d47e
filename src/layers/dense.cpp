// The Dense layer.
#include "fovea/layers/dense.h"

#include "fovea/core/error.h"
#include "fovea/ops/math.h"
#include "fovea/ops/shape_ops.h"
#include "fovea/layers/layer_config.h"
#include "layers/layer_util.h"

namespace fovea {

DenseImpl::DenseImpl(const DenseOptions& options) : options_(options) {
  set_name(options.name);
  FOVEA_CHECK(options.units >= 1, ValueError, "Dense: units must be a positive integer, got ", options.units);
}

Shape DenseImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  const Shape& in = inputs[0];
  FOVEA_CHECK(in.rank() == 2, ShapeError, describe(), " expects a rank-2 input (None, features) but got ",
              in.to_string(true), "; add Flatten before it");
  FOVEA_CHECK(in[1] > 0, ShapeError, describe(), " needs a known number of input features, got ", in.to_string(true));
  return Shape{in[0], options_.units};
}

void DenseImpl::build(const std::vector<Shape>& inputs) {
  const int64_t in = inputs[0][1];
  const Fans fans{static_cast<double>(in), static_cast<double>(options_.units)};
  Weight& kernel = add_weight("kernel", {in, options_.units}, options_.kernel_initializer, fans);
  kernel.regularizer = options_.kernel_regularizer;
  kernel.constraint = options_.kernel_constraint;
  kernel.fan_in_axes = {0};
  if (options_.use_bias) {
    Weight& bias = add_weight("bias", {options_.units}, options_.bias_initializer, fans);
    bias.regularizer = options_.bias_regularizer;
    bias.constraint = options_.bias_constraint;
    bias.fan_in_axes = {0};
  }
}

Tensor DenseImpl::call(const std::vector<Tensor>& inputs, bool) {
  Tensor y = dense(inputs[0], {weights()[0].value, options_.use_bias ? weights()[1].value : Tensor()},
                   options_.activation);
  if (options_.activity_regularizer) set_activity_loss((*options_.activity_regularizer)(y));
  return y;
}

int64_t DenseImpl::macs(const std::vector<Shape>& inputs, const Shape&) const {
  return inputs[0][1] * options_.units;
}

nlohmann::json DenseImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["units"] = options_.units;
  c["activation"] = activation_to_json(options_.activation);
  write_kernel_and_bias(c, options_);
  return c;
}

Layer DenseImpl::from_config(const ConfigReader& c) {
  DenseOptions o;
  o.units = c.integer("units");
  o.activation = c.activation("activation");
  read_kernel_and_bias(c, o);
  return Dense(o);
}

Layer Dense(const DenseOptions& options) { return make_layer<DenseImpl>(options); }

}  // namespace fovea
