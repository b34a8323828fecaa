#!/bin/sh
# SPDX-License-Identifier: MIT
# Instructions per call of pmem_persist, pmem_flush + pmem_drain and
# pmem_memcpy, on Debian's libpmem and on the replacement, counted by
# callgrind (only inside those functions): a comparison the noise of a
# shared machine cannot blur.  Both on a file in DIR (default /dev/shm),
# Debian's with PMEM_IS_PMEM_FORCE=1, the replacement on its cache-line
# path forced (SYNCMAP_FORCE_GRANULARITY=cache_line): CPU cost only.
# Under valgrind the CPU has no CLWB or CLFLUSHOPT, so both use CLFLUSH.
#   libpmem/tests/callgrind-calls.sh BUILD_DIR [DIR] [LIBDIR]
# LIBDIR: the replacement's directory (default BUILD_DIR/libpmem).
set -eu
b=${1:?usage: callgrind-calls.sh BUILD_DIR [DIR] [LIBDIR]}
dir=${2:-/dev/shm}
lib=${3:-$b/libpmem}
prog=$b/libpmem/tests/pm-calls
n=2000
tmp=$(mktemp -d)
f=$dir/pm-calls.$$
trap 'rm -rf "$tmp" "$f"' EXIT

# count system|replacement OP SIZE FLAGS: instructions per call
count() {
	case $2 in
	persist) t="--toggle-collect=pmem_persist" ;;
	flush_drain) t="--toggle-collect=pmem_flush --toggle-collect=pmem_drain" ;;
	*) t="--toggle-collect=pmem_memcpy" ;;
	esac
	if [ "$1" = replacement ]; then
		e="LD_LIBRARY_PATH=$lib SYNCMAP_FORCE_GRANULARITY=cache_line"
	else
		e="PMEM_IS_PMEM_FORCE=1"
	fi
	rm -f "$f"
	# shellcheck disable=SC2086
	env $e valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" $t \
		"$prog" "$f" "$2" "$3" $n "$4" >/dev/null 2>"$tmp/log" ||
		{ cat "$tmp/log" >&2; exit 1; }
	callgrind_annotate "$tmp/cg" |
		awk -v n=$n '/PROGRAM TOTALS/ { gsub(",", "", $1); printf "%.0f", $1 / n }'
}

printf '%-12s %6s %6s %10s %12s %7s\n' op size flags libpmem replacement ratio
for c in "persist 64" "persist 4096" "persist 65536" \
	 "flush_drain 64" "flush_drain 4096" "flush_drain 65536" \
	 "memcpy 64 0" "memcpy 4096 0" "memcpy 65536 0" \
	 "memcpy 64 5" "memcpy 4096 5" "memcpy 65536 5"; do
	# shellcheck disable=SC2086
	set -- $c
	s=$(count system "$1" "$2" "${3:-0}")
	r=$(count replacement "$1" "$2" "${3:-0}")
	printf '%-12s %6s %6s %10s %12s %7s\n' "$1" "$2" "${3:--}" "$s" "$r" \
		"$(echo "$r $s" | awk '{ printf "%.3f", $1 / $2 }')"
done
