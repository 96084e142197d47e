// Safetensors files (the named-tensor format of Hugging Face's safetensors library, read by PyTorch, JAX and
// NumPy tools): an 8-byte little-endian header length N, N bytes of JSON header, then the raw tensor bytes.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fovea/core/tensor.h"

namespace fovea::io_detail {

// Tensors in the order they are stored.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
// The header's "__metadata__": string keys to string values (safetensors allows nothing else).
using Metadata = std::map<std::string, std::string>;

struct SafetensorsContent {
  Metadata metadata;
  NamedTensors tensors;  // in data-offset order, which is the order they were written in

  // The tensor of that name, or null.
  const Tensor* find(const std::string& name) const;
};

// The header names of fovea's dtypes: F32, F64, I32, I64, U8.
std::string_view safetensors_dtype_name(DType dtype);

// Writes the tensors (contiguous, in the given order, data starting 8-byte aligned: the header is padded with
// spaces) and the metadata atomically (see AtomicFile). Requires unique, non-empty names other than
// "__metadata__" and defined CPU tensors; throws ValueError naming the offending entry otherwise.
void write_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata = {});

// Reads a whole file, validating everything before trusting it: the header length against the file size, the
// header as a JSON object, metadata values as strings, each tensor's dtype (F32, F64, I32, I64 or U8), shape
// (rank up to 6) and data_offsets (their span equals the shape's byte size; together the tensors cover the data
// exactly, without gap or overlap). Any problem is an IoError naming the file, the tensor or byte offset, and
// what was expected.
SafetensorsContent read_safetensors(const std::string& path);

}  // namespace fovea::io_detail
