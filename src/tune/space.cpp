// SearchSpace and Knob: the checks with their messages, the unit-interval mapping, sampling and grids.
#include "fovea/tune/space.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>

#include "fovea/core/error.h"

namespace fovea::tune {
namespace {

bool scalar(const nlohmann::json& value) {
  return value.is_number() || value.is_string() || value.is_boolean();
}

bool whole(double value) { return std::isfinite(value) && value == std::floor(value); }

// A range knob takes the values low + k * step (k = 0 .. last_index) when it is discrete: an int, or a float with
// a step.
bool discrete(const Knob& knob) {
  return knob.kind == KnobKind::int_range || (knob.kind == KnobKind::float_range && knob.step > 0);
}

int64_t last_index(const Knob& knob) {
  // The 1e-9 keeps a float step whose multiple lands a rounding error short of `high` (0.1 * 3) on the grid.
  return static_cast<int64_t>(std::floor((knob.high - knob.low) / knob.step + 1e-9));
}

double internal(const Knob& knob, double value) { return knob.log ? std::log(value) : value; }
double external(const Knob& knob, double value) { return knob.log ? std::exp(value) : value; }

// The interval [0, 1] maps onto, in the space sampling is uniform in.
std::pair<double, double> unit_bounds(const Knob& knob) {
  if (discrete(knob)) {
    const double top = knob.low + static_cast<double>(last_index(knob)) * knob.step;
    return {internal(knob, knob.low - knob.step / 2), internal(knob, top + knob.step / 2)};
  }
  return {internal(knob, knob.low), internal(knob, knob.high)};
}

// The grid point (discrete knobs) or the clamped value nearest to x.
double snap(const Knob& knob, double x) {
  if (discrete(knob)) {
    const double k = std::clamp(std::round((x - knob.low) / knob.step), 0.0, static_cast<double>(last_index(knob)));
    const double value = knob.low + k * knob.step;
    if (knob.kind == KnobKind::int_range) return value;
    // 0.1 * 3 is 0.30000000000000004: 15 significant digits give the 0.3 a person wrote and reads in a config.
    char text[32];
    std::snprintf(text, sizeof text, "%.15g", value);
    return std::strtod(text, nullptr);
  }
  return std::clamp(x, knob.low, knob.high);
}

std::string range_text(const Knob& knob) {
  std::ostringstream out;
  out << "[" << knob.low << ", " << knob.high << "]";
  return out.str();
}

std::string values_text(const std::vector<nlohmann::json>& values) {
  std::string out;
  for (const auto& value : values) out += (out.empty() ? "" : ", ") + value.dump();
  return out;
}

void check_knob(const Knob& knob) {
  const std::string& name = knob.name;
  FOVEA_CHECK(!name.empty(), ValueError, "a knob needs a name");
  switch (knob.kind) {
    case KnobKind::choice:
      FOVEA_CHECK(!knob.values.empty(), ValueError, "knob '", name, "': choice needs at least one value");
      for (const auto& value : knob.values) {
        FOVEA_CHECK(scalar(value), ValueError, "knob '", name,
                    "': choice values must be numbers, strings or bools, got ", value.dump());
      }
      break;
    case KnobKind::fixed:
      FOVEA_CHECK(knob.values.size() == 1 && scalar(knob.values[0]), ValueError, "knob '", name,
                  "': fixed needs one number, string or bool, got ", nlohmann::json(knob.values).dump());
      break;
    case KnobKind::int_range:
    case KnobKind::float_range: {
      const std::string kind = kind_name(knob);
      FOVEA_CHECK(std::isfinite(knob.low) && std::isfinite(knob.high), ValueError, "knob '", name,
                  "': bounds must be finite, got ", range_text(knob));
      if (knob.kind == KnobKind::int_range) {
        FOVEA_CHECK(whole(knob.low) && whole(knob.high), ValueError, "knob '", name,
                    "': int needs whole-number bounds, got ", range_text(knob));
        FOVEA_CHECK(knob.low <= knob.high, ValueError, "knob '", name, "': empty range ", range_text(knob),
                    " (int needs low <= high)");
      } else {
        FOVEA_CHECK(knob.low < knob.high, ValueError, "knob '", name, "': empty range ", range_text(knob), " (",
                    kind, " needs low < high)");
      }
      FOVEA_CHECK(!knob.log || knob.low > 0, ValueError, "knob '", name, "': ", kind,
                  knob.kind == KnobKind::int_range ? " with log" : "", " needs bounds above 0, got ",
                  range_text(knob));
      const bool has_step = knob.kind == KnobKind::int_range || knob.step != 0;
      if (has_step) {
        FOVEA_CHECK(std::isfinite(knob.step) && knob.step > 0, ValueError, "knob '", name,
                    "': step must be above 0, got ", knob.step);
      }
      if (knob.kind == KnobKind::int_range) {
        FOVEA_CHECK(whole(knob.step), ValueError, "knob '", name, "': int step must be a whole number, got ",
                    knob.step);
      }
      FOVEA_CHECK(!knob.log || !has_step || (knob.kind == KnobKind::int_range && knob.step == 1), ValueError,
                  "knob '", name, "': step and log do not combine (a log range has no step)");
      break;
    }
  }
  for (const auto& condition : knob.conditions) {
    FOVEA_CHECK(!condition.values.empty(), ValueError, "knob '", name, "': when '", condition.knob,
                "' needs a value or a list of values, got []");
    for (const auto& value : condition.values) {
      FOVEA_CHECK(scalar(value), ValueError, "knob '", name, "': when '", condition.knob,
                  "' needs a value or a list of values, got ", value.dump());
    }
  }
}

// Whether `parent` can ever have one of `values`.
bool can_take(const Knob& parent, const std::vector<nlohmann::json>& values) {
  for (const auto& value : values) {
    if (parent.numeric()) {
      if (value.is_number() && value.get<double>() >= parent.low && value.get<double>() <= parent.high) return true;
    } else if (std::find(parent.values.begin(), parent.values.end(), value) != parent.values.end()) {
      return true;
    }
  }
  return false;
}

// The conditions of `knob` name knobs in `knobs` (other than itself) that can take an asked-for value.
void check_condition_targets(const std::vector<Knob>& knobs, const Knob& knob) {
  for (const auto& condition : knob.conditions) {
    FOVEA_CHECK(condition.knob != knob.name, ValueError, "knob '", knob.name, "': conditions form a cycle: ",
                knob.name, " -> ", knob.name);
    const auto parent = std::find_if(knobs.begin(), knobs.end(), [&](const Knob& k) { return k.name == condition.knob; });
    FOVEA_CHECK(parent != knobs.end(), ValueError, "knob '", knob.name, "': when names unknown knob '", condition.knob,
                "'");
    if (!can_take(*parent, condition.values)) {
      const std::string asked = condition.values.size() == 1 ? condition.values[0].dump()
                                                              : "one of " + nlohmann::json(condition.values).dump();
      const std::string has = parent->numeric() ? "its range: " + range_text(*parent)
                                                : "its values: " + values_text(parent->values);
      throw ValueError("knob '" + knob.name + "': when asks for '" + parent->name + "' = " + asked +
                       ", which it never is (" + has + ")");
    }
  }
}

}  // namespace

std::string kind_name(const Knob& knob) {
  switch (knob.kind) {
    case KnobKind::choice: return "choice";
    case KnobKind::int_range: return "int";
    case KnobKind::float_range: return knob.log ? "log_uniform" : "float";
    case KnobKind::fixed: return "fixed";
  }
  return "?";
}

Knob Knob::when(const std::string& knob, const nlohmann::json& value) const {
  Knob out = *this;
  KnobCondition condition{.knob = knob, .values = {}};
  if (value.is_array()) {
    condition.values.assign(value.begin(), value.end());
  } else {
    condition.values.push_back(value);
  }
  out.conditions.push_back(std::move(condition));
  return out;
}

Knob Knob::when(const std::string& knob, std::initializer_list<nlohmann::json> values) const {
  Knob out = *this;
  out.conditions.push_back({.knob = knob, .values = std::vector<nlohmann::json>(values)});
  return out;
}

double Knob::to_unit(const nlohmann::json& value) const {
  FOVEA_CHECK(numeric() && value.is_number(), ValueError, "knob '", name, "': to_unit needs a numeric knob and value");
  const auto [low_u, high_u] = unit_bounds(*this);
  return std::clamp((internal(*this, value.get<double>()) - low_u) / (high_u - low_u), 0.0, 1.0);
}

nlohmann::json Knob::from_unit(double u) const {
  FOVEA_CHECK(numeric(), ValueError, "knob '", name, "': from_unit needs a numeric knob");
  const auto [low_u, high_u] = unit_bounds(*this);
  const double x = external(*this, low_u + std::clamp(u, 0.0, 1.0) * (high_u - low_u));
  return typed(snap(*this, x));
}

nlohmann::json Knob::typed(double value) const {
  if (kind == KnobKind::int_range) return static_cast<int64_t>(std::llround(value));
  return value;
}

nlohmann::json Knob::sample(Generator& gen) const {
  switch (kind) {
    case KnobKind::choice: {
      const auto n = static_cast<int64_t>(values.size());
      return values[static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(gen.uniform() * n), n - 1))];
    }
    case KnobKind::fixed: return values.at(0);
    default: return from_unit(gen.uniform());
  }
}

