// The search report page: the trials' numbers worked into what the charts need (each knob's axis, every step's
// position on it, the best value over the budget spent, each trial's line across the axes) and the HTML around
// them, in the training report's frame (src/viz/report_page.h).
#include "fovea/tune/search_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/atomic_file.h"
#include "fovea/viz/colormap.h"
#include "tune/search_report_assets.h"
#include "viz/html_text.h"
#include "viz/report_page.h"

namespace fovea::tune {
namespace {

using nlohmann::json;
using viz::html_escape;

// Four significant digits: enough to tell trials apart, short enough for a table cell and a tick.
std::string format_number(double value) {
  if (!std::isfinite(value)) return std::isnan(value) ? "NaN" : (value > 0 ? "inf" : "-inf");
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

json finite_or_null(double value) { return std::isfinite(value) ? json(value) : json(); }

// A config value as a person reads it: strings without quotes, numbers short.
std::string value_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return format_number(value.get<double>());
  if (value.is_null()) return "-";
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool has_value(const StepRecord& record) {
  return record.status == StepRecord::Status::done && record.value && std::isfinite(*record.value);
}

const char* status_name(StepRecord::Status status) {
  switch (status) {
    case StepRecord::Status::done: return "done";
    case StepRecord::Status::failed: return "failed";
    case StepRecord::Status::running: break;
  }
  return "running";
}

// True when a is better than b (both finite).
bool better(Direction direction, double a, double b) { return direction == Direction::maximize ? a > b : a < b; }

// The better of two finished steps: the better value, on a tie the larger budget (as SearchResult::best).
bool better_step(Direction direction, const StepRecord& a, const StepRecord& b) {
  if (*a.value != *b.value) return better(direction, *a.value, *b.value);
  return a.step.budget > b.step.budget;
}

std::vector<std::string> knob_names(const SearchReport& report) {
  std::vector<std::string> names = report.knobs;
  if (!names.empty()) return names;
  for (const StepRecord& record : report.steps) {
    if (!record.step.config.is_object()) continue;
    for (const auto& [name, value] : record.step.config.items()) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  return names;
}

// One axis of the charts: a knob's (or the objective's) range, linear, logarithmic or by category.
struct Axis {
  std::string name{};
  enum class Kind { linear, log, category } kind = Kind::linear;
  double min = 0, max = 0;                 // numeric axes: the range of the values seen
  std::vector<std::string> categories{};  // category axes: the values seen, as text, sorted

  bool numeric() const { return kind != Kind::category; }

  // Where value sits on the axis, 0 (bottom) to 1 (top); a range of one value sits in the middle.
  double position(double value) const {
    const double lo = kind == Kind::log ? std::log10(min) : min;
    const double hi = kind == Kind::log ? std::log10(max) : max;
    const double v = kind == Kind::log ? std::log10(value) : value;
    return hi > lo ? (v - lo) / (hi - lo) : 0.5;
  }

  // The real value at position t, for the tick text.
  double value_at(double t) const {
    if (kind == Kind::log) return std::pow(10.0, std::log10(min) + t * (std::log10(max) - std::log10(min)));
    return min + t * (max - min);
  }

  // A config value's coordinate on this axis (the number, or the category's index), null when the knob is absent.
  json coordinate(const json& value) const {
    if (value.is_null()) return json();
    if (numeric()) return value.is_number() ? finite_or_null(value.get<double>()) : json();
    const auto it = std::find(categories.begin(), categories.end(), value_text(value));
    return it == categories.end() ? json() : json(it - categories.begin());
  }

  json normalized(const json& value) const {
    const json c = coordinate(value);
    if (c.is_null()) return json();
    if (numeric()) return position(c.get<double>());
    return categories.size() > 1 ? c.get<double>() / double(categories.size() - 1) : 0.5;
  }

  // (position, text) pairs for the parallel coordinates, which draw each axis's real range beside it.
  json ticks() const {
    json out = json::array();
    if (numeric()) {
      if (max <= min) return json::array({json::array({0.5, format_number(min)})});
      for (double t : {0.0, 0.25, 0.5, 0.75, 1.0}) out.push_back(json::array({t, format_number(value_at(t))}));
      return out;
    }
    // Many categories would write over each other: label at most about 12 of them.
    const size_t n = categories.size();
    const size_t every = std::max<size_t>(1, (n + 11) / 12);
    for (size_t i = 0; i < n; i += every) {
      out.push_back(json::array({n > 1 ? double(i) / double(n - 1) : 0.5, categories[i]}));
    }
    return out;
  }

  json to_json() const {
    static const char* const kKinds[] = {"linear", "log", "category"};
    json out = {{"name", name}, {"kind", kKinds[int(kind)]}, {"ticks", ticks()}};
    if (numeric()) {
      out["min"] = finite_or_null(min);
      out["max"] = finite_or_null(max);
    } else {
      out["categories"] = categories;
    }
    return out;
  }
};

Axis knob_axis(const std::string& name, const SearchReport& report) {
  Axis axis{.name = name};
  std::vector<double> numbers;
  bool all_numbers = true;
  for (const StepRecord& record : report.steps) {
    if (!record.step.config.is_object() || !record.step.config.contains(name)) continue;
    const json& value = record.step.config[name];
    // A NaN in a config (a knob computed from others) has no place on any axis: the step is left off it.
    if (value.is_null() || (value.is_number() && !std::isfinite(value.get<double>()))) continue;
    if (value.is_number()) numbers.push_back(value.get<double>());
    else all_numbers = false;
    const std::string text = value_text(value);
    if (std::find(axis.categories.begin(), axis.categories.end(), text) == axis.categories.end()) {
      axis.categories.push_back(text);
    }
  }
  if (all_numbers && !numbers.empty()) {
    axis.min = *std::min_element(numbers.begin(), numbers.end());
    axis.max = *std::max_element(numbers.begin(), numbers.end());
    axis.kind = report.log_knobs.count(name) && axis.min > 0 ? Axis::Kind::log : Axis::Kind::linear;
    axis.categories.clear();
  } else {
    axis.kind = Axis::Kind::category;
    std::sort(axis.categories.begin(), axis.categories.end());
  }
  return axis;
}

// One trial as the table and the parallel coordinates show it.
struct TrialRow {
  int64_t trial = 0;
  const StepRecord* shown = nullptr;  // its finished step of the largest budget, else its last step
  const StepRecord* last = nullptr;   // its last step in start order: what it is doing now
  bool stopped = false;
  double seconds = 0;
  int steps = 0;
};

// The trials, best first: those with a value by value (ties: larger budget), then the rest by trial id.
std::vector<TrialRow> trial_rows(const SearchReport& report) {
  std::map<int64_t, TrialRow> by_trial;
  for (const StepRecord& record : report.steps) {
    TrialRow& row = by_trial[record.step.trial];
    row.trial = record.step.trial;
    row.last = &record;
    row.stopped = row.stopped || record.stopped;
    row.seconds += std::isfinite(record.seconds) ? record.seconds : 0;
    ++row.steps;
    if (has_value(record) &&
        (!row.shown || !has_value(*row.shown) || record.step.budget >= row.shown->step.budget)) {
      row.shown = &record;
    }
  }
  std::vector<TrialRow> rows;
  for (auto& [trial, row] : by_trial) {
    if (!row.shown) row.shown = row.last;
    rows.push_back(row);
  }
  std::stable_sort(rows.begin(), rows.end(), [&](const TrialRow& a, const TrialRow& b) {
    const bool va = has_value(*a.shown), vb = has_value(*b.shown);
    if (va != vb) return va;
    if (!va) return false;
    return better_step(report.direction, *a.shown, *b.shown);
  });
  return rows;
}

std::string trial_status(const TrialRow& row) {
  switch (row.last->status) {
    case StepRecord::Status::running: return "running";
    case StepRecord::Status::failed:
      return row.last->failure.empty() ? "failed" : "failed: " + row.last->failure;
    case StepRecord::Status::done: break;
  }
  if (!has_value(*row.last)) return "failed: no value";
  return row.stopped ? "stopped early" : "done";
}

std::optional<StepRecord> best_step(const SearchReport& report) {
  if (report.best) return report.best;
  std::optional<StepRecord> best;
  for (const StepRecord& record : report.steps) {
    if (has_value(record) && (!best || better_step(report.direction, record, *best))) best = record;
  }
  return best;
}

std::string counted_status(const SearchReport& report, const std::vector<TrialRow>& rows) {
  int stopped = 0, failed = 0, running = 0;
  for (const TrialRow& row : rows) {
    const std::string status = trial_status(row);
    stopped += status == "stopped early";
    failed += status.rfind("failed", 0) == 0;
    running += status == "running";
  }
  std::ostringstream out;
  out << (report.live ? "running: " : "finished: ") << rows.size() << (rows.size() == 1 ? " trial" : " trials");
  if (running > 0) out << ", " << running << " running";
  out << ", " << stopped << " stopped early, " << failed << " failed";
  return out.str();
}

std::string config_text(const json& config, const std::vector<std::string>& knobs) {
  if (!config.is_object()) return value_text(config);
  std::vector<std::string> names = knobs;
  for (const auto& [name, value] : config.items()) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  std::string out;
  for (const std::string& name : names) {
    if (!config.contains(name)) continue;
    if (!out.empty()) out += ", ";
    out += name + "=" + value_text(config[name]);
  }
  return out;
}

// Colour of a trial's line: how good its value is among all trials, 0 the worst, 1 the best. viridis's last tenth
// (bright yellow) is too pale on white, so the best end at its yellow-green.
std::string line_colour(double goodness) {
  const viz::Rgb c = viz::colormap_color(viz::Colormap::viridis, 0.9 * goodness);
  char text[32];
  std::snprintf(text, sizeof text, "rgb(%d,%d,%d)", int(c[0]), int(c[1]), int(c[2]));
  return text;
}

// The data block the page's script draws from: every step with its coordinate on each knob's axis and the budget
// spent so far, the budget levels, and each trial's line across the parallel coordinates.
json page_data(const SearchReport& report, const std::vector<Axis>& axes, const std::vector<TrialRow>& rows,
               const std::optional<StepRecord>& best) {
  json data = {{"objective", report.objective},
               {"direction", report.direction == Direction::maximize ? "maximize" : "minimize"},
               {"knobs", json::array()}};
  for (const Axis& axis : axes) data["knobs"].push_back(axis.to_json());

  // Budget levels, smallest first; larger budgets are drawn darker and bigger, since they say more.
  std::vector<double> budgets;
  for (const StepRecord& record : report.steps) {
    if (std::isfinite(record.step.budget)) budgets.push_back(record.step.budget);
  }
  std::sort(budgets.begin(), budgets.end());
  budgets.erase(std::unique(budgets.begin(), budgets.end()), budgets.end());
  data["budgets"] = json::array();
  for (size_t i = 0; i < budgets.size(); ++i) {
    const double t = budgets.size() > 1 ? double(i) / double(budgets.size() - 1) : 1.0;
    data["budgets"].push_back({{"budget", budgets[i]}, {"colour", line_colour(0.85 * (1 - t))}});
  }

  // A step's budget counts when it starts; a continued step adds only what it trains beyond its previous budget.
  double spent = 0;
  std::optional<double> best_so_far;
  data["steps"] = json::array();
  for (const StepRecord& record : report.steps) {
    const TrialStep& step = record.step;
    const double added = step.continues ? step.budget - step.previous_budget : step.budget;
    if (std::isfinite(added)) spent += added;
    if (has_value(record) && (!best_so_far || better(report.direction, *record.value, *best_so_far))) {
      best_so_far = record.value;
    }
    json x = json::array();
    for (const Axis& axis : axes) {
      x.push_back(step.config.is_object() && step.config.contains(axis.name) ? axis.coordinate(step.config[axis.name])
                                                                              : json());
    }
    data["steps"].push_back({{"trial", step.trial},
                             {"config", step.config},
                             {"budget", finite_or_null(step.budget)},
                             {"previous_budget", finite_or_null(step.previous_budget)},
                             {"continues", step.continues},
                             {"bracket", step.bracket},
                             {"rung", step.rung},
                             {"round", step.round},
                             {"status", status_name(record.status)},
                             {"value", has_value(record) ? json(*record.value) : json()},
                             {"failure", record.failure},
                             {"seconds", finite_or_null(record.seconds)},
                             {"stopped", record.stopped},
                             {"x", x},
                             {"spent", spent},
                             {"best_so_far", best_so_far ? json(*best_so_far) : json()}});
  }

  // The objective's axis: its range over the trials' shown values.
  Axis objective{.name = report.objective};
  bool any_value = false;
  for (const TrialRow& row : rows) {
    if (!has_value(*row.shown)) continue;
    objective.min = any_value ? std::min(objective.min, *row.shown->value) : *row.shown->value;
    objective.max = any_value ? std::max(objective.max, *row.shown->value) : *row.shown->value;
    any_value = true;
  }
  data["objective_axis"] = objective.to_json();

  // One line per trial, worst first so that the best are drawn last, on top.
  data["trials"] = json::array();
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    const StepRecord& shown = *it->shown;
    const json& config = shown.step.config;
    json position = json::array(), text = json::array();
    for (const Axis& axis : axes) {
      const bool present = config.is_object() && config.contains(axis.name);
      position.push_back(present ? axis.normalized(config[axis.name]) : json());
      text.push_back(present ? value_text(config[axis.name]) : "-");
    }
    json colour = "rgba(120,120,120,0.6)";  // a trial without a value (failed, running): grey, no objective point
    if (has_value(shown)) {
      const double p = objective.position(*shown.value);
      position.push_back(p);
      text.push_back(format_number(*shown.value));
      colour = line_colour(report.direction == Direction::maximize ? p : 1 - p);
    } else {
      position.push_back(json());
      text.push_back(trial_status(*it));
    }
    data["trials"].push_back({{"trial", it->trial},
                              {"budget", finite_or_null(shown.step.budget)},
                              {"position", position},
                              {"text", text},
                              {"colour", colour},
                              {"best", best && best->step.trial == it->trial}});
  }
  if (best) {
    data["best"] = {{"trial", best->step.trial},
                    {"config", best->step.config},
                    {"budget", finite_or_null(best->step.budget)},
                    {"value", best->value ? finite_or_null(*best->value) : json()}};
  }
  data["best_command"] = report.best_command;
  if (report.live) {
    data["live"] = viz::live_page_data(report.reload_seconds, report.stale_seconds, "The search is running",
                                       "This search");
  }
  return data;
}

std::string best_section(const SearchReport& report, const std::optional<StepRecord>& best,
                         const std::vector<std::string>& knobs) {
  std::ostringstream out;
  out << "<section id=\"best\"><h2>Best trial</h2>";
  if (!best) {
    out << "<p class=\"note\">No trial has finished yet.</p></section>";
    return out.str();
  }
  out << "<p class=\"best-value\">" << html_escape(report.objective) << " <strong>"
      << (best->value ? format_number(*best->value) : "-") << "</strong> (trial " << best->step.trial
      << " at budget " << format_number(best->step.budget) << ")</p>";
  std::vector<std::pair<std::string, std::string>> config;
  if (best->step.config.is_object()) {
    std::vector<std::string> names = knobs;
    for (const auto& [name, value] : best->step.config.items()) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    for (const std::string& name : names) {
      if (best->step.config.contains(name)) config.emplace_back(name, value_text(best->step.config[name]));
    }
  }
  out << viz::key_value_table(config);
  if (!report.best_command.empty()) {
    out << "<h3>Retrain it</h3><pre class=\"command\" id=\"best-command\">" << html_escape(report.best_command)
        << "</pre>";
  }
  out << "</section>";
  return out.str();
}

std::string charts_sections(const SearchReport& report, const std::vector<Axis>& axes, bool any_value,
                            bool chart_library_missing) {
  std::ostringstream out;
  if (chart_library_missing) {
    // Empty canvases would leave three blank screens between the best trial and the table.
    out << "<section id=\"charts\"><h2>Charts</h2><p class=\"missing\">" << viz::kChartsMissing
        << " The trials are in the table below.</p></section>";
    return out.str();
  }
  out << "<section id=\"knobs\"><h2>Score against each knob</h2>";
  if (!any_value) {
    out << "<p class=\"note\">No step has finished yet.</p>";
  }
  out << "<p class=\"note\">One point per finished step: " << html_escape(report.objective)
      << " against the knob's value, coloured and sized by the step's budget.</p><div class=\"charts\">";
  for (size_t k = 0; k < axes.size(); ++k) {
    out << "<div class=\"chart\"><canvas id=\"knob-" << k << "\" aria-label=\"" << html_escape(report.objective)
        << " against " << html_escape(axes[k].name) << "\"></canvas></div>";
  }
  out << "</div></section>";
  out << "<section id=\"progress\"><h2>Best score over budget</h2><p class=\"note\">The best "
      << html_escape(report.objective) << " so far against the budget spent, steps in the order they started (a "
      << "continued step counts only the budget it added).</p><div class=\"chart\"><canvas id=\"progress-chart\" "
      << "aria-label=\"best score over budget\"></canvas></div></section>";
  out << "<section id=\"parallel\"><h2>All trials</h2><p class=\"note\">Parallel coordinates: each line is one trial "
      << "at its largest finished budget, across the knobs and " << html_escape(report.objective)
      << "; grey lines have no value (failed or running). Hover a line for its values.</p>"
      << "<div class=\"chart parallel\"><canvas id=\"parallel-chart\" aria-label=\"parallel coordinates of all "
      << "trials\"></canvas></div><div class=\"colour-scale\"><span>worse</span><span class=\"bar\" "
      << "style=\"background:linear-gradient(to right";
  for (int i = 0; i <= 10; ++i) out << ", " << line_colour(i / 10.0);
  out << ")\"></span><span>better</span></div></section>";
  return out.str();
}

std::string trials_section(const SearchReport& report, const std::vector<TrialRow>& rows,
                           const std::optional<StepRecord>& best, const std::vector<std::string>& knobs) {
  std::ostringstream out;
  out << "<section id=\"trials\"><h2>Trials</h2><div class=\"scroll\"><table class=\"numbers trials\"><tr>"
      << "<th>trial</th><th class=\"status\">status</th><th>budget</th><th>" << html_escape(report.objective)
      << "</th><th>seconds</th><th>steps</th><th class=\"config\">config</th></tr>";
  for (const TrialRow& row : rows) {
    const std::string status = trial_status(row);
    const bool is_best = best && best->step.trial == row.trial;
    out << "<tr" << (is_best ? " class=\"best\"" : status.rfind("failed", 0) == 0 ? " class=\"failed\"" : "")
        << "><td>" << row.trial << "</td><td class=\"status\">" << html_escape(status) << "</td><td>"
        << format_number(row.shown->step.budget) << "</td><td>"
        << (has_value(*row.shown) ? format_number(*row.shown->value) : "-") << "</td><td>"
        << format_number(row.seconds) << "</td><td>" << row.steps << "</td><td class=\"config\">"
        << html_escape(config_text(row.shown->step.config, knobs)) << "</td></tr>";
  }
  out << "</table></div>";

  // Every step, for a bandit search's promotions (and for reading the numbers when the charts are missing).
  out << "<details><summary>All " << report.steps.size() << " steps, in start order</summary><div class=\"scroll\">"
      << "<table class=\"numbers\"><tr><th>trial</th><th>bracket</th><th>rung</th><th>round</th><th>budget</th>"
      << "<th class=\"status\">status</th><th>" << html_escape(report.objective) << "</th><th>seconds</th></tr>";
  for (const StepRecord& record : report.steps) {
    const TrialStep& step = record.step;
    std::string status = status_name(record.status);
    if (record.status == StepRecord::Status::failed && !record.failure.empty()) status += ": " + record.failure;
    if (record.stopped) status += ", stopped";
    auto index = [](int64_t i) { return i < 0 ? std::string("-") : std::to_string(i); };
    out << "<tr><td>" << step.trial << "</td><td>" << index(step.bracket) << "</td><td>" << index(step.rung)
        << "</td><td>" << index(step.round) << "</td><td>"
        << (step.continues ? format_number(step.previous_budget) + "&rarr;" : "") << format_number(step.budget)
        << "</td><td class=\"status\">" << html_escape(status) << "</td><td>"
        << (has_value(record) ? format_number(*record.value) : "-") << "</td><td>" << format_number(record.seconds)
        << "</td></tr>";
  }
  out << "</table></div></details></section>";
  return out.str();
}

std::string search_section(const SearchReport& report) {
  std::ostringstream out;
  out << "<section id=\"search\"><h2>Search</h2>";
  if (!report.command.empty()) out << "<pre class=\"command\">" << html_escape(report.command) << "</pre>";
  out << "<div class=\"columns\"><div><h3>Settings</h3>" << viz::key_value_table(report.settings) << "</div><div>"
      << "<h3>Strategy</h3>";
  if (report.messages.empty()) {
    out << "<p class=\"note\">The strategy said nothing.</p>";
  } else {
    out << "<ul class=\"messages\">";
    for (const std::string& line : report.messages) out << "<li>" << html_escape(line) << "</li>";
    out << "</ul>";
  }
  out << "</div></div></section>";
  return out.str();
}

}  // namespace

std::string search_report_html(const SearchReport& report, const viz::ReportOptions& options) {
  const std::string chart_library = viz::chart_library_text(options);
  const std::vector<std::string> knobs = knob_names(report);
  std::vector<Axis> axes;
  for (const std::string& name : knobs) axes.push_back(knob_axis(name, report));
  const std::vector<TrialRow> rows = trial_rows(report);
  const std::optional<StepRecord> best = best_step(report);
  const bool any_value = std::any_of(report.steps.begin(), report.steps.end(), has_value);

  std::ostringstream out;
  out << viz::page_start(report.title, report.status.empty() ? counted_status(report, rows) : report.status,
                         kSearchReportStyle);
  out << best_section(report, best, knobs) << charts_sections(report, axes, any_value, chart_library.empty())
      << trials_section(report, rows, best, knobs) << search_section(report);
  out << viz::page_end(page_data(report, axes, rows, best), chart_library, kSearchReportScript);
  return out.str();
}

void write_search_report(const std::string& path, const SearchReport& report, const viz::ReportOptions& options) {
  const std::string page = search_report_html(report, options);
  io_detail::AtomicFile file(path);
  file.write(page);
  file.commit();
}

}  // namespace fovea::tune
