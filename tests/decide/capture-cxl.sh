#!/bin/sh
# In the CXL guest (tests/decide/capture-fixtures --cxl boots it): capture
# what the library reads about a file on ext4 and xfs -o dax over the CXL
# region, as capture.sh does on the NVDIMM guest, and with each capture
# the whole of /sys/bus/cxl (every device and its attributes), so that a
# gatherer that reads CXL facts finds them in the tree.  When the guest was
# booted with soft-reserved RAM (capture-fixtures --cxl passes
# memmap=256M%0x20000000-1+0xefffffff), dax_hmem has made a volatile device
# DAX under platform device hmem.0: that is captured too, as
# devdax-volatile-hmem, with /sys/bus/dax and hmem.0 in its tree.  Prints
# the captures as one base64 tarball between FIXTURES-BEGIN and FIXTURES-END.
set -u
tool=$SYNCMAP_DAX_BUILD/tests/decide/decide-capture
here=$SYNCMAP_DAX_SOURCE/tests/decide
out=$TMPDIR/fixtures
mkdir -p "$out"

# The CXL bus, as mirror.py's trace: each device listed, each of its
# attributes read (one directory level down too: pmem/, ram/, firmware/).
cxl_trace() {
	echo "d /sys/bus/cxl/devices"
	for d in /sys/bus/cxl/devices/*; do
		r=$(readlink -f "$d")
		echo "l $d"
		echo "d $r"
		for f in "$r"/* "$r"/*/*; do
			case "$f" in
			*/subsystem/*|*/driver/*|*/port/*|*/power/*) continue ;;
			esac
			[ -f "$f" ] && [ -r "$f" ] && head -c 1 "$f" >/dev/null 2>&1 &&
				echo "r $f"
			[ -d "$f" ] && [ ! -L "$f" ] && echo "d $f"
		done
	done
	return 0
}

cap() {
	name=$1-cxl
	mkdir -p "$out/$name"
	"$tool" "$2" "$out/$name" &&
		python3 "$here/mirror.py" "$out/$name/trace" "$out/$name/tree" &&
		cxl_trace >"$TMPDIR/cxl-trace" &&
		python3 "$here/mirror.py" "$TMPDIR/cxl-trace" "$out/$name/tree"
}

file() {
	head -c 65536 /dev/zero >"$1" && sync
}

file "$SYNCMAP_DAX_EXT4/cap" && cap ext4-dax "$SYNCMAP_DAX_EXT4/cap"
file "$SYNCMAP_DAX_XFS/cap" && cap xfs-dax "$SYNCMAP_DAX_XFS/cap"

# The device DAX bus and the hmem platform device, as cxl_trace does.
dax_trace() {
	echo "d /sys/bus/dax/devices"
	for d in /sys/bus/dax/devices/* /sys/devices/platform/hmem.0; do
		r=$(readlink -f "$d")
		echo "l $d"
		echo "d $r"
		for f in "$r"/* "$r"/*/*; do
			case "$f" in
			*/subsystem/*|*/driver/*|*/power/*) continue ;;
			esac
			[ -f "$f" ] && [ -r "$f" ] && head -c 1 "$f" >/dev/null 2>&1 &&
				echo "r $f"
			[ -d "$f" ] && [ ! -L "$f" ] && echo "d $f"
		done
	done
	echo "r /proc/iomem"
	return 0
}

dax=$(readlink -f /sys/bus/dax/devices/dax0.0 2>/dev/null)
case "$dax" in
/sys/devices/platform/hmem.*)
	name=devdax-volatile-hmem
	mkdir -p "$out/$name"
	"$tool" /dev/dax0.0 "$out/$name" &&
		python3 "$here/mirror.py" "$out/$name/trace" "$out/$name/tree" &&
		dax_trace >"$TMPDIR/dax-trace" &&
		python3 "$here/mirror.py" "$TMPDIR/dax-trace" "$out/$name/tree"
	;;
*)
	echo "RESULT capture-devdax-volatile-hmem FAIL no dax0.0 under an hmem platform device (${dax:-none})"
	;;
esac

echo "FIXTURES-BEGIN"
tar -C "$out" -czf - . | base64 -w 0
echo
echo "FIXTURES-END"
