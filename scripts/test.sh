#!/bin/sh
# Every test suite: unit, system, DAX (in a QEMU guest), docs, downstream,
# fuzz, then the unit and system suites again under ASan+UBSan.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
[ -d build ] || meson setup build
ninja -C build
meson test -C build --print-errorlogs --num-processes 2
[ -d build-asan ] || CC=clang meson setup build-asan -Db_sanitize=address,undefined \
	-Db_lundef=false -Ddax_tests=disabled -Dbench=false
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs --suite unit --suite system
