#!/bin/sh
# The examples on a real MAP_SYNC kernel.
#
# With no arguments (check mode): counter runs on every file system the
# guest mounts and must report the path the library should take there
# (cache_line, or byte when the persistence domain is cpu_cache, on DAX;
# the page path with the matching cause elsewhere); on ext4 -o dax, log
# and kv must work and recover from a crash at every persist of a short
# run.
#
# With arguments, the same shapes as dax-workload, so that main.sh can
# run log and kv as power-cut workloads:
#   examples.sh examples-log|examples-kv TARGET TAG RUN [READY]
#       start the example's "fill" in the directory TARGET and print
#       "ACK TAG N" once N operations are durable (N counts from 0, as
#       dax-workload's ids do); READY is created after the first one;
#       idle instead of exiting if the log fills up
#   examples.sh verify TARGET TAG RUN ACKED examples-log|examples-kv
#       after the cut: the example's own verify, as one RESULT line
# examples-log-journal and examples-kv-journal are the same with
# EXAMPLE_JOURNAL=1 (the example opens its file with SYNCMAP_JOURNAL); their
# verify, whose open replays the journal, runs between "REPLAY-BEGIN TAG"
# and "REPLAY-END TAG" lines, so that the host can cut the power in it.
set -u
ex=${SYNCMAP_DAX_BUILD:-build}/examples

result() { echo "RESULT $*"; }

file_of() {	# file_of examples-log|examples-kv[-journal] TARGET
	case "$1" in
	examples-log|examples-log-journal) echo "$2/log" ;;
	examples-kv|examples-kv-journal) echo "$2/kv" ;;
	*) return 1 ;;
	esac
}

# The journal variants: the example opens with SYNCMAP_JOURNAL.
journal_of() {
	case "$1" in
	*-journal) export EXAMPLE_JOURNAL=1 ;;
	*) unset EXAMPLE_JOURNAL ;;
	esac
}

powercut_writer() {
	how=$1 target=$2 tag=$3 ready=${5:-}
	mkdir -p "$target"
	file=$(file_of "$how" "$target") || exit 2
	journal_of "$how"
	# The serial console is slow: an ACK line the host has not read yet
	# at the cut does not count, so pass on only every EVERY-th (each
	# acknowledges everything before it too) to keep the lag short.
	case "$how" in
	examples-log*) every=4; set -- "$ex/log" -s 64 "$file" fill 1000000000 8 ;;
	examples-kv*) every=16; set -- "$ex/kv" "$file" fill 1000000000 ;;
	esac
	# Line-buffered: an acknowledgement must reach the console before the
	# cut, not sit in the example's stdio buffer.
	stdbuf -oL "$@" 2>&1 | awk -v tag="$tag" -v ready="$ready" -v every="$every" '
		/^ack [0-9]+$/ {
			if (n++ % every == 0) { printf "ACK %s %d\n", tag, $2 - 1; fflush() }
			if (!seen && ready != "") { printf "" > ready; close(ready) }
			seen = 1; next
		}
		{ printf "WORKLOAD %s %s\n", tag, $0; fflush() }'
	echo "WORKLOAD $tag idle: the example stopped"
	# A workload that ends must not look like a crash to the harness.
	while :; do sleep 3600; done
}

powercut_verify() {
	target=$1 tag=$2 run=$3 acked=$4 how=$5
	file=$(file_of "$how" "$target") || exit 2
	journal_of "$how"
	name="powercut-$tag-run$run"
	if [ ! -e "$file" ]; then
		if [ "$acked" -eq 0 ]; then
			result "$name" PASS "no operation was acknowledged and none is there"
		else
			result "$name" FAIL "$file is missing after $acked acknowledged operations"
		fi
		return
	fi
	[ -n "${EXAMPLE_JOURNAL:-}" ] && echo "REPLAY-BEGIN $tag"
	case "$how" in
	examples-log*) out=$("$ex/log" "$file" verify "$acked" 2>/dev/null) ;;
	examples-kv*) out=$("$ex/kv" "$file" verify "$acked" 2>/dev/null) ;;
	esac
	rc=$?
	[ -n "${EXAMPLE_JOURNAL:-}" ] && echo "REPLAY-END $tag"
	if [ $rc -eq 0 ]; then
		result "$name" PASS "acked=$acked lost=0 $out"
	else
		result "$name" FAIL "acked=$acked $(echo "$out" | tr '\n' ' ')"
	fi
}

