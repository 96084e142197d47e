// The computations behind fovea's ONNX-semantics layers (OnnxLayerImpl) and the importer's constant folding: one
// function per ONNX operator, written with fovea's differentiable ops so imported models train. Attributes arrive
// as JSON (the node's attributes, resolved by the importer: explicit pads, static shapes, axes).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fovea/core/tensor.h"

namespace fovea::onnx_detail {

// Runs operator op on operands (in ONNX input order; an undefined tensor for an absent optional input). Integer
// operands are computed in float64 and the result converted back, as ONNX's integer cases expect exact values.
// Throws ValueError for an operator or attribute value it does not know.
Tensor run_onnx_kernel(const std::string& op, const nlohmann::json& attributes, const std::vector<Tensor>& operands,
                       bool training);

// Whether run_onnx_kernel knows op.
bool has_onnx_kernel(const std::string& op);

// fovea's element type for an ONNX TensorProto data type number (FLOAT = 1, INT64 = 7, ...).
DType dtype_of_onnx_type(int64_t onnx_type);

}  // namespace fovea::onnx_detail
