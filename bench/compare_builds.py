#!/usr/bin/python3
"""Two builds of fovea on bench/suite.py's workloads, run alternately (before, after, before, after, ...) so that
both meet the same moments of a shared machine; prints each workload's median for both, the ratio after/before
and whether the after build stays within the allowed slowdown.

    python3 bench/compare_builds.py BEFORE/fovea AFTER/fovea               # all workloads, 5 rounds, 3% allowed
    python3 bench/compare_builds.py A B --only W1-train --rounds 9 --allowed 0.03

Made for issue 17's portable build: BEFORE compiled with -march=x86-64-v3, AFTER for baseline x86-64 with its
own loops chosen at run time.
"""
import argparse
import os
import statistics
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import suite  # noqa: E402  (the workloads and the way suite.py runs fovea on them)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--allowed", type=float, default=0.03, help="the largest slowdown accepted (0.03: 3%%)")
    p.add_argument("--only", nargs="*", help="workload names (default: all)")
    a = p.parse_args()

    def side(binary):
        return types.SimpleNamespace(fovea=binary, threads=a.threads, warmup=a.warmup, repeats=a.repeats)

    print(f"before {a.before}, after {a.after}; threads {a.threads}, warm-up {a.warmup}, repeats {a.repeats}, "
          f"rounds {a.rounds} alternating; load average before: {os.getloadavg()[0]:.2f}")
    print("workload | before median ms (rounds) | after median ms (rounds) | after/before | verdict")
    worst = 0.0
    for name, network, shape, classes, phase, batch, _ in suite.WORKLOADS:
        if a.only and name not in a.only:
            continue
        medians = {"before": [], "after": []}
        for _ in range(a.rounds):
            for key, binary in (("before", a.before), ("after", a.after)):
                medians[key].append(suite.run_fovea(side(binary), name, network, shape, classes, phase, batch)["median_ms"])
        before, after = statistics.median(medians["before"]), statistics.median(medians["after"])
        ratio = after / before
        worst = max(worst, ratio - 1)
        verdict = "ok" if ratio <= 1 + a.allowed else f"SLOWER by more than {100 * a.allowed:g}%"
        print(f"{name} | {before:.3f} ({', '.join(f'{m:.3f}' for m in medians['before'])}) | {after:.3f} "
              f"({', '.join(f'{m:.3f}' for m in medians['after'])}) | {ratio:.3f} | {verdict}", flush=True)
    print(f"largest slowdown: {100 * worst:.1f}% (allowed {100 * a.allowed:g}%); load average after: "
          f"{os.getloadavg()[0]:.2f}")
    return 0 if worst <= a.allowed else 1


if __name__ == "__main__":
    sys.exit(main())
