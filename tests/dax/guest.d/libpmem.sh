#!/bin/sh
# Programs nobody here wrote, on the libpmem.so.1 replacement (libpmem/),
# on a real MAP_SYNC kernel, started with syncmap-run as a user would.
#
#   - Debian's fio, libpmem engine, 4 KiB random writes verified with
#     crc32c, on ext4 -o dax and xfs -o dax.  Passes only if fio exits 0
#     with every byte written and verified, fio's process had the
#     replacement loaded and no other libpmem (/proc/PID/maps), the kernel
#     mapped fio's file with MAP_SYNC (VmFlags "sf" in /proc/PID/smaps),
#     and syncmap-probe says the file is on the cache-line path (byte where
#     the regions read cpu_cache): the path the replacement's
#     pmem_map_file() takes for a MAP_SYNC file.
#   - The check of the loaded library has a control: the same fio run on
#     Debian's libpmem must be told apart.
#   - Debian's pmempool creates a libpmemobj pool on each file system and
#     Debian's libpmemobj runs 40 transactions on it (libpmem/tests/obj_tx.c),
#     reopens and checks it; pmempool check agrees.  Passes only if
#     pmem_persist came from the replacement, the pool's mapping is
#     MAP_SYNC and pmem_is_pmem() says 1 for it.
set -u
b=$SYNCMAP_DAX_BUILD
lib=$b/libpmem
run=$lib/syncmap-run
tx=$lib/tests/pm-obj-tx
probe=$b/tools/syncmap-probe
result() { echo "RESULT $*"; }

for x in "$run" "$lib/libpmem.so.1" "$tx" "$probe"; do
	[ -e "$x" ] || { result libpmem-built FAIL "$x is not built (configure with -Dlibpmem=enabled)"; exit 1; }
done
for p in fio pmempool; do
	command -v $p >/dev/null || { result libpmem-$p FAIL "$p is missing: scripts/deps.sh installs it"; exit 1; }
done
want=cache_line
[ "$SYNCMAP_DAX_DOMAIN" = cpu_cache ] && want=byte
unset PMEM_IS_PMEM_FORCE LD_LIBRARY_PATH
work=$TMPDIR/libpmem.$$
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
since() { echo "$1 $(cut -d' ' -f1 /proc/uptime)" | awk '{ printf "%.1f", $2 - $1 }'; }

# watch PID FILE OUT: while PID lives, read its smaps until they show its
# mapping of FILE; keep the libpmem objects it had mapped (OUT.libs) and
# that mapping's VmFlags (OUT.flags).  One awk a round: the mapping lives
# only while fio does I/O, and a process start is slow under TCG.
watch() {
	: >"$3.s"
	while [ -d "/proc/$1" ]; do
		awk -v f="$2" '/^[0-9a-f]+-[0-9a-f]+ / {
				in_f = ($NF == f)
				if ($NF ~ /libpmem\.so/) print "LIB " $NF
			}
			in_f && /^VmFlags:/ { print "FLAGS " $0; found = 1 }
			END { exit !found }' "/proc/$1/smaps" >>"$3.s" 2>/dev/null && break
	done
	sed -n 's/^LIB //p' "$3.s" | sort -u >"$3.libs"
	sed -n 's/^FLAGS //p' "$3.s" | tail -n 1 >"$3.flags"
}

