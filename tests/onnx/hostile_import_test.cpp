// ONNX files with attribute values a JSON config could never carry past Conv2D's options: zero strides and
// dilations, negative pads, zero kernels, opsets this build does not know, dimensions too large to index. Each is
// one ValueError naming the node (it was a SIGFPE in same_pads for strides 0).
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "fovea/fovea.h"
#include "fovea/io/onnx.h"
#include "fovea/models/config.h"
#include "onnx/proto_io.h"

namespace fovea {
namespace {

std::string temp_file(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "fovea_onnx_hostile";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

void set_value_info(::onnx::ValueInfoProto* info, const std::string& name, const std::vector<int64_t>& dims) {
  info->set_name(name);
  auto* tensor = info->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(::onnx::TensorProto::FLOAT);
  for (int64_t d : dims) {
    auto* dim = tensor->mutable_shape()->add_dim();
    if (d < 0) {
      dim->set_dim_param("N");
    } else {
      dim->set_dim_value(d);
    }
  }
}

void add_ints(::onnx::NodeProto* node, const std::string& name, const std::vector<int64_t>& values) {
  ::onnx::AttributeProto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

// x (N, 1, 8, 8) -> one node `op` named "bad" with the given int-list attributes -> y. Conv gets a (2, 1, 3, 3)
// weight, ConvTranspose a (1, 2, 3, 3) one.
std::string write_node(const std::string& op, const std::vector<std::pair<std::string, std::vector<int64_t>>>& attrs,
                       const std::string& name, int64_t opset = 13) {
  ::onnx::ModelProto model;
  model.set_ir_version(7);
  ::onnx::OperatorSetIdProto* set = model.add_opset_import();
  set->set_domain("");
  set->set_version(opset);
  ::onnx::GraphProto* g = model.mutable_graph();
  g->set_name("hostile");
  set_value_info(g->add_input(), "x", {-1, 1, 8, 8});
  set_value_info(g->add_output(), "y", {});
  ::onnx::NodeProto* node = g->add_node();
  node->set_op_type(op);
  node->set_name("bad");
  node->add_input("x");
  if (op == "Tile" || op == "Pad") {  // their integer lists are inputs
    const auto& [key, values] = attrs.at(0);
    *g->add_initializer() =
        onnx_detail::tensor_to_proto(Tensor::from_vector(Shape{static_cast<int64_t>(values.size())},
                                                         std::vector<double>(values.begin(), values.end()), DType::i64),
                                     key);
    node->add_input(key);
  }
  if (op == "Pad") {  // edge mode: no Keras layer takes it, so the OnnxPad kernel runs at import
    ::onnx::AttributeProto* mode = node->add_attribute();
    mode->set_name("mode");
    mode->set_type(::onnx::AttributeProto::STRING);
    mode->set_s("edge");
  }
  if (op == "Conv" || op == "ConvTranspose") {
    const Shape w = op == "Conv" ? Shape{2, 1, 3, 3} : Shape{1, 2, 3, 3};
    *g->add_initializer() = onnx_detail::tensor_to_proto(Tensor::ones(w), "w");
    node->add_input("w");
  }
  node->add_output("y");
  for (const auto& [key, values] : attrs) {
    if (op != "Tile" && op != "Pad") add_ints(node, key, values);
  }
  const std::string path = temp_file(name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  model.SerializeToOstream(&out);
  return path;
}

std::string import_error(const std::string& path) {
  try {
    import_onnx(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// Found by fuzz/onnx_fuzzer: an initializer declaring 2^30 floats and holding none asked for 4 GiB before its
// data was checked.
TEST(OnnxHostileImport, ATensorIsAllocatedOnlyWhenItsValuesAreThere) {
  ::onnx::TensorProto proto;
  proto.set_data_type(::onnx::TensorProto::FLOAT);
  proto.add_dims(1 << 15);
  proto.add_dims(1 << 15);
  proto.add_float_data(1.0f);
  try {
    onnx_detail::tensor_from_proto(proto, "initializer 'w'");
    ADD_FAILURE() << "no error";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "initializer 'w': the shape (32768, 32768) needs 1073741824 values but the tensor holds 1");
  }
}

// Found by fuzz/onnx_fuzzer: a perm naming an axis the input does not have was read past its end.
TEST(OnnxHostileImport, TransposeTakesOnlyAPermutationOfItsInputsAxes) {
  EXPECT_EQ(import_error(write_node("Transpose", {{"perm", {0, 5, 1, 2}}}, "perm_range.onnx")),
            "node 0 ('bad', Transpose): perm must order the 4 axes of its input, each once; got [0, 5, 1, 2]");
  EXPECT_EQ(import_error(write_node("Transpose", {{"perm", {0, 1, 1, 2}}}, "perm_twice.onnx")),
            "node 0 ('bad', Transpose): perm must order the 4 axes of its input, each once; got [0, 1, 1, 2]");
  EXPECT_EQ(import_error(write_node("Transpose", {{"perm", {0, 1}}}, "perm_short.onnx")),
            "node 0 ('bad', Transpose): perm must order the 4 axes of its input, each once; got [0, 1]");
}

TEST(OnnxHostileImport, ConvWindowAttributesAreCheckedAsTheJsonPathChecksThem) {
  EXPECT_EQ(import_error(write_node("Conv", {{"strides", {0, 0}}}, "strides0.onnx")),
            "node 0 ('bad', Conv): strides must be positive; got [0, 0]");
  EXPECT_EQ(import_error(write_node("Conv", {{"strides", {0, 0}}, {"pads", {1, 1, 1, 1}}}, "strides0_pads.onnx")),
            "node 0 ('bad', Conv): strides must be positive; got [0, 0]");
  EXPECT_EQ(import_error(write_node("Conv", {{"dilations", {1, 0}}}, "dilations0.onnx")),
            "node 0 ('bad', Conv): dilations must be positive; got [1, 0]");
  EXPECT_EQ(import_error(write_node("Conv", {{"pads", {-1, 0, 0, 0}}}, "pads.onnx")),
            "node 0 ('bad', Conv): pads must be non-negative; got [-1, 0, 0, 0]");
  EXPECT_EQ(import_error(write_node("Conv", {{"kernel_shape", {0, 0}}}, "kernel0.onnx")),
            "node 0 ('bad', Conv): kernel_shape [0, 0] does not match the weight of shape (2, 1, 3, 3)");
  EXPECT_EQ(import_error(write_node("Conv", {{"strides", {1}}}, "strides_rank.onnx")),
            "node 0 ('bad', Conv): strides [1] has 1 values; expected 2 (one per spatial axis)");
  EXPECT_EQ(import_error(write_node("ConvTranspose", {{"strides", {0, 0}}}, "transpose_strides0.onnx")),
            "node 0 ('bad', ConvTranspose): strides must be positive; got [0, 0]");
  EXPECT_EQ(import_error(write_node("ConvTranspose", {{"output_shape", {-8, 8}}}, "output_shape.onnx")),
            "node 0 ('bad', ConvTranspose): output_shape must hold positive sizes; got [-8, 8]");
  EXPECT_EQ(import_error(write_node("ConvTranspose", {{"output_padding", {-1, 0}}}, "output_padding.onnx")),
            "node 0 ('bad', ConvTranspose): output_padding must hold one non-negative value per spatial axis; got "
            "[-1, 0]");
}

TEST(OnnxHostileImport, TileRepeatsAreChecked) {
  // -1 repeats made a vector of 2^64 - 1 tensors (std::length_error), 2^40 one of 2^40.
  EXPECT_EQ(import_error(write_node("Tile", {{"repeats", {1, 1, -1, 1}}}, "tile_negative.onnx")),
            "node 0 ('bad', Tile): OnnxTile 'onnx_tile' cannot take inputs of shape (None, 1, 8, 8): Tile: repeats -1 "
            "on axis 2 of size 8; expected a positive count that gives fewer than 2^40 positions");
  EXPECT_EQ(import_error(write_node("Tile", {{"repeats", {1, 1, 1099511627776, 1}}}, "tile_huge.onnx")),
            "node 0 ('bad', Tile): OnnxTile 'onnx_tile' cannot take inputs of shape (None, 1, 8, 8): Tile: repeats "
            "1099511627776 on axis 2 of size 8; expected a positive count that gives fewer than 2^40 positions");
  EXPECT_EQ(import_error(write_node("Tile", {{"repeats", {1, 1, 2, 2}}}, "tile.onnx")), "no error");
}

TEST(OnnxHostileImport, EdgePadsThatWouldTakeMillionsOfSlicesAreRefused) {
  // One slice per padded position: 2^41 positions was a loop of 2^41 slices.
  EXPECT_EQ(import_error(write_node("Pad", {{"pads", {0, 0, 2199023255552, 0, 0, 0, 0, 0}}}, "pad_huge.onnx")),
            "node 0 ('bad', Pad): OnnxPad 'onnx_pad' cannot take inputs of shape (None, 1, 8, 8): Pad: pad "
            "2199023255552 in edge mode; expected less than 1048576 positions either way");
  EXPECT_EQ(import_error(write_node("Pad", {{"pads", {0, 0, 1, 1, 0, 0, 1, 1}}}, "pad.onnx")), "no error");
}

TEST(OnnxHostileImport, PoolWindowAttributesAreChecked) {
  EXPECT_EQ(import_error(write_node("MaxPool", {{"kernel_shape", {2, 2}}, {"strides", {0, 0}}}, "pool_s0.onnx")),
            "node 0 ('bad', MaxPool): strides must be positive; got [0, 0]");
  EXPECT_EQ(import_error(write_node("AveragePool", {{"kernel_shape", {0, 2}}}, "pool_k0.onnx")),
            "node 0 ('bad', AveragePool): kernel_shape must be positive; got [0, 2]");
  EXPECT_EQ(import_error(write_node("MaxPool", {{"kernel_shape", {3, 3}}, {"dilations", {1, int64_t{1} << 62}}},
                                    "pool_dilation.onnx")),
            "node 0 ('bad', MaxPool): kernel_shape [3, 3], strides [1, 1], dilations [1, 4611686018427387904] and "
            "pads [0, 0, 0, 0] reach further than fovea can index (2^40)");
}

TEST(OnnxHostileImport, OnnxLayersInAConfigCheckTheirWindowsToo) {
  // A dilated MaxPool imports as an OnnxPool layer whose attributes a saved config carries; a config edited to
  // strides 0 reached a division by zero in the kernel.
  const std::string path = write_node("MaxPool", {{"kernel_shape", {2, 2}}, {"dilations", {2, 2}}}, "dilated.onnx");
  nlohmann::json config = import_onnx(path)->to_config();
  bool found = false;
  for (nlohmann::json& layer : config["config"]["layers"]) {
    if (layer["class_name"] != "OnnxPool") continue;
    layer["config"]["attributes"]["strides"] = {0, 0};
    found = true;
  }
  ASSERT_TRUE(found) << config.dump();
  try {
    model_from_config(config, "net.json");
    FAIL() << "strides 0 were accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "net.json: layers[1] (OnnxPool 'onnx_pool'): OnnxPool 'onnx_pool' cannot take inputs of shape (None, 1, "
              "8, 8): Pool: kernel_shape [2, 2], strides [0, 0], dilations [2, 2] and pads [0, 0, 0, 0] do not fit a "
              "2-D input; expected per spatial axis one positive kernel size, stride and dilation and two "
              "non-negative pads");
  }
}

TEST(OnnxHostileImport, OpsetsTheConvertersDoNotKnowAreRefused) {
  // 999 was read as the newest opset, whatever its operators mean.
  for (const int64_t opset : {int64_t{999}, int64_t{19}, int64_t{0}}) {
    const std::string path = write_node("Relu", {}, "opset" + std::to_string(opset) + ".onnx", opset);
    EXPECT_EQ(import_error(path),
              path + ": ai.onnx opset " + std::to_string(opset) + " is not supported; fovea reads opsets 1 to 18");
  }
  EXPECT_EQ(import_error(write_node("Relu", {}, "opset1.onnx", 1)), "no error");
  EXPECT_EQ(import_error(write_node("Relu", {}, "opset18.onnx", 18)), "no error");
}

TEST(OnnxHostileImport, DimensionsTooLargeToIndexAreRefused) {
  ::onnx::ModelProto model;
  model.set_ir_version(7);
  ::onnx::OperatorSetIdProto* set = model.add_opset_import();
  set->set_domain("");
  set->set_version(13);
  ::onnx::GraphProto* g = model.mutable_graph();
  g->set_name("huge");
  set_value_info(g->add_input(), "x", {-1, int64_t{1} << 40, int64_t{1} << 40, 4});
  set_value_info(g->add_output(), "y", {});
  ::onnx::NodeProto* node = g->add_node();
  node->set_op_type("Flatten");
  node->set_name("flat");
  node->add_input("x");
  node->add_output("y");
  const std::string path = temp_file("huge.onnx");
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    model.SerializeToOstream(&out);
  }
  EXPECT_EQ(import_error(path), path +
                                    ": graph input 'x': Input: shape (1099511627776, 1099511627776, 4) has more "
                                    "elements than fovea can index (at most 2^60)");
}

}  // namespace
}  // namespace fovea
