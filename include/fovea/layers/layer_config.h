// Reading and writing layer configs (Keras get_config() dictionaries). ConfigReader turns a JSON object into
// options with errors that name the place in the document: "layers[3] (Conv2D): 'strides' must be ...".
// Public so that programs can write layers of their own and register them for JSON configs.
#pragma once

#include <nlohmann/json.hpp>
#include <functional>
#include <optional>
#include <string>

#include "fovea/layers/layer.h"
#include "fovea/ops/activation.h"
#include "fovea/ops/pool.h"

namespace fovea {

nlohmann::json activation_to_json(const Activation& a);
nlohmann::json dims_to_json(const Dims& d);
std::string data_format_name(DataFormat f);
std::string padding_name(Padding p);

class ConfigReader {
 public:
  // where: the place of this config in the document, used as the prefix of every error.
  ConfigReader(const nlohmann::json& config, std::string where);
  const std::string& where() const { return where_; }
  bool has(const std::string& key) const;

  // Each getter returns the value at key, the fallback when the key is absent or null, and throws ValueError
  // naming the place and the key when the value has the wrong type (or is absent without a fallback).
  int64_t integer(const std::string& key, std::optional<int64_t> fallback = std::nullopt) const;
  double number(const std::string& key, std::optional<double> fallback = std::nullopt) const;
  bool boolean(const std::string& key, std::optional<bool> fallback = std::nullopt) const;
  std::string string(const std::string& key, std::optional<std::string> fallback = std::nullopt) const;
  // An int or a list of ints (Keras kernel_size, strides, ...).
  Dims int_tuple(const std::string& key, std::optional<Dims> fallback = std::nullopt) const;
  Activation activation(const std::string& key) const;
  DataFormat data_format(const std::string& key) const;
  Padding padding(const std::string& key, Padding fallback = Padding::valid) const;
  InitializerPtr initializer(const std::string& key, InitializerPtr fallback) const;
  RegularizerPtr regularizer(const std::string& key) const;
  ConstraintPtr constraint(const std::string& key) const;

  [[noreturn]] void fail(const std::string& key, const std::string& expected) const;
  // The value at key (null when absent or null), for arguments with several accepted forms (nested tuples).
  const nlohmann::json* raw(const std::string& key) const { return find(key); }

 private:
  const nlohmann::json* find(const std::string& key) const;
  const nlohmann::json& config_;
  std::string where_;
};

// The kernel and bias arguments that Dense and the convolution layers share, under Keras's names (use_bias,
// kernel_/bias_ initializer, regularizer, constraint, activity_regularizer): written and read in one place.
template <class Options>
void write_kernel_and_bias(nlohmann::json& c, const Options& o) {
  c["use_bias"] = o.use_bias;
  c["kernel_initializer"] = initializers::to_json(o.kernel_initializer);
  c["bias_initializer"] = initializers::to_json(o.bias_initializer);
  c["kernel_regularizer"] = regularizers::to_json(o.kernel_regularizer);
  c["bias_regularizer"] = regularizers::to_json(o.bias_regularizer);
  c["activity_regularizer"] = regularizers::to_json(o.activity_regularizer);
  c["kernel_constraint"] = constraints::to_json(o.kernel_constraint);
  c["bias_constraint"] = constraints::to_json(o.bias_constraint);
}

template <class Options>
void read_kernel_and_bias(const ConfigReader& c, Options& o) {
  o.use_bias = c.boolean("use_bias", true);
  o.kernel_initializer = c.initializer("kernel_initializer", o.kernel_initializer);
  o.bias_initializer = c.initializer("bias_initializer", o.bias_initializer);
  o.kernel_regularizer = c.regularizer("kernel_regularizer");
  o.bias_regularizer = c.regularizer("bias_regularizer");
  o.activity_regularizer = c.regularizer("activity_regularizer");
  o.kernel_constraint = c.constraint("kernel_constraint");
  o.bias_constraint = c.constraint("bias_constraint");
}

// Makes a layer of one class from its config (Keras's from_config).
using LayerFactory = std::function<Layer(const ConfigReader&)>;
// Lets JSON configs name a layer class of the program's own; throws ValueError when the name is taken. Safe to call
// while other threads load models.
void register_layer_class(const std::string& class_name, LayerFactory factory);

// Builds a layer from its Keras class name and config. Throws ValueError naming `where` for an unknown class
// name (listing the known ones) or a bad argument.
Layer layer_from_config(const std::string& class_name, const nlohmann::json& config, const std::string& where);

}  // namespace fovea
