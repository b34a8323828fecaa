#!/bin/sh
# Every test suite: unit, system, probe, fault, fuzz, DAX (in a QEMU guest),
# doc, downstream; then the sanitizer builds.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
[ -d build ] || meson setup build
ninja -C build
meson test -C build --print-errorlogs --num-processes 2
sh scripts/sanitize.sh
