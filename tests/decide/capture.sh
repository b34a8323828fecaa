#!/bin/sh
# In the DAX guest (tests/decide/capture-fixtures boots it): capture, for
# every configuration the guest has, what the library reads about a file
# there and what the kernel answers, then print the captures as one
# base64 tarball between FIXTURES-BEGIN and FIXTURES-END.
set -u
tool=$SYNCMAP_DAX_BUILD/tests/decide/decide-capture
here=$SYNCMAP_DAX_SOURCE/tests/decide
out=$TMPDIR/fixtures
case "$SYNCMAP_DAX_DOMAIN" in
cpu_cache) dom=cpu ;;
*) dom=mem-ctrl ;;
esac
mkdir -p "$out"

cap() {
	name=$1-$dom
	mkdir -p "$out/$name"
	"$tool" "$2" "$out/$name" && python3 "$here/mirror.py" "$out/$name/trace" "$out/$name/tree"
}

file() {
	head -c 65536 /dev/zero >"$1" && sync
}

file "$SYNCMAP_DAX_EXT4/cap" && cap ext4-dax "$SYNCMAP_DAX_EXT4/cap"
cap ext4-dax-new "$SYNCMAP_DAX_EXT4/not-yet"
file "$SYNCMAP_DAX_XFS/cap" && cap xfs-dax "$SYNCMAP_DAX_XFS/cap"
cap devdax "$SYNCMAP_DAX_DEVDAX"
file "$SYNCMAP_DAX_INODE_ON/cap" && cap ext4-inode-flagged "$SYNCMAP_DAX_INODE_ON/cap"
file "$SYNCMAP_DAX_INODE_OFF/cap" && cap ext4-inode-unflagged "$SYNCMAP_DAX_INODE_OFF/cap"
cap ext4-inode-unflagged-new "$SYNCMAP_DAX_INODE_OFF/not-yet"
file "$SYNCMAP_DAX_NODAX/cap" && cap ext4-dax-never "$SYNCMAP_DAX_NODAX/cap"
file "$SYNCMAP_DAX_TMPFS/cap" && cap tmpfs "$SYNCMAP_DAX_TMPFS/cap"

# A raw-mode namespace: the one under the dax=never file system, turned
# back to raw (this boot's DIMMs are fresh and thrown away afterwards).
dev=$(awk -v m="$SYNCMAP_DAX_NODAX" '$2 == m { print $1 }' /proc/mounts)
umount "$SYNCMAP_DAX_NODAX"
for ns in /sys/bus/nd/devices/namespace*.0; do
	h=$(cat "$ns/holder" 2>/dev/null)
	[ -n "$h" ] && [ -e "/sys/bus/nd/devices/$h/block/${dev##*/}" ] && break
done
if ndctl create-namespace -f -e "${ns##*/}" -m raw >/dev/null; then
	raw=$(ls "$ns/block" 2>/dev/null | head -n 1)
	mkdir -p /run/raw
	if mkfs.ext4 -q -F -b 4096 "/dev/$raw" && mount -t ext4 "/dev/$raw" /run/raw; then
		file /run/raw/cap && cap raw-namespace /run/raw/cap
		umount /run/raw
	else
		echo "RESULT capture-raw-namespace-$dom FAIL no ext4 on /dev/$raw"
	fi
else
	echo "RESULT capture-raw-namespace-$dom FAIL ndctl could not make ${ns##*/} raw"
fi

# virtio-pmem, when the guest has one.
if [ -n "${SYNCMAP_DAX_VIRTIO_PMEM:-}" ]; then
	mkdir -p /run/vpmem
	if mkfs.ext4 -q -F -b 4096 "/dev/$SYNCMAP_DAX_VIRTIO_PMEM" &&
	   { mount -t ext4 -o dax "/dev/$SYNCMAP_DAX_VIRTIO_PMEM" /run/vpmem ||
	     mount -t ext4 "/dev/$SYNCMAP_DAX_VIRTIO_PMEM" /run/vpmem; }; then
		grep " /run/vpmem " /proc/mounts
		file /run/vpmem/cap && cap virtio-pmem /run/vpmem/cap
		umount /run/vpmem
	else
		echo "RESULT capture-virtio-pmem-$dom FAIL no ext4 on /dev/$SYNCMAP_DAX_VIRTIO_PMEM"
	fi
fi

echo "FIXTURES-BEGIN"
tar -C "$out" -czf - . | base64 -w 0
echo
echo "FIXTURES-END"