std::vector<nlohmann::json> Knob::grid_values(int64_t points) const {
  FOVEA_CHECK(points >= 1, ValueError, "a grid needs at least 1 point per knob, got ", points);
  if (!numeric()) return values;
  std::vector<nlohmann::json> out;
  const double top = discrete(*this) ? low + static_cast<double>(last_index(*this)) * step : high;
  if (discrete(*this) && last_index(*this) + 1 <= points) {
    for (int64_t k = 0; k <= last_index(*this); ++k) out.push_back(typed(low + static_cast<double>(k) * step));
    return out;
  }
  const double a = internal(*this, low);
  const double b = internal(*this, top);
  for (int64_t i = 0; i < points; ++i) {
    double x = 0;
    if (points == 1) {
      x = external(*this, (a + b) / 2);
    } else if (i == 0) {
      x = low;
    } else if (i == points - 1) {
      x = top;  // exactly, without exp(log(top))'s rounding
    } else {
      x = external(*this, a + (b - a) * static_cast<double>(i) / static_cast<double>(points - 1));
    }
    const nlohmann::json value = typed(snap(*this, x));
    if (std::find(out.begin(), out.end(), value) == out.end()) out.push_back(value);
  }
  return out;
}

Knob choice(std::string name, std::vector<nlohmann::json> values) {
  return {.name = std::move(name), .kind = KnobKind::choice, .values = std::move(values)};
}

