#!/bin/sh
# qemu-labels-cost.sh [ROUNDS]   (from the top of the source tree, with a
# build in ./build; SYNCMAP_DAX_CACHE as for the DAX suite)
# What the replacement costs QEMU where it makes QEMU's pmem_persist
# durable: Debian's QEMU boots the DAX suite's guest with one NVDIMM on a
# label-capable memory-backend-file,pmem=on over a host file without DAX
# (qemu-wrap.sh), and the guest rewrites that NVDIMM's 128 KiB label area
# (ndctl zero-labels, then init-labels) once untimed, then LOOPS times
# (PM_LABEL_LOOPS, default 3), timed inside the guest.  QEMU writes each label chunk with pmem_memcpy_persist(): through
# syncmap-run that is an msync of the host file (durable); on Debian's
# libpmem a cache flush (not durable on that file).  ROUNDS boots per
# library (default 2), alternating, the first of a pair changing each
# round; prints each time and the ratio of the medians, replacement over
# Debian's libpmem.
set -eu
rounds=${1:-2} loops=${PM_LABEL_LOOPS:-3}
src=$(pwd) build=$(pwd)/build
[ -x "$build/libpmem/syncmap-run" ] || { echo "no build/libpmem/syncmap-run: build first" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/pm-qemu-cost.XXXXXX")
trap 'rm -rf "$dir"' EXIT
export PM_SYNCMAP_RUN="$build/libpmem/syncmap-run" PM_LIBDIR="$build/libpmem"
unset PM_QEMU_TRACE
# In the guest: free every region (the harness mounted them), find the
# NVDIMM with a label area, and time LOOPS rewrites of it.
cmd='for m in /run/dax/*; do umount "$m" 2>/dev/null; done
ndctl disable-region all >/dev/null 2>&1
nm=; for d in /sys/bus/nd/devices/nmem*; do
	ndctl read-labels -j "${d##*/}" 2>/dev/null | grep -q NAMESPACE_INDEX && nm=${d##*/} && break; done
[ -n "$nm" ] || { echo "no NVDIMM with labels"; exit 1; }
ndctl zero-labels "$nm" >/dev/null 2>&1 && ndctl init-labels -f "$nm" >/dev/null 2>&1 || exit 1
t0=$(cut -d" " -f1 /proc/uptime)
i=0; while [ $i -lt '"$loops"' ]; do
	ndctl zero-labels "$nm" >/dev/null 2>&1 && ndctl init-labels -f "$nm" >/dev/null 2>&1 || exit 1
	i=$((i + 1)); done
t1=$(cut -d" " -f1 /proc/uptime)
echo "LABELS $nm $(echo "$t0 $t1" | awk "{ printf \"%.2f\", \$2 - \$1 }")"'
r=0
while [ $r -lt "$rounds" ]; do
	# Alternate which goes first, so that a drift in the host's load
	# does not favour one side.
	order="system replacement"
	[ $((r % 2)) = 1 ] && order="replacement system"
	for mode in $order; do
		if [ $mode = system ]; then export PM_QEMU_SYSTEM=1; else unset PM_QEMU_SYSTEM; fi
		(unset LD_LIBRARY_PATH; python3 "$src/tests/dax/run-guest" --source-dir "$src" \
			--build-dir "$build" --name pm-qemu-cost --qemu "$src/libpmem/tests/qemu-wrap.sh" \
			--run "$cmd") >"$dir/log" 2>&1 || { tail -20 "$dir/log"; exit 1; }
		s=$(sed -n 's/^LABELS [^ ]* //p' "$dir/log" | tail -n 1)
		[ -n "$s" ] || { tail -20 "$dir/log"; exit 1; }
		echo "$mode $s" | tee -a "$dir/times"
	done
	r=$((r + 1))
done
python3 - "$dir/times" "$loops" <<'PY'
import statistics, sys
t = {"system": [], "replacement": []}
for line in open(sys.argv[1]):
    m, s = line.split()
    t[m].append(float(s))
s, p = statistics.median(t["system"]), statistics.median(t["replacement"])
print(f"{sys.argv[2]} label-area rewrites (zero-labels + init-labels), guest seconds, median of "
      f"{len(t['system'])} boots: Debian's libpmem {s:.2f} s, replacement {p:.2f} s, "
      f"ratio {p / s:.2f}")
PY
