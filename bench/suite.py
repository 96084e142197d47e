#!/usr/bin/python3
"""The speed suite: every workload of the speed issue in fovea (`fovea bench ... --json`, one process per
workload so that each peak RSS is its own) and in PyTorch (this script re-run as a child process per workload),
back to back on the same machine, with the same threads, warm-up and repeats. Prints one table row per workload:
fovea's and PyTorch's min/median/max, images/s, peak RSS, the ratio of the two medians (above 1: fovea is
faster) and fovea's achieved GFLOP/s against the machine's peak.

    python3 bench/suite.py                    # all workloads, 2 threads, 10 repeats, 3 alternating rounds
    python3 bench/suite.py --only W1-train --repeats 20
    python3 bench/suite.py --no-torch         # fovea alone (also what happens when torch is not installed)

Both sides time the same thing: training is one optimizer step (Adam, forward + loss + backward + update) on a
fixed random batch; inference is a forward pass in inference mode (PyTorch: eval() under no_grad, and also
TorchScript's optimize_for_inference, whichever is faster counts as PyTorch's best).

W1-train-data is the memory workload: both sides first load Fashion-MNIST's training split into memory and hold
the same data, the stored pixel bytes (fovea: `fovea bench --data fashion-mnist`, its IDX reader keeping uint8, as
`fovea train` does; PyTorch: gzip + numpy into a uint8 tensor, as torchvision's FashionMNIST keeps it), then time
Adam steps on consecutive batches of it, each converted to float32 and scaled to 0-1 as it is drawn. Its target is
on peak RSS, which then includes the data: fovea's at most a third of PyTorch's.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

# name, fovea network, input shape (channels last, batch excluded), classes, phase, batch size, target ratio
WORKLOADS = [
    ("W1-train", "mnist-cnn", (28, 28, 1), 10, "training", 128, 2.0),
    ("W1-infer-1000", "mnist-cnn", (28, 28, 1), 10, "inference", 1000, 1.5),
    ("W1-latency", "mnist-cnn", (28, 28, 1), 10, "latency", 1, None),  # target: <= 0.5 ms
    ("LWLS-train", "lwls-6.3", (28, 28, 1), 10, "training", 128, 3.0),
    ("ResNet18-32-train", "resnet18", (32, 32, 3), 10, "training", 64, 2.0),
    ("ResNet50-latency", "resnet50", (224, 224, 3), 1000, "latency", 1, None),  # target: <= 40 ms
    ("VGG16-latency", "vgg16", (224, 224, 3), 1000, "latency", 1, None),  # target: <= 150 ms
    ("W1-train-data", "mnist-cnn", (28, 28, 1), 10, "training", 128, None),  # target: RSS_TARGET
]
# Workloads that train on a data set held in memory (`fovea bench --data NAME`) instead of a random batch.
DATA = {"W1-train-data": "fashion-mnist"}
# Memory targets: PyTorch's peak RSS / fovea's peak RSS at least this.
RSS_TARGET = {"W1-train-data": 3.0}
ABSOLUTE_TARGET_MS = {"W1-latency": 0.5, "ResNet50-latency": 40.0, "VGG16-latency": 150.0}
PEAK_GFLOPS = 198.0  # the project's stated FP32 peak of this 2-core machine (AVX2 + FMA)


# ---------------------------------------------------------------- PyTorch side (child process)

def build_torch(name, shape, classes):
    import torch.nn as nn
    h, w, c = shape
    if name == "mnist-cnn":
        return nn.Sequential(
            nn.Conv2d(c, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
            nn.Flatten(), nn.Linear(64 * ((h - 4) // 2) * ((w - 4) // 2), 128), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(128, classes))
    if name == "lwls-6.3":
        return nn.Sequential(
            nn.Conv2d(c, 4, 5, padding=2), nn.ReLU(), nn.Conv2d(4, 8, 5, stride=2, padding=2), nn.ReLU(),
            nn.Conv2d(8, 12, 4, stride=2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(12 * 7 * 7, 200), nn.ReLU(),
            nn.Linear(200, classes))
    import torchvision.models as models  # python3-torchvision
    if name in ("resnet18", "resnet50"):
        return getattr(models, name)(num_classes=classes)
    if name == "vgg16":
        return models.vgg16(num_classes=classes)
    raise SystemExit(f"suite.py: no PyTorch version of {name}")


def time_repeats(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    ms = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - start) * 1000.0)
    ms.sort()
    return {"min_ms": ms[0], "median_ms": ms[len(ms) // 2], "max_ms": ms[-1]}


def fashion_mnist_root():
    """The folder `fovea bench --data fashion-mnist` reads, so that both sides load the same files."""
    return os.environ.get("FOVEA_FASHION_MNIST_ROOT") or "/usr/share/datasets/fashion-mnist"


def load_idx_training_split(root):
    """Fashion-MNIST's training split held as torchvision's FashionMNIST holds it: a uint8 (N, 1, 28, 28) tensor of
    the stored pixels (gzip + numpy, so torchvision need not be installed) and int64 labels. The IDX headers are 16
    bytes (images) and 8 (labels)."""
    import gzip
    import numpy as np
    import torch
    with gzip.open(os.path.join(root, "train-images-idx3-ubyte.gz"), "rb") as f:
        pixels = np.frombuffer(f.read(), np.uint8, offset=16).copy()  # owns its memory; the file buffer goes
    with gzip.open(os.path.join(root, "train-labels-idx1-ubyte.gz"), "rb") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return torch.from_numpy(pixels).view(-1, 1, 28, 28), torch.from_numpy(labels.astype(np.int64))


def torch_child(a):
    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    shape = tuple(a.shape)
    # The data set first (held for the whole run, so the peak RSS includes it), as fovea bench --data does.
    data = load_idx_training_split(a.data_dir) if a.data_dir else None
    model = build_torch(a.network, shape, a.classes)
    x = torch.rand(a.batch, shape[2], shape[0], shape[1])
    result = {"torch": torch.__version__}
    if data is not None:
        result["data_samples"] = data[0].shape[0]
        result["data_mib"] = (data[0].nelement() * data[0].element_size() +
                              data[1].nelement() * data[1].element_size()) / 2 ** 20
    if a.phase == "training":
        model.train()
        y = torch.randint(0, a.classes, (a.batch,))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.CrossEntropyLoss()
        start = [0]

        def next_batch():
            """Consecutive batches of the data, as float32 scaled to 0-1 (torchvision's ToTensor), starting over
            before a partial last batch (as fovea bench does)."""
            if data is None:
                return x, y
            s = start[0] if start[0] + a.batch <= data[0].shape[0] else 0
            start[0] = s + a.batch
            return data[0][s:s + a.batch].float().div_(255), data[1][s:s + a.batch]

        def step():
            bx, by = next_batch()
            opt.zero_grad(set_to_none=True)
            loss_fn(model(bx), by).backward()
            opt.step()
        result.update(time_repeats(step, a.warmup, a.repeats))
    else:
        model.eval()
        with torch.no_grad():
            eager = time_repeats(lambda: model(x), a.warmup, a.repeats)
            try:
                scripted = torch.jit.optimize_for_inference(torch.jit.script(model))
                best = time_repeats(lambda: scripted(x), a.warmup, a.repeats)
                best["variant"] = "torchscript"
            except Exception as e:  # some builds lack the freezing passes
                best = dict(eager, variant=f"eager (torchscript failed: {e})")
        eager["variant"] = "eager"
        result.update(best if best["median_ms"] < eager["median_ms"] else eager)
        result["eager_median_ms"] = eager["median_ms"]
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(result))


# ---------------------------------------------------------------- driver

def run_fovea(a, name, network, shape, classes, phase, batch):
    cmd = [a.fovea, "bench", network, "--input-shape", ",".join(map(str, shape)), "--classes", str(classes),
           "-b", str(batch), "--threads", str(a.threads), "--warmup", str(a.warmup), "--repeats", str(a.repeats),
           "--json"]
    if name in DATA:
        cmd += ["--data", DATA[name]]
    # Each process measures only its workload's phase (as the PyTorch child does), so that its peak RSS is that
    # phase's alone.
    cmd.append("--training-only" if phase == "training" else "--inference-only")
    out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    key = {"training": "training", "inference": "inference", "latency": "latency_batch_1"}[phase]
    r = dict(out[key])
    r["peak_rss_mib"] = out[key]["peak_rss_mib"]
    for field in ("data_samples", "data_mib"):
        if field in out:
            r[field] = out[field]
    return r


def run_torch(a, name, network, shape, classes, phase, batch):
    cmd = [a.python, os.path.abspath(__file__), "--child", "--network", network, "--shape", *map(str, shape),
           "--classes", str(classes), "--phase", phase, "--batch", str(batch), "--threads", str(a.threads),
           "--warmup", str(a.warmup), "--repeats", str(a.repeats)]
    if name in DATA:
        assert DATA[name] == "fashion-mnist", "the PyTorch side reads Fashion-MNIST's IDX files only"
        cmd += ["--data-dir", fashion_mnist_root()]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def torch_available(python):
    return subprocess.run([python, "-c", "import torch"], capture_output=True).returncode == 0


def combine(rounds):
    """One workload's alternating rounds as one result: the median of the round medians, the smallest min, the
    largest max and the largest peak RSS; throughput follows the median. A failed round is left out."""
    ok = [r for r in rounds if r and "error" not in r]
    if not ok:
        return rounds[0]
    out = dict(ok[0])
    out["median_ms"] = sorted(r["median_ms"] for r in ok)[len(ok) // 2]
    out["min_ms"] = min(r["min_ms"] for r in ok)
    out["max_ms"] = max(r["max_ms"] for r in ok)
    out["peak_rss_mib"] = max(r["peak_rss_mib"] for r in ok)
    for field in ("images_per_s", "gflops"):
        if field in out:
            out[field] *= ok[0]["median_ms"] / out["median_ms"]
    return out


def fmt(r):
    return f"{r['min_ms']:.2f}/{r['median_ms']:.2f}/{r['max_ms']:.2f}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fovea", default=os.path.join(os.path.dirname(__file__), "..", "build", "fovea"))
    p.add_argument("--python", default="/usr/bin/python3")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3,
                   help="fovea and PyTorch alternate this many times per workload, so that both meet the same "
                        "moments of a shared machine; the round medians' median is reported")
    p.add_argument("--only", nargs="*", help="workload names (default: all)")
    p.add_argument("--no-torch", action="store_true")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    # child mode (PyTorch side of one workload)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--network", help=argparse.SUPPRESS)
    p.add_argument("--shape", type=int, nargs=3, help=argparse.SUPPRESS)
    p.add_argument("--classes", type=int, help=argparse.SUPPRESS)
    p.add_argument("--phase", help=argparse.SUPPRESS)
    p.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    p.add_argument("--data-dir", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        return torch_child(a)

    use_torch = not a.no_torch and torch_available(a.python)
    if not use_torch:
        print("suite.py: PyTorch not used (--no-torch, or `import torch` fails); fovea's figures alone")
    print(f"threads {a.threads}, warm-up {a.warmup}, repeats {a.repeats}, rounds {a.rounds} (fovea and PyTorch "
          f"alternating); times in ms as min/median/max; load average before: {os.getloadavg()[0]:.2f}")
    header = ["workload", "fovea ms", "img/s", "GFLOP/s (% of peak)", "RSS MiB", "PyTorch ms", "img/s", "RSS MiB",
              "ratio", "target"]
    print(" | ".join(header))
    rows = []
    for name, network, shape, classes, phase, batch, target_ratio in WORKLOADS:
        if a.only and name not in a.only:
            continue
        fovea_rounds, torch_rounds = [], []
        for _ in range(max(a.rounds, 1)):
            fovea_rounds.append(run_fovea(a, name, network, shape, classes, phase, batch))
            if use_torch:
                torch_rounds.append(run_torch(a, name, network, shape, classes, phase, batch))
        f = combine(fovea_rounds)
        t = combine(torch_rounds) if use_torch else None
        row = {"workload": name, "fovea": f, "torch": t}
        cells = [name, fmt(f), f"{f['images_per_s']:.0f}", f"{f['gflops']:.1f} ({100 * f['gflops'] / PEAK_GFLOPS:.0f}%)",
                 f"{f['peak_rss_mib']:.0f}"]
        if t and "error" not in t:
            ratio = t["median_ms"] / f["median_ms"]
            row["ratio"] = ratio
            cells += [fmt(t) + (f" ({t['variant']})" if "variant" in t else ""), f"{batch * 1000 / t['median_ms']:.0f}",
                      f"{t['peak_rss_mib']:.0f}", f"{ratio:.2f}x"]
        else:
            cells += [t["error"] if t else "-", "-", "-", "-"]
        if name in RSS_TARGET:
            data = f"{DATA[name]}, {f['data_samples']} samples, {f['data_mib']:.0f} MiB held"
            if t and "error" not in t:
                rss_ratio = t["peak_rss_mib"] / f["peak_rss_mib"]
                row["rss_ratio"] = rss_ratio
                met = rss_ratio >= RSS_TARGET[name]
                cells.append(f"RSS PyTorch/fovea {t['peak_rss_mib']:.0f}/{f['peak_rss_mib']:.0f} MiB = {rss_ratio:.2f}x; "
                             f"<= 1/{RSS_TARGET[name]:g} of PyTorch's RSS: {'met' if met else 'NOT met'} ({data})")
            else:
                cells.append(f"<= 1/{RSS_TARGET[name]:g} of PyTorch's RSS ({data})")
        elif name in ABSOLUTE_TARGET_MS:
            met = f["median_ms"] <= ABSOLUTE_TARGET_MS[name]
            cells.append(f"<= {ABSOLUTE_TARGET_MS[name]} ms: {'met' if met else 'NOT met'}")
        elif target_ratio and "ratio" in row:
            cells.append(f">= {target_ratio}x: {'met' if row['ratio'] >= target_ratio else 'NOT met'}")
        else:
            cells.append(f">= {target_ratio}x")
        rows.append(row)
        print(" | ".join(cells), flush=True)
    if a.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    sys.exit(main())
