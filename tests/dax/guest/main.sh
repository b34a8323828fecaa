#!/bin/sh
# The guest half of the DAX harness, run by the initramfs inside the host's
# root (read-only over 9p).  It brings up the emulated NVDIMMs, the file
# systems on them, then does what this boot is for (SYNCMAP_DAX_MODE):
#   check     run every executable tests/dax/guest.d/*.sh
#   powercut  verify the previous boot's logs, start new workloads, and
#             wait for the host to cut the power (or stop, on the last boot)
#   run       run SYNCMAP_DAX_RUN (the harness's --run and --bench)
# Everything printed goes to the serial console, which the host reads.
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export TMPDIR=/run/tmp HOME=/run/tmp
mkdir -p "$TMPDIR"

here="$SYNCMAP_DAX_SOURCE/tests/dax"
tool_dir="$SYNCMAP_DAX_BUILD/tests/dax"
mnt=/run/dax
fresh=${SYNCMAP_DAX_FRESH:-0}

result() { echo "RESULT $*"; }
# Guest progress, stamped with the guest's uptime.
note() { echo "GUEST [$(cut -d' ' -f1 /proc/uptime)] $*"; }

# The NVDIMM regions in a stable order (by address), so that each keeps
# its role across the boots of a power-cut run.  A virtio-pmem device
# (run-guest --virtio-pmem) has a region of its own, on another bus.
regions() {
	for r in /sys/bus/nd/devices/region*; do
		case "$(readlink -f "$r")" in
		*/ACPI0012:*) printf '%d %s\n' "$(cat "$r/resource")" "${r##*/}" ;;
		esac
	done | sort -n | cut -d' ' -f2
}

# The block device of a virtio-pmem device, if the guest has one.
virtio_pmem_dev() {
	for r in /sys/bus/nd/devices/region*; do
		case "$(readlink -f "$r")" in
		*/virtio*)
			for b in "$r"/namespace*/block/pmem*; do
				[ -e "$b" ] && echo "${b##*/}" && return
			done ;;
		esac
	done
}

# Namespace N.0 is claimed by pfnN.M in fsdax mode and by daxN.M in devdax
# mode (sysfs is read directly: ndctl takes seconds per call under TCG).
ns_holder() {
	cat "/sys/bus/nd/devices/namespace$1.0/holder" 2>/dev/null
}

ns_mode() {
	case "$(ns_holder "$1")" in
	pfn*) echo fsdax ;;
	dax*) echo devdax ;;
	*) echo raw ;;
	esac
}

# The device node of namespace N.0: "pmemX" or "daxN.M".
ns_dev() {
	h=/sys/bus/nd/devices/$(ns_holder "$1")
	for d in "$h"/block/pmem* "$h"/dax*.*; do
		[ -e "$d" ] && echo "${d##*/}" && return
	done
}

# Put region $1's namespace in mode $2 unless it already is (the pfn or
# dax info block survives on the backing file across boots).
ns_setup() {
	if [ "$(ns_mode "$1")" != "$2" ]; then
		ndctl create-namespace -f -e "namespace$1.0" -m "$2" >/dev/null || return 1
	fi
	[ "$(ns_mode "$1")" = "$2" ]
}

# mount_fs NAME DEVICE TYPE OPTIONS MKFS...: make the file system on a
# fresh boot, mount it, and check the kernel took the DAX option we asked.
mount_fs() {
	name=$1 dev=/dev/$2 type=$3 opts=$4
	shift 4
	mkdir -p "$mnt/$name"
	if [ "$fresh" = 1 ] && ! "$@" "$dev" >/dev/null; then
		result "setup-$name" FAIL "mkfs $* $dev failed"
		return 1
	fi
	if ! mount -t "$type" -o "$opts" "$dev" "$mnt/$name"; then
		result "setup-$name" FAIL "mount -t $type -o $opts $dev failed"
		return 1
	fi
	got=$(awk -v m="$mnt/$name" '$2 == m { print $4 }' /proc/mounts)
	case "$opts" in
	dax|dax,*)
		case ",$got," in
		*,dax,*|*,dax=always,*) ;;
		*) result "setup-$name" FAIL "mounted without dax: $got"; return 1 ;;
		esac ;;
	esac
	note "$name: $type on $dev ($got)"
}

