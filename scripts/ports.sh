#!/bin/sh
# Everywhere Debian runs (tests/ports/README.md): cross builds whose unit
# and system suites run under qemu-user (aarch64, ppc64le, s390x; riscv64
# builds and runs its probe), the aarch64 DAX checks on a real MAP_SYNC
# kernel in qemu-system-aarch64, and the Debian packages built from the
# `meson dist` tarball, checked by lintian and used from a scratch root.
# Two chains run side by side; each step's output is in
# build/ports-STEP.log.  Needs a configured x86 build in build/.
set -u
cd "$(dirname "$0")/.."
: "${SYNCMAP_PORTS_CACHE:=$(pwd)/build/ports-cache}"
export SYNCMAP_PORTS_CACHE
py=$(command -v python3)
started=$(date +%s)

step() {	# step NAME COMMAND...: run, log, report
	name=$1; shift
	t0=$(date +%s)
	"$@" >"build/ports-$name.log" 2>&1
	rc=$?
	echo "ports: $name $([ $rc = 0 ] && echo PASS || echo FAIL) in $(($(date +%s) - t0)) s (build/ports-$name.log)"
	[ $rc = 0 ] || tail -n 40 "build/ports-$name.log" | sed "s/^/ports: $name: /"
	return $rc
}

# The aarch64 DAX guest needs the aarch64 build and sysroot.
(
	step aarch64 "$py" tests/ports/cross.py aarch64 &&
		step dax-arm64 "$py" tests/ports/dax-arm64/run-guest
) &
arm=$!
(
	rc=0
	step ppc64le "$py" tests/ports/cross.py ppc64le || rc=1
	step s390x "$py" tests/ports/cross.py s390x || rc=1
	step riscv64 "$py" tests/ports/cross.py riscv64 || rc=1
	step deb sh tests/ports/deb.sh . build || rc=1
	exit $rc
) &
rest=$!
rc=0
wait $arm || rc=1
wait $rest || rc=1
echo "ports: $([ $rc = 0 ] && echo PASS || echo FAIL) in $(($(date +%s) - started)) s"
exit $rc
