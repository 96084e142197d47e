#!/usr/bin/python3
"""PyTorch's side of bench/concurrent_inference.cpp: the slides' MNIST CNN as TorchScript (optimize_for_inference),
called by 1 Python thread with --cores intra-op threads and by --callers Python threads at once (PyTorch's ops
release the GIL), alternating --rounds times per batch size, --seconds per round. Prints one line per figure, the
median of its rounds: `<callers> <batch> <images per second>`.

torch.set_num_threads is process-wide, so the callers' runs use --omp-per-caller threads for the whole process,
the nearest PyTorch has to fovea's per-caller OpenMP setting.
"""
import argparse
import statistics
import threading
import time

import torch
import torch.nn as nn


def mnist_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10), nn.Softmax(dim=1))


def images_per_second(model, callers, batch, seconds):
    stop = threading.Event()
    calls = [0] * callers
    ready = threading.Barrier(callers + 1)

    def work(t):
        x = torch.rand(batch, 1, 28, 28, generator=torch.Generator().manual_seed(t))
        with torch.inference_mode():
            model(x)
            ready.wait()
            while not stop.is_set():
                model(x)
                calls[t] += 1

    threads = [threading.Thread(target=work, args=(t,)) for t in range(callers)]
    for t in threads:
        t.start()
    ready.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return sum(calls) * batch / (time.perf_counter() - began)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--callers", type=int, default=8)
    p.add_argument("--batches", default="16,1")
    p.add_argument("--seconds", type=float, default=2)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--cores", type=int, default=2)
    p.add_argument("--omp-per-caller", type=int, default=1)
    a = p.parse_args()

    torch.manual_seed(0)
    model = mnist_cnn().eval()
    with torch.inference_mode():
        scripted = torch.jit.optimize_for_inference(torch.jit.script(model))
    for batch in [int(b) for b in a.batches.split(",")]:
        one, many = [], []
        for _ in range(a.rounds):
            torch.set_num_threads(a.cores)
            one.append(images_per_second(scripted, 1, batch, a.seconds))
            torch.set_num_threads(a.omp_per_caller)
            many.append(images_per_second(scripted, a.callers, batch, a.seconds))
        print(1, batch, statistics.median(one), flush=True)
        print(a.callers, batch, statistics.median(many), flush=True)


if __name__ == "__main__":
    main()
