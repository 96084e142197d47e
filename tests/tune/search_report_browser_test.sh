#!/usr/bin/env bash
# The search report in a real browser: a short `fovea tune` (Hyperband, R = 3, over the example space's small CNN on
# 300 Fashion-MNIST images), then its report.html opened in headless Chromium (tests/tune/search_report_browser.js).
# Usage: tests/tune/search_report_browser_test.sh FOVEA_COMMAND   (ctest runs it; exit 77 skips: no node, browser or
# data). FOVEA_REPORT_SCREENSHOT=PATH keeps the screenshot.
set -euo pipefail
fovea=${1:?usage: tests/tune/search_report_browser_test.sh FOVEA_COMMAND}
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
command -v node >/dev/null || { echo "SKIP: node is not installed"; exit 77; }
[[ -d /usr/share/datasets/fashion-mnist ]] || { echo "SKIP: dataset-fashion-mnist is not installed"; exit 77; }
"$fovea" tune "$here/../../examples/tune/fashion_cnn_space.json" --data fashion-mnist --limit 300 \
  --strategy hyperband --budget 3 --seed 1 --threads-per-trial 1 -o "$work/search" > "$work/tune.log" 2>&1 ||
  { cat "$work/tune.log"; echo "FAIL: fovea tune failed"; exit 1; }
# R = 3, eta = 3: 3 + 2 trials.
node "$here/search_report_browser.js" "$work/search/report.html" "${FOVEA_REPORT_SCREENSHOT:-$work/report.png}" 5
