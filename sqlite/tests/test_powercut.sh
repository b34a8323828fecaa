#!/bin/sh
# sqlite-powercut on the host: its two writer threads run until killed
# (SIGKILL: the page cache keeps everything, so nothing acknowledged may be
# missing), then its verifier must pass with the acknowledgements printed,
# in WAL and rollback journal mode.  The DAX suite runs the same program
# across real power cuts (tests/dax/powercut.list).
#   test_powercut.sh PROG [HOW...]      (HOW: wal, rollback, wal:journal ...;
#                                        default: wal rollback)
set -u
prog=$1
shift
[ $# -gt 0 ] || set -- wal rollback
dir=$(mktemp -d "${SYNCMAP_TEST_DIR:-${TMPDIR:-/tmp}}/sqlite-powercut.XXXXXX")
trap 'rm -rf "$dir"' EXIT
for how in "$@"; do
	d=$(echo "$how" | tr : -)
	mkdir "$dir/$d"
	"$prog" "$how" "$dir/$d" t 1 "$dir/$d.ready" >"$dir/$d.out" 2>"$dir/$d.err" &
	pid=$!
	n=0
	while [ ! -e "$dir/$d.ready" ]; do
		n=$((n + 1))
		if [ $n -gt 300 ] || ! kill -0 $pid 2>/dev/null; then
			echo "FAIL: $how: no acknowledgement after 30 s"
			cat "$dir/$d.err"
			kill -9 $pid 2>/dev/null
			exit 1
		fi
		sleep 0.1
	done
	sleep 1
	kill -9 $pid
	wait $pid 2>/dev/null
	a0=$(grep -c '^ACK t/0 ' "$dir/$d.out")
	a1=$(grep -c '^ACK t/1 ' "$dir/$d.out")
	if [ "$a0" -eq 0 ] || [ "$a1" -eq 0 ]; then
		echo "FAIL: $how: a writer acknowledged nothing in a second ($a0, $a1)"
		exit 1
	fi
	"$prog" verify "$dir/$d" t 1 "$a0,$a1" "$how" || exit 1
done
