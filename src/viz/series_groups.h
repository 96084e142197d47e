// A metric and its validation twin ("loss" and "val_loss") drawn in one chart, by the report and by plot_curves.
#pragma once

#include <string>
#include <vector>

#include "fovea/viz/report.h"

namespace fovea::viz {

struct SeriesGroup {
  std::string metric;                         // "loss"
  std::vector<const ReportSeries*> series;    // in history order: training, then validation when logged
};

// The groups in the order their metrics first appear in history.
inline std::vector<SeriesGroup> group_series(const std::vector<ReportSeries>& history) {
  std::vector<SeriesGroup> groups;
  for (const ReportSeries& series : history) {
    const bool validation = series.name.rfind("val_", 0) == 0;
    const std::string metric = validation ? series.name.substr(4) : series.name;
    auto group = groups.begin();
    while (group != groups.end() && group->metric != metric) ++group;
    if (group == groups.end()) {
      groups.push_back({metric, {}});
      group = groups.end() - 1;
    }
    group->series.push_back(&series);
  }
  return groups;
}

inline bool is_validation(const ReportSeries& series) { return series.name.rfind("val_", 0) == 0; }

}  // namespace fovea::viz
