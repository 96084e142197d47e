#!/usr/bin/env bash
# Hyperband against random search on a Fashion-MNIST subset, with the same total budget in epochs, for several
# search seeds, and both against `fovea train`'s default settings on the same subset. The searches tune the
# training and the architecture of a small CNN (examples/tune/fashion_cnn_space.json); the test split is used only
# once per search, for its best trial. Prints a table per seed and writes it to OUT/table.md.
# Usage: bench/tune_compare.sh [OUT]   (env: FOVEA=build/fovea, R=27, ETA=3, SEEDS="1 2 3", LIMIT=10000)
set -euo pipefail
cd "$(dirname "$0")/.."
fovea=${FOVEA:-build/fovea}
out=${1:-tune-compare}
R=${R:-27}
eta=${ETA:-3}
seeds=${SEEDS:-"1 2 3"}
limit=${LIMIT:-10000}
space=examples/tune/fashion_cnn_space.json
mkdir -p "$out"
common=(--data fashion-mnist --limit "$limit" --budget "$R" --eta "$eta")
# search NAME ARGS...: runs the search into OUT/NAME, continues it when an earlier run was interrupted, and leaves a
# finished one alone.
search() {
  local name=$1
  shift
  if [[ -f "$out/$name/best.json" ]]; then return; fi
  if [[ -f "$out/$name/journal.jsonl" ]]; then
    "$fovea" tune --resume -o "$out/$name" >> "$out/$name.log" 2>&1
  else
    "$fovea" tune "$space" "${common[@]}" "$@" -o "$out/$name" > "$out/$name.log" 2>&1
  fi
}
for seed in $seeds; do
  search "hyperband-$seed" --strategy hyperband --seed "$seed"
  total=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['budget_used'])" "$out/hyperband-$seed/best.json")
  search "random-$seed" --strategy random --total-budget "$total" --seed "$seed"
done
if [[ ! -f "$out/default/metrics.json" ]]; then
  "$fovea" train --limit "$limit" --no-report --verbose 2 -o "$out/default" > "$out/default.log" 2>&1
fi
python3 - "$out" "$seeds" <<'PY'
import json, sys, os
out, seeds = sys.argv[1], sys.argv[2].split()
rows = ["| seed | strategy | trials (steps) | budget used (epochs) | wall time (s) | best val_accuracy | its test accuracy |",
        "|---|---|---|---|---|---|---|"]
means = {}
for seed in seeds:
    for strategy in ("hyperband", "random"):
        best = json.load(open(os.path.join(out, f"{strategy}-{seed}", "best.json")))
        trials = len({line.split(",")[0] for line in open(os.path.join(out, f"{strategy}-{seed}", "trials.csv")).readlines()[1:]})
        test = best.get("test", {}).get("accuracy", float("nan"))
        rows.append(f"| {seed} | {strategy} | {trials} ({best['steps']}) | {best['budget_used']:.0f} | {best['seconds']:.0f} | "
                    f"{best['value']:.4f} | {test:.4f} |")
        means.setdefault(strategy, []).append((best["value"], test))
for strategy, values in means.items():
    v = sum(x for x, _ in values) / len(values)
    t = sum(y for _, y in values) / len(values)
    rows.append(f"| mean | {strategy} | | | | {v:.4f} | {t:.4f} |")
metrics = json.load(open(os.path.join(out, "default", "metrics.json")))
rows.append(f"| - | fovea train defaults (mnist-cnn, {metrics['epochs']} epochs) | 1 | {metrics['epochs']} | "
            f"{metrics['train_seconds']:.0f} | {metrics['final_epoch']['val_accuracy']:.4f} | {metrics['test']['accuracy']:.4f} |")
table = "\n".join(rows)
print(table)
open(os.path.join(out, "table.md"), "w").write(table + "\n")
PY
