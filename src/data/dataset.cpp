// Shared pieces of the dataset readers: reading whole files through zlib so that .gz and plain files look alike.
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/regular_file.h"
#include "data/file_util.h"
#include "fovea/core/error.h"

namespace fovea::data_detail {

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  core_detail::require_regular_file(path, "a data file");  // before gzopen: opening a FIFO would block
  // gzopen reads uncompressed files as they are, so one path serves both "x.gz" and "x".
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    throw IoError(detail::concat(path, ": cannot open for reading (", std::strerror(errno), ")"));
  }
  gzbuffer(file, 1 << 17);
  std::vector<uint8_t> bytes;
  constexpr size_t kChunk = 1 << 20;
  while (true) {
    size_t old_size = bytes.size();
    bytes.resize(old_size + kChunk);
    int got = gzread(file, bytes.data() + old_size, static_cast<unsigned>(kChunk));
    if (got < 0) {
      int code = 0;
      std::string message = gzerror(file, &code);
      gzclose(file);
      throw IoError(
          detail::concat(path, ": corrupt gzip data after ", old_size, " decompressed bytes (zlib: ", message, ")"));
    }
    bytes.resize(old_size + static_cast<size_t>(got));
    if (got == 0) break;
  }
  // A gzip stream cut short ends without error from gzread but leaves Z_BUF_ERROR behind.
  int code = Z_OK;
  std::string message = gzerror(file, &code);
  gzclose(file);
  if (code != Z_OK && code != Z_STREAM_END) {
    throw IoError(detail::concat(path, ": gzip stream is truncated or corrupt after ", bytes.size(),
                                 " decompressed bytes (zlib: ", message, ")"));
  }
  return bytes;
}

std::string hex(uint32_t value, int digits) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%0*X", digits, value);
  return text;
}

}  // namespace fovea::data_detail
