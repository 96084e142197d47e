// The frame every fovea report page shares (the training report, the search report): the head with the style sheet,
// the live notice, tables of settings, the data block the page's script reads, and the inlined chart library.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fovea/viz/report.h"

namespace fovea::viz {

// What a page says in place of its charts when no Chart.js was found; the page then shows its numbers as tables.
inline constexpr std::string_view kChartsMissing =
    "The charts are missing: fovea found no chart library (Chart.js) when it wrote this page; scripts/setup "
    "installs it.";

// Rows of (name, value) as a two-column table, both escaped.
std::string key_value_table(const std::vector<std::pair<std::string, std::string>>& rows);

// The text of the chart library report pages inline (find_chart_library), or "" when none is found.
std::string chart_library_text(const ReportOptions& options);

// The "live" member of a page's data block: the page reloads every reload_seconds while younger than stale_seconds,
// saying `running` ("Training is running"), and once stale says that `subject` ("This run") stopped updating.
nlohmann::json live_page_data(double reload_seconds, double stale_seconds, std::string_view running,
                              std::string_view subject);

// Everything before the page's sections: doctype, head (title, the shared style sheet and `extra_style`), and the
// header with the title, the status line and the (hidden) live notice the live script fills.
std::string page_start(const std::string& title, const std::string& status, std::string_view extra_style = {});

// Everything after the sections: the footer, `data` as the JSON block (id "fovea-report-data"), the chart library
// when there is one, the live-reload script and then the page's own `script`.
std::string page_end(const nlohmann::json& data, const std::string& chart_library, std::string_view script);

}  // namespace fovea::viz
