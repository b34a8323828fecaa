#!/bin/sh
# In the CXL guest (tests/decide/capture-fixtures --cxl boots it): capture
# what the library reads about a file on ext4 and xfs -o dax over the CXL
# region, as capture.sh does on the NVDIMM guest, and with each capture
# the whole of /sys/bus/cxl (every device and its attributes), so that a
# gatherer that reads CXL facts finds them in the tree.  Prints the
# captures as one base64 tarball between FIXTURES-BEGIN and FIXTURES-END.
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

echo "FIXTURES-BEGIN"
tar -C "$out" -czf - . | base64 -w 0
echo
echo "FIXTURES-END"
