#!/bin/sh
# SPDX-License-Identifier: MIT
# Debian's fio, libpmem engine, on the system's libpmem and on the
# replacement, alternately, in the DAX suite's guest, where both are
# durable (ext4 -o dax, MAP_SYNC):
#
#   tests/dax/run-guest --build-dir build --qemu libpmem/tests/qemu-icount.sh \
#     --run 'sh "$SYNCMAP_DAX_SOURCE/libpmem/tests/fio-dax-compare.sh" [ROUNDS [LIBDIR]]'
#
# LIBDIR: where the replacement's libpmem.so.1 and syncmap-run are
# (default the build directory's libpmem/).  Every run is the same
# command (16 MiB, 4 KiB random writes, verify=crc32c) on the same file,
# laid out once by the first run, so that every run writes the same
# blocks (a file laid out afresh may or may not get 2 MiB-aligned
# extents, which changes the cost of its page faults more than either
# library does).
#
# One warm-up run of each first (not counted), then ROUNDS (default 4)
# rounds in the order system, replacement, replacement, system, ...
# Prints each run's write IOPS (fio's terse field 49), each round's
# ratio replacement / system, and their median.
#
# Under QEMU's TCG every instruction is emulated: the figures say what
# the libraries cost in emulation, not on hardware.  Without -icount
# (qemu-icount.sh) the guest's clock is the host's, and on a shared host
# the runs of one boot differ by a factor of two or more.
set -eu
rounds=${1:-4}
b=${SYNCMAP_DAX_BUILD:?run this in the DAX guest}
lib=${2:-$b/libpmem}
dir=${SYNCMAP_DAX_EXT4:?no ext4 -o dax in this guest}
f=$dir/pm-fio-compare
unset PMEM_IS_PMEM_FORCE LD_LIBRARY_PATH
trap 'rm -f "$f"' EXIT
rm -f "$f"

grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' |
	grep -xE 'avx|avx2|avx512f|clwb|clflushopt|erms|fsrm' | tr '\n' ' ' |
	sed 's/^/guest CPU: /; s/$/\n/'

# one system|replacement: prints the run's write IOPS
one() {
	case $1 in
	system) set -- fio ;;
	replacement) set -- sh "$lib/syncmap-run" --libdir "$lib" fio ;;
	esac
	"$@" --thread --name=pm --ioengine=libpmem --filename="$f" --size=16m --bs=4k \
		--rw=randwrite --verify=crc32c --output-format=terse | cut -d';' -f49
}

echo "warm-up: system $(one system), replacement $(one replacement) write IOPS (not counted)"
ratios=
i=1
while [ "$i" -le "$rounds" ]; do
	if [ $((i % 2)) -eq 1 ]; then
		s=$(one system); r=$(one replacement)
	else
		r=$(one replacement); s=$(one system)
	fi
	q=$(echo "$r $s" | awk '{ printf "%.3f", $1 / $2 }')
	echo "round $i: system $s, replacement $r write IOPS, ratio $q"
	ratios="$ratios $q"
	i=$((i + 1))
done
echo "$ratios" | tr ' ' '\n' | grep . | sort -n |
	awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
		printf "median ratio replacement / system over %d rounds: %.3f (min %.3f, max %.3f)\n",
			NR, m, v[1], v[NR] }'
