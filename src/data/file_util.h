// Internal helpers shared by the dataset readers: whole-file reads (gzip-aware) and error messages.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fovea::data_detail {

// The file's bytes; gzip content is decompressed transparently (plain files are read as they are).
// Throws IoError when the file cannot be opened or its gzip stream is corrupt or truncated.
std::vector<uint8_t> read_file_bytes(const std::string& path);

// hex(0x803) == "0x00000803"; hex(0x0A, 2) == "0x0A".
std::string hex(uint32_t value, int digits = 8);

}  // namespace fovea::data_detail
