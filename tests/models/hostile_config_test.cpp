// JSON model configs as a hostile or careless user writes them: sizes whose products do not fit, malformed
// functional graphs and duplicate layer names. Each is one error that names the file and the layer, never a raw
// nlohmann exception, a signal or a silently dropped layer.
#include <gtest/gtest.h>

#include "fovea/core/error.h"
#include "fovea/models/config.h"

namespace fovea {
namespace {

std::string error_of(const std::string& text) {
  try {
    model_from_json(text, "net.json");
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("not a fovea error: ") + e.what();
  }
  return "no error";
}

// A Sequential model: 28x28x1 input, the given layers after it.
std::string sequential(const std::string& layers) {
  return R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 28, 28, 1]}},
    {"class_name": "Flatten", "config": {}}, )" +
         layers + "]}}";
}

// A functional model: input "x" (None, 4), then the given layer entries; the output is the layer named `output`.
std::string functional(const std::string& layers, const std::string& output = "d2") {
  return R"({"class_name": "Functional", "config": {"name": "f", "layers": [
    {"class_name": "InputLayer", "name": "x", "config": {"batch_input_shape": [null, 4], "name": "x"},
     "inbound_nodes": []}, )" +
         layers + R"(], "input_layers": [["x", 0, 0]], "output_layers": [[")" + output + R"(", 0, 0]]}})";
}

// Found by fuzz/model_config_fuzzer: nlohmann throws out_of_range, not parse_error, for a number it cannot hold.
TEST(HostileConfig, ANumberTooLargeForJsonIsAValueErrorNamingTheFile) {
  EXPECT_EQ(error_of(R"({"class_name": 3373e333166666666})"),
            "net.json: not valid JSON: number overflow parsing '3373e333166666666'");
}

TEST(HostileConfig, DenseUnitsWhoseWeightCannotBeIndexedNameTheLayer) {
  // 2^62 units: the output's element count times 8 bytes no longer fits (Shape::numel overflowed, then fill_ wrote
  // past a wrapped-around buffer).
  EXPECT_EQ(error_of(sequential(R"({"class_name": "Dense", "config": {"units": 4611686018427387904}})")),
            "net.json: layers[2] (Dense): Dense 'dense' gives an output of shape (None, 4611686018427387904), more "
            "elements than fovea can index (at most 2^60)");
  // 2^52 units: the output fits, the (784, 2^52) kernel does not.
  EXPECT_EQ(error_of(sequential(R"({"class_name": "Dense", "config": {"units": 4503599627370496}})")),
            "net.json: layers[2] (Dense): Dense 'dense': weight 'kernel' of shape (784, 4503599627370496) has more "
            "elements than fovea can index (at most 2^60)");
}

TEST(HostileConfig, AWeightTheSystemCannotHoldIsAMemoryErrorNamingLayerAndWeight) {
  // (784, 2^40) floats: 3 PiB, more than any address space.
  EXPECT_EQ(error_of(sequential(R"({"class_name": "Dense", "config": {"units": 1099511627776}})")),
            "net.json: layers[2] (Dense): Dense 'dense': weight 'kernel': out of memory: a float32 tensor of shape "
            "(784, 1099511627776) needs 3.1 PiB (3448068464705536 bytes)");
}

TEST(HostileConfig, ConvFiltersTimesKernelThatCannotBeIndexedNameTheLayer) {
  const std::string conv = R"({"class_name": "InputLayer", "config": {"batch_input_shape": [null, 28, 28, 1]}},
    {"class_name": "Conv2D", "config": {"filters": 1099511627776, "kernel_size": [1048576, 1048576],
                                        "padding": "same"}})";
  EXPECT_EQ(error_of(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [)" + conv + "]}}"),
            "net.json: layers[1] (Conv2D): Conv2D 'conv2d': weight 'kernel' of shape (1099511627776, 1, 1048576, "
            "1048576) has more elements than fovea can index (at most 2^60)");
  const std::string dilated = R"({"class_name": "InputLayer", "config": {"batch_input_shape": [null, 28, 28, 1]}},
    {"class_name": "Conv2D", "config": {"filters": 1, "kernel_size": 3037000500, "dilation_rate": 3037000500,
                                        "padding": "same"}})";
  EXPECT_EQ(error_of(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [)" + dilated + "]}}"),
            "net.json: layers[1] (Conv2D): Conv2D: kernel_size (3037000500, 3037000500) with dilation_rate "
            "(3037000500, 3037000500) spans more positions than fovea can index");
}

