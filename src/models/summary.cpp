// summary(): Keras's parameter table, plus optional MACs, receptive-field and memory columns.
#include <algorithm>
#include <sstream>
#include <unordered_map>

#include "fovea/models/model.h"

namespace fovea {
namespace {

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  std::ostringstream out;
  out.precision(2);
  out << std::fixed << bytes << " " << units[u];
  return out.str();
}

// Receptive field and jump (input pixels between neighbouring outputs) per spatial dimension.
struct Field {
  Dims size;
  Dims jump;
  bool global = false;  // after Flatten/Dense/global pooling every output sees the whole input
};

Field propagate(const std::vector<const Field*>& inputs, const SpatialWindow& w, bool pointwise_global) {
  Field f = *inputs[0];
  for (const Field* in : inputs) {
    f.global = f.global || in->global;
    for (int d = 0; d < in->size.size() && d < f.size.size(); ++d) f.size[d] = std::max(f.size[d], in->size[d]);
  }
  if (pointwise_global) f.global = true;
  if (f.global || w.kernel.empty()) return f;
  const int rank = w.kernel.size();
  if (f.size.empty()) {
    f.size = Dims::filled(rank, 1);
    f.jump = Dims::filled(rank, 1);
  }
  for (int d = 0; d < rank && d < f.size.size(); ++d) {
    f.size[d] += (w.kernel[d] - 1) * f.jump[d];
    f.jump[d] *= w.strides.size() > d ? w.strides[d] : 1;
  }
  return f;
}

std::string field_text(const Field& f) {
  if (f.global) return "all";
  if (f.size.empty()) return "1";
  std::string out;
  for (int d = 0; d < f.size.size(); ++d) out += (d ? "x" : "") + std::to_string(f.size[d]);
  return out;
}

int64_t per_sample(const Shape& s) {
  int64_t n = 1;
  for (int d = 1; d < s.rank(); ++d) n *= s[d] < 0 ? 1 : s[d];
  return n;
}

struct Row {
  std::vector<std::string> cells;
};

}  // namespace

std::string Model::summary(const SummaryOptions& options) const {
  const bool functional = !is_sequential_;
  std::vector<std::string> header{"Layer (type)", "Output Shape", "Param #"};
  if (functional) header.push_back("Connected to");
  if (options.macs) header.push_back("MACs");
  if (options.receptive_field) header.push_back("Receptive field");
  if (options.activation_memory) header.push_back("Activations");

  std::unordered_map<const GraphNode*, Field> fields;
  std::unordered_map<const LayerImpl*, int> calls;  // node index per layer, for "name[i][0]"
  std::unordered_map<const GraphNode*, int> node_index;
  std::vector<Row> rows;
  int64_t total_macs = 0, total_activations = 0;
  for (const auto& node : nodes_) {
    const LayerImpl& layer = *node->layer;
    node_index[node.get()] = calls[&layer]++;
    std::vector<Shape> in_shapes;
    std::vector<const Field*> in_fields;
    static const Field kInputField;
    for (const SymbolicTensor& t : node->inputs) {
      in_shapes.push_back(t.shape());
      in_fields.push_back(&fields[t.node().get()]);
    }
    if (in_fields.empty()) in_fields.push_back(&kInputField);
    const std::string cls = layer.class_name();
    const bool global = cls == "Flatten" || cls == "Dense" || cls.rfind("Global", 0) == 0;
    fields[node.get()] = propagate(in_fields, layer.spatial_window(), global);
    const int64_t macs = node->inputs.empty() ? 0 : layer.macs(in_shapes, node->output_shape);
    total_macs += macs;
    total_activations += per_sample(node->output_shape);
    if (!functional && node->inputs.empty()) continue;  // Sequential tables omit the Input row, as Keras does

    Row row;
    row.cells.push_back(layer.name() + " (" + cls + ")");
    row.cells.push_back(node->output_shape.to_string(true));
    row.cells.push_back(with_commas(node_index[node.get()] == 0 ? layer.count_params() : 0));
    if (functional) {
      std::string connected;
      for (const SymbolicTensor& t : node->inputs) {
        connected += (connected.empty() ? "" : ", ") + t.node()->layer->name() + "[" +
                     std::to_string(node_index[t.node().get()]) + "][0]";
      }
      row.cells.push_back(connected);
    }
    if (options.macs) row.cells.push_back(with_commas(macs));
    if (options.receptive_field) row.cells.push_back(field_text(fields[node.get()]));
    if (options.activation_memory) row.cells.push_back(human_bytes(4.0 * per_sample(node->output_shape)));
    rows.push_back(std::move(row));
  }

  // Keras's column widths (65 / 98 characters), widened where a cell needs more room.
  std::vector<size_t> widths = functional ? std::vector<size_t>{32, 21, 12, 33} : std::vector<size_t>{29, 26, 10};
  widths.resize(header.size(), 16);
  for (size_t c = 0; c < header.size(); ++c) {
    widths[c] = std::max(widths[c], header[c].size() + 1);
    for (const Row& r : rows) widths[c] = std::max(widths[c], r.cells[c].size() + 1);
  }
  size_t line = 0;
  for (size_t w : widths) line += w;
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (size_t c = 0; c < cells.size(); ++c) s += cells[c] + std::string(widths[c] - cells[c].size(), ' ');
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  std::ostringstream out;
  out << "Model: \"" << name_ << "\"\n" << std::string(line, '_') << "\n" << print_row(header);
  out << std::string(line, '=') << "\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    out << print_row(rows[i].cells) << std::string(line, i + 1 == rows.size() ? '=' : '_') << "\n";
  }
  if (rows.empty()) out << std::string(line, '=') << "\n";
  const int64_t trainable = count_trainable_params();
  out << "Total params: " << with_commas(count_params()) << "\n";
  out << "Trainable params: " << with_commas(trainable) << "\n";
  out << "Non-trainable params: " << with_commas(count_non_trainable_params()) << "\n";
  if (options.macs) out << "Total MACs per sample: " << with_commas(total_macs) << "\n";
  if (options.batch_size > 0) {
    // Weights and their gradients, Adam's two moments per trainable weight, and every layer's output kept
    // for the backward pass (an upper bound: in-place activations and fused kernels keep less).
    const double weights = 4.0 * count_params();
    const double training_state = 4.0 * 3 * trainable;
    const double activations = 4.0 * total_activations * options.batch_size;
    out << "Estimated training memory at batch " << options.batch_size << ": "
        << human_bytes(weights + training_state + activations) << " (weights " << human_bytes(weights)
        << ", gradients + Adam state " << human_bytes(training_state) << ", activations "
        << human_bytes(activations) << ")\n";
  }
  out << std::string(line, '_') << "\n";
  return out.str();
}

}  // namespace fovea