case "${1:-}" in
examples-log|examples-kv|examples-log-journal|examples-kv-journal) powercut_writer "$@" ;;
verify) shift; powercut_verify "$@"; exit 0 ;;
"") ;;
*) echo "usage: $0 [examples-log|examples-kv TARGET TAG RUN [READY] | verify TARGET TAG RUN ACKED HOW]" >&2
   exit 2 ;;
esac

# ---- check mode

# An example that is not built fails the check (it did not run); every
# missing one is named.
missing=
for p in counter log kv; do
	[ -x "$ex/$p" ] || missing="$missing $p"
done
if [ -n "$missing" ]; then
	result examples-built FAIL "not run:$missing not built in $ex (configure with -Dexamples=true)"
	exit 1
fi

case "${SYNCMAP_DAX_DOMAIN:-}" in
cpu_cache) dax_gran=byte ;;
*) dax_gran=cache_line ;;
esac

work=${TMPDIR:-/tmp}/examples.$$
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

# counter_on NAME DIR GRANULARITY CAUSE: counts, and takes the right path
counter_on() {
	name=$1 dir=$2 gran=$3 cause=$4 f=$2/counter
	rm -f "$f"
	a=$("$ex/counter" "$f" 2>&1) && b=$("$ex/counter" "$f" 1000 2>&1) || {
		result "example-counter-$name" FAIL "$(echo "$a $b" | tr '\n' ' ')"
		return
	}
	got=$(echo "$a" | sed -n 's/^granularity: *\([a-z_]*\).*/\1/p')
	why=$(echo "$a" | sed -n 's/^cause: *//p')
	cost=$(echo "$b" | sed -n 's/.*(\(.*per persist\)).*/\1/p')
	if [ "$got" != "$gran" ] || [ "$why" != "$cause" ]; then
		result "example-counter-$name" FAIL "got $got/$why, expected $gran/$cause"
	elif ! echo "$a" | grep -q 'counter: *0 -> 1 ' || ! echo "$b" | grep -q 'counter: *1 -> 1001 '; then
		result "example-counter-$name" FAIL "did not count: $(echo "$a $b" | grep counter: | tr '\n' ' ')"
	else
		result "example-counter-$name" PASS "$got/$why, $cost"
	fi
}

# log_crashes|kv_crashes NAME DIR: cut the example short after each of
# its persists in turn; its verify must then accept what is left.
log_crashes() {
	# A new 1 MiB log (2 persists), a new epoch (1), two batches of three
	# records (2 commits each): 7 persists, cut after each and one more.
	name=$1 dir=$2 bad= n=1
	while [ $n -le 8 ]; do
		f=$dir/crash.log
		rm -f "$f"
		acked=$(EXAMPLE_CRASH_AFTER=$n "$ex/log" -s 1 "$f" fill 6 3 2>/dev/null |
			sed -n 's/^ack //p' | tail -n 1)
		"$ex/log" "$f" verify "${acked:-0}" >/dev/null 2>&1 || bad="$bad $n"
		n=$((n + 1))
	done
	rm -f "$dir/crash.log"
	if [ -z "$bad" ]; then
		result "example-log-crash-$name" PASS "recovered after a crash at each of 8 persists"
	else
		result "example-log-crash-$name" FAIL "verify failed after a crash at persist$bad"
	fi
}

