// The classic networks of the zoo: LeNet-5, AlexNet (the paper's and torchvision's), VGG-11/13/16/19 with and
// without batch normalization (torchvision's), NVIDIA's PilotNet and a small 3-D CNN for volumes.
//
//   Sequential net = zoo::vgg16({.input_shape = {64, 64, 3}, .num_classes = 10});
#pragma once

#include "fovea/models/model.h"
#include "fovea/zoo/zoo.h"

namespace fovea::zoo {

// Every network below honours ZooOptions: input_shape (batch excluded, in data_format's order; a smaller or larger
// image than the default changes the first Dense layer's size, as Keras's include_top models would), num_classes,
// include_top = false (the network ends at its last convolution or pooling block, with no flatten or classifier)
// and data_format. Options that cannot work throw ValueError naming the network ("VGG-16: input 16x16 is too
// small: ..."). Classifiers end with softmax, as Keras's applications do (PilotNet's regression output is linear).

// LeNet-5 in its common modern form (LeCun et al. 1998 with ReLU instead of scaled tanh, max instead of trainable
// subsampling, and full S2-C3 connections): conv 6 5x5, max pool 2, conv 16 5x5, max pool 2, dense 120, 84,
// num_classes. 32x32x1 and 10 classes (the defaults): 61,706 parameters.
Sequential lenet5(const ZooOptions& options = {});

// AlexNet as in Krizhevsky et al. 2012: 227x227x3 input (the paper's "224" does not fit its own 11x11 stride-4
// arithmetic), conv 96 11x11/4, LRN, max pool 3x3/2, conv 256 5x5 in two groups, LRN, pool, conv 384, conv 384
// (2 groups), conv 256 (2 groups), pool, dense 4096 + dropout twice, num_classes (default 1000). The groups are
// the paper's two-GPU split (Caffe's bvlc_alexnet keeps them too): 60,965,224 parameters. Local response
// normalization uses the paper's formula, a / (2 + 1e-4 * sum of a^2 over 5 channels)^0.75.
Sequential alexnet(const ZooOptions& options = {});

// torchvision's AlexNet (the "one weird trick" variant): no LRN, no groups, conv 64 11x11/4 pad 2, 192 5x5, 384,
// 256, 256 3x3, max pools 3x3/2, dropout + dense 4096 twice, num_classes. 224x224x3 and 1000 classes: 61,100,840
// parameters. torchvision's AdaptiveAvgPool2d((6, 6)) is the identity at 224 and is left out.
Sequential alexnet_torchvision(const ZooOptions& options = {});

// torchvision's VGG (Simonyan and Zisserman 2014, configurations A, B, D, E): 3x3 same convolutions with ReLU
// (with batch_norm: convolution with bias, BatchNormalization, ReLU, as torchvision's vgg*_bn), 2x2 max pools,
// dense 4096, dropout, 4096, dropout, num_classes. 224x224x3, 1000 classes: VGG-16 has 138,357,544 trainable
// parameters. torchvision's AdaptiveAvgPool2d((7, 7)) is the identity at 224 and is left out, so at other sizes
// the first dense layer reads (size / 32)^2 * 512 features instead of 7 * 7 * 512.
Sequential vgg11(const ZooOptions& options = {});
Sequential vgg13(const ZooOptions& options = {});
Sequential vgg16(const ZooOptions& options = {});
Sequential vgg19(const ZooOptions& options = {});
Sequential vgg11_bn(const ZooOptions& options = {});
Sequential vgg13_bn(const ZooOptions& options = {});
Sequential vgg16_bn(const ZooOptions& options = {});
Sequential vgg19_bn(const ZooOptions& options = {});

// NVIDIA's PilotNet (Bojarski et al. 2016, "End to End Learning for Self-Driving Cars"): 66x200x3 YUV input,
// Rescaling to [-1, 1] (x / 127.5 - 1), conv 24, 36, 48 5x5/2 and 64, 64 3x3 (valid, ReLU), flatten (1152), dense
// 100, 50, 10 (ReLU) and num_classes linear outputs (default 1, the steering command): 252,219 parameters.
Sequential pilotnet(const ZooOptions& options = {});

// A small 3-D CNN for volumes (CT/MRI crops, video clips): input (depth, rows, cols, channels), default
// 16x64x64x1; conv3d 8 3x3x3 same + ReLU, max pool 2, conv3d 16 3x3x3 same + ReLU, max pool 2, global average
// pooling, dense num_classes softmax (default 2). Defaults: 3,730 parameters.
Sequential cnn3d(const ZooOptions& options = {});

}  // namespace fovea::zoo
