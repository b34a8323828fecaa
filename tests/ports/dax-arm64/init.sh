#!/bin/busybox sh
# /init of the arm64 DAX guest's initramfs.  Loads the NVDIMM, ext4 and
# 9p modules, mounts the arm64 root (Debian's arm64 packages, unpacked on
# the host) and the source tree over 9p, both read-only, and runs the
# guest half (guest.sh) chrooted into that root, then powers off.  The
# kernel command line names the boot's settings file: syncmap_dax=PATH,
# a path inside the source tree.
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /proc /sys /dev /newroot
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do
	insmod "/lib/modules/$m" 2>/dev/null
done
cfg=$(sed -n 's/.*syncmap_dax=\([^ ]*\).*/\1/p' /proc/cmdline)
tree=$(sed -n 's/.*syncmap_tree=\([^ ]*\).*/\1/p' /proc/cmdline)
o=trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose
if mount -t 9p -o "$o" root /newroot && mount -t 9p -o "$o" tree "/newroot$tree"; then
	mount --bind /dev /newroot/dev
	mount --bind /proc /newroot/proc
	mount --bind /sys /newroot/sys
	mount -t tmpfs -o mode=0755 run /newroot/run
	echo "GUEST booted in $(cut -d' ' -f1 /proc/uptime) s, kernel $(uname -r)"
	chroot /newroot /bin/busybox sh -c ". '$cfg' && exec /bin/busybox sh \"\$SYNCMAP_DAX_SOURCE/tests/ports/dax-arm64/guest.sh\""
	echo "GUEST guest.sh exited with $?"
else
	echo "GUEST cannot mount the arm64 root or the tree over 9p"
fi
sync
poweroff -f
