// The training report page: the HTML around the run's numbers and pictures, the data block its script draws the
// charts from, and the chart library inlined, so that the file opens offline from disk with no request of any kind.
#include "fovea/viz/report.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/atomic_file.h"
#include "data/png_bytes.h"
#include "fovea/core/error.h"
#include "fovea/viz/classification_report.h"
#include "fovea/viz/colormap.h"
#include "viz/html_text.h"
#include "viz/report_assets.h"
#include "viz/report_page.h"
#include "viz/series_groups.h"

namespace fovea::viz {
namespace {

namespace fs = std::filesystem;

void check_report(const TrainingReport& report) {
  for (const ReportSeries& series : report.history) {
    FOVEA_CHECK(series.values.size() == report.epochs.size(), ValueError, "report: the series '", series.name,
                "' has ", series.values.size(), " values for ", report.epochs.size(), " epochs");
  }
  for (const auto& row : report.confusion) {
    FOVEA_CHECK(row.size() == report.confusion.size(), ValueError, "report: the confusion matrix has ",
                report.confusion.size(), " rows but a row of ", row.size(), " counts; expected a square matrix");
  }
  FOVEA_CHECK(report.confusion.empty() || report.class_names.empty() ||
                  report.class_names.size() == report.confusion.size(),
              ValueError, "report: ", report.class_names.size(), " class names for a confusion matrix of ",
              report.confusion.size(), " classes");
}

std::string class_name(const TrainingReport& report, size_t c) {
  return c < report.class_names.size() ? report.class_names[c] : std::to_string(c);
}

// One chart per metric, its validation twin beside it ("loss" and "val_loss").
nlohmann::json chart_groups(const TrainingReport& report) {
  nlohmann::json charts = nlohmann::json::array();
  for (const SeriesGroup& group : group_series(report.history)) {
    nlohmann::json series = nlohmann::json::array();
    for (const ReportSeries* s : group.series) {
      nlohmann::json values = nlohmann::json::array();
      for (double v : s->values) values.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json());
      series.push_back({{"name", is_validation(*s) ? "validation" : "training"}, {"key", s->name}, {"values", values}});
    }
    charts.push_back({{"id", "chart-" + std::to_string(charts.size())}, {"title", group.metric}, {"series", series}});
  }
  return charts;
}

std::string format_fixed(double value, int digits) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << value;
  return out.str();
}

// Cells coloured by the row-normalised count (what fraction of a true class went where), counts written in them.
std::string confusion_section(const TrainingReport& report) {
  std::ostringstream out;
  out << "<section id=\"confusion\"><h2>Confusion matrix (" << html_escape(report.confusion_split) << ")</h2>";
  if (report.confusion.empty()) {
    out << "<p class=\"note\">Written when training ends.</p></section>";
    return out.str();
  }
  const size_t n = report.confusion.size();
  out << "<div class=\"scroll\"><table class=\"confusion\"><tr><th class=\"corner\">true \\ predicted</th>";
  for (size_t c = 0; c < n; ++c) out << "<th class=\"predicted\">" << html_escape(class_name(report, c)) << "</th>";
  out << "</tr>";
  for (size_t t = 0; t < n; ++t) {
    int64_t row_sum = 0;
    for (size_t p = 0; p < n; ++p) row_sum += report.confusion[t][p];
    out << "<tr><th>" << html_escape(class_name(report, t)) << "</th>";
    for (size_t p = 0; p < n; ++p) {
      const double share = row_sum > 0 ? static_cast<double>(report.confusion[t][p]) / row_sum : 0.0;
      const Rgb colour = colormap_color(Colormap::viridis, share);
      const bool dark = 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2] < 140;
      out << "<td style=\"background:rgb(" << int(colour[0]) << "," << int(colour[1]) << "," << int(colour[2])
          << ");color:" << (dark ? "#fff" : "#000") << "\" title=\"true " << html_escape(class_name(report, t))
          << ", predicted " << html_escape(class_name(report, p)) << ": " << format_fixed(100 * share, 1)
          << "% of the class\">" << report.confusion[t][p] << "</td>";
    }
    out << "</tr>";
  }
  out << "</table></div>";

  // Per class: precision (of what was predicted as the class), recall (of the class's samples), F1, support.
  out << "<h3>Per class</h3><table class=\"numbers\"><tr><th>class</th><th>precision</th><th>recall</th>"
         "<th>F1</th><th>support</th></tr>";
  const ClassificationReport scores = classification_report(report.confusion, report.class_names);
  auto row = [&](const ClassMetrics& m) {
    out << "<tr><th>" << html_escape(m.name) << "</th><td>" << format_fixed(m.precision, 3) << "</td><td>"
        << format_fixed(m.recall, 3) << "</td><td>" << format_fixed(m.f1, 3) << "</td><td>" << m.support
        << "</td></tr>";
  };
  for (const ClassMetrics& m : scores.classes) row(m);
  ClassMetrics macro = scores.macro_avg;
  macro.name = "macro average";
  ClassMetrics weighted = scores.weighted_avg;
  weighted.name = "weighted average";
  row(macro);
  row(weighted);
  out << "</table></section>";
  return out.str();
}

