#include "core/simd.h"

#include <cstdlib>
#include <string_view>

#include "fovea/core/error.h"

namespace fovea::simd {
namespace {

bool cpu_has(Level level) {
  switch (level) {
    case Level::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && cpu_has(Level::avx2);
    case Level::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2");
    case Level::baseline:
      return true;
  }
  return false;
}

Level detect() {
  if (const char* forced = std::getenv("FOVEA_SIMD")) {
    for (Level l : {Level::baseline, Level::avx2, Level::avx512}) {
      if (std::string_view(forced) != level_name(l)) continue;
      FOVEA_CHECK(cpu_has(l), ValueError, "FOVEA_SIMD=", forced, ": this CPU does not support ", forced);
      return l;
    }
    throw ValueError(fovea::detail::concat("FOVEA_SIMD=", forced, ": expected baseline, avx2 or avx512"));
  }
  return cpu_has(Level::avx512) ? Level::avx512 : cpu_has(Level::avx2) ? Level::avx2 : Level::baseline;
}

constexpr int kNoOverride = -1;
thread_local int override_level = kNoOverride;

}  // namespace

bool supported(Level level) { return cpu_has(level); }

Level level() {
  if (override_level != kNoOverride) return static_cast<Level>(override_level);
  static const Level detected = detect();
  return detected;
}

const char* level_name(Level level) {
  switch (level) {
    case Level::avx512:
      return "avx512";
    case Level::avx2:
      return "avx2";
    case Level::baseline:
      break;
  }
  return "baseline";
}

LevelOverride::LevelOverride(Level level) : previous_(override_level) {
  FOVEA_CHECK(cpu_has(level), ValueError, "simd::LevelOverride: this CPU does not support ", level_name(level));
  override_level = static_cast<int>(level);
}

LevelOverride::~LevelOverride() { override_level = previous_; }

}  // namespace fovea::simd
