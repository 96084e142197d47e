// Element types and devices. float32 is the working type; float64 serves gradient checks on the
// reference backend; integer types carry labels and indices; u8 carries raw bytes and masks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fovea {

enum class DType { f32, f64, i32, i64, u8 };

size_t dtype_size(DType t);
std::string_view dtype_name(DType t);

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() { return DType::f32; }
template <>
constexpr DType dtype_of<double>() { return DType::f64; }
template <>
constexpr DType dtype_of<int32_t>() { return DType::i32; }
template <>
constexpr DType dtype_of<int64_t>() { return DType::i64; }
template <>
constexpr DType dtype_of<uint8_t>() { return DType::u8; }

enum class DeviceType { cpu, cuda };

// Where a tensor's storage lives. Only the CPU is implemented now; CUDA storage comes with the cuda backend.
struct Device {
  DeviceType type = DeviceType::cpu;
  int index = 0;
  friend bool operator==(const Device&, const Device&) = default;
};
inline constexpr Device kCpu{};

}  // namespace fovea
