// The frame shared by the report pages (src/viz/report_page.h).
#include "viz/report_page.h"

#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>

#include "viz/html_text.h"
#include "viz/report_assets.h"

namespace fovea::viz {

std::string key_value_table(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::ostringstream out;
  out << "<table class=\"pairs\">";
  for (const auto& [key, value] : rows) {
    out << "<tr><th>" << html_escape(key) << "</th><td>" << html_escape(value) << "</td></tr>";
  }
  out << "</table>";
  return out.str();
}

std::string chart_library_text(const ReportOptions& options) {
  const std::string path = find_chart_library(options);
  if (path.empty()) return "";
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json live_page_data(double reload_seconds, double stale_seconds, std::string_view running,
                              std::string_view subject) {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  return {{"written_ms", now_ms},
          {"reload_ms", std::llround(reload_seconds * 1000)},
          {"stale_ms", std::llround(stale_seconds * 1000)},
          {"running", running},
          {"subject", subject}};
}

std::string page_start(const std::string& title, const std::string& status, std::string_view extra_style) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      << "<meta name=\"generator\" content=\"fovea\"><title>" << html_escape(title) << "</title><style>"
      << kReportStyle << extra_style << "</style></head><body><header><h1>" << html_escape(title) << "</h1>";
  if (!status.empty()) out << "<p class=\"status\">" << html_escape(status) << "</p>";
  out << "<p id=\"live-notice\" class=\"live\" hidden></p></header>";
  return out.str();
}

std::string page_end(const nlohmann::json& data, const std::string& chart_library, std::string_view script) {
  // Text from the user (a config's strings, a file name) may not be valid UTF-8, which dump() would refuse. Every
  // "<" becomes \u003c (the same character to JSON), so no "</script>" or "<!--" in a string can end or confuse the
  // script element.
  std::string json;
  for (char c : data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) {
    if (c == '<') json += "\\u003c";
    else json += c;
  }
  std::ostringstream out;
  out << "<footer>Written by fovea. This page makes no network request: pictures are embedded and scripts "
         "inlined.</footer>";
  out << "<script type=\"application/json\" id=\"fovea-report-data\">" << json << "</script>";
  if (!chart_library.empty()) out << "<script>" << script_safe(chart_library) << "</script>";
  out << "<script>" << kLiveReloadScript << "</script><script>" << script << "</script></body></html>\n";
  return out.str();
}

}  // namespace fovea::viz
