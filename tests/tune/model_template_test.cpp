// Model templates: placeholders and repeated blocks filled in from a configuration, and the errors.
#include "fovea/tune/model_template.h"

#include <gtest/gtest.h>

#include "fovea/core/error.h"
#include "fovea/io/json.h"
#include "fovea/models/config.h"

namespace fovea::tune {
namespace {

const nlohmann::json kTemplate = nlohmann::json::parse(R"({"class_name": "Sequential", "config": {"layers": [
  {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 12, 12, 1]}},
  {"$repeat": "blocks", "layers": [
    {"class_name": "Conv2D", "config": {"filters": "$filters", "kernel_size": "$kernel", "padding": "same",
                                        "activation": "relu"}},
    {"class_name": "MaxPooling2D", "config": {"pool_size": 2}}]},
  {"class_name": "Flatten", "config": {}},
  {"class_name": "Dense", "config": {"units": 10, "activation": "softmax"}}]}})");

std::string error_of(const nlohmann::json& tmpl, const Config& config) {
  try {
    instantiate_template(tmpl, config);
  } catch (const ValueError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ModelTemplate, ListsItsPlaceholders) {
  EXPECT_EQ(template_placeholders(kTemplate), (std::set<std::string>{"blocks", "filters", "kernel"}));
}

TEST(ModelTemplate, FillsValuesAndRepeatsBlocksIntoALoadableModel) {
  const nlohmann::json config = instantiate_template(kTemplate, {{"blocks", 2}, {"filters", 4}, {"kernel", 3}});
  const nlohmann::json& layers = config["config"]["layers"];
  ASSERT_EQ(layers.size(), 1u + 2 * 2 + 2);
  EXPECT_EQ(layers[1]["config"]["filters"], 4);
  EXPECT_EQ(layers[3]["class_name"], "Conv2D");
  EXPECT_EQ(layers[3]["config"]["kernel_size"], 3);
  std::shared_ptr<Model> model = model_from_config(config, "template");
  // Two blocks: 1->4 and 4->4 channels of 3x3, 12x12 pooled twice to 3x3x4 = 36 inputs of the classifier.
  EXPECT_EQ(model->count_params(), (9 * 1 * 4 + 4) + (9 * 4 * 4 + 4) + (36 * 10 + 10));

  const nlohmann::json none = instantiate_template(kTemplate, {{"blocks", 0}, {"filters", 4}, {"kernel", 3}});
  EXPECT_EQ(none["config"]["layers"].size(), 3u);
}

TEST(ModelTemplate, NestedBlocksRepeatInsideTheirBlock) {
  const nlohmann::json tmpl = nlohmann::json::parse(R"([{"$repeat": "blocks", "layers": [
    {"$repeat": "convs", "layers": [{"class_name": "Conv2D", "config": {"filters": "$filters"}}]},
    {"class_name": "MaxPooling2D"}]}])");
  EXPECT_EQ(template_placeholders(tmpl), (std::set<std::string>{"blocks", "convs", "filters"}));
  const nlohmann::json layers = instantiate_template(tmpl, {{"blocks", 2}, {"convs", 3}, {"filters", 8}});
  std::string classes;
  for (const nlohmann::json& layer : layers) classes += layer["class_name"].get<std::string>() == "Conv2D" ? "c" : "p";
  EXPECT_EQ(classes, "cccpcccp");
  EXPECT_EQ(layers[4]["config"]["filters"], 8);
}

TEST(ModelTemplate, ErrorsNameThePlaceholder) {
  EXPECT_EQ(error_of(kTemplate, {{"blocks", 1}, {"kernel", 3}}),
            "model template: '$filters' has no value in this configuration (no knob of that name applies)");
  EXPECT_EQ(error_of(kTemplate, {{"blocks", 1.5}, {"filters", 4}, {"kernel", 3}}),
            "model template: $repeat 'blocks' needs a whole number from 0 to 1000, got 1.5");
  EXPECT_EQ(error_of(kTemplate, {{"blocks", "two"}, {"filters", 4}, {"kernel", 3}}),
            "model template: $repeat 'blocks' needs a whole number from 0 to 1000, got \"two\"");
  EXPECT_EQ(error_of(nlohmann::json::parse(R"([{"$repeat": 3, "layers": []}])"), {}),
            R"(model template: a $repeat block is {"$repeat": "knob", "layers": [...]}, got {"$repeat":3,"layers":[]})");
}

}  // namespace
}  // namespace fovea::tune
