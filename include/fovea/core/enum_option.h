// An options-struct field holding an enum that also takes the enum's name as Keras users write it:
// `.padding = "same"` means `.padding = Padding::same`. An enum class cannot have constructors, so the layers' option
// fields use this small value type; it converts back to the enum, so code that switches on a field, compares it
// with an enumerator or passes it on as the enum reads as before.
#pragma once

#include <string>
#include <string_view>

namespace fovea {

// Parse turns a name into the enum and throws ValueError listing the valid names; a name is parsed when the
// field is set, so a misspelling fails where it is written, not when the layer first runs. There is no default
// constructor: every field names its default (value-initializing the enum would pick its first enumerator,
// which is not the default of most fields: Layout's is channels_first).
template <class Enum, Enum (*Parse)(std::string_view)>
class EnumOption {
 public:
  using enum_type = Enum;

  // Implicit, all of them: the point is `.padding = Padding::same` and `.padding = "same"` in designated
  // initializers.
  constexpr EnumOption(Enum value) : value_(value) {}                                                  // NOLINT
  EnumOption(const char* name) : value_(Parse(name ? std::string_view(name) : std::string_view())) {}  // NOLINT
  EnumOption(std::string_view name) : value_(Parse(name)) {}                                           // NOLINT
  EnumOption(const std::string& name) : value_(Parse(name)) {}                                         // NOLINT

  constexpr operator Enum() const { return value_; }  // NOLINT(google-explicit-constructor)
  constexpr Enum value() const { return value_; }

 private:
  Enum value_;
};

}  // namespace fovea
