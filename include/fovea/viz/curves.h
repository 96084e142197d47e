// Training curves as a PNG picture: loss and every metric per epoch, training against validation, one chart per
// metric side by side, drawn by gnuplot (Debian's gnuplot-nox), which owns the axes, ticks and legends.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fovea/core/error.h"
#include "fovea/viz/report.h"

namespace fovea::viz {

struct CurvesOptions {
  int64_t chart_width = 480;   // pixels per chart
  int64_t chart_height = 360;
  std::string program = "gnuplot";  // a name looked up on PATH, or a path
};

// Thrown by plot_curves when gnuplot cannot be found or started (install Debian's gnuplot-nox).
class GnuplotNotFound : public IoError {
 public:
  using IoError::IoError;
};

// The PNG file's bytes. Requires one value per epoch in every series (ValueError naming the series otherwise) and at
// least one series; NaN values are gaps. Throws GnuplotNotFound, or IoError with gnuplot's own message when it
// fails. Safe to call from several threads.
std::string plot_curves(const std::vector<int64_t>& epochs, const std::vector<ReportSeries>& history,
                        const CurvesOptions& options = {});

}  // namespace fovea::viz
