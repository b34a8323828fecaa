#!/bin/sh
# The CXL guest (run-guest --cxl): ext4 and xfs -o dax over a CXL
# persistent-memory region.  The region reads memory_controller, so the
# library must take MAP_SYNC with cache-line write-back, the kernel must
# agree (smaps VmFlags "sf", statx DAX), and the probe must name the
# region's bus as CXL and follow it to the CXL region and memory device.
# dax-cxl boots with 256 MiB of RAM marked soft reserved, so dax_hmem
# makes a volatile device DAX under platform device hmem.N: there the
# probe must answer the page path for cause volatile_memory, and an open
# with SYNCMAP_REQUIRE_SYNC must fail with that cause.
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

# expect NAME PATH KEY=VALUE|KEY~TEXT...: the probe's JSON must hold each
# pair (VALUE read as JSON when it parses, else as a string; "any": the
# key exists; "absent": it does not; KEY~TEXT: a string value containing
# TEXT).
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
    eq, tilde = want.find("="), want.find("~")
    sub = tilde >= 0 and (eq < 0 or tilde < eq)
    key, _, val = want.partition("~" if sub else "=")
    try:
        jval = json.loads(val)
    except ValueError:
        jval = val
    if not sub and val == "absent":
        if key in obj:
            bad.append("%s=%r (want no such key)" % (key, obj[key]))
    elif key not in obj:
        bad.append("%s missing" % key)
    elif sub and not (isinstance(obj[key], str) and val in obj[key]):
        bad.append("%s=%r (want it to contain %r)" % (key, obj[key], val))
    elif not sub and val != "any" and obj[key] != jval:
        bad.append("%s=%r (want %s)" % (key, obj[key], val))
print("RESULT %s %s" % (name, "FAIL " + ", ".join(bad) if bad else
      "PASS granularity=%s cause=%s bus_provider=%s region=%s cxl_region=%s" % (
      obj.get("granularity"), obj.get("cause"), obj.get("bus_provider"),
      obj.get("region"), obj.get("cxl_region"))))
' "$name" "$@"
}

want="map_sync=true granularity=cache_line cause=null advice=null nvdimm_bus=true"
want="$want bus_provider=CXL persistence_domain=memory_controller namespace_mode=fsdax"
want="$want mount_dax=always statx_dax=true target=file region=$SYNCMAP_DAX_CXL_REGION"
# The library's own CXL facts, against what run-guest's QEMU command line
# and guest/cxl.sh made: the CXL region (the only one on /sys/bus/cxl),
# paired with the nd region by address, memory device mem0 with serial
# 0xc0ffee, 1 GiB of pmem and no ram.  QEMU 7.2's command effects log
# does not list Get Health Info, so the kernel refuses it (ENOTTY, errno
# 25) and the device reports no dirty-shutdown count.
cxlr=$(ls /sys/bus/cxl/devices | grep '^region' | head -n 1)
want="$want cxl_region=${cxlr:-none} cxl_region_found_by=resource cxl_region_mode=pmem"
want="$want cxl_pmem_size=1073741824 cxl_ram_size=0 dirty_shutdown=null volatile_memory=absent"
for fs in ext4 xfs; do
	case $fs in ext4) d=$SYNCMAP_DAX_EXT4 ;; xfs) d=$SYNCMAP_DAX_XFS ;; esac
	head -c 65536 /dev/zero >"$d/cxl-probe" && sync
	expect "cxl-probe-$fs-dax" "$d/cxl-probe" $want fs_type=$fs \
		cxl_memdevs=mem0 cxl_serials=0xc0ffee \
		"cxl_health~Get Health Info of mem0 failed" "cxl_health~(errno 25)" \
		"memory~CXL memory device mem0, serial 0xc0ffee"
	rm -f "$d/cxl-probe"
done
head -c 65536 /dev/zero >"$SYNCMAP_DAX_EXT4/cxl-report" && sync
report=$("$tool" "$SYNCMAP_DAX_EXT4/cxl-report" 2>&1)
rm -f "$SYNCMAP_DAX_EXT4/cxl-report"
echo "$report" | sed 's/^/PROBE-REPORT /'
line=$(echo "$report" | grep '^  memory: ')
case "$line" in
"  memory: CXL memory device mem0, serial 0xc0ffee, "*" through ${cxlr:-none} "*)
	echo "RESULT cxl-probe-report-memory PASS $line" ;;
*)
	echo "RESULT cxl-probe-report-memory FAIL the text report has no memory: line naming mem0, 0xc0ffee and ${cxlr:-a CXL region}: ${line:-none}" ;;
esac

# The volatile device DAX: dax_hmem's, under platform device hmem.N.
vol=
for d in /sys/bus/dax/devices/dax*; do
	case $(readlink -f "$d") in
	/sys/devices/platform/hmem.*) vol=/dev/${d##*/}; break ;;
	esac
done
if [ -z "$vol" ] || [ ! -c "$vol" ]; then
	echo "RESULT cxl-volatile-devdax FAIL no device DAX under an hmem platform device (the kernel command line should hold memmap=...+0xefffffff): $(ls /sys/bus/dax/devices 2>&1 | tr '\n' ' ')"
else
	echo "RESULT cxl-volatile-devdax PASS $vol under $(readlink -f "/sys/bus/dax/devices/${vol#/dev/}")"
	expect cxl-volatile-probe "$vol" target=device_dax map_sync=false granularity=page \
		cause=volatile_memory volatile_memory=dax_hmem persist_path~page \
		"memory~volatile memory: device DAX of dax_hmem"
	"$tool" "$vol" 2>&1 | sed 's/^/PROBE-REPORT /'
	$c require-sync cxl-volatile-require-sync "$vol" volatile_memory
fi
rm -f "$SYNCMAP_DAX_EXT4/cxl-map" "$SYNCMAP_DAX_XFS/cxl-map"
exit 0
