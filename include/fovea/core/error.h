// Typed errors and the one always-on check macro.
// Every check on user input throws one of these with a message that says what was expected and what was got.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace fovea {

namespace detail {
// text with control characters other than line breaks and tabs (ESC, CR, NUL, DEL, ...) written as \xNN: messages
// quote bytes of untrusted files, and a terminal must print them, not obey them.
inline std::string printable(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\n' && c != '\t') || byte == 0x7f) {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out += c;
    }
  }
  return out;
}
}  // namespace detail

// The base of fovea's errors. The message is made printable (detail::printable) whatever went into it.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(detail::printable(message)) {}
  explicit Error(const char* message) : Error(std::string(message)) {}
};
// A shape or rank does not fit what an op or layer needs.
class ShapeError : public Error {
 public:
  using Error::Error;
};
// An argument value is out of range or inconsistent (stride 0, unknown name, groups not dividing channels).
class ValueError : public Error {
 public:
  using Error::Error;
};
// A file could not be read or written, or its contents are not what was expected.
class IoError : public Error {
 public:
  using Error::Error;
};
// The system refused memory for a tensor; the message says which tensor and how large ("out of memory: a float32
// tensor of shape (784, 1099511627776) needs 3.1 PiB (...)"), where std::bad_alloc says nothing.
class MemoryError : public Error {
 public:
  using Error::Error;
};
// A backend cannot run the requested op (unsupported dtype, device or op), or a backend library failed.
class BackendError : public Error {
 public:
  using Error::Error;
};

namespace detail {
// Builds a message from any streamable pieces: concat("kernel ", 3, "x", 3).
template <class... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}
}  // namespace detail

}  // namespace fovea

// FOVEA_CHECK(cond, ErrorType, message parts...): throws ErrorType(message) when cond is false.
// Always on (also in Release): it guards user input, not internal invariants.
#define FOVEA_CHECK(cond, ErrorType, ...)                          \
  do {                                                             \
    if (!(cond)) throw ErrorType(::fovea::detail::concat(__VA_ARGS__)); \
  } while (false)
