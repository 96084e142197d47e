#include "onnx/proto_io.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/regular_file.h"
#include "fovea/core/error.h"

namespace fovea::onnx_detail {
namespace {

std::string read_file_bytes(const std::string& path, const char* what) {
  core_detail::require_regular_file(path, std::string("a file with ") + what);  // opening a FIFO would block
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot open " + what + " (" + std::strerror(errno) + ")");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw IoError(path + ": read failed");
  return std::move(bytes).str();
}

Shape shape_of(const onnx::TensorProto& proto, const std::string& where) {
  if (proto.dims_size() > 6) {
    throw ValueError(where + ": rank " + std::to_string(proto.dims_size()) +
                     " (fovea tensors have at most 6 dimensions)");
  }
  Shape shape;
  for (int64_t d : proto.dims()) {
    if (d < 0) throw ValueError(where + ": negative dimension " + std::to_string(d));
    shape.push_back(d);
  }
  return shape;
}

// Copies count elements of the repeated field into tensor's buffer, converting to the tensor's element type.
template <class Target, class Field>
void copy_repeated(const Field& field, Tensor& tensor, int64_t count, const std::string& where) {
  if (field.size() != count) {
    throw ValueError(where + ": holds " + std::to_string(field.size()) + " values for a shape of " +
                     std::to_string(count) + " elements");
  }
  Target* out = tensor.data<Target>();
  for (int64_t i = 0; i < count; ++i) out[i] = static_cast<Target>(field.Get(static_cast<int>(i)));
}

// Widens count raw little-endian Source values into tensor's Target buffer.
template <class Source, class Target>
void widen_raw(const std::string& raw, Tensor& tensor, int64_t count) {
  Target* out = tensor.data<Target>();
  for (int64_t i = 0; i < count; ++i) {
    Source v;
    std::memcpy(&v, raw.data() + i * sizeof(Source), sizeof(Source));
    out[i] = static_cast<Target>(v);
  }
}

struct TypeMapping {
  DType dtype;
  size_t source_size;  // bytes per element in raw_data
};

TypeMapping mapping_for(int data_type, const std::string& where) {
  using TP = onnx::TensorProto;
  switch (data_type) {
    case TP::FLOAT:
      return {DType::f32, 4};
    case TP::DOUBLE:
      return {DType::f64, 8};
    case TP::INT32:
      return {DType::i32, 4};
    case TP::INT64:
      return {DType::i64, 8};
    case TP::UINT8:
      return {DType::u8, 1};
    case TP::BOOL:
      return {DType::u8, 1};
    case TP::INT8:
      return {DType::i32, 1};
    case TP::INT16:
      return {DType::i32, 2};
    case TP::UINT16:
      return {DType::i32, 2};
    case TP::UINT32:
      return {DType::i64, 4};
    default:
      throw ValueError(where + ": element type " + TP::DataType_Name(static_cast<TP::DataType>(data_type)) +
                       " is not supported (float, double, int8-64, uint8-32 and bool are)");
  }
}

void fill_from_raw(const onnx::TensorProto& proto, Tensor& tensor, const TypeMapping& m, int64_t count,
                   const std::string& where) {
  const std::string& raw = proto.raw_data();
  if (raw.size() != static_cast<size_t>(count) * m.source_size) {
    throw ValueError(where + ": raw_data holds " + std::to_string(raw.size()) + " bytes, the shape needs " +
                     std::to_string(static_cast<size_t>(count) * m.source_size));
  }
  using TP = onnx::TensorProto;
  switch (proto.data_type()) {
    case TP::INT8:
      widen_raw<int8_t, int32_t>(raw, tensor, count);
      return;
    case TP::INT16:
      widen_raw<int16_t, int32_t>(raw, tensor, count);
      return;
    case TP::UINT16:
      widen_raw<uint16_t, int32_t>(raw, tensor, count);
      return;
    case TP::UINT32:
      widen_raw<uint32_t, int64_t>(raw, tensor, count);
      return;
    default:
      if (count > 0) std::memcpy(tensor.raw_data(), raw.data(), raw.size());  // same width, little-endian host
  }
}

void fill_from_fields(const onnx::TensorProto& proto, Tensor& tensor, int64_t count, const std::string& where) {
  using TP = onnx::TensorProto;
  switch (proto.data_type()) {
    case TP::FLOAT:
      copy_repeated<float>(proto.float_data(), tensor, count, where);
      return;
    case TP::DOUBLE:
      copy_repeated<double>(proto.double_data(), tensor, count, where);
      return;
    case TP::INT64:
      copy_repeated<int64_t>(proto.int64_data(), tensor, count, where);
      return;
    case TP::UINT32:
      copy_repeated<int64_t>(proto.uint64_data(), tensor, count, where);
      return;
    case TP::UINT8:
    case TP::BOOL:
      copy_repeated<uint8_t>(proto.int32_data(), tensor, count, where);
      return;
    default:
      copy_repeated<int32_t>(proto.int32_data(), tensor, count, where);
      return;  // int8/16/32, uint16
  }
}

}  // namespace

onnx::ModelProto read_model_proto(const std::string& path) {
  const std::string bytes = read_file_bytes(path, "the ONNX model");
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) {
    throw IoError(path + ": not an ONNX model (the protobuf message does not parse; truncated or another format?)");
  }
  if (!model.has_graph()) throw IoError(path + ": an ONNX ModelProto without a graph");
  return model;
}

