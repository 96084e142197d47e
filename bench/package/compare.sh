#!/usr/bin/env bash
# fovea, LibTorch and dlib as a C++ user meets them: what each installs, how long a one-file program takes to
# compile (the slides' MNIST CNN defined, printed and run once: fovea_cnn.cpp, torch_cnn.cpp, dlib_cnn.cpp;
# g++ -O0 -c, the median of 3), and what the linked program loads.
#   bench/package/compare.sh BUILD    BUILD: a built fovea tree; fovea is installed from it into a temporary prefix
# Needs Debian's libtorch-dev and libdlib-dev (apt-get install libtorch-dev libdlib-dev).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:?usage: bench/package/compare.sh BUILD}" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/fovea" > /dev/null

median_compile_seconds() {  # source, then the compiler's flags
  local source=$1 times=()
  shift
  for _ in 1 2 3; do
    local start end
    start=$(date +%s.%N)
    g++ -O0 -c "$source" -o "$work/program.o" "$@" 2>> "$work/compile.log"  # LibTorch's headers warn
    end=$(date +%s.%N)
    times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 2p
}

installed_kib() { dpkg-query -W -f='${Installed-Size}\n' "$@" | awk '{ total += $1 } END { print total }'; }

report() {  # name, install size in KiB, source, compile flags..., --, link flags...
  local name=$1 size=$2 source=$3
  shift 3
  local compile=() link=()
  while [[ $1 != -- ]]; do compile+=("$1"); shift; done
  shift
  link=("$@")
  local seconds
  seconds=$(median_compile_seconds "$source" "${compile[@]}")
  g++ "$work/program.o" -o "$work/program" "${link[@]}"
  local direct all
  direct=$(readelf -d "$work/program" | grep -c NEEDED)
  all=$(ldd "$work/program" | grep -c "=>")
  "$work/program" > /dev/null
  printf '| %s | %s MiB | %.1f s | %s | %s direct, %s in all |\n' "$name" "$(awk -v k="$size" 'BEGIN { printf "%.1f", k / 1024 }')" \
    "$seconds" "${link[*]}" "$direct" "$all"
}

echo "| library | installed (library + headers) | compile of a one-file program | link flags | shared libraries the program loads |"
echo "|---|---|---|---|---|"
report "fovea $(sed -n 's/^#define FOVEA_VERSION_\(MAJOR\|MINOR\|PATCH\) //p' "$here/../../include/fovea/version.h" | paste -sd.)" \
  "$(du -sk "$work/fovea" | cut -f1)" "$here/fovea_cnn.cpp" -std=c++20 -I"$work/fovea/include" -- \
  -L"$work/fovea/lib" -lfovea -Wl,-rpath,"$work/fovea/lib"
report "LibTorch $(dpkg-query -W -f='${Version}' libtorch-dev)" "$(installed_kib libtorch1.13 libtorch-dev)" \
  "$here/torch_cnn.cpp" -std=c++17 -I/usr/include/torch/csrc/api/include -- -ltorch -ltorch_cpu -lc10
report "dlib $(dpkg-query -W -f='${Version}' libdlib-dev)" "$(installed_kib libdlib19.1 libdlib-dev)" \
  "$here/dlib_cnn.cpp" -std=c++17 -- -ldlib
