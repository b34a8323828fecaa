#!/bin/sh
# The main job: install, build, then show what this machine can do for a
# default file and persist a counter in it one cache line at a time.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
[ -d build ] || meson setup build
ninja -C build
file=${SYNCMAP_FILE:-/var/tmp/libsyncmap-counter}
./build/tools/syncmap-probe "$file"
./build/examples/counter "$file"
