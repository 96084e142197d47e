// Parity of the oneDNN matmul (transposes, bias, fused and unfused activations), broadcasting binary and
// reduction kernels against the reference backend.
#include <gtest/gtest.h>

#include <cmath>

#include "backends/onednn/onednn_test_util.h"
#include "parity.h"

namespace fovea::testing {
namespace {

TEST(OneDnnMath, MatmulTransposesBiasAndActivations) {
  uint64_t seed = 1;
  const Activation activations[] = {Activation::linear(), Activation::relu(), Activation::of(ActivationKind::sigmoid),
                                    Activation::of(ActivationKind::softsign)};  // softsign is applied unfused
  for (auto [m, k, n] : {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1}, {3, 5, 4}, {8, 7, 1}, {17, 33, 10}})
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (bool bias : {false, true})
          for (const Activation& f : activations) {
            SCOPED_TRACE(::testing::Message()
                         << "m " << m << " k " << k << " n " << n << " transpose_a " << ta << " transpose_b " << tb
                         << " bias " << bias << " activation " << activation_name(f.kind));
            const MatmulArgs args{ta, tb};
            const Tensor a = random32(ta ? Shape{k, m} : Shape{m, k}, seed++);
            const Tensor b = random32(tb ? Shape{n, k} : Shape{k, n}, seed++);
            const Tensor c = bias ? random32(Shape{n}, seed++) : Tensor();
            const Shape out_shape{m, n};  // clang 14 lambdas cannot capture the structured bindings themselves
            expect_backends_agree([&](Backend& be) {
              Tensor y = Tensor::full(out_shape, 123.0);
              be.matmul(args, a, b, c, f, y);
              return y;
            });
          }
}

const char* binary_text(BinaryKind k) {
  static const char* names[] = {"add",     "sub",           "mul",  "div",        "maximum", "minimum",
                                "greater", "greater_equal", "less", "less_equal", "equal"};
  return names[static_cast<int>(k)];
}

// Values on a coarse grid so that comparisons see equal pairs; never zero, so division is defined.
Tensor grid_values(const Shape& shape, uint64_t seed) {
  Tensor t = random32(shape, seed, 0.0, 4.0);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = std::floor(p[i]) - 1.5f;
  return t;
}

TEST(OneDnnMath, BinaryKindsWithBroadcasting) {
  struct Shapes {
    Shape a, b, y;
  };
  const Shapes cases[] = {
      {{2, 3, 4}, {2, 3, 4}, {2, 3, 4}},  // same shapes
      {{2, 3, 4}, {1, 3, 1}, {2, 3, 4}},  // b broadcasts (oneDNN's own case)
      {{1, 3, 1}, {2, 3, 4}, {2, 3, 4}},  // a broadcasts (operands swapped, or fovea's loop for div)
      {{3, 1}, {1, 4}, {3, 4}},           // both broadcast: fovea's loop
      {{5}, {1}, {5}},
      {{}, {}, {}},  // scalars
      {{2, 1, 3, 1}, {1, 4, 1, 5}, {2, 4, 3, 5}},
  };
  uint64_t seed = 100;
  for (const Shapes& s : cases)
    for (int kind = 0; kind <= static_cast<int>(BinaryKind::equal); ++kind) {
      const auto k = static_cast<BinaryKind>(kind);
      SCOPED_TRACE(::testing::Message() << binary_text(k) << " " << s.a.to_string() << " with " << s.b.to_string());
      const Tensor a = grid_values(s.a, seed++);
      const Tensor b = grid_values(s.b, seed++);
      expect_backends_agree([&](Backend& be) {
        Tensor y = Tensor::full(s.y, 123.0);
        be.binary(k, a, b, y);
        return y;
      });
    }
}

TEST(OneDnnMath, ReduceKindsOverAxes) {
  struct Case {
    Shape x, y;
  };
  const Case cases[] = {
      {{2, 3, 4}, {1, 3, 4}},
      {{2, 3, 4}, {2, 1, 4}},
      {{2, 3, 4}, {2, 3, 1}},
      {{2, 3, 4}, {1, 3, 1}},
      {{2, 3, 4}, {1, 1, 1}},
      {{2, 3, 4}, {2, 3, 4}},
      {{7}, {1}},
      {{2, 3, 4, 5}, {2, 1, 1, 5}},
      {{64, 33}, {1, 33}},
      {{64, 33}, {64, 1}},
  };
  const char* names[] = {"sum", "mean", "max", "min"};
  uint64_t seed = 500;
  for (const Case& c : cases)
    for (int kind = 0; kind < 4; ++kind) {
      SCOPED_TRACE(::testing::Message() << names[kind] << " " << c.x.to_string() << " -> " << c.y.to_string());
      const Tensor x = random32(c.x, seed++);
      expect_backends_agree([&](Backend& be) {
        Tensor y = Tensor::full(c.y, 123.0);
        be.reduce(static_cast<ReduceKind>(kind), x, y);
        return y;
      });
    }
}

}  // namespace
}  // namespace fovea::testing
