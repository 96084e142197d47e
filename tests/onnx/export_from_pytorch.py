#!/usr/bin/python3
"""Test helper for tests/onnx/pytorch_import_test.cpp: exports two PyTorch models to ONNX the way users do
(torch.onnx.export with a dynamic batch axis) and writes, next to each, an input batch and PyTorch's outputs:

    OUT/resnet18.onnx, OUT/resnet18_x.npy, OUT/resnet18_y.npy     torchvision's resnet18, 10 classes, 1x3x64x64
                                                                  (batch norm folded into the convolutions)
    OUT/small_cnn.onnx, OUT/small_cnn_x.npy, OUT/small_cnn_y.npy  a custom Fashion-MNIST CNN (x.view(x.size(0), -1),
                                                                  BatchNormalization nodes kept)

Usage: export_from_pytorch.py OUT
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision


class SmallCnn(nn.Module):
    """Conv-BN-ReLU-pool twice, then x.view(x.size(0), -1) (the Shape/Gather/Concat pattern) and two Linear layers
    ending in a softmax, for 1x28x28 images."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.LeakyReLU(0.1), nn.AvgPool2d(2))
        self.fc1 = nn.Linear(16 * 7 * 7, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size(0), -1)
        return torch.softmax(self.fc2(torch.relu(self.fc1(x))), dim=1)


def export(model, x, out, name, keep_batch_norm=False):
    model.eval()
    # Batch-norm statistics that are not the defaults, so that inference-mode normalization is really checked.
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    with torch.no_grad():
        y = model(x)
    torch.onnx.export(model, x, os.path.join(out, name + ".onnx"), opset_version=13, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                      do_constant_folding=False,
                      # PRESERVE keeps BatchNormalization nodes (inference form); by default PyTorch folds them
                      # into the convolutions.
                      training=torch.onnx.TrainingMode.PRESERVE if keep_batch_norm else torch.onnx.TrainingMode.EVAL)
    np.save(os.path.join(out, name + "_x.npy"), x.numpy())
    np.save(os.path.join(out, name + "_y.npy"), y.numpy())


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    torch.set_num_threads(1)
    export(torchvision.models.resnet18(num_classes=10), torch.rand(1, 3, 64, 64), out, "resnet18")
    export(SmallCnn(), torch.rand(4, 1, 28, 28), out, "small_cnn", keep_batch_norm=True)


if __name__ == "__main__":
    main()
