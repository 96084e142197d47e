// Text for web pages: HTML escaping, base64 for data: URIs, and making text safe inside an inline <script>.
#pragma once

#include <string>
#include <string_view>

namespace fovea::viz {

// &, <, >, " and ' as character references: safe in element content and in quoted attribute values, in HTML and in
// Graphviz's HTML-like labels. Control characters other than tab and newline, which neither XML nor dot accepts,
// are dropped.
std::string html_escape(std::string_view text);

// Standard base64 (RFC 4648, with padding), as data: URIs take it.
std::string base64(std::string_view bytes);

// Text that may sit inside <script>...</script>: every "</" becomes "<\/", which JavaScript and JSON strings read
// as the same two characters, so no "</script>" inside ends the element early.
std::string script_safe(std::string_view text);

}  // namespace fovea::viz
