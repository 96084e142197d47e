#!/usr/bin/env bash
# The training report in a real browser: a short `fovea train` run on a few hundred Fashion-MNIST images, then its
# report.html opened in headless Chromium (tests/viz/report_browser.js), every class name looked for on the page.
# Usage: tests/viz/report_browser_test.sh FOVEA_COMMAND   (ctest runs it; exit 77 skips: no node, browser or data)
# FOVEA_REPORT_SCREENSHOT=PATH keeps the screenshot.
set -euo pipefail
fovea=${1:?usage: tests/viz/report_browser_test.sh FOVEA_COMMAND}
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
command -v node >/dev/null || { echo "SKIP: node is not installed"; exit 77; }
[[ -d /usr/share/datasets/fashion-mnist ]] || { echo "SKIP: dataset-fashion-mnist is not installed"; exit 77; }
"$fovea" train --limit 500 --limit-test 300 --epochs 2 --verbose 0 -o "$work/run" > "$work/train.log" 2>&1 ||
  { cat "$work/train.log"; echo "FAIL: fovea train failed"; exit 1; }
node "$here/report_browser.js" "$work/run/report.html" "${FOVEA_REPORT_SCREENSHOT:-$work/report.png}" \
  "T-shirt/top" "Trouser" "Pullover" "Dress" "Coat" "Sandal" "Shirt" "Sneaker" "Bag" "Ankle boot"
