// SearchSpace's JSON form: reading a search-space file's `knobs` object (with the messages that name the knob and
// what was wrong) and writing it back.
#include <algorithm>
#include <string>

#include "fovea/core/error.h"
#include "fovea/tune/space.h"

namespace fovea::tune {
namespace {

constexpr const char* kKinds = "choice, int, float, log_uniform, fixed";

bool scalar(const nlohmann::ordered_json& value) {
  return value.is_number() || value.is_string() || value.is_boolean();
}

nlohmann::json plain(const nlohmann::ordered_json& value) { return nlohmann::json::parse(value.dump()); }

std::pair<double, double> bounds(const std::string& name, const std::string& kind, const nlohmann::ordered_json& v) {
  FOVEA_CHECK(v.is_array() && v.size() == 2 && v[0].is_number() && v[1].is_number(), ValueError, "knob '", name,
              "': ", kind, " needs [low, high], got ", v.dump());
  return {v[0].get<double>(), v[1].get<double>()};
}

Knob parse_knob(const std::string& name, const nlohmann::ordered_json& entry) {
  if (scalar(entry)) return fixed(name, plain(entry));
  FOVEA_CHECK(entry.is_object(), ValueError, "knob '", name, "': expected an object with one of ", kKinds,
              ", or a bare number, string or bool (fixed), got ", entry.dump());
  std::string kind;
  for (const auto& [key, value] : entry.items()) {
    const bool is_kind = key == "choice" || key == "int" || key == "float" || key == "log_uniform" || key == "fixed";
    FOVEA_CHECK(is_kind || key == "step" || key == "log" || key == "when", ValueError, "knob '", name,
                "': unknown key '", key, "' (kinds: ", kKinds, "; options: step, log, when)");
    if (is_kind) {
      FOVEA_CHECK(kind.empty(), ValueError, "knob '", name, "': give one kind, got both '", kind, "' and '", key, "'");
      kind = key;
    }
  }
  FOVEA_CHECK(!kind.empty(), ValueError, "knob '", name, "': no kind given (kinds: ", kKinds, ")");
  const nlohmann::ordered_json& spec = entry.at(kind);
  const bool ranged = kind == "int" || kind == "float";
  for (const char* option : {"step", "log"}) {
    FOVEA_CHECK(ranged || !entry.contains(option), ValueError, "knob '", name, "': '", option,
                "' applies to int and float knobs, not ", kind);
  }

  Knob knob;
  if (kind == "choice") {
    FOVEA_CHECK(spec.is_array(), ValueError, "knob '", name, "': choice needs a list of values, got ", spec.dump());
    knob = choice(name, {});
    for (const auto& value : spec) knob.values.push_back(plain(value));
  } else if (kind == "fixed") {
    FOVEA_CHECK(scalar(spec), ValueError, "knob '", name, "': fixed needs a number, string or bool, got ",
                spec.dump());
    knob = fixed(name, plain(spec));
  } else {
    const auto [low, high] = bounds(name, kind, spec);
    RangeOptions options;
    if (entry.contains("step")) {
      const auto& step = entry.at("step");
      FOVEA_CHECK(step.is_number(), ValueError, "knob '", name, "': step must be a number above 0, got ", step.dump());
      options.step = step.get<double>();
      FOVEA_CHECK(options.step > 0, ValueError, "knob '", name, "': step must be above 0, got ", options.step);
    }
    if (entry.contains("log")) {
      const auto& log = entry.at("log");
      FOVEA_CHECK(log.is_boolean(), ValueError, "knob '", name, "': log must be true or false, got ", log.dump());
      options.log = log.get<bool>();
    }
    if (kind == "int") {
      knob = Knob{.name = name, .kind = KnobKind::int_range, .low = low, .high = high,
                  .step = options.step == 0 ? 1 : options.step, .log = options.log};
    } else if (kind == "float") {
      knob = float_range(name, low, high, options);
    } else {
      knob = log_uniform(name, low, high);
    }
  }

  if (entry.contains("when")) {
    const auto& when = entry.at("when");
    FOVEA_CHECK(when.is_object(), ValueError, "knob '", name,
                "': when needs an object {\"knob\": value or [values]}, got ", when.dump());
    for (const auto& [other, allowed] : when.items()) {
      FOVEA_CHECK(scalar(allowed) || (allowed.is_array() && !allowed.empty()), ValueError, "knob '", name,
                  "': when '", other, "' needs a value or a list of values, got ", allowed.dump());
      knob = knob.when(other, plain(allowed));
    }
  }
  return knob;
}

nlohmann::ordered_json range_json(const Knob& knob) {
  return nlohmann::ordered_json::array({knob.typed(knob.low), knob.typed(knob.high)});
}

}  // namespace

SearchSpace SearchSpace::from_json(const nlohmann::ordered_json& knobs) {
  FOVEA_CHECK(knobs.is_object(), ValueError, "a search space's knobs must be a JSON object (name -> knob), got ",
              knobs.dump());
  SearchSpace space;
  for (const auto& [name, entry] : knobs.items()) space.add_unchecked_conditions(parse_knob(name, entry));
  space.check_conditions();
  space.order_knobs();
  return space;
}

SearchSpace SearchSpace::from_json_text(std::string_view text) {
  // A parsed object keeps one entry per name, so a name given twice is caught while parsing.
  std::string duplicate;
  std::vector<std::string> names;
  const nlohmann::ordered_json::parser_callback_t on_key = [&](int depth, nlohmann::ordered_json::parse_event_t event,
                                                               nlohmann::ordered_json& parsed) {
    if (event == nlohmann::ordered_json::parse_event_t::key && depth == 1) {
      const auto name = parsed.get<std::string>();
      if (duplicate.empty() && std::find(names.begin(), names.end(), name) != names.end()) duplicate = name;
      names.push_back(name);
    }
    return true;
  };
  nlohmann::ordered_json knobs;
  try {
    knobs = nlohmann::ordered_json::parse(text, on_key);
  } catch (const nlohmann::json::parse_error& e) {
    throw ValueError(std::string("search space: not valid JSON: ") + e.what());
  }
  FOVEA_CHECK(duplicate.empty(), ValueError, "knob '", duplicate, "': given twice");
  return from_json(knobs);
}

nlohmann::ordered_json SearchSpace::to_json() const {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& knob : knobs_) {
    nlohmann::ordered_json entry = nlohmann::ordered_json::object();
    switch (knob.kind) {
      case KnobKind::choice: entry["choice"] = knob.values; break;
      case KnobKind::fixed: entry["fixed"] = knob.values.at(0); break;
      case KnobKind::int_range:
        entry["int"] = range_json(knob);
        if (knob.step != 1) entry["step"] = knob.typed(knob.step);
        if (knob.log) entry["log"] = true;
        break;
      case KnobKind::float_range:
        if (knob.log) {
          entry["log_uniform"] = range_json(knob);
        } else {
          entry["float"] = range_json(knob);
          if (knob.step > 0) entry["step"] = knob.step;
        }
        break;
    }
    if (!knob.conditions.empty()) {
      nlohmann::ordered_json when = nlohmann::ordered_json::object();
      for (const auto& condition : knob.conditions) {
        when[condition.knob] = condition.values.size() == 1 ? nlohmann::ordered_json(condition.values[0])
                                                            : nlohmann::ordered_json(condition.values);
      }
      entry["when"] = when;
    }
    out[knob.name] = entry;
  }
  return out;
}

}  // namespace fovea::tune