# fio_on NAME DIR SIZE replacement|system: runs fio on DIR/pm-fio; prints
# why it is wrong, or nothing.
fio_on() {
	f=$2/pm-fio out=$work/$1 size=$3
	rm -f "$f"
	case $4 in
	replacement) set -- "$run" --libdir "$lib" fio ;;
	system) set -- fio ;;
	esac
	# At most 1,000 writes a second (reads unlimited), so that the mapping lives for two
	# seconds or more (the figure printed is capped likewise).
	"$@" --thread --name=pm --ioengine=libpmem --filename="$f" --size="$size" --bs=4k \
		--rate_iops=,1000 --rw=randwrite --verify=crc32c --verify_fatal=1 --do_verify=1 \
		--output-format=json --output="$out.json" >"$out.log" 2>&1 &
	pid=$!
	watch $pid "$f" "$out"
	wait $pid
	rc=$?
	rm -f "$f"
	bad=
	[ $rc -eq 0 ] || bad="fio exited $rc: $(tail -n 3 "$out.log" | tr '\n' ' ')"
	n=$(grep -c "\"io_bytes\" : $size,\$" "$out.json" 2>/dev/null)
	[ "${n:-0}" -ge 2 ] || bad="$bad; fio did not write and verify all $size bytes"
	grep -q '"error" : 0,$' "$out.json" 2>/dev/null || bad="$bad; fio reported an error"
	libs=$(tr '\n' ' ' <"$out.libs")
	case "$libs" in
	"$(readlink -f "$lib/libpmem.so.1") ") ;;
	"") bad="$bad; no libpmem.so.1 seen in fio's maps" ;;
	*) bad="$bad; fio loaded $libs, not the replacement $lib/libpmem.so.1 alone" ;;
	esac
	grep -q ' sf' "$out.flags" || bad="$bad; fio's mapping of $f is not MAP_SYNC ($(cat "$out.flags"))"
	iops=$(awk '/"write" : \{/ { w = 1 } w && /"iops" :/ { sub(/\..*/, "", $3); print $3; exit }' \
		"$out.json" 2>/dev/null)
	echo "${bad#; }" >"$out.bad"
	echo "${iops:-?}" >"$out.iops"
}

for fs in ext4 xfs; do
	case $fs in
	ext4) dir=$SYNCMAP_DAX_EXT4 ;;
	xfs) dir=$SYNCMAP_DAX_XFS ;;
	esac
	name=libpmem-fio-$fs-dax
	t0=$(cut -d' ' -f1 /proc/uptime)
	got=$("$probe" "$dir/pm-fio" 2>&1 | sed -n 's/^ *granularity *//p')
	fio_on "$name" "$dir" 8388608 replacement
	bad=$(cat "$work/$name.bad")
	[ "$got" = "$want" ] || bad="${bad:+$bad; }syncmap-probe gives $got, not $want, for $dir/pm-fio"
	if [ -z "$bad" ]; then
		result "$name" PASS "8 MiB randwrite verified with crc32c at $(cat "$work/$name.iops")" \
			"IOPS (capped at 1,000), replacement loaded, MAP_SYNC, $want, $(since "$t0") s"
	else
		result "$name" FAIL "$bad"
	fi
done

# The control of the checks above: Debian's libpmem, same file system.
name=libpmem-fio-control-system
fio_on "$name" "$SYNCMAP_DAX_EXT4" 2097152 system
case "$(cat "$work/$name.bad")" in
*"not the replacement"*) result "$name" PASS "Debian's libpmem ($(tr '\n' ' ' <"$work/$name.libs"| sed 's/ $//')) is told apart" ;;
*) result "$name" FAIL "the check did not tell Debian's libpmem apart: $(cat "$work/$name.bad")" ;;
esac

for fs in ext4 xfs; do
	case $fs in
	ext4) dir=$SYNCMAP_DAX_EXT4 ;;
	xfs) dir=$SYNCMAP_DAX_XFS ;;
	esac
	name=libpmem-pmemobj-$fs-dax pool=$dir/pm-pool
	t0=$(cut -d' ' -f1 /proc/uptime)
	rm -f "$pool"
	out=$( { "$run" --libdir "$lib" pmempool create obj --layout=pm-tx --size=16M "$pool" &&
		"$run" --libdir "$lib" "$tx" "$pool" 40 &&
		"$run" --libdir "$lib" pmempool check "$pool"; } 2>&1)
	rc=$?
	rm -f "$pool"
	echo "$out" | sed "s/^/$name: /"
	if [ $rc -ne 0 ]; then
		result "$name" FAIL "exit $rc: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	elif ! echo "$out" | grep -q "^pmem_persist from $lib/libpmem.so.1\$"; then
		result "$name" FAIL "libpmemobj did not run on $lib/libpmem.so.1"
	elif ! echo "$out" | grep -q '^pool mapping: MAP_SYNC yes, pmem_is_pmem 1$'; then
		result "$name" FAIL "the pool is not a MAP_SYNC mapping pmem_is_pmem accepts:" \
			"$(echo "$out" | grep '^pool mapping' | head -n 1)"
	elif ! echo "$out" | grep -q '^40 transactions committed in all$'; then
		result "$name" FAIL "expected 40 transactions"
	else
		result "$name" PASS "pmempool create, 40 transactions reopened and checked," \
			"pmempool check, MAP_SYNC, $(since "$t0") s"
	fi
done
exit 0
