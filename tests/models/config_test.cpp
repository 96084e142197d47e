// Model configs: Keras-shaped JSON round trips, hand-written documents, and errors that name the place.
#include "fovea/models/config.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fovea/layers/layer_config.h"
#include "models/seed_models.h"

namespace fovea {
namespace {

TEST(ModelConfig, SequentialRoundTripsThroughJson) {
  Sequential model = testing::seed_mnist_cnn();
  const std::string json = model.to_json();
  std::shared_ptr<Model> loaded = model_from_json(json, "seed.json");
  EXPECT_EQ(loaded->to_json(), json);
  EXPECT_EQ(loaded->summary(), model.summary());
  EXPECT_EQ(loaded->count_params(), 1199882);
}

TEST(ModelConfig, FunctionalRoundTripsWithInboundNodes) {
  SymbolicTensor x = Input({8, 8, 3});
  SymbolicTensor a = Conv2D({.filters = 4, .kernel_size = {3}, .padding = Padding::same})(x);
  SymbolicTensor b = Conv2D({.filters = 4, .kernel_size = {1}})(x);
  SymbolicTensor y = Dense({.units = 2})(Flatten()(Add()({a, b})));
  Model model(x, y, "two_branches");
  const nlohmann::json config = model.to_config();
  EXPECT_EQ(config["class_name"], "Functional");
  const nlohmann::json& add = config["config"]["layers"][3];
  EXPECT_EQ(add["class_name"], "Add");
  EXPECT_EQ(add["inbound_nodes"], nlohmann::json::parse(R"([[["conv2d", 0, 0, {}], ["conv2d_1", 0, 0, {}]]])"));
  std::shared_ptr<Model> loaded = model_from_config(config, "two_branches.json");
  EXPECT_EQ(loaded->to_config(), config);
  EXPECT_EQ(loaded->summary(), model.summary());
  EXPECT_EQ(loaded->call({Tensor::ones({2, 8, 8, 3})})[0].shape(), Shape({2, 2}));
}

constexpr const char* kHandWritten = R"({
  "class_name": "Sequential",
  "config": {
    "name": "handmade",
    "layers": [
      {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 28, 28, 1]}},
      {"class_name": "Conv2D", "config": {"filters": 8, "kernel_size": 3, "activation": "relu"}},
      {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2]}},
      {"class_name": "Flatten", "config": {}},
      {"class_name": "Dense", "config": {"units": 10, "activation": "softmax"}}
    ]
  }
})";

TEST(ModelConfig, AHandWrittenDocumentLoadsIntoARunnableModel) {
  std::shared_ptr<Model> model = model_from_json(kHandWritten, "handmade.json");
  EXPECT_EQ(model->name(), "handmade");
  EXPECT_EQ(model->count_params(), 80 + 13 * 13 * 8 * 10 + 10);
  Tensor y = (*model)(Tensor::uniform({3, 28, 28, 1}, 0, 1));
  EXPECT_EQ(y.shape(), Shape({3, 10}));
  for (int64_t i = 0; i < 3; ++i) {
    double total = 0;
    for (int64_t j = 0; j < 10; ++j) total += y.at({i, j});
    EXPECT_NEAR(total, 1.0, 1e-5);  // softmax rows
  }
}

std::string error_of(const std::string& text) {
  try {
    model_from_json(text, "net.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(ModelConfig, UnknownLayerClassNamesThePlace) {
  const std::string message = error_of(replaced(kHandWritten, "\"MaxPooling2D\"", "\"MaxPool2D\""));
  EXPECT_EQ(message.rfind("net.json: layers[2]: unknown layer class 'MaxPool2D'; known classes: ", 0), 0u) << message;
}

TEST(ModelConfig, UnknownActivationNamesThePlace) {
  const std::string message = error_of(replaced(kHandWritten, "\"relu\"", "\"rectifier\""));
  EXPECT_EQ(message.rfind("net.json: layers[1] (Conv2D): 'activation': unknown activation 'rectifier'; valid names: ",
                          0),
            0u)
      << message;
}

TEST(ModelConfig, WrongRankNamesThePlaceAndTheShapes) {
  const std::string message = error_of(replaced(kHandWritten, "{\"class_name\": \"Flatten\", \"config\": {}},", ""));
  EXPECT_EQ(message,
            "net.json: layers[3] (Dense): Dense 'dense' expects a rank-2 input (None, features) but got "
            "(None, 13, 13, 8); add Flatten before it");
}

TEST(ModelConfig, BadArgumentTypeNamesTheKey) {
  const std::string message = error_of(replaced(kHandWritten, "\"filters\": 8", "\"filters\": \"eight\""));
  EXPECT_EQ(message, "net.json: layers[1] (Conv2D): 'filters' must be an integer, got \"eight\"");
}

TEST(ModelConfig, SyntaxErrorsNameTheByteOffset) {
  const std::string message = error_of("{\"class_name\": \"Sequential\", ");
  EXPECT_EQ(message.rfind("net.json: not valid JSON at byte ", 0), 0u) << message;
}

TEST(ModelConfig, MissingFileIsAnIoErrorNamingIt) {
  EXPECT_THROW(load_model_config("/nonexistent/net.json"), IoError);
}

}  // namespace
}  // namespace fovea

namespace fovea {
namespace {

// A layer of the program's own: y = scale * x.
class ScaleImpl : public LayerImpl {
 public:
  explicit ScaleImpl(double scale) : scale_(scale) {}
  std::string class_name() const override { return "Scale"; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override { return inputs[0]; }
  Tensor call(const std::vector<Tensor>& inputs, bool) override { return inputs[0] * scale_; }
  nlohmann::json config() const override {
    nlohmann::json c = LayerImpl::config();
    c["scale"] = scale_;
    return c;
  }

 private:
  double scale_;
};

TEST(ModelConfig, ProgramsCanRegisterTheirOwnLayerClasses) {
  register_layer_class("Scale", [](const ConfigReader& c) { return make_layer<ScaleImpl>(c.number("scale")); });
  Sequential model({InputLayer({3}), make_layer<ScaleImpl>(2.5)});
  std::shared_ptr<Model> loaded = model_from_json(model.to_json(), "custom.json");
  EXPECT_FLOAT_EQ((*loaded)(Tensor::ones({1, 3})).at({0, 1}), 2.5f);
  EXPECT_THROW(register_layer_class("Scale", [](const ConfigReader&) { return Layer(); }), ValueError);
  EXPECT_THROW(register_layer_class("Dense", [](const ConfigReader&) { return Layer(); }), ValueError);
}

}  // namespace
}  // namespace fovea
