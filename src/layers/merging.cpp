// Add, Subtract, Multiply, Average, Maximum, Minimum and Concatenate.
#include "fovea/layers/merging.h"

#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "fovea/core/error.h"
#include "fovea/ops/math.h"
#include "fovea/ops/shape_ops.h"
#include "fovea/layers/layer_config.h"

namespace fovea {
namespace {

// "(None, 4, 8), (None, 4, 8) and (None, 5, 8)".
std::string shapes_text(const std::vector<Shape>& shapes) {
  std::string out;
  for (size_t i = 0; i < shapes.size(); ++i) {
    if (i > 0) out += i + 1 == shapes.size() ? " and " : ", ";
    out += shapes[i].to_string(true);
  }
  return out;
}

constexpr int kManyInputs = std::numeric_limits<int>::max();

}  // namespace

// ---- elementwise merges ----

MergeImpl::MergeImpl(MergeKind kind, const MergeOptions& options) : kind_(kind) { set_name(options.name); }

std::string MergeImpl::class_name() const {
  switch (kind_) {
    case MergeKind::add:
      return "Add";
    case MergeKind::subtract:
      return "Subtract";
    case MergeKind::multiply:
      return "Multiply";
    case MergeKind::average:
      return "Average";
    case MergeKind::maximum:
      return "Maximum";
    case MergeKind::minimum:
      return "Minimum";
  }
  return "?";
}

int MergeImpl::max_inputs() const { return kind_ == MergeKind::subtract ? 2 : kManyInputs; }

Shape MergeImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  Shape out = inputs[0];
  bool same = true;
  for (const Shape& s : inputs) {
    same = same && s.rank() == out.rank();
    for (int d = 0; same && d < s.rank(); ++d) {
      same = s[d] == out[d] || s[d] < 0 || out[d] < 0;
      if (out[d] < 0) out[d] = s[d];
    }
  }
  FOVEA_CHECK(same, ShapeError, describe(), " needs inputs of the same shape but got ", shapes_text(inputs));
  return out;
}

Tensor MergeImpl::call(const std::vector<Tensor>& inputs, bool) {
  Tensor y = inputs[0];
  for (size_t i = 1; i < inputs.size(); ++i) {
    switch (kind_) {
      case MergeKind::add:
      case MergeKind::average:
        y = add(y, inputs[i]);
        break;
      case MergeKind::subtract:
        y = sub(y, inputs[i]);
        break;
      case MergeKind::multiply:
        y = mul(y, inputs[i]);
        break;
      case MergeKind::maximum:
        y = maximum(y, inputs[i]);
        break;
      case MergeKind::minimum:
        y = minimum(y, inputs[i]);
        break;
    }
  }
  if (kind_ == MergeKind::average) y = y / static_cast<double>(inputs.size());
  return y;
}

Layer Add(const MergeOptions& options) { return make_layer<MergeImpl>(MergeKind::add, options); }
Layer Subtract(const MergeOptions& options) { return make_layer<MergeImpl>(MergeKind::subtract, options); }
Layer Multiply(const MergeOptions& options) { return make_layer<MergeImpl>(MergeKind::multiply, options); }
Layer Average(const MergeOptions& options) { return make_layer<MergeImpl>(MergeKind::average, options); }
Layer Maximum(const MergeOptions& options) { return make_layer<MergeImpl>(MergeKind::maximum, options); }
Layer Minimum(const MergeOptions& options) { return make_layer<MergeImpl>(MergeKind::minimum, options); }

// The elementwise merges have no arguments beyond name and trainable, which layer_from_config() reads.
Layer add_from_config(const ConfigReader&) { return Add(); }
Layer subtract_from_config(const ConfigReader&) { return Subtract(); }
Layer multiply_from_config(const ConfigReader&) { return Multiply(); }
Layer average_from_config(const ConfigReader&) { return Average(); }
Layer maximum_from_config(const ConfigReader&) { return Maximum(); }
Layer minimum_from_config(const ConfigReader&) { return Minimum(); }

// ---- Concatenate ----

ConcatenateImpl::ConcatenateImpl(const ConcatenateOptions& options) : options_(options) { set_name(options.name); }

int ConcatenateImpl::max_inputs() const { return kManyInputs; }

Shape ConcatenateImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  const int rank = inputs[0].rank();
  const int axis = options_.axis;
  FOVEA_CHECK(axis >= -rank && axis < rank, ShapeError, describe(), ": axis ", axis,
              " is out of range for inputs of rank ", rank, ": ", shapes_text(inputs));
  const int a = axis < 0 ? axis + rank : axis;
  FOVEA_CHECK(a != 0, ShapeError, describe(), ": axis ", axis, " is the batch axis; concatenate along a feature axis",
              " (inputs ", shapes_text(inputs), ")");
  Shape out = inputs[0];
  bool match = true;
  for (size_t i = 1; i < inputs.size(); ++i) {
    const Shape& s = inputs[i];
    match = match && s.rank() == rank;
    for (int d = 0; match && d < rank; ++d) {
      if (d == a) {
        out[d] = (out[d] < 0 || s[d] < 0) ? -1 : out[d] + s[d];
      } else {
        match = s[d] == out[d] || s[d] < 0 || out[d] < 0;
        if (out[d] < 0) out[d] = s[d];
      }
    }
  }
  FOVEA_CHECK(match, ShapeError, describe(), " needs inputs that match on every axis except the concatenation axis ",
              axis, " but got ", shapes_text(inputs));
  return out;
}

Tensor ConcatenateImpl::call(const std::vector<Tensor>& inputs, bool) { return concat(inputs, options_.axis); }

nlohmann::json ConcatenateImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["axis"] = options_.axis;
  return c;
}

Layer ConcatenateImpl::from_config(const ConfigReader& c) {
  return Concatenate({.axis = static_cast<int>(c.integer("axis", -1))});
}

Layer Concatenate(const ConcatenateOptions& options) { return make_layer<ConcatenateImpl>(options); }

}  // namespace fovea
