// The table of layer classes that configs (JSON documents) can name, and layer_from_config().
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string_view>

#include "fovea/core/error.h"
#include "fovea/layers/activations.h"
#include "fovea/layers/conv.h"
#include "fovea/layers/dense.h"
#include "fovea/layers/input_layer.h"
#include "fovea/layers/merging.h"
#include "fovea/layers/normalization.h"
#include "fovea/layers/pooling.h"
#include "fovea/layers/preprocessing.h"
#include "fovea/layers/regularization.h"
#include "fovea/layers/reshaping.h"
#include "fovea/layers/layer_config.h"

namespace fovea {
namespace {

struct Registration {
  std::string_view class_name;
  Layer (*make)(const ConfigReader&);
};

// One line per layer class; keep alphabetical.
constexpr Registration kLayers[] = {
    {"Activation", &ActivationLayerImpl::from_config},
    {"Add", &add_from_config},
    {"Average", &average_from_config},
    {"AveragePooling1D", &PoolingImpl::from_config<PoolKind::average, 1>},
    {"AveragePooling2D", &PoolingImpl::from_config<PoolKind::average, 2>},
    {"AveragePooling3D", &PoolingImpl::from_config<PoolKind::average, 3>},
    {"BatchNormalization", &BatchNormalizationImpl::from_config},
    {"Concatenate", &ConcatenateImpl::from_config},
    {"Conv1D", &ConvImpl::from_config<1>},
    {"Conv1DTranspose", &ConvTransposeImpl::from_config<1>},
    {"Conv2D", &ConvImpl::from_config<2>},
    {"Conv2DTranspose", &ConvTransposeImpl::from_config<2>},
    {"Conv3D", &ConvImpl::from_config<3>},
    {"Conv3DTranspose", &ConvTransposeImpl::from_config<3>},
    {"Cropping1D", &cropping1d_from_config},
    {"Cropping2D", &cropping2d_from_config},
    {"Cropping3D", &cropping3d_from_config},
    {"Dense", &DenseImpl::from_config},
    {"DepthwiseConv2D", &DepthwiseConv2DImpl::from_config},
    {"Dropout", &DropoutImpl::from_config},
    {"ELU", &ELUImpl::from_config},
    {"Flatten", &FlattenImpl::from_config},
    {"GlobalAveragePooling1D", &GlobalPoolingImpl::from_config<PoolKind::average, 1>},
    {"GlobalAveragePooling2D", &GlobalPoolingImpl::from_config<PoolKind::average, 2>},
    {"GlobalAveragePooling3D", &GlobalPoolingImpl::from_config<PoolKind::average, 3>},
    {"GlobalMaxPooling1D", &GlobalPoolingImpl::from_config<PoolKind::max, 1>},
    {"GlobalMaxPooling2D", &GlobalPoolingImpl::from_config<PoolKind::max, 2>},
    {"GlobalMaxPooling3D", &GlobalPoolingImpl::from_config<PoolKind::max, 3>},
    {"InputLayer", &InputLayerImpl::from_config},
    {"L2Pooling1D", &PoolingImpl::from_config<PoolKind::l2, 1>},
    {"L2Pooling2D", &PoolingImpl::from_config<PoolKind::l2, 2>},
    {"L2Pooling3D", &PoolingImpl::from_config<PoolKind::l2, 3>},
    {"LayerNormalization", &LayerNormalizationImpl::from_config},
    {"LeakyReLU", &LeakyReLUImpl::from_config},
    {"LocalResponseNormalization", &LocalResponseNormalizationImpl::from_config},
    {"MaxPooling1D", &PoolingImpl::from_config<PoolKind::max, 1>},
    {"MaxPooling2D", &PoolingImpl::from_config<PoolKind::max, 2>},
    {"MaxPooling3D", &PoolingImpl::from_config<PoolKind::max, 3>},
    {"Maximum", &maximum_from_config},
    {"Minimum", &minimum_from_config},
    {"Multiply", &multiply_from_config},
    {"Normalization", &NormalizationImpl::from_config},
    {"PReLU", &PReLUImpl::from_config},
    {"Permute", &PermuteImpl::from_config},
    {"ReLU", &ReLUImpl::from_config},
    {"Rescaling", &RescalingImpl::from_config},
    {"Reshape", &ReshapeImpl::from_config},
    {"SeparableConv2D", &SeparableConv2DImpl::from_config},
    {"Softmax", &SoftmaxImpl::from_config},
    {"SpatialDropout1D", &spatial_dropout1d_from_config},
    {"SpatialDropout2D", &spatial_dropout2d_from_config},
    {"SpatialDropout3D", &spatial_dropout3d_from_config},
    {"Subtract", &subtract_from_config},
    {"ZeroPadding1D", &zero_padding1d_from_config},
    {"ZeroPadding2D", &zero_padding2d_from_config},
    {"ZeroPadding3D", &zero_padding3d_from_config},
};

// Layer classes added at run time, after the built-in table: programs' own layers, and those of fovea's higher
// layers (the ONNX-semantics layers, fovea::register_onnx_layers). Threads may register and load models at the
// same time, so the table is read and written under its lock.
struct CustomLayers {
  std::shared_mutex mutex;
  std::map<std::string, LayerFactory> factories;
};

CustomLayers& custom_layers() {
  static CustomLayers layers;
  return layers;
}

LayerFactory find_builtin_factory(const std::string& class_name) {
  for (const Registration& r : kLayers) {
    if (r.class_name == class_name) return r.make;
  }
  return {};
}

LayerFactory find_factory(const std::string& class_name) {
  if (LayerFactory builtin = find_builtin_factory(class_name)) return builtin;
  CustomLayers& custom = custom_layers();
  std::shared_lock lock(custom.mutex);
  const auto it = custom.factories.find(class_name);
  return it == custom.factories.end() ? LayerFactory() : it->second;
}

}  // namespace

void register_layer_class(const std::string& class_name, LayerFactory factory) {
  FOVEA_CHECK(factory != nullptr, ValueError, "register_layer_class('", class_name, "'): the factory is empty");
  FOVEA_CHECK(!find_builtin_factory(class_name), ValueError, "register_layer_class: a layer class named '",
              class_name, "' is already registered");
  CustomLayers& custom = custom_layers();
  std::unique_lock lock(custom.mutex);
  FOVEA_CHECK(custom.factories.emplace(class_name, std::move(factory)).second, ValueError,
              "register_layer_class: a layer class named '", class_name, "' is already registered");
}

Layer layer_from_config(const std::string& class_name, const nlohmann::json& config, const std::string& where) {
  if (LayerFactory make = find_factory(class_name)) {
    const ConfigReader reader(config, where + " (" + class_name + ")");
    Layer layer = make(reader);
    layer->set_name(reader.string("name", ""));
    layer->set_trainable(reader.boolean("trainable", true));
    return layer;
  }
  std::string known;
  for (const Registration& r : kLayers) known += (known.empty() ? "" : ", ") + std::string(r.class_name);
  {
    std::shared_lock lock(custom_layers().mutex);
    for (const auto& [name, make] : custom_layers().factories) known += ", " + name;
  }
  throw ValueError(detail::concat(where, ": unknown layer class '", class_name, "'; known classes: ", known));
}

}  // namespace fovea
