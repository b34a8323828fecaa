#!/bin/sh
# A poisoned block under a MAP_SYNC mapping: mark the sectors of one page
# of a file bad in the pmem disk's badblocks list, so that a DAX fault on
# it raises SIGBUS, and check that the library's safe access turns that
# into -EIO without taking over the application's SIGBUS handling.
set -u
tool=$SYNCMAP_DAX_TOOLS/dax-poison
[ -x "$tool" ] || { echo "RESULT poison-tool FAIL $tool is not built"; exit 0; }
f=$SYNCMAP_DAX_EXT4/.poisoned
# Four pages of 0x5a, written and made durable before the poison.
head -c 16384 /dev/zero | tr '\0' 'Z' >"$f" && sync
dev=$(awk -v m="$SYNCMAP_DAX_EXT4" '$2 == m { print $1 }' /proc/mounts)
block=$(filefrag -v -b4096 "$f" 2>/dev/null |
	awk '$1 == "0:" { sub(/\.\..*/, "", $4); print $4; exit }')
case "$block" in
''|*[!0-9]*)
	echo "RESULT poison-inject FAIL no extent for $f from filefrag (dev=$dev)"
	exit 0 ;;
esac
# Page 2 of the file: 4 KiB blocks are 8 sectors each.
sector=$(( (block + 2) * 8 ))
if ! echo "$sector 8" >"/sys/block/${dev##*/}/badblocks"; then
	echo "RESULT poison-inject FAIL cannot write /sys/block/${dev##*/}/badblocks"
	exit 0
fi
echo "RESULT poison-inject PASS sectors $sector+8 of ${dev##*/} marked bad"
out=$("$tool" "$f" 2 2>&1)
rc=$?
echo "$out"
# A SIGBUS that escaped the library would kill the program before it
# reports: five results, and a clean exit, or the check fails.
n=$(echo "$out" | grep -c '^RESULT poison-')
[ "$rc" -eq 0 ] && [ "$n" -eq 5 ] ||
	echo "RESULT poison-complete FAIL dax-poison exited $rc after $n of 5 results"
# The file stays: no later write of this boot may land on those sectors.
exit 0
