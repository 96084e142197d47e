// Tensor: an n-dimensional array (up to 6 dimensions) over shared, aligned storage, with autograd metadata.
// Copies are cheap and share data (like torch.Tensor); clone() makes an independent copy. Data is always
// contiguous row-major; the logical layout of image tensors (channels first or last) is an op argument.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fovea/core/dtype.h"
#include "fovea/core/shape.h"
#include "fovea/core/storage.h"

namespace fovea {

namespace autograd {
class Node;
}

class Generator;  // fovea/core/rng.h (the random constructors take one by pointer; its header brings <random>)
struct TensorImpl;

class Tensor {
 public:
  // An undefined tensor: used for "no tensor" (no bias, no gradient yet).
  Tensor() = default;

  // ---- creation ----
  static Tensor empty(const Shape& shape, DType dtype = DType::f32, Device device = kCpu);
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32);
  static Tensor ones(const Shape& shape, DType dtype = DType::f32);
  static Tensor full(const Shape& shape, double value, DType dtype = DType::f32);
  // Uniform in [low, high) and normal(mean, stddev) from gen (the default generator when null).
  static Tensor uniform(const Shape& shape, double low, double high, Generator* gen = nullptr,
                        DType dtype = DType::f32);
  static Tensor normal(const Shape& shape, double mean, double stddev, Generator* gen = nullptr,
                       DType dtype = DType::f32);
  // Copies values (row-major) into a new tensor; throws ShapeError when the count does not match shape.
  static Tensor from_vector(const Shape& shape, const std::vector<double>& values, DType dtype = DType::f32);
  static Tensor from_vector(const Shape& shape, const std::vector<float>& values);
  static Tensor scalar(double value, DType dtype = DType::f32) { return full(Shape{}, value, dtype); }

  // ---- description ----
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int rank() const { return shape().rank(); }
  int64_t numel() const { return shape().numel(); }
  int64_t dim(int i) const { return shape().dim(i); }
  DType dtype() const;
  Device device() const;
  size_t nbytes() const;
  // True when both refer to the same tensor (not merely equal values).
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

  // ---- data access (CPU) ----
  // Typed pointer; throws ValueError when T does not match dtype(). The non-const overloads count as writes
  // (they move the storage's version, which invalidates backends' cached copies such as reordered weights).
  template <class T>
  T* data();
  template <class T>
  const T* data() const;
  void* raw_data();
  const void* raw_data() const;
  // Element at a multi-index, converted to double (for tests and printing).
  double at(std::initializer_list<int64_t> index) const;
  double item() const;  // the single element of a one-element tensor
  std::vector<double> to_vector() const;
  std::string to_string() const;

  // ---- views and copies ----
  // Same data under a new shape; one dimension may be -1. Throws ShapeError when the element count differs.
  // Not recorded by autograd: use fovea::reshape() inside differentiable code.
  Tensor view(const Shape& shape) const;
  Tensor clone() const;
  Tensor to(DType dtype) const;
  // Same data, cut from the autograd graph.
  Tensor detach() const;
  // Copies src's values into this tensor (same shape, any dtype). Not recorded by autograd.
  void copy_(const Tensor& src);
  void fill_(double value);

  // ---- autograd ----
  bool requires_grad() const;
  // Marks a leaf tensor as a parameter whose gradient backward() accumulates. Returns *this.
  Tensor& set_requires_grad(bool value = true);
  // The accumulated gradient (undefined until a backward pass reaches this tensor).
  Tensor grad() const;
  void set_grad(const Tensor& g);
  void zero_grad();
  bool is_leaf() const;
  const std::shared_ptr<autograd::Node>& grad_fn() const;
  // Back-propagates from this tensor. A scalar needs no gradient argument (it is seeded with 1).
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;

  // For the autograd and ops layers.
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }

 private:
  void* raw_data_checked(DType expected);
  const void* raw_data_checked(DType expected) const;
  std::shared_ptr<TensorImpl> impl_;
};

// The shared state behind Tensor handles.
struct TensorImpl {
  std::shared_ptr<Storage> storage;
  size_t offset_bytes = 0;
  Shape shape;
  DType dtype = DType::f32;
  // autograd
  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<autograd::Node> grad_fn;  // producer of this tensor; null for leaves
  int output_index = 0;                     // which output of grad_fn this tensor is
  std::shared_ptr<autograd::Node> grad_accumulator;  // for leaves that require grad; made on first use
};

template <class T>
T* Tensor::data() {
  return static_cast<T*>(raw_data_checked(dtype_of<T>()));
}
template <class T>
const T* Tensor::data() const {
  return static_cast<const T*>(raw_data_checked(dtype_of<T>()));
}

}  // namespace fovea
