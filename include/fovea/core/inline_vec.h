// A small vector with inline capacity, used for shapes and per-dimension arguments.
// It never allocates, so shapes and op arguments are cheap to copy on hot paths.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>

namespace fovea {

template <class T, int Capacity>
class InlineVec {
 public:
  InlineVec() = default;
  InlineVec(std::initializer_list<T> values) {
    for (const T& v : values) push_back(v);
  }
  // One value, as Keras takes an int where it also takes a tuple: `.kernel_size = 3` is `.kernel_size = {3}`, which
  // the layers use for every spatial dimension. Braces still mean the list (`Dims{3, 3}`, `Dims{3}`). Integers
  // only: a bool or a floating-point value there is a mistake that should not compile. Shape does not take it
  // (a single number is not a shape).
  template <std::integral U>
    requires(!std::same_as<U, bool>)
  InlineVec(U value) {  // NOLINT(google-explicit-constructor)
    push_back(static_cast<T>(value));
  }
  template <class It>
  InlineVec(It first, It last) {
    for (; first != last; ++first) push_back(static_cast<T>(*first));
  }
  static InlineVec filled(int n, T value) {
    InlineVec v;
    for (int i = 0; i < n; ++i) v.push_back(value);
    return v;
  }

  int size() const { return size_; }
  bool empty() const { return size_ == 0; }
  static constexpr int capacity() { return Capacity; }
  void push_back(T v) {
    if (size_ >= Capacity) throw std::length_error("InlineVec capacity exceeded");
    data_[size_++] = v;
  }
  void pop_back() { --size_; }
  void resize(int n, T value = T{}) {
    if (n > Capacity) throw std::length_error("InlineVec capacity exceeded");
    for (int i = size_; i < n; ++i) data_[i] = value;
    size_ = n;
  }
  T& operator[](int i) { return data_[i]; }
  const T& operator[](int i) const { return data_[i]; }
  T& back() { return data_[size_ - 1]; }
  const T& back() const { return data_[size_ - 1]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  const T* data() const { return data_; }

  friend bool operator==(const InlineVec& a, const InlineVec& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  T data_[Capacity] = {};
  int size_ = 0;
};

// Per-dimension integer arguments (strides, pads, dilations, axes). Up to 6 entries.
using Dims = InlineVec<int64_t, 6>;

}  // namespace fovea
