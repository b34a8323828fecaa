#!/bin/sh
# syncmap-probe --json in every configuration of the guest: the answer
# (MAP_SYNC, granularity, write-back instruction), the cause and advice where the answer is
# no, and the device facts behind it.  Byte granularity is right only
# where the region backing the file reads cpu_cache.
set -u
tool=$SYNCMAP_DAX_BUILD/tools/syncmap-probe
domain=$SYNCMAP_DAX_DOMAIN
[ -x "$tool" ] || { echo "RESULT probe-tool FAIL $tool is not built"; exit 0; }

if [ "$domain" = cpu_cache ]; then
	gran=byte insn=none
else
	gran=cache_line insn=any
fi

# expect NAME PATH KEY=VALUE...: probe PATH and compare JSON fields.  A
# value of "any" checks the key exists; "~TEXT" checks a string contains
# TEXT; null/true/false and numbers compare as JSON.
expect() {
	name=$1 path=$2
	shift 2
	out=$("$tool" --json "$path" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "RESULT $name FAIL exit $rc: $out"
		return
	fi
	echo "$out" | python3 -c '
import json, sys
name = sys.argv[1]
try:
    obj = json.loads(sys.stdin.read())
except ValueError as e:
    print("RESULT %s FAIL not JSON: %s" % (name, e)); sys.exit(0)
bad = []
for want in sys.argv[2:]:
    key, _, val = want.partition("=")
    if key not in obj:
        bad.append("%s missing" % key); continue
    got = obj[key]
    if val == "any":
        continue
    if val.startswith("~"):
        ok = isinstance(got, str) and val[1:] in got
    elif val in ("null", "true", "false") or val.isdigit():
        ok = got == json.loads(val)
    else:
        ok = got == val
    if not ok:
        bad.append("%s=%r (want %s)" % (key, got, val))
if bad:
    print("RESULT %s FAIL %s; cause=%s advice=%s" % (name, ", ".join(bad),
          obj.get("cause"), obj.get("advice")))
else:
    print("RESULT %s PASS granularity=%s cause=%s" % (name, obj.get("granularity"),
          obj.get("cause")))
' "$name" "$@"
}

sync_ok="map_sync=true granularity=$gran cause=null advice=null nvdimm_bus=true"
sync_ok="$sync_ok persistence_domain=$domain namespace_mode=fsdax region=any"
[ "$insn" = none ] && sync_ok="$sync_ok insn=none"

f=$SYNCMAP_DAX_EXT4/probe-file
head -c 65536 /dev/zero >"$f"
expect probe-ext4-dax "$f" $sync_ok fs_type=ext4 mount_dax=always statx_dax=true \
	target=file device_info=libndctl badblocks_in_file=0
expect probe-ext4-dax-new "$SYNCMAP_DAX_EXT4/probe-not-yet" $sync_ok target=new_file
[ -e "$SYNCMAP_DAX_EXT4/probe-not-yet" ] &&
	echo "RESULT probe-new-leaves-nothing FAIL the probe created the file"

f=$SYNCMAP_DAX_XFS/probe-file
head -c 65536 /dev/zero >"$f"
expect probe-xfs-dax "$f" $sync_ok fs_type=xfs mount_dax=always statx_dax=true

f=$SYNCMAP_DAX_NODAX/probe-file
head -c 65536 /dev/zero >"$f"
expect probe-ext4-nodax "$f" map_sync=false granularity=page insn=none \
	cause=fs_not_dax_mounted "advice=~dax=never" "advice=~mount -o dax" \
	mount_dax=never statx_dax=false namespace_mode=fsdax

f=$SYNCMAP_DAX_INODE_OFF/probe-file
head -c 65536 /dev/zero >"$f"
expect probe-ext4-inode-unflagged "$f" map_sync=false granularity=page \
	cause=inode_dax_flag_unset "advice=~chattr +x" mount_dax=inode inode_dax_flag=false
expect probe-ext4-inode-unflagged-new "$SYNCMAP_DAX_INODE_OFF/probe-not-yet" \
	map_sync=false cause=inode_dax_flag_unset directory_dax_flag=false target=new_file

f=$SYNCMAP_DAX_INODE_ON/probe-file
head -c 65536 /dev/zero >"$f"
expect probe-ext4-inode-flagged "$f" $sync_ok mount_dax=inode inode_dax_flag=true \
	statx_dax=true
expect probe-ext4-inode-flagged-new "$SYNCMAP_DAX_INODE_ON/probe-not-yet" $sync_ok \
	directory_dax_flag=true target=new_file

expect probe-devdax "$SYNCMAP_DAX_DEVDAX" map_sync=true granularity=$gran cause=null \
	target=device_dax namespace_mode=devdax persistence_domain=$domain align=any

expect probe-tmpfs "$SYNCMAP_DAX_TMPFS/probe-file" map_sync=false granularity=page \
	cause=fs_not_dax_capable "advice=~tmpfs" nvdimm_bus=true

# The readable report says the same thing in words.
out=$("$tool" "$SYNCMAP_DAX_EXT4/probe-file" 2>&1)
case "$out" in
*"result: MAP_SYNC"*"persistence_domain"*) echo "RESULT probe-text PASS" ;;
*) echo "RESULT probe-text FAIL $out" ;;
esac
for f in "$SYNCMAP_DAX_EXT4/probe-file" "$SYNCMAP_DAX_NODAX/probe-file" \
	 "$SYNCMAP_DAX_DEVDAX"; do
	"$tool" "$f" | sed 's/^/PROBE-REPORT /'
done

# Bad blocks: mark 8 sectors of one file bad through the disk's badblocks
# attribute, and the probe must count them on the device and inside that
# file, and not inside another.  The poisoned file is kept (not deleted)
# so no later write in this boot lands on those sectors; the next boot
# starts with an empty list.
bad=$SYNCMAP_DAX_EXT4/.probe-badblocks
good=$SYNCMAP_DAX_EXT4/probe-good
head -c 65536 /dev/zero >"$bad" && head -c 65536 /dev/zero >"$good" && sync
dev=$(awk -v m="$SYNCMAP_DAX_EXT4" '$2 == m { print $1 }' /proc/mounts)
block=$(filefrag -v -b4096 "$bad" 2>/dev/null |
	awk '$1 == "0:" { sub(/\.\..*/, "", $4); print $4; exit }')
case "$block" in
''|*[!0-9]*)
	echo "RESULT probe-badblocks FAIL no extent for $bad from filefrag (dev=$dev)" ;;
*)
	sector=$((block * 8 + 8))
	if echo "$sector 8" >"/sys/block/${dev##*/}/badblocks"; then
		expect probe-badblocks-in-file "$bad" badblocks=8 badblocks_in_file=8
		expect probe-badblocks-elsewhere "$good" badblocks=8 badblocks_in_file=0
	else
		echo "RESULT probe-badblocks FAIL cannot write /sys/block/${dev##*/}/badblocks"
	fi ;;
esac
rm -f "$good"
rm -f "$SYNCMAP_DAX_EXT4/probe-file" "$SYNCMAP_DAX_XFS/probe-file" \
	"$SYNCMAP_DAX_NODAX/probe-file" "$SYNCMAP_DAX_INODE_OFF/probe-file" \
	"$SYNCMAP_DAX_INODE_ON/probe-file"
exit 0
