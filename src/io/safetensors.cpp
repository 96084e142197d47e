// Safetensors reader and writer. The reader checks what the safetensors library itself checks (header size,
// JSON, dtypes, offsets covering the data exactly) so that a damaged file is reported, never half-read.
#include "io/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "core/json_error.h"
#include "core/regular_file.h"
#include "fovea/core/error.h"
#include "core/atomic_file.h"

namespace fovea::io_detail {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

// The safetensors library refuses headers above 100 MB; so does fovea, before allocating for one.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr int kMaxRank = 6;

struct DTypeName {
  const char* name;
  DType dtype;
};
constexpr DTypeName kDTypes[] = {
    {"F32", DType::f32}, {"F64", DType::f64}, {"I32", DType::i32}, {"I64", DType::i64}, {"U8", DType::u8},
};

// An open file for reading, closed on scope exit. Opened without blocking (a FIFO would wait for a writer
// forever) and used only once fstat says it is a regular file.
class InputFile {
 public:
  explicit InputFile(const std::string& path)
      : path_(path), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)) {
    FOVEA_CHECK(fd_ >= 0, IoError, path_, ": cannot open for reading (", std::strerror(errno), ")");
    struct stat info {};
    const bool stated = ::fstat(fd_, &info) == 0;
    const int error = errno;
    if (!stated || !S_ISREG(info.st_mode)) {
      ::close(fd_);  // the destructor does not run for a constructor that throws
      FOVEA_CHECK(stated, IoError, path_, ": cannot read its size (", std::strerror(error), ")");
      throw IoError(detail::concat(path_, ": is ", core_detail::file_kind(info.st_mode),
                                   ", not a regular file; expected a model or safetensors file"));
    }
    size_ = static_cast<uint64_t>(info.st_size);
  }
  ~InputFile() { ::close(fd_); }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  uint64_t size() const { return size_; }
  // Reads exactly size bytes at offset (the caller has checked that they lie inside the file).
  void read_at(uint64_t offset, void* out, size_t size) const {
    char* bytes = static_cast<char*>(out);
    while (size > 0) {
      const ssize_t n = ::pread(fd_, bytes, size, static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      FOVEA_CHECK(n > 0, IoError, path_, ": read error at byte ", offset, " (",
                  n == 0 ? "unexpected end of file" : std::strerror(errno), ")");
      bytes += n;
      offset += static_cast<uint64_t>(n);
      size -= static_cast<size_t>(n);
    }
  }

 private:
  std::string path_;
  int fd_;
  uint64_t size_ = 0;
};

// One tensor as the header describes it.
struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin;
  uint64_t end;
};

// "an array", "a number", ...: what a JSON value is, for messages.
std::string json_kind(const nlohmann::ordered_json& value) {
  const std::string name = value.type_name();
  if (value.is_null()) return name;
  return (name[0] == 'a' || name[0] == 'o' ? "an " : "a ") + name;
}

std::string shape_text(const Shape& shape) { return shape.to_string(); }

