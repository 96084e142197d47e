// Seeded random numbers that give the same sequence on every platform and standard library:
// the engine draws its own uniform and normal values from mt19937_64 bits instead of std distributions.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>

namespace fovea {

// Not synchronized: a Generator object is drawn from by one thread at a time (the process-wide default one is
// shared safely through DefaultGenerator below).
class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : engine_(seed) {}
  void seed(uint64_t s) { engine_.seed(s); }
  uint64_t next_u64() { return engine_(); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  // Standard normal by Box-Muller; the spare value is kept for the next call.
  double normal();
  double normal(double mean, double stddev) { return mean + stddev * normal(); }

  // The whole state (engine and the spare normal value) as text, and back: a checkpoint stores it so that a
  // resumed run draws what the uninterrupted run would have drawn. set_state throws ValueError on malformed text.
  std::string state() const;
  void set_state(const std::string& text);

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

// SplitMix64's output function: a well-mixed 64-bit value for each input. splitmix64(seed + i) for i = 0, 1, ...
// is a stream of independent-looking values that any thread can compute for any i, so loops that need one random
// value per element can run in parallel and still give the same values for every thread count.
constexpr uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// The process-wide generator used when a call passes no seed (initializers, dropout, random tensors).
// manual_seed makes a whole run repeatable. Threads share it: a DefaultGenerator holds its lock while it lives, so
// draws from several threads never interleave inside one call (which thread draws first is up to the scheduler).
// The lock is recursive, so code holding one may call functions that take the default generator again.
//
//   { DefaultGenerator gen; double u = gen->uniform(); }
class DefaultGenerator {
 public:
  DefaultGenerator();
  Generator& operator*() const { return *generator_; }
  Generator* operator->() const { return generator_; }

 private:
  std::unique_lock<std::recursive_mutex> lock_;
  Generator* generator_;
};

// `given` when a caller passed a generator, else the locked default one: for functions with a Generator* argument.
class GeneratorChoice {
 public:
  explicit GeneratorChoice(Generator* given);
  Generator& get() { return given_ != nullptr ? *given_ : **default_; }

 private:
  Generator* given_;
  std::optional<DefaultGenerator> default_;
};

void manual_seed(uint64_t seed);

}  // namespace fovea