void write_model_proto(const onnx::ModelProto& model, const std::string& path) {
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw IoError(path + ": cannot serialize the ONNX model");
  io_detail::AtomicFile file(path);
  file.write(bytes);
  file.commit();
}

onnx::TensorProto read_tensor_proto(const std::string& path) {
  const std::string bytes = read_file_bytes(path, "a serialized tensor");
  onnx::TensorProto tensor;
  if (!tensor.ParseFromString(bytes)) throw IoError(path + ": not a serialized ONNX TensorProto");
  return tensor;
}

// The values a tensor message holds, counted before anything is allocated: a few bytes of ONNX can declare a shape
// of gigabytes (found by fuzz/onnx_fuzzer), which is refused unless the values are really there.
int64_t values_present(const onnx::TensorProto& proto, const TypeMapping& m) {
  if (proto.has_raw_data()) return static_cast<int64_t>(proto.raw_data().size() / std::max<size_t>(m.source_size, 1));
  return static_cast<int64_t>(proto.float_data_size()) + proto.double_data_size() + proto.int64_data_size() +
         proto.uint64_data_size() + proto.int32_data_size();
}

Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& where) {
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    throw ValueError(where + ": external data is not supported (save the model with the weights inside)");
  }
  const TypeMapping m = mapping_for(proto.data_type(), where);
  const Shape shape = shape_of(proto, where);
  const int64_t count = shape.numel();
  const int64_t present = values_present(proto, m);
  if (count > present) {
    throw ValueError(where + ": the shape " + shape.to_string() + " needs " + std::to_string(count) +
                     " values but the tensor holds " + std::to_string(present));
  }
  Tensor tensor = Tensor::empty(shape, m.dtype);
  if (proto.has_raw_data()) {
    fill_from_raw(proto, tensor, m, count, where);
  } else {
    fill_from_fields(proto, tensor, count, where);
  }
  return tensor;
}

onnx::TensorProto_DataType onnx_type_of(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return onnx::TensorProto::FLOAT;
    case DType::f64:
      return onnx::TensorProto::DOUBLE;
    case DType::i32:
      return onnx::TensorProto::INT32;
    case DType::i64:
      return onnx::TensorProto::INT64;
    case DType::u8:
      return onnx::TensorProto::UINT8;
  }
  throw ValueError("onnx: unknown dtype");
}

onnx::TensorProto tensor_to_proto(const Tensor& tensor, const std::string& name) {
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(onnx_type_of(tensor.dtype()));
  for (int i = 0; i < tensor.rank(); ++i) proto.add_dims(tensor.shape()[i]);
  const Tensor contiguous = tensor.clone();
  proto.set_raw_data(static_cast<const char*>(contiguous.raw_data()), tensor.numel() * dtype_size(tensor.dtype()));
  return proto;
}

}  // namespace fovea::onnx_detail
