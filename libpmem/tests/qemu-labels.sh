#!/bin/sh
# qemu-labels.sh SOURCE BUILD SYNCMAP_RUN LIBDIR MODE
# Debian's QEMU boots the DAX suite's guest (tests/dax/run-guest) with
# one NVDIMM on memory-backend-file,pmem=on over a host file without DAX
# and a label area (qemu-wrap.sh).  The guest's ndctl writes labels; QEMU
# writes each with pmem_memcpy_persist().  MODE replacement: QEMU runs
# through syncmap-run, and every label write must reach the file by msync
# (the host file has no MAP_SYNC, so a cache flush would make nothing
# durable).  MODE system, the control: on the system's libpmem the same
# boot must show no msync at all (its cache flush is all it does), or the
# check above proves nothing.
set -eu
src=$1 build=$2 run=$3 libdir=$4 mode=$5
dir=$(mktemp -d "$PWD/pm-qemu.XXXXXX")
trap 'rm -rf "$dir"' EXIT
export PM_QEMU_TRACE="$dir/trace" PM_SYNCMAP_RUN="$run" PM_LIBDIR="$libdir"
# meson puts the build tree in LD_LIBRARY_PATH: the control must not see it.
[ "$mode" = system ] && export PM_QEMU_SYSTEM=1 && unset LD_LIBRARY_PATH
command -v strace >/dev/null || { echo "strace is missing: scripts/deps.sh installs it"; exit 1; }
python3 "$src/tests/dax/run-guest" --source-dir "$src" --build-dir "$build" \
	--name "pm-qemu-$mode" --qemu "$src/libpmem/tests/qemu-wrap.sh" \
	--run 'ndctl list -N | grep -c "\"dev\"" && ndctl read-labels -j all >/dev/null' >"$dir/log" 2>&1 ||
	{ grep -v '^\[' "$dir/log" | tail -30; exit 1; }
grep -E '^(GUEST|RESULT|run-guest)' "$dir/log" | tail -8
n=$(grep -c 'msync(' "$dir/trace" || true)
echo "$mode: QEMU called msync $n times for the guest's label writes"
grep 'msync(' "$dir/trace" | head -3
if [ "$mode" = system ]; then [ "$n" -eq 0 ]; else [ "$n" -gt 0 ]; fi