std::string pictures_section(const TrainingReport& report) {
  std::vector<std::string> sections;
  for (const ReportPicture& picture : report.pictures) {
    if (std::find(sections.begin(), sections.end(), picture.section) == sections.end()) {
      sections.push_back(picture.section);
    }
  }
  std::ostringstream out;
  for (const std::string& section : sections) {
    out << "<section class=\"pictures\"><h2>" << html_escape(section) << "</h2><div class=\"figures\">";
    for (const ReportPicture& picture : report.pictures) {
      if (picture.section != section) continue;
      out << "<figure><img alt=\"" << html_escape(picture.caption) << "\" src=\"data:image/png;base64,"
          << base64(picture.png) << "\"><figcaption>" << html_escape(picture.caption) << "</figcaption></figure>";
    }
    out << "</div></section>";
  }
  return out.str();
}

std::string graph_section(const TrainingReport& report) {
  std::ostringstream out;
  out << "<section id=\"graph\"><h2>Model graph</h2>";
  const size_t svg_start = report.graph_svg.find("<svg");
  if (svg_start != std::string::npos) {
    out << "<div class=\"scroll graph\">" << report.graph_svg.substr(svg_start) << "</div>";
  } else {
    out << "<p class=\"missing\">The model graph is missing: "
        << html_escape(report.graph_missing.empty() ? "it was not drawn" : report.graph_missing) << ".</p>";
  }
  out << "</section>";
  return out.str();
}

// One chart per metric (drawn by the page's script from the data block), and the values as a table.
std::string curves_section(const TrainingReport& report, const nlohmann::json& charts, bool chart_library_missing) {
  std::ostringstream out;
  out << "<section id=\"curves\"><h2>Training curves</h2>";
  if (report.history.empty()) {
    out << "<p class=\"note\">No training history: "
        << (report.state == RunState::live ? "the first epoch is running." : "this page was made for a model file.")
        << "</p>";
  } else if (chart_library_missing) {
    out << "<p class=\"missing\">" << kChartsMissing << " The values are in the table below.</p>";
  }
  out << "<div class=\"charts\">";
  for (const nlohmann::json& group : charts) {
    out << "<div class=\"chart\"><canvas id=\"" << group["id"].get<std::string>() << "\" aria-label=\""
        << html_escape(group["title"].get<std::string>()) << " per epoch\"></canvas></div>";
  }
  out << "</div>";
  if (report.history.empty()) {
    out << "</section>";
    return out.str();
  }
  out << "<details><summary>Values per epoch</summary><div class=\"scroll\"><table class=\"numbers\">"
      << "<tr><th>epoch</th>";
  for (const ReportSeries& series : report.history) out << "<th>" << html_escape(series.name) << "</th>";
  out << "</tr>";
  for (size_t e = 0; e < report.epochs.size(); ++e) {
    out << "<tr><td>" << report.epochs[e] + 1 << "</td>";
    for (const ReportSeries& series : report.history) out << "<td>" << format_fixed(series.values[e], 4) << "</td>";
    out << "</tr>";
  }
  out << "</table></div></details></section>";
  return out.str();
}

}  // namespace

ReportPicture report_picture(const std::string& section, const std::string& caption, const Tensor& image) {
  return {section, caption, png_bytes(image, "report picture '" + caption + "'")};
}

std::string find_chart_library(const ReportOptions& options) {
  std::vector<std::string> candidates;
  if (!options.chart_library.empty()) return fs::is_regular_file(options.chart_library) ? options.chart_library : "";
  if (const char* path = std::getenv("FOVEA_CHART_JS"); path && *path) candidates.push_back(path);
  const char* npm_root = std::getenv("FOVEA_NPM_ROOT");
  candidates.push_back(std::string(npm_root && *npm_root ? npm_root : "/usr/local/share/fovea/npm") +
                       "/chart.js/dist/chart.umd.min.js");
  candidates.push_back(std::string(FOVEA_DATA_DIR) + "/chart.umd.min.js");
  for (const std::string& path : candidates) {
    std::error_code error;
    if (fs::is_regular_file(path, error)) return path;
  }
  return "";
}

std::string report_html(const TrainingReport& report, const ReportOptions& options) {
  check_report(report);
  const std::string chart_library = chart_library_text(options);
  nlohmann::json data = {{"epochs", report.epochs}, {"charts", chart_groups(report)}};
  if (report.state == RunState::live) {
    data["live"] = live_page_data(report.reload_seconds, report.stale_seconds, "Training is running", "This run");
  }

  std::ostringstream out;
  out << page_start(report.title, report.status);
  out << curves_section(report, data["charts"], chart_library.empty());
  out << "<section id=\"run\"><h2>Run</h2>";
  if (!report.command.empty()) out << "<pre class=\"command\">" << html_escape(report.command) << "</pre>";
  out << "<div class=\"columns\"><div><h3>Settings</h3>" << key_value_table(report.settings)
      << "</div><div><h3>Data and timing</h3>" << key_value_table(report.facts) << "</div></div></section>";

  out << confusion_section(report) << pictures_section(report) << graph_section(report);
  if (!report.summary.empty()) {
    out << "<section id=\"summary\"><h2>Model summary</h2><pre>" << html_escape(report.summary) << "</pre></section>";
  }
  out << page_end(data, chart_library, kReportScript);
  return out.str();
}

void write_report(const std::string& path, const TrainingReport& report, const ReportOptions& options) {
  const std::string page = report_html(report, options);
  io_detail::AtomicFile file(path);
  file.write(page);
  file.commit();
}

}  // namespace fovea::viz
