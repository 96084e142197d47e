// The zoo's modern networks, built with the functional API as torchvision lays them out: GoogLeNet, ResNet-18 to
// -152, DenseNet-121/169/201, and a WaveNet stack for 1-D sequences.
//
//   Model net = zoo::resnet50({.input_shape = {64, 64, 3}, .num_classes = 10});
//   Model gated = zoo::wavenet({.num_classes = 256}, {.dilation_depth = 8, .stacks = 2});
#pragma once

#include <cstdint>

#include "fovea/models/model.h"
#include "fovea/zoo/zoo.h"

namespace fovea::zoo {

// Every image network below takes ZooOptions as the zoo defines them: input_shape (height, width, channels) or,
// for channels_first, (channels, height, width), 224x224x3 when empty; num_classes (1000 when 0); include_top
// (false: the model ends at the last feature map, without pooling or classifier, as Keras's include_top=False);
// data_format (every convolution, pooling, batch norm and concatenation uses it). Classifiers end with a
// softmax, as Keras's applications do (torchvision returns logits). Options that cannot work (an input too small
// for the network's downsampling, a wrong rank) throw ValueError naming the network.

struct GoogLeNetOptions {
  // Adds torchvision's two auxiliary classifiers (after inception 4a and 4d). The model then has three outputs,
  // in torchvision's order: the main classifier, aux2 (from 4d), aux1 (from 4a). A functional model has the same
  // outputs in training and inference; torchvision drops the auxiliary ones in eval mode, here the caller
  // ignores them. Needs include_top, and inputs of at least 79x79 (see googlenet()).
  bool aux_logits = false;
};

// GoogLeNet (Inception v1, Szegedy et al. 2014) as torchvision builds it: conv + batch norm (eps 0.001) + relu
// units, the inception modules with a 3x3 convolution where the paper has 5x5, max pools in ceil mode, global
// average pooling, dropout 0.2 and the classifier. 224x224x3, 1000 classes: 6,624,904 trainable parameters
// (13,004,888 with aux_logits). Inputs from 15x15 work (79x79 with aux_logits).
Model googlenet(const ZooOptions& options = {});
Model googlenet(const ZooOptions& options, const GoogLeNetOptions& googlenet_options);

// ResNets (He et al. 2015) as torchvision builds them: 7x7/2 stem, 3x3/2 max pool, four stages of BasicBlocks
// (18, 34) or Bottlenecks (50, 101, 152; "v1.5": the stride on the 3x3 convolution), 1x1 convolution + batch
// norm shortcuts where the shape changes, bias-free convolutions, batch norm eps 1e-5, global average pooling,
// dense classifier. Inputs of at least 32x32 (five stride-2 steps), as Keras's applications require.
// Trainable parameters at 1000 classes: 11,689,512 / 21,797,672 / 25,557,032 / 44,549,160 / 60,192,808.
Model resnet18(const ZooOptions& options = {});
Model resnet34(const ZooOptions& options = {});
Model resnet50(const ZooOptions& options = {});
Model resnet101(const ZooOptions& options = {});
Model resnet152(const ZooOptions& options = {});

// DenseNets (Huang et al. 2016) as torchvision builds them: growth rate 32, bottleneck width 4 * 32, dense layers
// in batch norm -> relu -> conv order, transitions halving the channels and the resolution, final batch norm and
// relu, global average pooling, dense classifier. Inputs of at least 32x32. Trainable parameters at 1000
// classes: 7,978,856 / 14,149,480 / 20,013,928.
Model densenet121(const ZooOptions& options = {});
Model densenet169(const ZooOptions& options = {});
Model densenet201(const ZooOptions& options = {});

// The WaveNet stack's own options; the sequence length, input channels and the number of output classes come
// from ZooOptions (input_shape (length, channels), or (channels, length) for channels_first; default
// (4096, num_classes): one-hot encoded samples, as in the paper; num_classes default 256, mu-law levels).
struct WaveNetOptions {
  int64_t residual_channels = 32;  // channels of the residual stream between blocks
  int64_t dilation_channels = 32;  // channels of each block's filter and gate convolutions
  int64_t skip_channels = 256;     // channels of the skip connections and of the output stack
  int64_t kernel_size = 2;         // of the dilated convolutions
  int64_t input_kernel_size = 2;   // of the causal convolution on the input
  int64_t dilation_depth = 10;     // dilations 1, 2, 4, ..., 2^(dilation_depth - 1) in each stack
  int64_t stacks = 3;              // how many times that cycle of dilations repeats
};

// WaveNet (van den Oord et al. 2016): a causal convolution, then stacks * dilation_depth blocks of dilated
// causal convolutions with gated activations tanh(filter) * sigmoid(gate), each adding a 1x1 convolution to its
// input (residual) and contributing a 1x1 convolution to a sum of skip connections; then relu -> 1x1 conv ->
// relu -> 1x1 conv to num_classes and a softmax over the channel axis (the last one for channels_last). Every
// output position t sees only inputs t - wavenet_receptive_field() + 1 ... t, so the output length is the input
// length. include_top=false ends at the sum of the skip connections. Defaults: 556,864 parameters.
Model wavenet(const ZooOptions& options = {});
Model wavenet(const ZooOptions& options, const WaveNetOptions& wavenet_options);

// Input positions each WaveNet output sees: 1 + (input_kernel_size - 1) + stacks * sum over the dilations d of
// (kernel_size - 1) * d. The defaults: 1 + 1 + 3 * 1023 = 3071.
int64_t wavenet_receptive_field(const WaveNetOptions& options = {});

}  // namespace fovea::zoo
