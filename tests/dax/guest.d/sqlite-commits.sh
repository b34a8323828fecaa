#!/bin/sh
# What a durable SQLite commit through the syncmap VFS costs the file
# system on ext4 -o dax, counted rather than timed: the journal commits of
# ext4 (the first number of /proc/fs/jbd2/DEV/info) and the fsync,
# fdatasync and msync calls, per transaction of syncmap-sqlite-bench's
# insert1, insert100 and update workloads in WAL mode with
# synchronous=FULL.  Each count is the difference between a run of 150 and
# a run of 50 transactions on a fresh database, so the setup (creating and
# preloading it) cancels out.
#
#   - syncmap (MAP_SYNC) must make at most 0.1 journal commits and no sync
#     call per transaction.  A database that grew page by page made about
#     2.6 journal commits per insert100 transaction: each new page's first
#     store faulted with the file's size uncommitted, and the fault
#     committed it (sqlite/file.c, size_hint()).
#   - Control: the unix VFS on the same file system must be seen making
#     at least 0.9 journal commits and one fdatasync per insert1
#     transaction (its WAL grows at every commit), or the counters count
#     nothing and the checks above prove nothing.
set -u
b=$SYNCMAP_DAX_BUILD/sqlite/syncmap-sqlite-bench
result() { echo "RESULT $*"; }

[ -x "$b" ] || { result sqlc-built FAIL "$b is not built (configure with -Dsqlite=enabled)"; exit 1; }
command -v strace >/dev/null || { result sqlc-strace FAIL "strace is missing: scripts/deps.sh installs it"; exit 1; }
dev=$(basename "$(df --output=source "$SYNCMAP_DAX_EXT4" | tail -1)")
info=$(ls -d /proc/fs/jbd2/"$dev"-* 2>/dev/null | head -1)/info
[ -r "$info" ] || { result sqlc-jbd2 FAIL "no jbd2 statistics for $dev under /proc/fs/jbd2"; exit 1; }
dir=$SYNCMAP_DAX_EXT4/sqlite-commits.$$
trap 'rm -rf "$dir"' EXIT

# run CONFIG WORKLOAD N: prints "JOURNAL_COMMITS SYNC_CALLS" for N transactions.
run() {
	rm -rf "$dir" && mkdir -p "$dir" && sync
	j0=$(awk 'NR == 1 { print $1 }' "$info")
	strace -f -qq -c -o "$dir.strace" -e trace=fsync,fdatasync,msync \
		"$b" --count "$dir" "$1" "$2" "$3" >/dev/null 2>"$dir.err" ||
		{ echo "FAILED"; cat "$dir.err" >&2; return; }
	j1=$(awk 'NR == 1 { print $1 }' "$info")
	s=$(awk '$NF ~ /^(fsync|fdatasync|msync)$/ { n += $4 } END { print n + 0 }' "$dir.strace")
	rm -f "$dir.strace" "$dir.err"
	echo "$((j1 - j0)) $s"
}

# per CONFIG WORKLOAD: "COMMITS_PER_TX SYNCS_PER_TX" over 100 transactions.
per() {
	a=$(run "$1" "$2" 50)
	z=$(run "$1" "$2" 150)
	case "$a $z" in *FAILED*) echo "FAILED"; return ;; esac
	echo "$a $z" | awk '{ printf "%.2f %.2f\n", ($3 - $1) / 100, ($4 - $2) / 100 }'
}

check() {	# NAME CONFIG WORKLOAD AWK-CONDITION-ON-c-AND-s DESCRIPTION
	v=$(per "$2" "$3")
	if [ "$v" = FAILED ]; then
		result "$1" FAIL "syncmap-sqlite-bench --count $2 $3 failed"
		return
	fi
	set -- "$@" $v
	if echo "$6 $7" | awk "{ c = \$1; s = \$2; exit !($4) }"; then
		result "$1" PASS "$2 $3: $6 journal commits, $7 sync calls per transaction ($5)"
	else
		result "$1" FAIL "$2 $3: $6 journal commits, $7 sync calls per transaction; want $5"
	fi
}

for w in insert1 insert100 update; do
	check "sqlc-syncmap-$w" syncmap-wal-full $w "c <= 0.1 && s == 0" \
		"at most 0.1 journal commits, no sync call"
done
check sqlc-control-unix unix-wal-full insert1 "c >= 0.9 && s >= 1" \
	"the control: at least 0.9 journal commits and one sync call"
