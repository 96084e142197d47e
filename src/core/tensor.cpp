// Tensor creation, element access, views and copies.
#include "fovea/core/tensor.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <optional>
#include <sstream>
#include <utility>

#include "fovea/core/error.h"
#include "fovea/core/rng.h"

namespace fovea {
namespace {

// Calls fn with a typed pointer to t's data, for every dtype.
template <class Fn>
void visit_dtype(DType dtype, void* data, Fn&& fn) {
  switch (dtype) {
    case DType::f32: fn(static_cast<float*>(data)); return;
    case DType::f64: fn(static_cast<double*>(data)); return;
    case DType::i32: fn(static_cast<int32_t*>(data)); return;
    case DType::i64: fn(static_cast<int64_t*>(data)); return;
    case DType::u8: fn(static_cast<uint8_t*>(data)); return;
  }
}

void check_shape(const Shape& shape) {
  for (int64_t d : shape) {
    FOVEA_CHECK(d >= 0, ShapeError, "tensor dimensions must be non-negative, got shape ", shape.to_string());
  }
}

// The bytes a tensor of shape and dtype holds, checked: the dimensions come from files and configs, and a product
// that wrapped around would allocate a small buffer that kernels then write far past.
size_t storage_bytes(const Shape& shape, DType dtype) {
  check_shape(shape);
  const std::optional<int64_t> numel = shape.checked_numel();
  FOVEA_CHECK(numel.has_value(), ShapeError, "a tensor of shape ", shape.to_string(),
              " has more elements than fovea can index (at most ", std::numeric_limits<int64_t>::max(), ")");
  const std::optional<int64_t> bytes = checked_mul(*numel, static_cast<int64_t>(dtype_size(dtype)));
  FOVEA_CHECK(bytes.has_value(), ShapeError, "a ", dtype_name(dtype), " tensor of shape ", shape.to_string(), " (",
              *numel, " elements) needs more bytes than fovea can address (at most ",
              std::numeric_limits<int64_t>::max(), ")");
  return static_cast<size_t>(*bytes);
}

// "3.1 GiB": a byte count for people.
std::string human_bytes(size_t bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 6) {
    value /= 1024;
    ++unit;
  }
  std::ostringstream out;
  out.precision(unit == 0 ? 0 : 1);
  out << std::fixed << value << " " << units[unit];
  return out.str();
}

// The storage, with the system's refusal worded as a MemoryError that says what was too large.
std::shared_ptr<Storage> allocate_storage(const Shape& shape, DType dtype, size_t bytes, Device device,
                                          bool zero_fill) {
  try {
    return std::make_shared<Storage>(bytes, device, zero_fill);
  } catch (const std::bad_alloc&) {
    throw MemoryError(detail::concat("out of memory: a ", dtype_name(dtype), " tensor of shape ", shape.to_string(),
                                     " needs ", human_bytes(bytes), " (", bytes, " bytes)"));
  }
}

const TensorImpl& impl_of(const std::shared_ptr<TensorImpl>& impl) {
  FOVEA_CHECK(impl != nullptr, ValueError, "operation on an undefined tensor");
  return *impl;
}

}  // namespace

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  const size_t bytes = storage_bytes(shape, dtype);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = allocate_storage(shape, dtype, bytes, device, false);
  impl->shape = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  const size_t bytes = storage_bytes(shape, dtype);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = allocate_storage(shape, dtype, bytes, kCpu, true);
  impl->shape = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }

Tensor Tensor::full(const Shape& shape, double value, DType dtype) {
  Tensor t = empty(shape, dtype);
  t.fill_(value);
  return t;
}

Tensor Tensor::uniform(const Shape& shape, double low, double high, Generator* gen, DType dtype) {
  GeneratorChoice choice(gen);
  Generator& g = choice.get();
  Tensor t = empty(shape, dtype);
  const int64_t n = t.numel();
  visit_dtype(dtype, t.raw_data(), [&](auto* p) {
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<std::remove_pointer_t<decltype(p)>>(g.uniform(low, high));
  });
  return t;
}

