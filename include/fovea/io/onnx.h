// ONNX exchange: export any fovea model to an ONNX file, import ONNX models as fovea models that can be
// summarised, run, trained and saved, and run ONNX backend test cases.
//
//   export_onnx(model, "net.onnx");                      // opset 13, weights inside, passes onnx.checker
//   std::shared_ptr<Model> net = import_onnx("resnet18.onnx");
//   OnnxCaseResult r = run_onnx_test_case("/usr/share/libonnx-testdata/data/node/test_relu");
//
// ONNX is NCHW. An imported model keeps ONNX's semantics (channels_first layers); an exported channels_last
// model gets the transposes that make the ONNX graph compute exactly what fovea computes, on the same input
// layout the fovea model takes.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fovea/core/tensor.h"
#include "fovea/models/model.h"

namespace fovea {

struct OnnxExportOptions {
  int opset = 13;                     // the ai.onnx opset the graph declares (13 or later)
  bool dynamic_batch = true;          // the batch dimension is named "batch" instead of fixed
  std::string producer_name = "fovea";
};

// Writes model (built: its weights exist) with its weights to path, atomically. Throws ValueError naming the
// layer when a layer has no ONNX form, IoError when the file cannot be written.
void export_onnx(Model& model, const std::string& path, const OnnxExportOptions& options = {});

struct OnnxImportOptions {
  // Graph inputs whose values are known ahead (a backend test case's weight inputs, say): they become constants
  // of the model instead of inputs, so a node whose weights arrive as graph inputs imports like one with
  // initializers.
  std::map<std::string, Tensor> bind_inputs{};
  // Treat the first dimension of every graph input as the batch dimension (unknown size, as Keras's None) even
  // when the file fixes it, so that a model exported with batch 1 trains on batches of any size.
  bool dynamic_batch = false;
};

// Reads an ONNX model file into a fovea model. Throws IoError naming the file when it cannot be read or parsed,
// and ValueError naming the node, its op type and the supported operators when a node cannot be imported.
std::shared_ptr<Model> import_onnx(const std::string& path, const OnnxImportOptions& options = {});

// The operators import_onnx accepts, sorted.
std::vector<std::string> onnx_supported_ops();

// Makes the layer classes of imported models that no Keras layer expresses ("OnnxConv", "OnnxPad", ...) known to
// model configs (model_from_config, model_from_json, load_model_config). import_onnx and the model-file readers
// (load_model_file, load_model) call it; a program that rebuilds an imported model from its JSON config alone
// calls it first. Safe to call any number of times, from any thread.
void register_onnx_layers();

// One ONNX backend test case: a folder with model.onnx and test_data_set_*/{input,output}_*.pb.
struct OnnxCaseResult {
  std::string name{};  // the folder's name ("test_conv_with_strides_padding")
  bool passed = false;
  double worst_abs_error = 0;  // over every output of every data set
  double worst_rel_error = 0;
  int data_sets = 0;
  std::string message{};  // why it failed (an import error, a shape mismatch, the worst element)
};

struct OnnxTestTolerance {
  double rtol = 1e-3;  // the ONNX backend tests' defaults
  double atol = 1e-7;
};

// Imports the case's model and compares every data set's outputs; never throws for a failing case (the error
// goes into message).
OnnxCaseResult run_onnx_test_case(const std::string& dir, const OnnxTestTolerance& tolerance = {});

}  // namespace fovea
