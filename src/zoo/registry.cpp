// The zoo registry: every family's list in one table, looked up by name.
#include "zoo/registry.h"
#include "zoo/classic.h"
#include "zoo/modern.h"

#include "fovea/core/error.h"

namespace fovea::zoo {

using registry_detail::Registered;

namespace {

const std::vector<Registered>& registry() {
  static const std::vector<Registered> networks = [] {
    std::vector<Registered> all;
    for (auto family : {registry_detail::course_networks, registry_detail::classic_networks,
                        registry_detail::modern_networks}) {
      for (Registered& r : family()) all.push_back(std::move(r));
    }
    return all;
  }();
  return networks;
}

}  // namespace

const std::vector<ZooEntry>& entries() {
  static const std::vector<ZooEntry> list = [] {
    std::vector<ZooEntry> out;
    for (const Registered& r : registry()) out.push_back(r.entry);
    return out;
  }();
  return list;
}

bool contains(std::string_view name) {
  for (const Registered& r : registry()) {
    if (r.entry.name == name) return true;
  }
  return false;
}

std::shared_ptr<Model> create(std::string_view name, const ZooOptions& options) {
  std::string names;
  for (const Registered& r : registry()) {
    if (r.entry.name == name) return r.make(options);
    names += (names.empty() ? "" : ", ") + r.entry.name;
  }
  throw ValueError(detail::concat("zoo: unknown network '", name, "'; available: ", names));
}

}  // namespace fovea::zoo