Knob int_range(std::string name, int64_t low, int64_t high, RangeOptions options) {
  return {.name = std::move(name),
          .kind = KnobKind::int_range,
          .low = static_cast<double>(low),
          .high = static_cast<double>(high),
          .step = options.step == 0 ? 1 : options.step,
          .log = options.log};
}

Knob float_range(std::string name, double low, double high, RangeOptions options) {
  return {.name = std::move(name),
          .kind = KnobKind::float_range,
          .low = low,
          .high = high,
          .step = options.step,
          .log = options.log};
}

Knob log_uniform(std::string name, double low, double high) {
  return float_range(std::move(name), low, high, {.log = true});
}

Knob fixed(std::string name, nlohmann::json value) {
  return {.name = std::move(name), .kind = KnobKind::fixed, .values = {std::move(value)}};
}

void SearchSpace::add(Knob knob) {
  check_knob(knob);
  FOVEA_CHECK(find(knob.name) == nullptr, ValueError, "knob '", knob.name, "': given twice");
  check_condition_targets(knobs_, knob);
  knobs_.push_back(std::move(knob));
  order_knobs();
}

void SearchSpace::add_unchecked_conditions(Knob knob) {
  check_knob(knob);
  FOVEA_CHECK(find(knob.name) == nullptr, ValueError, "knob '", knob.name, "': given twice");
  knobs_.push_back(std::move(knob));
}