Tensor Tensor::normal(const Shape& shape, double mean, double stddev, Generator* gen, DType dtype) {
  GeneratorChoice choice(gen);
  Generator& g = choice.get();
  Tensor t = empty(shape, dtype);
  const int64_t n = t.numel();
  visit_dtype(dtype, t.raw_data(), [&](auto* p) {
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<std::remove_pointer_t<decltype(p)>>(g.normal(mean, stddev));
  });
  return t;
}

Tensor Tensor::from_vector(const Shape& shape, const std::vector<double>& values, DType dtype) {
  FOVEA_CHECK(static_cast<int64_t>(values.size()) == shape.numel(), ShapeError, "from_vector: shape ",
              shape.to_string(), " holds ", shape.numel(), " elements but ", values.size(), " values were given");
  Tensor t = empty(shape, dtype);
  visit_dtype(dtype, t.raw_data(), [&](auto* p) {
    for (size_t i = 0; i < values.size(); ++i) p[i] = static_cast<std::remove_pointer_t<decltype(p)>>(values[i]);
  });
  return t;
}

Tensor Tensor::from_vector(const Shape& shape, const std::vector<float>& values) {
  return from_vector(shape, std::vector<double>(values.begin(), values.end()), DType::f32);
}

const Shape& Tensor::shape() const { return impl_of(impl_).shape; }
DType Tensor::dtype() const { return impl_of(impl_).dtype; }
Device Tensor::device() const { return impl_of(impl_).storage->device(); }
size_t Tensor::nbytes() const { return numel() * dtype_size(dtype()); }

void* Tensor::raw_data() {
  impl_of(impl_);
  return static_cast<char*>(impl_->storage->data()) + impl_->offset_bytes;
}
// Reading must not move the storage's version (see Storage::version), so it goes through the const Storage.
const void* Tensor::raw_data() const {
  impl_of(impl_);
  return static_cast<const char*>(std::as_const(*impl_->storage).data()) + impl_->offset_bytes;
}

void* Tensor::raw_data_checked(DType expected) {
  FOVEA_CHECK(dtype() == expected, ValueError, "tensor holds ", dtype_name(dtype()), " but was read as ",
              dtype_name(expected));
  return raw_data();
}

const void* Tensor::raw_data_checked(DType expected) const {
  FOVEA_CHECK(dtype() == expected, ValueError, "tensor holds ", dtype_name(dtype()), " but was read as ",
              dtype_name(expected));
  return raw_data();
}

double Tensor::at(std::initializer_list<int64_t> index) const {
  const Shape& s = shape();
  FOVEA_CHECK(static_cast<int>(index.size()) == s.rank(), ShapeError, "at(): ", index.size(),
              " indices given for a tensor of shape ", s.to_string());
  int64_t flat = 0;
  int axis = 0;
  for (int64_t i : index) {
    FOVEA_CHECK(i >= 0 && i < s[axis], ShapeError, "at(): index ", i, " out of range for axis ", axis,
                " of shape ", s.to_string());
    flat = flat * s[axis] + i;
    ++axis;
  }
  double value = 0;
  visit_dtype(dtype(), const_cast<void*>(raw_data()), [&](auto* p) { value = static_cast<double>(p[flat]); });
  return value;
}

double Tensor::item() const {
  FOVEA_CHECK(numel() == 1, ShapeError, "item() needs a tensor with one element, got shape ", shape().to_string());
  double value = 0;
  visit_dtype(dtype(), const_cast<void*>(raw_data()), [&](auto* p) { value = static_cast<double>(p[0]); });
  return value;
}

std::vector<double> Tensor::to_vector() const {
  std::vector<double> out(numel());
  visit_dtype(dtype(), const_cast<void*>(raw_data()), [&](auto* p) {
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<double>(p[i]);
  });
  return out;
}

std::string Tensor::to_string() const {
  if (!defined()) return "Tensor(undefined)";
  std::ostringstream out;
  out << "Tensor(shape=" << shape().to_string() << ", dtype=" << dtype_name(dtype()) << ", values=[";
  const std::vector<double> v = to_vector();
  const size_t shown = std::min<size_t>(v.size(), 20);
  for (size_t i = 0; i < shown; ++i) out << (i ? ", " : "") << v[i];
  if (shown < v.size()) out << ", ...";
  out << "])";
  return out.str();
}

