// The graph under construction while export_onnx walks a fovea model: unique value names, nodes with their
// attributes, initializers and constants, and the layout each value is currently held in.
//
// ONNX's Conv and pooling ops are channels-first, Keras's layers channels-last by default. Rather than
// transposing in and out around every such layer, each exported value remembers the permutation it is held in
// (its physical axis i is the Keras axis perm[i]); a layer asks for the layout it needs with in_layout(), which
// emits a Transpose only when the value is held differently (and only once per value and layout). Elementwise
// layers keep whatever layout their input has, so a channels_last conv stack transposes once at its start and
// once where Keras's element order matters again (Flatten, Dense on images, Reshape, the model's outputs).
#pragma once

#include <onnx/onnx_pb.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fovea/core/tensor.h"
#include "fovea/layers/layer.h"

namespace fovea::onnx_detail {

// Sizes as an ONNX integer list.
inline std::vector<int64_t> to_vector(const Dims& d) { return {d.begin(), d.end()}; }

// perm[i] is the Keras axis (batch = 0) held on physical axis i.
using Perm = std::vector<int64_t>;

Perm identity_perm(int rank);
// The channels-first order of an image value whose Keras layout is `format`: (N, C, spatial...) physically.
Perm channels_first_perm(int rank, DataFormat format);
// The physical axis that holds Keras axis `keras_axis` (negative counts from the end).
int64_t physical_axis(const Perm& perm, int64_t keras_axis);
bool is_identity(const Perm& perm);

// One fovea value in the ONNX graph: its ONNX name, the layout it is held in and its Keras shape (batch -1).
struct Value {
  std::string name;
  Perm perm;
  Shape shape;
  int rank() const { return static_cast<int>(perm.size()); }
};

// An attribute value for ExportGraph::node().
struct Attribute {
  enum class Kind { integer, real, integers, reals, text } kind;
  std::string name;
  int64_t i = 0;
  double f = 0;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::string s;

  static Attribute integer(std::string name, int64_t v);
  static Attribute real(std::string name, double v);
  static Attribute integers(std::string name, std::vector<int64_t> v);
  static Attribute text(std::string name, std::string v);
};

class ExportGraph {
 public:
  ExportGraph(::onnx::GraphProto* graph, DType dtype, bool dynamic_batch);

  DType dtype() const { return dtype_; }
  ::onnx::GraphProto& proto() { return *graph_; }

  // Makes `base` (or base_1, base_2, ...) a name no other value, initializer or node uses, and reserves it.
  std::string unique_name(const std::string& base);
  // Reserves a name exactly (layer names, reserved before any temporary is made). False when already taken.
  bool reserve(const std::string& name);

  // Appends a node; returns its first output's name. Its node name is its first output's name.
  std::string node(const std::string& op, const std::vector<std::string>& inputs,
                   const std::vector<std::string>& outputs, const std::vector<Attribute>& attributes = {});
  // A node with one output named unique_name(base).
  std::string op(const std::string& op, const std::vector<std::string>& inputs, const std::string& base,
                 const std::vector<Attribute>& attributes = {});

  // Adds tensor (any shape, its own dtype) as an initializer named unique_name(base). The same tensor (a shared
  // layer's weight) is stored once.
  std::string initializer(const Tensor& tensor, const std::string& base);
  // A scalar (rank 0) initializer of the model's dtype; identical values share one initializer.
  std::string scalar(double value);
  // A 1-D int64 initializer (shapes, pads, axes); identical lists share one initializer.
  std::string int64s(const std::vector<int64_t>& values);

  // v held in layout `want` (v itself when it already is): a Transpose, made once per value and layout.
  Value in_layout(const Value& v, const Perm& want);
  Value in_keras_layout(const Value& v) { return in_layout(v, identity_perm(v.rank())); }

  // Declares the type and shape of a value (Keras shape permuted into its layout; batch "batch" or 1).
  void declare(const Value& v);
  // The ValueInfoProto of v (for graph inputs and outputs).
  ::onnx::ValueInfoProto value_info(const Value& v) const;

 private:
  ::onnx::GraphProto* graph_;
  DType dtype_;
  bool dynamic_batch_;
  std::set<std::string> names_;
  std::map<std::pair<std::string, Perm>, std::string> transposed_;
  std::map<const void*, std::pair<Tensor, std::string>> stored_;  // the Tensor keeps its address from reuse
  std::map<double, std::string> scalars_;
  std::map<std::vector<int64_t>, std::string> int64s_;
};

}  // namespace fovea::onnx_detail
