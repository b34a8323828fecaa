#!/bin/busybox sh
# /init of the DAX guest's initramfs.  Loads the NVDIMM, file system and
# 9p modules, mounts the host's root (read-only) and runs the guest half
# of the harness inside it, then powers off.  The kernel command line
# names the boot's settings file: syncmap_dax=PATH (a host path).
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /proc /sys /dev /host
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do
	insmod "/lib/modules/$m" 2>/dev/null
done
cfg=$(sed -n 's/.*syncmap_dax=\([^ ]*\).*/\1/p' /proc/cmdline)
if mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose host /host; then
	mount --bind /dev /host/dev
	mount --bind /proc /host/proc
	mount --bind /sys /host/sys
	mount -t tmpfs -o mode=0755 run /host/run
	echo "GUEST booted in $(cut -d' ' -f1 /proc/uptime) s, kernel $(uname -r)"
	chroot /host /bin/sh -c ". '$cfg' && exec /bin/sh \"\$SYNCMAP_DAX_SOURCE/tests/dax/guest/main.sh\""
	echo "GUEST main.sh exited with $?"
else
	echo "GUEST cannot mount the host's root over 9p"
fi
sync
poweroff -f
