#!/bin/sh
# The CXL guest (run-guest --cxl): ext4 and xfs -o dax over a CXL
# persistent-memory region.  The region reads memory_controller, so the
# library must take MAP_SYNC with cache-line write-back, the kernel must
# agree (smaps VmFlags "sf", statx DAX), and the probe must name the
# region's bus as CXL.
set -u
tool=$SYNCMAP_DAX_BUILD/tools/syncmap-probe
c=$SYNCMAP_DAX_TOOLS/dax-check
[ -x "$tool" ] || { echo "RESULT cxl-probe-tool FAIL $tool is not built"; exit 0; }

if [ "$SYNCMAP_DAX_DOMAIN" = memory_controller ]; then
	echo "RESULT cxl-domain PASS $SYNCMAP_DAX_CXL_REGION reads memory_controller"
else
	echo "RESULT cxl-domain FAIL $SYNCMAP_DAX_CXL_REGION reads $SYNCMAP_DAX_DOMAIN, not memory_controller"
fi

$c map cxl-map-ext4-dax "$SYNCMAP_DAX_EXT4/cxl-map" sync
$c map cxl-map-xfs-dax "$SYNCMAP_DAX_XFS/cxl-map" sync

# expect NAME PATH KEY=VALUE...: the probe's JSON must hold each pair
# (a value of "any": the key exists).
expect() {
	name=$1 path=$2
	shift 2
	out=$("$tool" --json "$path" 2>&1)
	rc=$?
	echo "$out" | sed "s/^/PROBE-JSON $name /"
	if [ $rc -ne 0 ]; then
		echo "RESULT $name FAIL exit $rc"
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
        bad.append("%s missing" % key)
    elif val != "any" and obj[key] != (json.loads(val) if val in ("null", "true", "false") else val):
        bad.append("%s=%r (want %s)" % (key, obj[key], val))
print("RESULT %s %s" % (name, "FAIL " + ", ".join(bad) if bad else
      "PASS granularity=%s bus_provider=%s region=%s" % (obj.get("granularity"),
      obj.get("bus_provider"), obj.get("region"))))
' "$name" "$@"
}

want="map_sync=true granularity=cache_line cause=null advice=null nvdimm_bus=true"
want="$want bus_provider=CXL persistence_domain=memory_controller namespace_mode=fsdax"
want="$want mount_dax=always statx_dax=true target=file region=$SYNCMAP_DAX_CXL_REGION"
# The library's own CXL facts (the memory device behind the region, its
# health) are read from /sys/bus/cxl and libcxl where the library has
# them; when it does, they are checked here, beside bus_provider.
for fs in ext4 xfs; do
	case $fs in ext4) d=$SYNCMAP_DAX_EXT4 ;; xfs) d=$SYNCMAP_DAX_XFS ;; esac
	head -c 65536 /dev/zero >"$d/cxl-probe" && sync
	expect "cxl-probe-$fs-dax" "$d/cxl-probe" $want fs_type=$fs
	rm -f "$d/cxl-probe"
done
"$tool" "$SYNCMAP_DAX_EXT4" | sed 's/^/PROBE-REPORT /'
rm -f "$SYNCMAP_DAX_EXT4/cxl-map" "$SYNCMAP_DAX_XFS/cxl-map"
exit 0
