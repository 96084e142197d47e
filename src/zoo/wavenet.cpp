// WaveNet (van den Oord et al. 2016, "WaveNet: A Generative Model for Raw Audio", section 2): causal dilated
// convolutions with gated activations, residual and skip connections, and a softmax over quantization levels.
// The paper gives no channel counts; the defaults follow common reimplementations (32 residual channels, 2-tap
// filters, dilations up to 512).
#include "fovea/layers/input_layer.h"
#include "fovea/layers/merging.h"
#include "zoo/modern.h"

namespace fovea::zoo {

namespace {

using namespace modern_detail;

constexpr int64_t kDefaultLength = 4096;
constexpr int64_t kDefaultClasses = 256;  // 8-bit mu-law levels

void check_options(const WaveNetOptions& o) {
  const std::pair<const char*, int64_t> positive[] = {{"residual_channels", o.residual_channels},
                                                      {"dilation_channels", o.dilation_channels},
                                                      {"skip_channels", o.skip_channels},
                                                      {"kernel_size", o.kernel_size},
                                                      {"input_kernel_size", o.input_kernel_size},
                                                      {"dilation_depth", o.dilation_depth},
                                                      {"stacks", o.stacks}};
  for (const auto& [name, value] : positive) {
    FOVEA_CHECK(value >= 1, ValueError, "WaveNet: ", name, " must be >= 1, got ", value);
  }
  // 2^(dilation_depth - 1) must stay a sane dilation; 30 already spans a billion samples.
  FOVEA_CHECK(o.dilation_depth <= 30, ValueError, "WaveNet: dilation_depth must be <= 30, got ", o.dilation_depth);
}

// Dilated causal convolution of one block (filter or gate), with its activation fused.
SymbolicTensor dilated(const SymbolicTensor& x, int64_t filters, int64_t kernel, int64_t dilation,
                       ActivationKind activation, Layout layout, const std::string& name) {
  return Conv1D({.filters = filters,
                 .kernel_size = {kernel},
                 .padding = Padding::causal,
                 .data_format = layout,
                 .dilation_rate = {dilation},
                 .activation = activation,
                 .name = name})(x);
}

SymbolicTensor pointwise(const SymbolicTensor& x, int64_t filters, Layout layout, const std::string& name,
                         ActivationKind activation = ActivationKind::linear) {
  return Conv1D(
      {.filters = filters, .kernel_size = {1}, .data_format = layout, .activation = activation, .name = name})(x);
}

}  // namespace

int64_t wavenet_receptive_field(const WaveNetOptions& options) {
  check_options(options);
  // One cycle of dilations 1, 2, ..., 2^(depth - 1) sums to 2^depth - 1.
  const int64_t cycle = (int64_t{1} << options.dilation_depth) - 1;
  return 1 + (options.input_kernel_size - 1) + options.stacks * (options.kernel_size - 1) * cycle;
}

Model wavenet(const ZooOptions& options) { return wavenet(options, {}); }

Model wavenet(const ZooOptions& options, const WaveNetOptions& w) {
  check_options(w);
  const Layout layout = options.data_format;
  const bool last = layout == Layout::channels_last;
  const int64_t classes = classes_or(options, "WaveNet", kDefaultClasses);
  Shape input_shape = options.input_shape;
  if (input_shape.rank() == 0) input_shape = last ? Shape{kDefaultLength, classes} : Shape{classes, kDefaultLength};
  FOVEA_CHECK(input_shape.rank() == 2 && input_shape[0] > 0 && input_shape[1] > 0, ValueError,
              "WaveNet: input_shape must be ",
              last ? "(length, channels) for channels_last" : "(channels, length) for channels_first",
              " with positive sizes, got ", input_shape.to_string());

  SymbolicTensor input = Input(input_shape);
  SymbolicTensor x =
      dilated(input, w.residual_channels, w.input_kernel_size, 1, ActivationKind::linear, layout, "causal_conv");
  std::vector<SymbolicTensor> skips;
  const int64_t blocks = w.stacks * w.dilation_depth;
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t dilation = int64_t{1} << (b % w.dilation_depth);
    const std::string name = "block" + std::to_string(b + 1);
    SymbolicTensor filter =
        dilated(x, w.dilation_channels, w.kernel_size, dilation, ActivationKind::tanh, layout, name + "_filter");
    SymbolicTensor gate =
        dilated(x, w.dilation_channels, w.kernel_size, dilation, ActivationKind::sigmoid, layout, name + "_gate");
    SymbolicTensor z = Multiply({.name = name + "_gated"})({filter, gate});
    skips.push_back(pointwise(z, w.skip_channels, layout, name + "_skip"));
    // The last block's residual output would feed nothing, so it has no residual convolution.
    if (b + 1 < blocks)
      x = Add({.name = name + "_residual_add"})({x, pointwise(z, w.residual_channels, layout, name + "_residual")});
  }
  SymbolicTensor out = skips.size() == 1 ? skips[0] : Add({.name = "skip_sum"})(skips);
  if (options.include_top) {
    out = relu(out, "skip_relu");
    out = pointwise(out, w.skip_channels, layout, "output_conv1", ActivationKind::relu);
    out = pointwise(out, classes, layout, "output_conv2");
    out = Softmax({.axis = channel_axis(layout), .name = "predictions"})(out);
  }
  return Model(input, out, "wavenet");
}

namespace registry_detail {

std::vector<Registered> wavenet_networks() {
  return {
      {{"wavenet", "WaveNet: 30 gated dilated causal blocks over 4096 one-hot mu-law samples (556,864 parameters)"},
       maker(&wavenet)},
  };
}

}  // namespace registry_detail
}  // namespace fovea::zoo
