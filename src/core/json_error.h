// Why nlohmann's JSON parser refused a text, in words for an error message: every reader of JSON from a file
// catches nlohmann::json::exception (a syntax error, and also a number too large to hold, which is not a
// parse_error) and words it with this.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "fovea/core/error.h"

namespace fovea::core_detail {

// "syntax error at byte 12" for a syntax error (bytes counted from 1 in the text); otherwise the library's own
// words without its "[json.exception...]" tag ("number overflow parsing '1e999999'").
inline std::string json_error_reason(const nlohmann::json::exception& e) {
  if (const auto* syntax = dynamic_cast<const nlohmann::json::parse_error*>(&e)) {
    return detail::concat("syntax error at byte ", syntax->byte);
  }
  std::string what = e.what();
  const size_t tag_end = what.find("] ");
  return what.compare(0, 1, "[") == 0 && tag_end != std::string::npos ? what.substr(tag_end + 2) : what;
}

}  // namespace fovea::core_detail
