// Tests of the merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum and Concatenate.
#include "fovea/layers/merging.h"

#include <gtest/gtest.h>

#include "fovea/layers/activations.h"
#include "gradcheck.h"
#include "layers/misc_layer_test_util.h"

namespace fovea::testing {
namespace {

Tensor row(std::vector<double> v) { return Tensor::from_vector({1, static_cast<int64_t>(v.size())}, v); }

TEST(MergingLayers, ElementwiseForward) {
  const Tensor a = row({1, -2, 3, 0.5});
  const Tensor b = row({4, 5, -6, 0.5});
  const Tensor c = row({-1, 2, 9, 1});
  EXPECT_EQ(run_layer(Add(), {a, b, c}).to_vector(), (std::vector<double>{4, 5, 6, 2}));
  EXPECT_EQ(run_layer(Subtract(), {a, b}).to_vector(), (std::vector<double>{-3, -7, 9, 0}));
  EXPECT_EQ(run_layer(Multiply(), {a, b, c}).to_vector(), (std::vector<double>{-4, -20, -162, 0.25}));
  EXPECT_EQ(run_layer(Average(), {a, b}).to_vector(), (std::vector<double>{2.5, 1.5, -1.5, 0.5}));
  EXPECT_EQ(run_layer(Maximum(), {a, b, c}).to_vector(), (std::vector<double>{4, 5, 9, 1}));
  EXPECT_EQ(run_layer(Minimum(), {a, b, c}).to_vector(), (std::vector<double>{-1, -2, -6, 0.5}));
}

TEST(MergingLayers, ElementwiseGradients) {
  Tensor a = uniform32({2, 3}, 1), b = uniform32({2, 3}, 2);
  a.set_requires_grad(true);
  b.set_requires_grad(true);
  sum(run_layer(Multiply(), {a, b})).backward();
  expect_close(a.grad(), b.detach(), 0, 0);
  expect_close(b.grad(), a.detach(), 0, 0);
  a.zero_grad();
  b.zero_grad();
  sum(run_layer(Subtract(), {a, b})).backward();
  expect_close(a.grad(), Tensor::ones({2, 3}), 0, 0);
  expect_close(b.grad(), Tensor::full({2, 3}, -1.0), 0, 0);
  a.zero_grad();
  b.zero_grad();
  sum(run_layer(Average(), {a, b})).backward();
  expect_close(a.grad(), Tensor::full({2, 3}, 0.5), 0, 0);
}

TEST(MergingLayers, ElementwiseShapesAndParams) {
  const Layer add = Add();
  EXPECT_EQ(add->compute_output_shape({Shape{-1, 4, 4, 8}, Shape{-1, 4, 4, 8}}), (Shape{-1, 4, 4, 8}));
  // An unknown size matches any size and takes the known one.
  EXPECT_EQ(add->compute_output_shape({Shape{-1, -1, 8}, Shape{-1, 5, 8}}), (Shape{-1, 5, 8}));
  add->ensure_built({Shape{-1, 4}, Shape{-1, 4}});
  EXPECT_EQ(add->count_params(), 0);
  EXPECT_EQ(add->default_name_base(), "add");
  EXPECT_EQ(Maximum()->class_name(), "Maximum");
}

TEST(MergingLayers, ElementwiseErrors) {
  EXPECT_EQ(error_text<ShapeError>([] {
              Add({.name = "add"})->ensure_built({Shape{-1, 4, 4, 8}, Shape{-1, 4, 4, 16}});
            }),
            "Add 'add' needs inputs of the same shape but got (None, 4, 4, 8) and (None, 4, 4, 16)");
  EXPECT_EQ(error_text<ShapeError>([] {
              Average({.name = "avg"})->ensure_built({Shape{-1, 4}, Shape{-1, 4}, Shape{-1, 4, 1}});
            }),
            "Average 'avg' needs inputs of the same shape but got (None, 4), (None, 4) and (None, 4, 1)");
  EXPECT_EQ(error_text<ValueError>([] {
              Add({.name = "add"})->ensure_built({Shape{-1, 4}});
            }),
            "Add 'add' expects at least 2 inputs but got 1");
  EXPECT_EQ(error_text<ValueError>([] {
              Subtract({.name = "sub"})->ensure_built({Shape{-1, 4}, Shape{-1, 4}, Shape{-1, 4}});
            }),
            "Subtract 'sub' expects 2 inputs but got 3");
}

TEST(MergingLayers, ElementwiseConfig) {
  for (const Layer& layer : {Add(), Subtract(), Multiply(), Average(), Maximum(), Minimum()}) {
    expect_round_trip(layer, {Shape{-1, 4}, Shape{-1, 4}});
  }
  EXPECT_EQ(Multiply({.name = "gate"})->config().dump(), R"({"name":"gate","trainable":true})");
}

TEST(MergingLayers, ConcatenateShapesAndForward) {
  const Layer layer = Concatenate();
  EXPECT_EQ(layer->compute_output_shape({Shape{-1, 4, 4, 8}, Shape{-1, 4, 4, 16}}), (Shape{-1, 4, 4, 24}));
  EXPECT_EQ(layer->compute_output_shape({Shape{-1, 4, 8}, Shape{-1, 4, -1}}), (Shape{-1, 4, -1}));
  EXPECT_EQ(
      Concatenate({.axis = 1})->compute_output_shape({Shape{-1, 8, 4, 4}, Shape{-1, 16, 4, 4}, Shape{-1, 8, 4, 4}}),
      (Shape{-1, 32, 4, 4}));
  const Tensor a = uniform32({2, 3, 2}, 1), b = uniform32({2, 3, 4}, 2);
  Tensor ag = a.clone(), bg = b.clone();
  ag.set_requires_grad(true);
  bg.set_requires_grad(true);
  const Tensor y = run_layer(layer, {ag, bg});
  ASSERT_EQ(y.shape(), (Shape{2, 3, 6}));
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t t = 0; t < 3; ++t)
      for (int64_t c = 0; c < 6; ++c) EXPECT_EQ(y.at({n, t, c}), c < 2 ? a.at({n, t, c}) : b.at({n, t, c - 2}));
  EXPECT_EQ(layer->count_params(), 0);
  const Tensor w = uniform32({2, 3, 6}, 3);
  sum(y * w).backward();
  expect_close(ag.grad(), slice(w, 2, 0, 2), 0, 0);
  expect_close(bg.grad(), slice(w, 2, 2, 4), 0, 0);
}

TEST(MergingLayers, ConcatenateConfigAndErrors) {
  const Layer layer = Concatenate({.axis = 1, .name = "cat"});
  EXPECT_EQ(layer->config().dump(), R"({"axis":1,"name":"cat","trainable":true})");
  expect_round_trip(layer, {Shape{-1, 8, 4}, Shape{-1, 2, 4}});
  EXPECT_EQ(error_text<ShapeError>([&] {
              layer->ensure_built({Shape{-1, 8, 4}, Shape{-1, 8, 5}});
            }),
            "Concatenate 'cat' needs inputs that match on every axis except the concatenation axis 1 but got "
            "(None, 8, 4) and (None, 8, 5)");
  EXPECT_EQ(error_text<ShapeError>([] {
              Concatenate({.name = "cat"})->ensure_built({Shape{-1, 4, 4, 8}, Shape{-1, 4, 8}});
            }),
            "Concatenate 'cat' needs inputs that match on every axis except the concatenation axis -1 but got "
            "(None, 4, 4, 8) and (None, 4, 8)");
  EXPECT_EQ(error_text<ShapeError>([] {
              Concatenate({.axis = 3, .name = "cat"})->ensure_built({Shape{-1, 4}, Shape{-1, 4}});
            }),
            "Concatenate 'cat': axis 3 is out of range for inputs of rank 2: (None, 4) and (None, 4)");
  EXPECT_EQ(error_text<ShapeError>([] {
              Concatenate({.axis = 0, .name = "cat"})->ensure_built({Shape{-1, 4}, Shape{-1, 4}});
            }),
            "Concatenate 'cat': axis 0 is the batch axis; concatenate along a feature axis (inputs (None, 4) and "
            "(None, 4))");
  EXPECT_EQ(error_text<ValueError>([] {
              Concatenate()->ensure_built({Shape{-1, 4}});
            }),
            "Concatenate 'concatenate' expects at least 2 inputs but got 1");
}

TEST(MergingLayers, FunctionalResidualAndInceptionShapes) {
  const SymbolicTensor x = Input({4, 4, 8});
  EXPECT_EQ(Add()({x, ReLU()(x)}).shape(), (Shape{-1, 4, 4, 8}));
  const SymbolicTensor branches = Concatenate()({x, ReLU()(x), ELU()(x)});
  EXPECT_EQ(branches.shape(), (Shape{-1, 4, 4, 24}));
  EXPECT_THROW(Add()({x, branches}), ShapeError);
}

}  // namespace
}  // namespace fovea::testing