setup() {
	set -- $(regions)
	if [ $# -ne 6 ]; then
		result setup-nvdimm FAIL "expected 6 regions, found $#: $*"
		return 1
	fi
	r_ext4=${1#region} r_xfs=${2#region} r_devdax=${3#region}
	r_nodax=${4#region} r_inode=${5#region} r_xfsnodax=${6#region}
	ok=1
	note "regions: $*"
	for r in $r_ext4 $r_xfs $r_nodax $r_inode $r_xfsnodax; do
		ns_setup "$r" fsdax || { result "setup-region$r" FAIL "no fsdax namespace"; ok=0; }
	done
	ns_setup "$r_devdax" devdax || { result "setup-region$r_devdax" FAIL "no devdax namespace"; ok=0; }
	[ $ok = 1 ] || return 1
	note "namespaces ready"
	domain=$(cat "/sys/bus/nd/devices/region$r_ext4/persistence_domain")
	ext4mk="mkfs.ext4 -q -F -b 4096 -E nodiscard,lazy_itable_init=1,lazy_journal_init=1"
	mount_fs ext4-dax "$(ns_dev "$r_ext4")" ext4 dax $ext4mk || ok=0
	mount_fs xfs-dax "$(ns_dev "$r_xfs")" xfs dax mkfs.xfs -q -f -K -m reflink=0 || ok=0
	mount_fs ext4-nodax "$(ns_dev "$r_nodax")" ext4 dax=never $ext4mk || ok=0
	# The journaled page path's second file system: xfs, never DAX.
	mount_fs xfs-nodax "$(ns_dev "$r_xfsnodax")" xfs dax=never mkfs.xfs -q -f -K || ok=0
	# The control's workload lives here too: no one else syncs this file
	# system during a power-cut boot, and the long journal commit interval
	# keeps the kernel from doing the control's durability work for it.
	mount_fs ext4-inode "$(ns_dev "$r_inode")" ext4 dax=inode,commit=300 $ext4mk || ok=0
	mkdir -p "$mnt/tmpfs" && mount -t tmpfs -o size=64m tmpfs "$mnt/tmpfs" ||
		{ result setup-tmpfs FAIL "cannot mount tmpfs"; ok=0; }
	[ $ok = 1 ] || return 1
	# Set on every boot: after a cut the flag may be gone with the
	# uncommitted journal of this file system (that is the point of it).
	mkdir -p "$mnt/ext4-inode/dax" "$mnt/ext4-inode/plain" &&
		"$tool_dir/dax-check" setdax "$mnt/ext4-inode/dax" || {
			result setup-inode-flag FAIL "cannot set FS_XFLAG_DAX on $mnt/ext4-inode/dax"
			return 1
		}
	export SYNCMAP_DAX_EXT4="$mnt/ext4-dax"
	export SYNCMAP_DAX_XFS="$mnt/xfs-dax"
	export SYNCMAP_DAX_NODAX="$mnt/ext4-nodax"
	export SYNCMAP_DAX_XFS_NODAX="$mnt/xfs-nodax"
	export SYNCMAP_DAX_INODE="$mnt/ext4-inode"
	export SYNCMAP_DAX_INODE_ON="$mnt/ext4-inode/dax"
	export SYNCMAP_DAX_INODE_OFF="$mnt/ext4-inode/plain"
	export SYNCMAP_DAX_TMPFS="$mnt/tmpfs"
	export SYNCMAP_DAX_DEVDAX="/dev/$(ns_dev "$r_devdax")"
	export SYNCMAP_DAX_DOMAIN="$domain"
	export SYNCMAP_DAX_TOOLS="$tool_dir"
	export SYNCMAP_DAX_VIRTIO_PMEM="$(virtio_pmem_dev)"
	note "setup done: domain=$domain devdax=$SYNCMAP_DAX_DEVDAX"
}

teardown() {
	sync
	for m in ext4-dax xfs-dax ext4-nodax ext4-inode xfs-nodax tmpfs; do
		umount "$mnt/$m" 2>/dev/null
	done
}

run_checks() {
	for s in "${SYNCMAP_DAX_CHECKS:-$here/guest.d}"/${SYNCMAP_DAX_ONLY:-*.sh}; do
		[ -x "$s" ] || { note "skipping $s: not executable"; continue; }
		n=${s##*/}
		echo "BEGIN $n"
		out=$TMPDIR/$n.out
		t0=$(cut -d' ' -f1 /proc/uptime)
		timeout "${SYNCMAP_DAX_SCRIPT_TIMEOUT:-600}" "$s" >"$out" 2>&1
		rc=$?
		t1=$(cut -d' ' -f1 /proc/uptime)
		cat "$out"
		echo "END $n rc=$rc results=$(grep -c '^RESULT ' "$out") seconds=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')"
	done
}

# Tag, target, program and how of each power-cut workload of run $1, from
# the list the host resolved (tests/dax/powercut.list).
workloads() {
	grep -v '^#' "$SYNCMAP_DAX_WORKLOADS" | while read -r tag where prog how; do
		case "$where" in
		ext4) target=$SYNCMAP_DAX_EXT4/$tag-run-$1 ;;
		xfs) target=$SYNCMAP_DAX_XFS/$tag-run-$1 ;;
		nodax) target=$SYNCMAP_DAX_NODAX/$tag-run-$1 ;;
		xfsnodax) target=$SYNCMAP_DAX_XFS_NODAX/$tag-run-$1 ;;
		control) target=${SYNCMAP_DAX_CONTROL:-$SYNCMAP_DAX_INODE_ON}/$tag-run-$1 ;;
		inodeplain) target=$SYNCMAP_DAX_INODE_OFF/$tag-run-$1 ;;
		devdax) target=$SYNCMAP_DAX_DEVDAX ;;
		*) result "powercut-$tag" FAIL "unknown place $where"; continue ;;
		esac
		echo "$tag $target $prog $how"
	done
}