void SearchSpace::check_conditions() const {
  for (const auto& knob : knobs_) check_condition_targets(knobs_, knob);
  // Depth-first search for a knob reachable from itself through conditions; the path names the cycle.
  std::vector<int> state(knobs_.size(), 0);  // 0 unseen, 1 on the path, 2 done
  std::vector<size_t> path;
  const auto index_of = [&](const std::string& name) {
    return static_cast<size_t>(std::find_if(knobs_.begin(), knobs_.end(),
                                            [&](const Knob& k) { return k.name == name; }) -
                               knobs_.begin());
  };
  const auto visit = [&](const auto& self, size_t i) -> void {
    state[i] = 1;
    path.push_back(i);
    for (const auto& condition : knobs_[i].conditions) {
      const size_t j = index_of(condition.knob);
      if (state[j] == 1) {
        std::string cycle;
        const auto start = std::find(path.begin(), path.end(), j);
        for (auto it = start; it != path.end(); ++it) cycle += knobs_[*it].name + " -> ";
        throw ValueError("knob '" + knobs_[j].name + "': conditions form a cycle: " + cycle + knobs_[j].name);
      }
      if (state[j] == 0) self(self, j);
    }
    path.pop_back();
    state[i] = 2;
  };
  for (size_t i = 0; i < knobs_.size(); ++i) {
    if (state[i] == 0) visit(visit, i);
  }
}

void SearchSpace::order_knobs() {
  // Stable: among knobs whose parents are placed, the first given goes first.
  decide_order_.clear();
  std::vector<bool> placed(knobs_.size(), false);
  while (decide_order_.size() < knobs_.size()) {
    for (size_t i = 0; i < knobs_.size(); ++i) {
      if (placed[i]) continue;
      const bool ready = std::all_of(knobs_[i].conditions.begin(), knobs_[i].conditions.end(), [&](const auto& c) {
        for (size_t j = 0; j < knobs_.size(); ++j) {
          if (knobs_[j].name == c.knob) return static_cast<bool>(placed[j]);
        }
        return true;
      });
      if (ready) {
        placed[i] = true;
        decide_order_.push_back(i);
        break;
      }
    }
  }
}

const Knob* SearchSpace::find(std::string_view name) const {
  for (const auto& knob : knobs_) {
    if (knob.name == name) return &knob;
  }
  return nullptr;
}

bool SearchSpace::active(const Knob& knob, const Config& config) const {
  for (const auto& condition : knob.conditions) {
    const auto it = config.find(condition.knob);
    if (it == config.end()) return false;
    if (std::find(condition.values.begin(), condition.values.end(), *it) == condition.values.end()) return false;
  }
  return true;
}

Config SearchSpace::drop_inactive(Config config) const {
  for (const size_t i : decide_order_) {
    if (!active(knobs_[i], config)) config.erase(knobs_[i].name);
  }
  return config;
}

Config SearchSpace::sample(Generator& gen) const {
  Config config = Config::object();
  for (const auto& knob : knobs_) config[knob.name] = knob.sample(gen);
  return drop_inactive(std::move(config));
}

std::vector<Config> SearchSpace::grid(int64_t points) const {
  constexpr int64_t kLimit = 1000000;
  std::vector<std::vector<nlohmann::json>> axes;
  int64_t total = 1;
  for (const auto& knob : knobs_) {
    axes.push_back(knob.grid_values(points));
    total *= static_cast<int64_t>(axes.back().size());
    FOVEA_CHECK(total <= kLimit, ValueError, "the grid passes ", kLimit,
                " configs (at knob '", knob.name, "'): use fewer points or random search");
  }
  std::vector<Config> out;
  std::set<std::string> seen;
  std::vector<size_t> index(axes.size(), 0);
  for (int64_t n = 0; n < total; ++n) {
    Config config = Config::object();
    for (size_t k = 0; k < axes.size(); ++k) config[knobs_[k].name] = axes[k][index[k]];
    config = drop_inactive(std::move(config));
    if (seen.insert(config.dump()).second) out.push_back(std::move(config));
    // The last knob varies fastest.
    for (size_t k = axes.size(); k-- > 0;) {
      if (++index[k] < axes[k].size()) break;
      index[k] = 0;
    }
  }
  return out;
}

}  // namespace fovea::tune
