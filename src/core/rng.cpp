// Seeded random numbers.
#include "fovea/core/rng.h"

#include <cmath>
#include <cstdlib>
#include <numbers>
#include <sstream>

#include "fovea/core/error.h"

namespace fovea {

double Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u1 = uniform();
  while (u1 <= 0.0) u1 = uniform();  // log(0) is not allowed
  const double u2 = uniform();
  const double radius = std::sqrt(-2.0 * std::log(u1));
  spare_ = radius * std::sin(2.0 * std::numbers::pi * u2);
  has_spare_ = true;
  return radius * std::cos(2.0 * std::numbers::pi * u2);
}

std::string Generator::state() const {
  std::ostringstream out;
  out.precision(17);
  out << engine_ << ' ' << has_spare_ << ' ' << std::hexfloat << spare_;
  return out.str();
}

void Generator::set_state(const std::string& text) {
  std::istringstream in(text);
  std::mt19937_64 engine;
  bool has_spare = false;
  std::string spare_text;
  in >> engine >> has_spare >> spare_text;
  char* end = nullptr;
  const double spare = spare_text.empty() ? 0.0 : std::strtod(spare_text.c_str(), &end);
  FOVEA_CHECK(!in.fail() && end != nullptr && *end == '\0' && (in >> std::ws).eof(), ValueError,
              "random generator state: expected the text Generator::state() writes (the mt19937_64 state, a flag "
              "and a number), got ", text.size(), " characters that do not parse");
  engine_ = engine;
  has_spare_ = has_spare;
  spare_ = spare;
}

namespace {

// Recursive: an initializer run under the lock (Layer::add_weight) may itself draw from the default generator.
struct SharedGenerator {
  std::recursive_mutex mutex;
  Generator generator{0};
};

SharedGenerator& shared_generator() {
  static SharedGenerator shared;
  return shared;
}

}  // namespace

DefaultGenerator::DefaultGenerator()
    : lock_(shared_generator().mutex), generator_(&shared_generator().generator) {}

GeneratorChoice::GeneratorChoice(Generator* given) : given_(given) {
  if (given_ == nullptr) default_.emplace();
}

void manual_seed(uint64_t seed) { *DefaultGenerator() = Generator(seed); }

}  // namespace fovea
