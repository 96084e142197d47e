// plot_curves: a gnuplot script with the values inline (datablocks), run as a child process that writes the PNG on
// its standard output.
#include "fovea/viz/curves.h"

#include <cmath>
#include <sstream>

#include "viz/series_groups.h"
#include "viz/subprocess.h"

namespace fovea::viz {
namespace {

// A gnuplot string literal: single quotes, in which only a doubled quote is special.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "''";
    else if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "'";
}

std::string script(const std::vector<int64_t>& epochs, const std::vector<SeriesGroup>& groups,
                   const CurvesOptions& options) {
  std::ostringstream out;
  out.precision(9);
  out << "set terminal pngcairo size " << options.chart_width * static_cast<int64_t>(groups.size()) << ","
      << options.chart_height << " font 'DejaVu Sans,10'\n"
      << "set output\n"  // standard output
      << "set datafile missing '?'\n"
      << "set grid\nset key bottom right\nset xlabel 'epoch'\n" << (epochs.size() <= 20 ? "set xtics 1\n" : "")
      << "set multiplot layout 1," << groups.size() << "\n";
  for (size_t g = 0; g < groups.size(); ++g) {
    out << "$curves" << g << " << EOD\n";
    for (size_t e = 0; e < epochs.size(); ++e) {
      out << epochs[e] + 1;
      for (const ReportSeries* series : groups[g].series) {
        const double v = series->values[e];
        out << ' ';
        if (std::isfinite(v)) out << v;
        else out << '?';
      }
      out << '\n';
    }
    out << "EOD\n";
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    out << "set title " << quoted(groups[g].metric) << "\nset ylabel " << quoted(groups[g].metric) << "\nplot ";
    for (size_t s = 0; s < groups[g].series.size(); ++s) {
      const bool validation = is_validation(*groups[g].series[s]);
      out << (s ? ", " : "") << "$curves" << g << " using 1:" << s + 2 << " with linespoints pt 7 ps 0.6 lw 2 lc rgb "
          << (validation ? "'#e8702a'" : "'#2c728e'") << " title " << (validation ? "'validation'" : "'training'");
    }
    out << "\n";
  }
  out << "unset multiplot\n";
  return out.str();
}

}  // namespace

std::string plot_curves(const std::vector<int64_t>& epochs, const std::vector<ReportSeries>& history,
                        const CurvesOptions& options) {
  FOVEA_CHECK(!history.empty() && !epochs.empty(), ValueError, "plot_curves: no history to draw (",
              epochs.size(), " epochs, ", history.size(), " series)");
  for (const ReportSeries& series : history) {
    FOVEA_CHECK(series.values.size() == epochs.size(), ValueError, "plot_curves: the series '", series.name, "' has ",
                series.values.size(), " values for ", epochs.size(), " epochs");
  }
  FOVEA_CHECK(options.chart_width >= 64 && options.chart_height >= 64, ValueError,
              "plot_curves: charts of ", options.chart_width, "x", options.chart_height,
              " pixels are too small; expected at least 64x64");
  const subprocess_detail::ProcessResult result =
      subprocess_detail::run_process({options.program}, script(epochs, group_series(history), options));
  if (!result.started) {
    throw GnuplotNotFound(detail::concat("plot_curves: cannot run ", options.program, " (", result.start_error,
                                         "); install Debian's gnuplot-nox to draw curves as pictures"));
  }
  FOVEA_CHECK(result.exit_code == 0 && result.out.rfind("\x89PNG", 0) == 0, IoError, "plot_curves: ",
              options.program, " failed (", result.signal ? "signal " + std::to_string(result.signal)
                                                           : "exit status " + std::to_string(result.exit_code),
              "): ", result.err.substr(0, 300));
  return result.out;
}

}  // namespace fovea::viz
