// The message of the fovea::Error a call throws, for tests that compare error texts exactly.
#pragma once

#include <string>

#include "fovea/core/error.h"

namespace fovea::testing {

// fn's error message, or "no error" when it returns normally.
template <class Fn>
std::string error_text(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace fovea::testing
