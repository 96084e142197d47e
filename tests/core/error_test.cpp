// Error messages quote bytes of untrusted files; whatever went into one, the message is safe to print.
#include "fovea/core/error.h"

#include <gtest/gtest.h>

#include <string>

namespace fovea {
namespace {

TEST(ErrorTest, ControlCharactersInMessagesAreEscaped) {
  const std::string hostile = std::string("cell '\x1b[2J\x1b]0;owned\x07") + '\0' + "\r\x7f' is not a number";
  const IoError error("data.csv: line 3: " + hostile);
  EXPECT_EQ(std::string(error.what()),
            "data.csv: line 3: cell '\\x1b[2J\\x1b]0;owned\\x07\\x00\\x0d\\x7f' is not a number");
  // Line breaks, tabs and UTF-8 text stay as they are; escaping twice changes nothing.
  EXPECT_EQ(std::string(ValueError("a\tb\nc \xc3\xa9").what()), "a\tb\nc \xc3\xa9");
  EXPECT_EQ(std::string(ShapeError(error.what()).what()), std::string(error.what()));
}

}  // namespace
}  // namespace fovea
