#!/bin/sh
# Every test suite: unit, system, probe, fault, fuzz, DAX (in a QEMU guest),
# doc, downstream, sqlite (the SQLite VFS, sqlite/README.md); then the
# sanitizer builds.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
[ -d build ] || meson setup build -Dsqlite=enabled
ninja -C build
# ---- Other architectures and the Debian packages (scripts/ports.sh,
# tests/ports/README.md), beside the x86 suites: the emulators use the
# time the x86 guests leave.
sh scripts/ports.sh >build/ports.log 2>&1 &
ports=$!
meson test -C build --print-errorlogs --num-processes 2 || { wait $ports; exit 1; }
wait $ports || { cat build/ports.log; exit 1; }
cat build/ports.log
# ---- end of the ports steps
sh scripts/sanitize.sh
