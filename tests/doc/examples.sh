#!/bin/sh
# The examples do what their comments promise, on whatever path this
# machine gives (the page path on a host without persistent memory):
# counter counts, log and kv recover from a crash at every persist of a
# short run, and their verify commands reject a state that is wrong.
#
# A process that exits abruptly (EXAMPLE_CRASH_AFTER) loses nothing that
# it stored, so these runs test the recovery logic against every
# interrupted operation; the DAX suite's power cuts test durability.
set -eu
counter=$1 log=$2 kv=$3
base=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
dir=$(mktemp -d "$base/syncmap-examples.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail=0
check() {	# check DESCRIPTION COMMAND...: the command must succeed
	desc=$1; shift
	if "$@" >"$dir/out" 2>&1; then echo "ok   $desc"
	else echo "FAIL $desc"; sed 's/^/     /' "$dir/out"; fail=1; fi
}
refuse() {	# refuse DESCRIPTION COMMAND...: the command must fail
	desc=$1; shift
	if "$@" >"$dir/out" 2>&1; then echo "FAIL $desc (accepted)"; sed 's/^/     /' "$dir/out"; fail=1
	else echo "ok   $desc"; fi
}
has() { grep -q -- "$2" "$1"; }

# ---- counter
"$counter" "$dir/counter" >"$dir/c1"
"$counter" "$dir/counter" 10 >"$dir/c2"
check "counter prints its path and why" has "$dir/c1" '^granularity: \(page\|cache_line\|byte\)'
check "counter prints the cause" has "$dir/c1" '^cause: '
check "counter starts at 0" has "$dir/c1" 'counter: *0 -> 1 '
check "counter continues from the file" has "$dir/c2" 'counter: *1 -> 11 '

# ---- log
L="$dir/wal"
"$log" "$L" append hello "second record" >"$dir/l1" 2>"$dir/l1e"
check "log acknowledges each append" has "$dir/l1" '^ack 2$'
check "log prints its path and why" has "$dir/l1e" 'granularity (flush'
"$log" "$L" fill 50 7 >"$dir/l2" 2>/dev/null
check "log batch mode acknowledges the last id" has "$dir/l2" '^ack 52$'
"$log" "$L" dump >"$dir/l3" 2>/dev/null
check "log dump recovers the text" has "$dir/l3" '^2 13 second record$'
check "log verify accepts a good log" "$log" "$L" verify 52
refuse "log verify notices missing acknowledged records" "$log" "$L" verify 53
# Damage the first generated record's payload: the checksum must end the
# log there, and verify must then miss acknowledged records.
cp "$L" "$dir/wal.bad"
printf 'X' | dd of="$dir/wal.bad" bs=1 seek=$((64 + 64 + 64 + 24 + 6)) conv=notrunc 2>/dev/null
refuse "log recovery stops at a damaged record" "$log" "$dir/wal.bad" verify 52

crash_log() {	# crash_log BATCH: cut a run short at every persist
	batch=$1 n=1 bad=0
	while [ $n -le 45 ]; do
		rm -f "$dir/cl"
		"$log" "$dir/cl" fill 3 >/dev/null 2>&1
		EXAMPLE_CRASH_AFTER=$n "$log" "$dir/cl" fill 20 "$batch" >"$dir/acks" 2>/dev/null || true
		acked=$(sed -n 's/^ack //p' "$dir/acks" | tail -n 1)
		"$log" "$dir/cl" verify "${acked:-3}" >"$dir/v" 2>&1 || { bad=1; echo "     crash after persist $n:"; cat "$dir/v"; }
		# The recovered log must take new records.
		"$log" "$dir/cl" append after >/dev/null 2>&1 || { bad=1; echo "     no append after crash $n"; }
		"$log" "$dir/cl" verify >/dev/null 2>&1 || { bad=1; echo "     broken after append, crash $n"; }
		n=$((n + 1))
	done
	return $bad
}
check "log recovers from a crash at any persist (one record per commit)" crash_log 1
check "log recovers from a crash at any persist (batches of 4)" crash_log 4

# ---- kv
K="$dir/kv"
"$kv" "$K" put alice 42 2>"$dir/k1e"
check "kv prints its path and why" has "$dir/k1e" 'granularity (flush'
"$kv" "$K" put bob 7 2>/dev/null
"$kv" "$K" put alice 43 2>/dev/null
check "kv get returns the update" sh -c "[ \"\$('$kv' '$K' get alice 2>/dev/null)\" = 43 ]"
check "kv del removes a key" "$kv" "$K" del bob
refuse "kv get of a deleted key fails" "$kv" "$K" get bob
refuse "kv del of a missing key fails" "$kv" "$K" del carol
"$kv" "$K" stats >"$dir/k2" 2>/dev/null
check "kv stats counts slots" has "$dir/k2" '1 valid, 2 tombstones'

"$kv" "$dir/kvf" fill 60 >/dev/null 2>&1
check "kv verify accepts a good table" "$kv" "$dir/kvf" verify 60
check "kv verify accepts operations done but not yet acknowledged" "$kv" "$dir/kvf" verify 40
refuse "kv verify notices acknowledged operations missing" "$kv" "$dir/kvf" verify 63
"$kv" "$dir/kvf" put k1 bogus 2>/dev/null
refuse "kv verify notices a state no run of the workload leaves" "$kv" "$dir/kvf" verify 60

crash_kv() {
	n=1 bad=0 dups=0
	while [ $n -le 70 ]; do
		rm -f "$dir/ck"
		EXAMPLE_CRASH_AFTER=$n "$kv" "$dir/ck" fill 30 >"$dir/acks" 2>/dev/null || true
		acked=$(sed -n 's/^ack //p' "$dir/acks" | tail -n 1)
		"$kv" "$dir/ck" verify "${acked:-0}" >"$dir/v" 2>&1 || { bad=1; echo "     crash after persist $n:"; cat "$dir/v"; }
		grep -q ' 1 duplicates resolved' "$dir/v" && dups=$((dups + 1))
		n=$((n + 1))
	done
	# Updates cut short between their two commits must have happened,
	# or this loop did not test what it claims to.
	[ $dups -gt 0 ] || { echo "     no crash left an update half done"; bad=1; }
	return $bad
}
check "kv recovers from a crash at any persist" crash_kv

exit $fail
