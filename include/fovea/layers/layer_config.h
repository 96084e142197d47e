// Reading and writing layer configs (Keras get_config() dictionaries). ConfigReader turns a JSON object into
// options with errors that name the place in the document: "layers[3] (Conv2D): 'strides' must be ...".
// Public so that programs can write layers of their own and register them for JSON configs.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

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

// Makes a layer of one class from its config (Keras's from_config).
using LayerFactory = std::function<Layer(const ConfigReader&)>;
// Lets JSON configs name a layer class of the program's own; throws ValueError when the name is taken. Safe to call
// while other threads load models.
void register_layer_class(const std::string& class_name, LayerFactory factory);

// Builds a layer from its Keras class name and config. Throws ValueError naming `where` for an unknown class
// name (listing the known ones) or a bad argument.
Layer layer_from_config(const std::string& class_name, const nlohmann::json& config, const std::string& where);

}  // namespace fovea
