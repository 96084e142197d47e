// Parity of the oneDNN backend's data movement kernels (pad/crop, permute, concat) with the reference backend
// on odd shapes, ranks 1 to 5, sizes 1 and empty pieces.
#include <gtest/gtest.h>

#include <vector>

#include "backends/backend.h"
#include "parity.h"

namespace fovea {
namespace {

using testing::expect_backends_agree;

Tensor random32(const Shape& shape, uint64_t seed) {
  Generator gen(seed);
  return Tensor::uniform(shape, -1, 1, &gen);
}

Shape padded_shape(const Shape& x, const PadArgs& args) {
  Shape y = x;
  for (int d = 0; d < x.rank(); ++d) y[d] = x[d] + args.begin[d] + args.end[d];
  return y;
}

struct PadCase {
  Shape x;
  PadArgs args;
};

TEST(OneDnnDataMovementParity, PadAndCrop) {
  const PadCase cases[] = {
      {{7}, {{2}, {3}, 0.0}},
      {{7}, {{-2}, {-1}, 0.0}},                                    // crop
      {{5, 9}, {{1, 0}, {2, 3}, -1.5}},                            // a fill value
      {{2, 3, 5, 7}, {{0, 0, 1, 1}, {0, 0, 1, 1}, 0.0}},           // Keras ZeroPadding2D, channels first
      {{2, 5, 7, 3}, {{0, 2, 1, 0}, {0, 1, 2, 0}, 0.0}},           // channels last
      {{2, 3, 9, 11}, {{0, 0, -2, -3}, {0, 0, -1, -4}, 0.0}},      // Cropping2D
      {{3, 4, 5}, {{1, -1, 2}, {-2, 3, -1}, 2.0}},                 // padding and cropping mixed
      {{1, 1, 1}, {{1, 1, 1}, {1, 1, 1}, 0.5}},                    // sizes 1
      {{2, 3, 4, 5, 6}, {{0, 1, 0, 2, 1}, {1, 0, 2, 0, 1}, 0.0}},  // rank 5 (3-D images)
      {{2, 4, 3}, {{0, -4, 1}, {0, 1, 0}, 3.0}},                   // a fully cropped axis becomes all fill
      {{2, 3, 6}, {{0, 0, -7}, {0, 0, 2}, 1.0}},                   // last axis cropped past its end
  };
  for (const PadCase& c : cases) {
    const Shape y_shape = padded_shape(c.x, c.args);
    SCOPED_TRACE(c.x.to_string() + " -> " + y_shape.to_string());
    const Tensor x = random32(c.x, 1);
    expect_backends_agree([&](Backend& b) {
      Tensor y = Tensor::empty(y_shape);
      b.pad(c.args, x, y);
      return y;
    });
  }
}

struct PermuteCase {
  Shape x;
  Dims perm;
};

TEST(OneDnnDataMovementParity, Permute) {
  const PermuteCase cases[] = {
      {{7}, {0}},
      {{5, 9}, {1, 0}},
      {{2, 3, 5, 7}, {0, 2, 3, 1}},  // NCHW -> NHWC
      {{2, 5, 7, 3}, {0, 3, 1, 2}},  // NHWC -> NCHW
      {{3, 4, 5}, {2, 0, 1}},
      {{1, 1, 9}, {2, 1, 0}},
      {{2, 3, 4, 5, 6}, {4, 2, 0, 3, 1}},
      {{2, 3, 4, 5, 3, 2}, {5, 4, 3, 2, 1, 0}},
      {{4, 6}, {0, 1}},  // identity
  };
  for (const PermuteCase& c : cases) {
    SCOPED_TRACE(c.x.to_string());
    Shape y_shape = c.x;
    for (int i = 0; i < c.x.rank(); ++i) y_shape[i] = c.x[c.perm[i]];
    const Tensor x = random32(c.x, 2);
    expect_backends_agree([&](Backend& b) {
      Tensor y = Tensor::empty(y_shape);
      b.permute(c.perm, x, y);
      return y;
    });
  }
}

struct ConcatCase {
  std::vector<Shape> xs;
  int axis;
};

TEST(OneDnnDataMovementParity, Concat) {
  const ConcatCase cases[] = {
      {{{3}, {5}, {1}}, 0},
      {{{2, 3}, {4, 3}}, 0},
      {{{2, 3}, {2, 5}, {2, 1}}, 1},
      {{{2, 3, 5, 7}, {2, 4, 5, 7}}, 1},       // channels first
      {{{2, 5, 7, 3}, {2, 5, 7, 13}}, 3},      // channels last
      {{{2, 3, 4}, {2, 3, 0}, {2, 3, 2}}, 2},  // an empty piece
      {{{3, 1, 5}, {3, 2, 5}, {3, 1, 5}}, 1},
      {{{1, 1}}, 1},  // a single input
      {{{2, 3, 4, 5, 6}, {2, 3, 1, 5, 6}}, 2},
  };
  for (const ConcatCase& c : cases) {
    Shape y_shape = c.xs[0];
    const int axis = y_shape.axis(c.axis);
    y_shape[axis] = 0;
    std::vector<Tensor> xs;
    for (size_t k = 0; k < c.xs.size(); ++k) {
      xs.push_back(random32(c.xs[k], 10 + k));
      y_shape[axis] += c.xs[k][axis];
    }
    SCOPED_TRACE(y_shape.to_string());
    expect_backends_agree([&](Backend& b) {
      Tensor y = Tensor::empty(y_shape);
      b.concat(c.axis, xs, y);
      return y;
    });
  }
}

}  // namespace
}  // namespace fovea