TEST(HostileConfig, PaddingAndStridesWhoseSumsOverflowNameTheLayer) {
  // Each sum or product wrapped around int64_t (undefined behaviour) before it was compared.
  EXPECT_EQ(error_of(sequential(R"({"class_name": "Reshape", "config": {"target_shape": [28, 28, 1]}},
      {"class_name": "ZeroPadding2D", "config": {"padding": 4611686018427387904}})")),
            "net.json: layers[3] (ZeroPadding2D): ZeroPadding2D 'zero_padding2d': padding (4611686018427387904, "
            "4611686018427387904) of the 28 positions of spatial axis 1 gives more positions than fovea can index");
  EXPECT_EQ(error_of(sequential(R"({"class_name": "Reshape", "config": {"target_shape": [28, 28, 1]}},
      {"class_name": "Cropping2D", "config": {"cropping": 4611686018427387904}})")),
            "net.json: layers[3] (Cropping2D): Cropping2D 'cropping2d': cropping (4611686018427387904, "
            "4611686018427387904) leaves nothing of the 28 positions of spatial axis 1 in input shape (None, 28, 28, "
            "1)");
  EXPECT_EQ(error_of(sequential(R"({"class_name": "Reshape", "config": {"target_shape": [28, 28, 1]}},
      {"class_name": "Conv2DTranspose", "config": {"filters": 1, "kernel_size": 3, "strides": 4611686018427387904}})")),
            "net.json: layers[3] (Conv2DTranspose): Conv2DTranspose: strides (4611686018427387904, "
            "4611686018427387904) step further than fovea can index");
  EXPECT_EQ(error_of(sequential(R"({"class_name": "Reshape", "config": {"target_shape": [28, 28, 1]}},
      {"class_name": "Conv2DTranspose", "config": {"filters": 1, "kernel_size": 3, "strides": 1099511627776}})")),
            "net.json: layers[3] (Conv2DTranspose): Conv2DTranspose 'conv2d_transpose' gives an output of shape "
            "(None, 30786325577728, 30786325577728, 1), more elements than fovea can index (at most 2^60)");
  // A constructor's own error gets the place too.
  EXPECT_EQ(error_of(sequential(R"({"class_name": "Dense", "config": {"units": -5}})")),
            "net.json: layers[2] (Dense): Dense: units must be a positive integer, got -5");
}

TEST(HostileConfig, InputAndReshapeSizesThatCannotBeIndexedAreRefused) {
  EXPECT_EQ(error_of(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
      {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 1099511627776, 1099511627776, 4]}},
      {"class_name": "Flatten", "config": {}}]}})"),
            "net.json: layers[0] (InputLayer): Input: shape (1099511627776, 1099511627776, 4) has more elements than "
            "fovea can index (at most 2^60)");
  EXPECT_EQ(
      error_of(
          sequential(R"({"class_name": "Reshape", "config": {"target_shape": [1099511627776, 1099511627776, -1]}})")),
      "net.json: layers[2] (Reshape): Reshape 'reshape': target shape (1099511627776, 1099511627776, -1) has more "
      "elements than fovea can index (at most 9223372036854775807)");
}

TEST(HostileConfig, ADuplicateLayerNameIsRefusedNamingBothLayers) {
  // The second 'd1' was silently unreachable: inbound_nodes refer to layers by name.
  EXPECT_EQ(error_of(functional(R"(
    {"class_name": "Dense", "name": "d1", "config": {"units": 3, "name": "d1"}, "inbound_nodes": [[["x", 0, 0, {}]]]},
    {"class_name": "Dense", "name": "d1", "config": {"units": 5, "name": "d1"}, "inbound_nodes": [[["x", 0, 0, {}]]]},
    {"class_name": "Dense", "name": "d2", "config": {"units": 2, "name": "d2"}, "inbound_nodes": [[["d1", 0, 0, {}]]]})")),
            "net.json: layers[2] (Dense 'd1'): the name 'd1' is already used by layers[1] (Dense); layer names must be "
            "unique within a model");
}

TEST(HostileConfig, MalformedFunctionalGraphsNameTheFileAndTheLayer) {
  const std::string good = R"(
    {"class_name": "Dense", "name": "d2", "config": {"units": 2, "name": "d2"}, "inbound_nodes": [[["x", 0, 0, {}]]]})";
  ASSERT_EQ(error_of(functional(good)), "no error");
  // Each of these was a raw "[json.exception.type_error.302] ..." without file or layer.
  auto with = [&](const std::string& from, const std::string& to) {
    std::string text = functional(good);
    text.replace(text.find(from), from.size(), to);
    return error_of(text);
  };
  EXPECT_EQ(with(R"("inbound_nodes": [[["x", 0, 0, {}]]])", R"("inbound_nodes": "x")"),
            "net.json: layers[1] (Dense 'd2'): 'inbound_nodes' must be a list of nodes, each a list of inputs; got a "
            "string");
  EXPECT_EQ(with(R"([["x", 0, 0, {}]])", R"(["x", 0, 0, {}])"),
            "net.json: layers[1] (Dense 'd2'): inbound_nodes entries must look like [\"layer_name\", node_index, "
            "tensor_index, {}]; got \"x\"");
  EXPECT_EQ(with(R"(["x", 0, 0, {}])", R"(["x", "0", 0, {}])"),
            "net.json: layers[1] (Dense 'd2'): inbound_nodes entries must look like [\"layer_name\", node_index, "
            "tensor_index, {}]; got [\"x\",\"0\",0,{}]");
  EXPECT_EQ(with(R"("name": "d2", "config")", R"("name": 2, "config")"),
            "net.json: layers[1]: 'name' must be a string, got a number (2)");
  EXPECT_EQ(with(R"("class_name": "Dense")", R"("class_name": ["Dense"])"),
            "net.json: layers[1]: 'class_name' must be a string, got a list ([\"Dense\"])");
  EXPECT_EQ(with(R"("output_layers": [["d2", 0, 0]])", R"("output_layers": [["d2", -1, 0]])"),
            "net.json.config: 'output_layers' entries must look like [\"layer_name\", node_index, tensor_index]; got "
            "[\"d2\",-1,0]");
  EXPECT_EQ(with(R"("input_layers": [["x", 0, 0]])", R"("input_layers": "x")"),
            "net.json.config: 'input_layers' must be a list like [[\"layer_name\", 0, 0]]; got a string");
  EXPECT_EQ(with(R"("name": "f")", R"("name": {})"), "net.json.config: 'name' must be a string, got an object ({})");
}

}  // namespace
}  // namespace fovea