Entry parse_entry(const std::string& path, const std::string& name, const nlohmann::ordered_json& info) {
  const std::string where = detail::concat(path, ": tensor '", name, "'");
  FOVEA_CHECK(info.is_object(), IoError, where, " is described by ", json_kind(info),
              "; expected an object with 'dtype', 'shape' and 'data_offsets'");
  Entry entry{name, DType::f32, {}, 0, 0};

  const auto dtype = info.find("dtype");
  FOVEA_CHECK(dtype != info.end() && dtype->is_string(), IoError, where, " has no 'dtype' string");
  const std::string dtype_text = dtype->get<std::string>();
  const auto known = std::find_if(std::begin(kDTypes), std::end(kDTypes),
                                  [&](const DTypeName& d) { return dtype_text == d.name; });
  FOVEA_CHECK(known != std::end(kDTypes), IoError, where, " has dtype '", dtype_text,
              "'; fovea reads F32, F64, I32, I64 and U8");
  entry.dtype = known->dtype;

  const auto shape = info.find("shape");
  FOVEA_CHECK(shape != info.end() && shape->is_array(), IoError, where,
              " has no 'shape' list; expected a list of non-negative integers");
  FOVEA_CHECK(shape->size() <= static_cast<size_t>(kMaxRank), IoError, where, " has rank ", shape->size(),
              "; fovea tensors have at most ", kMaxRank, " dimensions");
  uint64_t bytes = dtype_size(entry.dtype);
  for (const auto& d : *shape) {
    FOVEA_CHECK(d.is_number_unsigned(), IoError, where, ": 'shape' must be a list of non-negative integers, got ",
                shape->dump());
    const uint64_t extent = d.get<uint64_t>();
    FOVEA_CHECK(!__builtin_mul_overflow(bytes, extent, &bytes) && bytes <= uint64_t{1} << 62, IoError, where,
                ": shape ", shape->dump(), " is too large to be stored");
    entry.shape.push_back(static_cast<int64_t>(extent));
  }

  const auto offsets = info.find("data_offsets");
  const bool offsets_ok = offsets != info.end() && offsets->is_array() && offsets->size() == 2 &&
                          (*offsets)[0].is_number_unsigned() && (*offsets)[1].is_number_unsigned() &&
                          (*offsets)[0].get<uint64_t>() <= (*offsets)[1].get<uint64_t>();
  FOVEA_CHECK(offsets_ok, IoError, where, ": 'data_offsets' must be [begin, end] with 0 <= begin <= end, got ",
              offsets == info.end() ? std::string("nothing") : offsets->dump());
  entry.begin = (*offsets)[0].get<uint64_t>();
  entry.end = (*offsets)[1].get<uint64_t>();
  FOVEA_CHECK(entry.end - entry.begin == bytes, IoError, where, " (", dtype_text, " ", shape_text(entry.shape),
              ") needs ", bytes, " bytes but its data_offsets [", entry.begin, ", ", entry.end, "] span ",
              entry.end - entry.begin);
  return entry;
}

// The tensors must tile the data section exactly: sorted by offset, each starts where the previous ends, the
// first at 0 and the last at the end of the file.
void check_layout(const std::string& path, const std::vector<Entry>& entries, uint64_t data_start,
                  uint64_t file_size) {
  uint64_t expected = 0;
  const Entry* previous = nullptr;
  for (const Entry& e : entries) {
    if (e.begin != expected) {
      if (previous == nullptr) {
        throw IoError(detail::concat(path, ": tensor '", e.name, "' starts at data offset ", e.begin, " (byte ",
                                     data_start + e.begin, "); expected the first tensor at data offset 0"));
      }
      const char* what = e.begin < expected ? ": they overlap" : ": the bytes between them belong to no tensor";
      throw IoError(detail::concat(path, ": tensor '", e.name, "' starts at data offset ", e.begin,
                                   " but tensor '", previous->name, "' ends at ", expected, what));
    }
    expected = e.end;
    previous = &e;
  }
  const uint64_t data_size = file_size - data_start;
  FOVEA_CHECK(expected <= data_size, IoError, path, ": file is truncated: tensor '", previous->name,
              "' ends at byte ", data_start + expected, " but the file has ", file_size, " bytes");
  FOVEA_CHECK(expected == data_size, IoError, path, ": ", data_size - expected,
              " unexpected bytes after the last tensor, from byte ", data_start + expected,
              "; expected the file to end there");
}

}  // namespace

const Tensor* SafetensorsContent::find(const std::string& name) const {
  for (const auto& [n, t] : tensors) {
    if (n == name) return &t;
  }
  return nullptr;
}

std::string_view safetensors_dtype_name(DType dtype) {
  for (const DTypeName& d : kDTypes) {
    if (d.dtype == dtype) return d.name;
  }
  return "?";
}