kv_crashes() {
	# A new table (2 persists), five inserts (2 each), an update (3: the
	# 14th persist leaves two copies), a delete (1): 16 persists.
	name=$1 dir=$2 bad= n=1 dups=0
	while [ $n -le 16 ]; do
		f=$dir/crash.kv
		rm -f "$f"
		acked=$(EXAMPLE_CRASH_AFTER=$n "$ex/kv" "$f" fill 8 2>/dev/null |
			sed -n 's/^ack //p' | tail -n 1)
		"$ex/kv" "$f" verify "${acked:-0}" >"$work/v" 2>&1 || bad="$bad $n"
		grep -q ' 1 duplicates resolved' "$work/v" && dups=$((dups + 1))
		n=$((n + 1))
	done
	rm -f "$dir/crash.kv"
	[ "$dups" -gt 0 ] || bad="$bad (no crash left an update half done)"
	if [ -z "$bad" ]; then
		result "example-kv-crash-$name" PASS "recovered after a crash at each of 16 persists"
	else
		result "example-kv-crash-$name" FAIL "verify failed after a crash at persist$bad"
	fi
}

log_on() {
	name=$1 dir=$2 gran=$3 f=$2/wal
	rm -f "$f"
	out=$("$ex/log" -s 1 "$f" append one two 2>&1; "$ex/log" "$f" fill 40 8 2>&1;
	      "$ex/log" "$f" verify 42 2>&1)
	if ! echo "$out" | grep -q "$gran granularity"; then
		result "example-log-$name" FAIL "not on the $gran path: $(echo "$out" | head -n 1)"
	elif ! echo "$out" | grep -q '^verify: 42 records .*: ok$'; then
		result "example-log-$name" FAIL "$(echo "$out" | grep -v '^ack' | tr '\n' ' ')"
	else
		result "example-log-$name" PASS "$gran, 42 records appended and recovered"
	fi
	rm -f "$f"
}

kv_on() {
	name=$1 dir=$2 gran=$3 f=$2/kv
	rm -f "$f"
	"$ex/kv" "$f" put alice 1 2>"$work/kv.err" && "$ex/kv" "$f" put alice 2 2>/dev/null &&
		"$ex/kv" "$f" put bob 3 2>/dev/null && "$ex/kv" "$f" del bob 2>/dev/null
	v=$("$ex/kv" "$f" get alice 2>/dev/null)
	if ! grep -q "$gran granularity" "$work/kv.err"; then
		result "example-kv-$name" FAIL "not on the $gran path: $(head -n 1 "$work/kv.err")"
	elif [ "$v" != 2 ] || "$ex/kv" "$f" get bob >/dev/null 2>&1; then
		result "example-kv-$name" FAIL "alice=$v, bob should be gone"
	else
		result "example-kv-$name" PASS "$gran, put/update/delete/get"
	fi
	rm -f "$f"
}

run_all() {	# run_all NAME DIR GRANULARITY CAUSE basic|full
	[ -n "$2" ] && [ -d "$2" ] || { result "example-$1" FAIL "no directory for $1"; return; }
	d=$2/examples
	mkdir -p "$d"
	counter_on "$1" "$d" "$3" "$4"
	if [ "$5" = full ]; then
		log_on "$1" "$d" "$3"
		kv_on "$1" "$d" "$3"
		log_crashes "$1" "$d"
		kv_crashes "$1" "$d"
	fi
	rm -rf "$d"
}

# Each process start is slow under TCG, and the whole suite has a budget:
# counter (path and cause) everywhere, log and kv in full on the MAP_SYNC
# path, which the host cannot test.  The page path's recovery is covered
# by the doc suite on the host.
run_all ext4-dax "${SYNCMAP_DAX_EXT4:-}" "$dax_gran" none full
run_all xfs-dax "${SYNCMAP_DAX_XFS:-}" "$dax_gran" none basic
run_all ext4-nodax "${SYNCMAP_DAX_NODAX:-}" page fs_not_dax_mounted basic
run_all tmpfs "${SYNCMAP_DAX_TMPFS:-}" page fs_not_dax_capable basic
exit 0
