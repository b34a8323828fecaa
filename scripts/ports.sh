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

# Its variables are its own (step_*): a chain's rc must not be reset by
# the next step that passes.
step() {	# step NAME COMMAND...: run, log, report
	step_name=$1; shift
	step_t0=$(date +%s)
	"$@" >"build/ports-$step_name.log" 2>&1
	step_rc=$?
	echo "ports: $step_name $([ $step_rc = 0 ] && echo PASS || echo FAIL) in $(($(date +%s) - step_t0)) s (build/ports-$step_name.log)"
	[ $step_rc = 0 ] || tail -n 40 "build/ports-$step_name.log" | sed "s/^/ports: $step_name: /"
	return $step_rc
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
