// fovea's own vectorized loops, compiled for three instruction sets and chosen at run time, so that the library
// is built for baseline x86-64 and still runs its loops with AVX2 or AVX-512 where the CPU has them (oneDNN
// chooses its own kernels at run time too).
//
// A loop is written once, as a body called per index (for_each_index) or per row (for_each_row); the driver holds
// the OpenMP pragma, so the thread's outlined loop is compiled with the driver's target attribute and the body,
// inlined into it, is vectorized for that instruction set. Without fast-math or FMA contraction (ISO C++ mode
// contracts nothing), an elementwise body gives the same bits on every level; only a reduction's order may differ.
#pragma once

#include <cstdint>

namespace fovea::simd {

enum class Level { baseline, avx2, avx512 };

// The best level this CPU supports, or the one the environment variable FOVEA_SIMD names (baseline, avx2,
// avx512; for tests and benchmarks; a level the CPU lacks is refused with an Error). Detected once.
Level level();
const char* level_name(Level level);
// Runs the loops at `level` in this thread until the guard ends (tests compare the levels with each other).
class LevelOverride {
 public:
  explicit LevelOverride(Level level);
  ~LevelOverride();
  LevelOverride(const LevelOverride&) = delete;
  LevelOverride& operator=(const LevelOverride&) = delete;

 private:
  int previous_;
};
bool supported(Level level);

#define FOVEA_SIMD_AVX2 __attribute__((target("avx2,fma,bmi,bmi2,f16c,lzcnt,movbe,popcnt")))
#define FOVEA_SIMD_AVX512                                                                                   \
  __attribute__((target("avx512f,avx512cd,avx512bw,avx512dq,avx512vl,avx2,fma,bmi,bmi2,f16c,lzcnt,movbe," \
                        "popcnt")))

namespace detail {

// The loop of for_each_index at one level. The body is copied into each thread: stores through its pointers might
// otherwise alias its captured members and the compiler would reload them every element instead of vectorizing.
#define FOVEA_SIMD_EACH_INDEX(ATTRIBUTES, NAME)                          \
  template <class Body>                                                  \
  ATTRIBUTES void NAME(int64_t n, const Body& body, bool parallel) {     \
    (void)parallel; /* read by OpenMP only */                            \
    _Pragma("omp parallel if (parallel)") {                              \
      const Body local = body;                                           \
      _Pragma("omp for simd schedule(static)") for (int64_t i = 0; i < n; ++i) local(i); \
    }                                                                    \
  }
FOVEA_SIMD_EACH_INDEX(, each_index_baseline)
FOVEA_SIMD_EACH_INDEX(FOVEA_SIMD_AVX2, each_index_avx2)
FOVEA_SIMD_EACH_INDEX(FOVEA_SIMD_AVX512, each_index_avx512)
#undef FOVEA_SIMD_EACH_INDEX

// The loop of for_each_row at one level: rows split over the threads, the body's inner loop vectorized.
#define FOVEA_SIMD_EACH_ROW(ATTRIBUTES, NAME)                                                           \
  template <class Body>                                                                                 \
  ATTRIBUTES void NAME(int64_t rows, const Body& body, bool parallel) {                                 \
    (void)parallel; /* read by OpenMP only */                                                           \
    _Pragma("omp parallel for schedule(static) if (parallel)") for (int64_t r = 0; r < rows; ++r) body(r); \
  }
FOVEA_SIMD_EACH_ROW(, each_row_baseline)
FOVEA_SIMD_EACH_ROW(FOVEA_SIMD_AVX2, each_row_avx2)
FOVEA_SIMD_EACH_ROW(FOVEA_SIMD_AVX512, each_row_avx512)
#undef FOVEA_SIMD_EACH_ROW

}  // namespace detail

// body(i) for i in [0, n), vectorized, on the OpenMP threads when `parallel`. Elements must be independent.
template <class Body>
void for_each_index(int64_t n, const Body& body, bool parallel = true) {
  switch (level()) {
    case Level::avx512:
      return detail::each_index_avx512(n, body, parallel);
    case Level::avx2:
      return detail::each_index_avx2(n, body, parallel);
    case Level::baseline:
      break;
  }
  detail::each_index_baseline(n, body, parallel);
}

// body(r) for r in [0, rows), rows on the OpenMP threads when `parallel`; the body's own inner loop (mark it
// `#pragma omp simd`) is vectorized at the chosen level.
template <class Body>
void for_each_row(int64_t rows, const Body& body, bool parallel = true) {
  switch (level()) {
    case Level::avx512:
      return detail::each_row_avx512(rows, body, parallel);
    case Level::avx2:
      return detail::each_row_avx2(rows, body, parallel);
    case Level::baseline:
      break;
  }
  detail::each_row_baseline(rows, body, parallel);
}

}  // namespace fovea::simd
