// Reading and writing ONNX protobuf messages (Debian's libonnx-dev): whole model files, single TensorProto files
// (the backend test cases' input_0.pb), and conversion between TensorProto and fovea tensors. Private to the
// library: public headers never mention protobuf types.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "fovea/core/tensor.h"

namespace fovea::onnx_detail {

// Parses an ONNX model file. IoError "<path>: ..." when it cannot be read or is not an ONNX ModelProto.
onnx::ModelProto read_model_proto(const std::string& path);
// Writes an ONNX model file atomically (a failed write leaves any previous file untouched).
void write_model_proto(const onnx::ModelProto& model, const std::string& path);

// Parses a file holding one serialized TensorProto (ONNX's test_data_set_*/input_*.pb).
onnx::TensorProto read_tensor_proto(const std::string& path);

// The tensor a TensorProto holds (raw_data or the typed repeated fields). float, double, int32, int64, uint8, int8,
// int16, uint16, uint32 and bool become f32, f64, i32, i64, u8, i32, i32, i32, i64 and u8; float16, strings and
// external data are refused. where names the tensor in errors ("initializer 'conv1.weight'").
Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& where);
// A TensorProto named name holding tensor (raw little-endian data, the tensor's own element type).
onnx::TensorProto tensor_to_proto(const Tensor& tensor, const std::string& name);

// ONNX's element type for a fovea dtype (FLOAT for f32, ...).
onnx::TensorProto_DataType onnx_type_of(DType dtype);

}  // namespace fovea::onnx_detail
