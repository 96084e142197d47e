// Typed errors and the one always-on check macro.
// Every check on user input throws one of these with a message that says what was expected and what was got.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace fovea {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
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