Tensor Tensor::view(const Shape& new_shape) const {
  const Shape& old = shape();
  Shape resolved = new_shape;
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < resolved.rank(); ++i) {
    if (resolved[i] == -1) {
      FOVEA_CHECK(infer < 0, ShapeError, "reshape to ", new_shape.to_string(), ": only one dimension may be -1");
      infer = i;
    } else {
      FOVEA_CHECK(resolved[i] >= 0, ShapeError, "reshape to ", new_shape.to_string(), ": negative dimension");
      const std::optional<int64_t> product = checked_mul(known, resolved[i]);
      FOVEA_CHECK(product.has_value(), ShapeError, "cannot reshape ", old.to_string(), " (", old.numel(),
                  " elements) to ", new_shape.to_string(), ": more elements than fovea can index");
      known = *product;
    }
  }
  if (infer >= 0) {
    FOVEA_CHECK(known > 0 && old.numel() % known == 0, ShapeError, "cannot reshape ", old.to_string(), " (",
                old.numel(), " elements) to ", new_shape.to_string());
    resolved[infer] = old.numel() / known;
  }
  FOVEA_CHECK(resolved.numel() == old.numel(), ShapeError, "cannot reshape ", old.to_string(), " (", old.numel(),
              " elements) to ", new_shape.to_string(), " (", resolved.numel(), " elements)");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->offset_bytes = impl_->offset_bytes;
  impl->shape = resolved;
  impl->dtype = impl_->dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape(), dtype());
  std::memcpy(t.raw_data(), raw_data(), nbytes());
  return t;
}

Tensor Tensor::to(DType target) const {
  if (target == dtype()) return clone();
  Tensor t = empty(shape(), target);
  t.copy_(*this);
  return t;
}

Tensor Tensor::detach() const { return view(shape()); }

void Tensor::copy_(const Tensor& src) {
  FOVEA_CHECK(src.shape() == shape(), ShapeError, "copy_: source shape ", src.shape().to_string(),
              " differs from destination shape ", shape().to_string());
  if (src.dtype() == dtype()) {
    std::memmove(raw_data(), src.raw_data(), nbytes());
    return;
  }
  const int64_t n = numel();
  visit_dtype(dtype(), raw_data(), [&](auto* dst) {
    visit_dtype(src.dtype(), const_cast<void*>(src.raw_data()), [&](auto* s) {
      for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<std::remove_pointer_t<decltype(dst)>>(s[i]);
    });
  });
}

void Tensor::fill_(double value) {
  const int64_t n = numel();
  visit_dtype(dtype(), raw_data(), [&](auto* p) {
    const auto v = static_cast<std::remove_pointer_t<decltype(p)>>(value);
    for (int64_t i = 0; i < n; ++i) p[i] = v;
  });
}

bool Tensor::requires_grad() const { return impl_ && impl_->requires_grad; }

Tensor& Tensor::set_requires_grad(bool value) {
  impl_of(impl_);
  FOVEA_CHECK(!value || dtype() == DType::f32 || dtype() == DType::f64, ValueError,
              "only floating-point tensors can require gradients, got ", dtype_name(dtype()));
  FOVEA_CHECK(impl_->grad_fn == nullptr, ValueError,
              "set_requires_grad works on leaf tensors only; this tensor was computed by ", "an op");
  impl_->requires_grad = value;
  return *this;
}

Tensor Tensor::grad() const { return impl_of(impl_).grad; }
void Tensor::set_grad(const Tensor& g) {
  impl_of(impl_);
  impl_->grad = g;
}
void Tensor::zero_grad() {
  impl_of(impl_);
  impl_->grad = Tensor();
}
bool Tensor::is_leaf() const { return impl_of(impl_).grad_fn == nullptr; }
const std::shared_ptr<autograd::Node>& Tensor::grad_fn() const { return impl_of(impl_).grad_fn; }

}  // namespace fovea
