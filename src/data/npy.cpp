// NPY reader and writer (NumPy's array file: magic, version, a Python-dict header, raw C-order data).
// Only what fovea tensors hold is accepted; anything else is reported, never guessed at.
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <vector>

#include "fovea/core/error.h"
#include "fovea/data/datasets.h"
#include "core/atomic_file.h"
#include "core/regular_file.h"

namespace fovea {
namespace {

static_assert(std::endian::native == std::endian::little, "NPY I/O assumes a little-endian host");

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
constexpr int kMaxNpyRank = 6;

struct NpyType {
  const char* descr;
  DType dtype;
};
constexpr NpyType kNpyTypes[] = {
    {"<f4", DType::f32}, {"<f8", DType::f64}, {"<i4", DType::i32}, {"<i8", DType::i64}, {"|u1", DType::u8},
};

std::vector<char> read_all(const std::string& path) {
  core_detail::require_regular_file(path, "an NPY file");  // before opening: opening a FIFO would block
  std::ifstream in(path, std::ios::binary);
  FOVEA_CHECK(in.good(), IoError, path, ": cannot open for reading (", std::strerror(errno), ")");
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  FOVEA_CHECK(!in.bad(), IoError, path, ": read error");
  return bytes;
}

// Finds `'key':` in the header dict and returns the position just after the colon (npos when absent).
size_t find_key(const std::string& header, const std::string& key) {
  for (char quote : {'\'', '"'}) {
    std::string needle = std::string(1, quote) + key + quote;
    size_t at = header.find(needle);
    if (at == std::string::npos) continue;
    size_t colon = header.find_first_not_of(" ", at + needle.size());
    if (colon != std::string::npos && header[colon] == ':') return colon + 1;
  }
  return std::string::npos;
}

size_t skip_spaces(const std::string& s, size_t pos) {
  while (pos < s.size() && s[pos] == ' ') ++pos;
  return pos;
}

struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  Shape shape;
};

NpyHeader parse_header(const std::string& header, const std::string& path, size_t header_start) {
  auto fail = [&](const std::string& what) {
    return IoError(
        detail::concat(path, ": bad NPY header at byte ", header_start, ": ", what, " (header: ", header, ")"));
  };
  NpyHeader out;
  size_t pos = find_key(header, "descr");
  if (pos == std::string::npos) throw fail("no 'descr' key; expected a dict with 'descr', 'fortran_order', 'shape'");
  pos = skip_spaces(header, pos);
  if (pos >= header.size() || (header[pos] != '\'' && header[pos] != '"')) throw fail("'descr' is not a string");
  size_t end = header.find(header[pos], pos + 1);
  if (end == std::string::npos) throw fail("unterminated 'descr' string");
  out.descr = header.substr(pos + 1, end - pos - 1);

  pos = find_key(header, "fortran_order");
  if (pos == std::string::npos) throw fail("no 'fortran_order' key");
  pos = skip_spaces(header, pos);
  if (header.compare(pos, 4, "True") == 0) {
    out.fortran_order = true;
  } else if (header.compare(pos, 5, "False") != 0) {
    throw fail("'fortran_order' is neither True nor False");
  }

  pos = find_key(header, "shape");
  if (pos == std::string::npos) throw fail("no 'shape' key");
  pos = skip_spaces(header, pos);
  if (pos >= header.size() || header[pos] != '(') throw fail("'shape' is not a tuple");
  end = header.find(')', pos);
  if (end == std::string::npos) throw fail("unterminated 'shape' tuple");
  std::string items = header.substr(pos + 1, end - pos - 1);
  size_t i = 0;
  while (true) {
    i = skip_spaces(items, i);
    if (i >= items.size()) break;
    size_t digits_end = i;
    while (digits_end < items.size() && items[digits_end] >= '0' && items[digits_end] <= '9') ++digits_end;
    if (digits_end == i || digits_end - i > 15) throw fail("'shape' holds something other than sizes");
    if (out.shape.rank() == kMaxNpyRank) throw fail(detail::concat("more than ", kMaxNpyRank, " dimensions"));
    out.shape.push_back(std::stoll(items.substr(i, digits_end - i)));
    i = skip_spaces(items, digits_end);
    if (i < items.size()) {
      if (items[i] != ',') throw fail("'shape' items are not separated by commas");
      ++i;
    }
  }
  return out;
}

std::string shape_tuple(const Shape& shape) {
  // Python's tuple syntax: "()", "(3,)", "(2, 3)".
  std::string text = "(";
  for (int i = 0; i < shape.rank(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + (shape.rank() == 1 ? ",)" : ")");
}

}  // namespace

Tensor read_npy(const std::string& path) {
  std::vector<char> bytes = read_all(path);
  FOVEA_CHECK(bytes.size() >= 10 && std::memcmp(bytes.data(), kMagic, kMagicSize) == 0, IoError, path,
              ": not an NPY file: expected the magic string \\x93NUMPY at byte 0");
  int major = static_cast<uint8_t>(bytes[6]), minor = static_cast<uint8_t>(bytes[7]);
  FOVEA_CHECK(major >= 1 && major <= 3, IoError, path, ": NPY format version ", major, ".", minor,
              " at byte 6; expected 1.0, 2.0 or 3.0");
  size_t header_start = major == 1 ? 10 : 12;
  FOVEA_CHECK(bytes.size() >= header_start, IoError, path, ": file is truncated at byte ", bytes.size(),
              "; expected the header length in bytes 8 to ", header_start);
  size_t header_len = 0;
  for (size_t b = header_start - 1; b >= 8; --b) header_len = header_len * 256 + static_cast<uint8_t>(bytes[b]);
  FOVEA_CHECK(bytes.size() >= header_start + header_len, IoError, path, ": file is truncated at byte ", bytes.size(),
              "; expected a ", header_len, "-byte header from byte ", header_start);
  std::string header(bytes.data() + header_start, header_len);
  while (!header.empty() && (header.back() == '\n' || header.back() == ' ')) header.pop_back();
  NpyHeader h = parse_header(header, path, header_start);

  FOVEA_CHECK(!h.fortran_order, IoError, path,
              ": the array is stored in Fortran (column-major) order; expected C order (fortran_order False); "
              "save it with numpy.ascontiguousarray");
  const NpyType* type = nullptr;
  std::string descr = h.descr;
  if (descr == "<u1" || descr == ">u1" || descr == "=u1") descr = "|u1";  // byte order means nothing for bytes
  if (descr.size() > 1 && descr[0] == '=') descr[0] = '<';                // native order: this host is little-endian
  for (const NpyType& t : kNpyTypes) {
    if (descr == t.descr) type = &t;
  }
  if (type == nullptr) {
    FOVEA_CHECK(h.descr.empty() || h.descr[0] != '>', IoError, path, ": big-endian data ('", h.descr,
                "'); expected little-endian ('<'); convert with array.astype(array.dtype.newbyteorder('<'))");
    throw IoError(detail::concat(path, ": unsupported dtype '", h.descr,
                                 "'; expected one of <f4 (float32), <f8 (float64), <i4 (int32), <i8 (int64), "
                                 "|u1 (uint8)"));
  }
  // The data's size from the header, checked before anything is allocated: the file must hold every byte.
  const std::optional<int64_t> elements = h.shape.checked_numel();
  const std::optional<int64_t> data_bytes =
      elements ? checked_mul(*elements, static_cast<int64_t>(dtype_size(type->dtype))) : std::nullopt;
  FOVEA_CHECK(data_bytes.has_value(), IoError, path, ": shape ", h.shape.to_string(), " in the header at byte ",
              header_start, " has more elements than fovea can index (at most ",
              std::numeric_limits<int64_t>::max(), " bytes of data)");
  size_t data_start = header_start + header_len;
  size_t expected = static_cast<size_t>(*data_bytes);
  FOVEA_CHECK(bytes.size() - data_start >= expected, IoError, path, ": data is truncated: ", bytes.size() - data_start,
              " bytes from byte ", data_start, "; expected ", expected, " (shape ", h.shape.to_string(), ", ", h.descr,
              ")");
  FOVEA_CHECK(bytes.size() - data_start == expected, IoError, path, ": ", bytes.size() - data_start - expected,
              " unexpected bytes after the data at byte ", data_start + expected, "; expected the file to end there");
  Tensor out = Tensor::empty(h.shape, type->dtype);
  if (expected > 0) std::memcpy(out.raw_data(), bytes.data() + data_start, expected);
  return out;
}

void write_npy(const std::string& path, const Tensor& tensor) {
  FOVEA_CHECK(tensor.defined(), ValueError, "write_npy: the tensor is undefined");
  FOVEA_CHECK(tensor.device() == kCpu, ValueError, "write_npy: the tensor must be on the CPU");
  const char* descr = nullptr;
  for (const NpyType& t : kNpyTypes) {
    if (t.dtype == tensor.dtype()) descr = t.descr;
  }
  FOVEA_CHECK(descr != nullptr, ValueError, "write_npy: unsupported dtype ", dtype_name(tensor.dtype()));

  std::string dict =
      std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape_tuple(tensor.shape()) + ", }";
  // numpy pads the header with spaces and a newline so that the data starts on a 64-byte boundary.
  size_t preamble = 10;
  size_t total = preamble + dict.size() + 1;
  total = (total + 63) / 64 * 64;
  int major = 1;
  if (total - preamble > std::numeric_limits<uint16_t>::max()) {
    major = 2;
    preamble = 12;
    total = (preamble + dict.size() + 1 + 63) / 64 * 64;
  }
  size_t header_len = total - preamble;
  std::string head(kMagic, kMagicSize);
  head += static_cast<char>(major);
  head += '\0';
  for (size_t b = 0; b < preamble - 8; ++b) head += static_cast<char>((header_len >> (8 * b)) & 0xFF);
  head += dict;
  head.append(total - head.size() - 1, ' ');
  head += '\n';

  io_detail::AtomicFile file(path);
  file.write(head);
  file.write(tensor.raw_data(), tensor.nbytes());
  file.commit();
}

}  // namespace fovea
