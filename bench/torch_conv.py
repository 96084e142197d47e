#!/usr/bin/python3
"""PyTorch's side of bench/conv_bench.cpp: times the seed's MNIST convolution layer (NCHW float32) forward
(conv + bias + relu), backward-data and backward-weights (+bias) with the given thread count, and prints one
line per phase: `<phase> <ms> <ms> ...` (one time per repeat), after a `torch <version> ...` header line.

Backward phases call aten's convolution_backward with an output mask, which is exactly what autograd runs for
conv2d, split so that each gradient is timed on its own as fovea's kernels are.
"""
import argparse
import time

import torch
import torch.nn.functional as F


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--in-channels", type=int, default=32)
    p.add_argument("--out-channels", type=int, default=64)
    p.add_argument("--size", type=int, default=26)
    p.add_argument("--kernel", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--repeats", type=int, default=20)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    out = a.size - a.kernel + 1
    x = torch.rand(a.batch, a.in_channels, a.size, a.size) * 2 - 1
    w = (torch.rand(a.out_channels, a.in_channels, a.kernel, a.kernel) * 2 - 1) * 0.1
    b = torch.rand(a.out_channels) * 2 - 1
    dy = torch.rand(a.batch, a.out_channels, out, out) * 2 - 1
    conv_args = ([a.out_channels], [1, 1], [0, 0], [1, 1], False, [0, 0], 1)

    phases = {
        "forward": lambda: F.relu(F.conv2d(x, w, b)),
        "backward_data": lambda: torch.ops.aten.convolution_backward(dy, x, w, *conv_args, [True, False, False]),
        "backward_weights": lambda: torch.ops.aten.convolution_backward(dy, x, w, *conv_args, [False, True, True]),
    }
    print(f"torch {torch.__version__} threads {torch.get_num_threads()} mkldnn {torch.backends.mkldnn.is_available()}")
    with torch.no_grad():
        for name, fn in phases.items():
            for _ in range(a.warmup):
                fn()
            times = []
            for _ in range(a.repeats):
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1e3)
            print(name, " ".join(f"{t:.4f}" for t in times), flush=True)


if __name__ == "__main__":
    main()
