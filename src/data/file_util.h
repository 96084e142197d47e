// Internal helpers shared by the dataset readers: whole-file reads (gzip-aware) and error messages.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fovea::data_detail {

// The file's bytes; gzip content is decompressed transparently (plain files are read as they are).
// Throws IoError when the file cannot be opened or its gzip stream is corrupt or truncated.
std::vector<uint8_t> read_file_bytes(const std::string& path);

// The most classes a data set's labels may span. Readers that learn the class count from the largest label (CSV,
// NPY) refuse labels from here on as bad samples: one stray label of 1e15 would otherwise make a class name per
// class and a classifier head of that width. ImageNet-21k has 21,841 classes.
constexpr int64_t kMaxClasses = 1'000'000;

// "0 to 999999 (fovea takes at most 1000000 classes)", for messages about a label past kMaxClasses.
inline std::string class_limit_text() {
  return "0 to " + std::to_string(kMaxClasses - 1) + " (fovea takes at most " + std::to_string(kMaxClasses) +
         " classes)";
}

// hex(0x803) == "0x00000803"; hex(0x0A, 2) == "0x0A".
std::string hex(uint32_t value, int digits = 8);

}  // namespace fovea::data_detail