void write_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    FOVEA_CHECK(!name.empty() && name != "__metadata__", ValueError, path, ": '", name,
                "' cannot name a tensor (names must be non-empty and not '__metadata__')");
    FOVEA_CHECK(names.insert(name).second, ValueError, path, ": two tensors are named '", name, "'");
    FOVEA_CHECK(tensor.defined(), ValueError, path, ": tensor '", name, "' is undefined");
    FOVEA_CHECK(tensor.device() == kCpu, ValueError, path, ": tensor '", name, "' must be on the CPU");
    nlohmann::ordered_json shape = nlohmann::ordered_json::array();
    for (int64_t d : tensor.shape()) shape.push_back(d);
    const uint64_t end = offset + tensor.nbytes();
    header[name] = {{"dtype", safetensors_dtype_name(tensor.dtype())},
                    {"shape", shape},
                    {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(detail::concat(path, ": the header cannot be written as JSON (", e.what(), ")"));
  }
  // Spaces are JSON whitespace: padding keeps the data 8-byte aligned, as the safetensors library does.
  text.append((8 - text.size() % 8) % 8, ' ');
  char length[8];
  for (int b = 0; b < 8; ++b) length[b] = static_cast<char>((uint64_t{text.size()} >> (8 * b)) & 0xFF);

  AtomicFile file(path);
  file.write(length, sizeof length);
  file.write(text);
  for (const auto& [name, tensor] : tensors) file.write(tensor.raw_data(), tensor.nbytes());
  file.commit();
}

SafetensorsContent read_safetensors(const std::string& path) {
  InputFile file(path);
  const uint64_t size = file.size();
  FOVEA_CHECK(size >= 8, IoError, path, ": file is truncated at byte ", size,
              ": expected an 8-byte little-endian header length at byte 0");
  unsigned char length_bytes[8];
  file.read_at(0, length_bytes, 8);
  uint64_t header_size = 0;
  for (int b = 7; b >= 0; --b) header_size = (header_size << 8) | length_bytes[b];
  FOVEA_CHECK(header_size <= size - 8, IoError, path, ": the header length at byte 0 is ", header_size,
              " bytes but only ", size - 8, " bytes follow it; the file is truncated or not a safetensors file");
  FOVEA_CHECK(header_size <= kMaxHeaderBytes, IoError, path, ": the header length at byte 0 is ", header_size,
              " bytes, more than the ", kMaxHeaderBytes, " that safetensors allows");
  const uint64_t data_start = 8 + header_size;
  std::string text(header_size, '\0');
  file.read_at(8, text.data(), text.size());

  const std::string header_place = detail::concat("the header (bytes 8 to ", data_start, ")");
  nlohmann::ordered_json header;
  try {
    header = nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte counts from 1 within the header text.
    throw IoError(detail::concat(path, ": ", header_place, " is not valid JSON: syntax error at byte ",
                                 8 + (e.byte > 0 ? e.byte - 1 : 0)));
  } catch (const nlohmann::json::exception& e) {  // a number too large to hold
    throw IoError(detail::concat(path, ": ", header_place, " is not valid JSON: ", core_detail::json_error_reason(e)));
  }
  FOVEA_CHECK(header.is_object(), IoError, path, ": ", header_place, " is ", json_kind(header),
              "; expected an object describing the tensors");

  SafetensorsContent out;
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      FOVEA_CHECK(value.is_object(), IoError, path, ": '__metadata__' is ", json_kind(value),
                  "; expected an object of strings");
      for (const auto& [meta_key, meta_value] : value.items()) {
        FOVEA_CHECK(meta_value.is_string(), IoError, path, ": '__metadata__' entry '", meta_key, "' is ",
                    json_kind(meta_value), "; safetensors metadata values must be strings");
        out.metadata[meta_key] = meta_value.get<std::string>();
      }
      continue;
    }
    entries.push_back(parse_entry(path, key, value));
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  check_layout(path, entries, data_start, size);

  out.tensors.reserve(entries.size());
  for (const Entry& e : entries) {
    Tensor t = Tensor::empty(e.shape, e.dtype);
    if (e.end > e.begin) file.read_at(data_start + e.begin, t.raw_data(), static_cast<size_t>(e.end - e.begin));
    out.tensors.emplace_back(e.name, std::move(t));
  }
  return out;
}

}  // namespace fovea::io_detail