acked() {
	eval "echo \${SYNCMAP_DAX_ACKED_$(echo "$1" | tr - _):-0}"
}

# SYNCMAP_DAX_HOLD_DIRTY=1: no background writeback in this boot, so that
# only what a program makes durable itself survives the cut (the page-path
# control of the journal's power cuts must lose what it did not persist).
hold_dirty() {
	echo 0 >/proc/sys/vm/dirty_writeback_centisecs &&
	echo 8640000 >/proc/sys/vm/dirty_expire_centisecs &&
	echo 90 >/proc/sys/vm/dirty_background_ratio &&
	echo 95 >/proc/sys/vm/dirty_ratio ||
		{ result "powercut-hold-dirty-boot$SYNCMAP_DAX_BOOT" FAIL "cannot turn writeback off"; return 1; }
	note "writeback held off: dirty_writeback_centisecs=0, dirty_expire_centisecs=8640000"
}

powercut() {
	boot=$SYNCMAP_DAX_BOOT
	# The run to verify: the previous boot's, unless the host says which
	# (after a boot cut during its replay, the same run again).
	prev=${SYNCMAP_DAX_VERIFY_RUN:-$((boot - 1))}
	if [ "${SYNCMAP_DAX_HOLD_DIRTY:-0}" = 1 ]; then
		hold_dirty || return 1
	fi
	[ "${SYNCMAP_DAX_REPLAY_CUT:-0}" = 1 ] && note "verifying run $prev: the host cuts the power during a replay"
	if [ "$prev" -ge 1 ]; then
		workloads "$prev" | while read -r tag target prog how; do
			"$prog" verify "$target" "$tag" "$prev" "$(acked "$tag")" "$how"
		done
	fi
	note "verified run $prev"
	if [ "${SYNCMAP_DAX_CUT:-0}" != 1 ]; then
		note "last boot: no new workload"
		[ "${SYNCMAP_DAX_CHECK_LAST:-0}" = 1 ] && run_checks
		return 0
	fi
	# Keep only the log just verified, so the file systems never fill.
	for d in "$SYNCMAP_DAX_EXT4" "$SYNCMAP_DAX_XFS" "${SYNCMAP_DAX_NODAX:-}" \
		 "${SYNCMAP_DAX_INODE_ON:-}" "${SYNCMAP_DAX_INODE_OFF:-}" \
		 "${SYNCMAP_DAX_XFS_NODAX:-}" "${SYNCMAP_DAX_CONTROL:-}"; do
		[ -n "$d" ] || continue
		for old in "$d"/*-run-*; do
			case "$old" in
			*"-run-$prev") ;;
			*) [ -e "$old" ] && rm -rf "$old" ;;
			esac
		done
	done
	mkdir -p /run/ready
	count=$(workloads "$boot" | wc -l)
	if [ "$count" -eq 0 ]; then
		result "powercut-start-run$boot" FAIL "no workloads in $SYNCMAP_DAX_WORKLOADS"
		return 1
	fi
	workloads "$boot" | while read -r tag target prog how; do
		[ -c "$target" ] || mkdir -p "$target"
		"$prog" "$how" "$target" "$tag" "$boot" "/run/ready/$tag" &
	done
	n=0
	while [ "$(ls /run/ready | wc -l)" -lt "$count" ]; do
		n=$((n + 1))
		if [ $n -gt 600 ]; then
			result "powercut-start-run$boot" FAIL "workloads not running after 60 s: $(ls /run/ready)"
			return 1
		fi
		sleep 0.1
	done
	note "workloads running"
	echo "CUT-READY run=$boot"
	# The host cuts the power somewhere in here.
	sleep 3600
}

# The CXL guest (run-guest --cxl) has a setup of its own.
if [ "${SYNCMAP_DAX_MACHINE:-nvdimm}" = cxl ]; then
	. "$here/guest/cxl.sh"
	setup() { setup_cxl; }
	teardown() { teardown_cxl; }
fi

note "mode=${SYNCMAP_DAX_MODE} boot=${SYNCMAP_DAX_BOOT:-1} fresh=$fresh"
if setup; then
	case "$SYNCMAP_DAX_MODE" in
	check) run_checks ;;
	powercut) powercut ;;
	run)
		echo "RUN-BEGIN"
		(cd "$TMPDIR" && sh -c "$SYNCMAP_DAX_RUN")
		echo "RUN-EXIT $?" ;;
	esac
fi
teardown
echo "GUEST DONE"
