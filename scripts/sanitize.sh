#!/bin/sh
# The sanitizer and Valgrind runs, called by scripts/test.sh:
#   1. ASan+UBSan: the unit, system and fault suites.
#   2. The libFuzzer targets under ASan+UBSan (clang), fuzz_seconds each.
#   3. TSan: the tests that run many threads on one mapping (grows among
#      them), and the
#      journal's (its group commit: threads persisting, checkpoints).
#   4. Valgrind memcheck: the unit and system suites of the plain build.
# ASan and TSan builds use gcc: clang does not link its sanitizer runtime
# into shared libraries, which src/meson.build's -z defs then rejects.
# The fuzz build uses clang and builds only the fuzz targets.
# SYNCMAP_BUILD_PREFIX names the build directories (default "build":
# build, build-asan, build-fuzz, build-tsan).
set -eu
cd "$(dirname "$0")/.."
b=${SYNCMAP_BUILD_PREFIX:-build}
common="-Ddax_tests=disabled -Dbench=disabled"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

step() { printf '\n=== %s\n' "$*"; }

# A build directory configured earlier with another compiler (an older
# version of this script used clang for ASan) is set up again.
want_compiler() {
	[ -d "$2" ] || return 0
	grep -q "command = $1 " "$2/build.ninja" 2>/dev/null || rm -rf "$2"
}

step "ASan+UBSan: unit, system, fault"
want_compiler gcc "$b-asan"
# shellcheck disable=SC2086
[ -d "$b-asan" ] || CC=gcc meson setup "$b-asan" -Db_sanitize=address,undefined \
	-Dfuzz=disabled $common
ninja -C "$b-asan"
meson test -C "$b-asan" --print-errorlogs --num-processes 2 \
	--suite unit --suite system --suite fault

step "libFuzzer under ASan+UBSan"
want_compiler clang "$b-fuzz"
# shellcheck disable=SC2086
[ -d "$b-fuzz" ] || CC=clang meson setup "$b-fuzz" -Db_sanitize=address,undefined \
	-Db_lundef=false -Dfuzz=enabled -Dexamples=false -Ddocs=false $common
fuzz_targets=$(ninja -C "$b-fuzz" -t targets all |
	sed -n 's|^\(tests/fuzz/fuzz-[a-z0-9_-]*\): .*|\1|p')
[ -n "$fuzz_targets" ] || { echo "no fuzz targets were configured" >&2; exit 1; }
# shellcheck disable=SC2086
ninja -C "$b-fuzz" $fuzz_targets
meson test -C "$b-fuzz" --no-rebuild --print-errorlogs --num-processes 2 --suite fuzz

step "TSan: many threads on one mapping"
want_compiler gcc "$b-tsan"
# shellcheck disable=SC2086
[ -d "$b-tsan" ] || CC=gcc meson setup "$b-tsan" -Db_sanitize=thread \
	-Dfuzz=disabled -Dexamples=false -Ddocs=false $common
ninja -C "$b-tsan"
meson test -C "$b-tsan" --print-errorlogs threads journal grow

step "Valgrind memcheck: unit, system"
[ -d "$b" ] || meson setup "$b"
ninja -C "$b"
meson test -C "$b" --print-errorlogs --num-processes 2 --timeout-multiplier 10 \
	--suite unit --suite system \
	--wrap='valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect --track-fds=no'
