#!/bin/sh
# The guest half of the arm64 DAX checks (tests/ports/dax-arm64/run-guest),
# run by busybox sh in the arm64 root.  Three emulated NVDIMMs, in address
# order: ext4 -o dax, device DAX, ext4 dax=inode,commit=300 (the power
# cut's control, and the fallback).  SYNCMAP_DAX_MODE:
#   cut     fresh DIMMs: check the paths the library takes, start the
#           power-cut workloads and wait for the host to cut the power
#   verify  after the cut: verify what the workloads acknowledged
set -u
mkdir -p /run/bin /run/tmp
/bin/busybox --install -s /run/bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/run/bin
export TMPDIR=/run/tmp HOME=/run/tmp
tools=$SYNCMAP_DAX_BUILD/tests/dax
probe=$SYNCMAP_DAX_BUILD/tools/syncmap-probe
mnt=/run/dax
fresh=$SYNCMAP_DAX_FRESH

result() { echo "RESULT $*"; }
note() { echo "GUEST [$(cut -d' ' -f1 /proc/uptime)] $*"; }

regions() {
	for r in /sys/bus/nd/devices/region*; do
		printf '%d %s\n' "$(cat "$r/resource")" "${r##*/}"
	done | sort -n | cut -d' ' -f2
}
ns_holder() { cat "/sys/bus/nd/devices/namespace$1.0/holder" 2>/dev/null; }
ns_mode() {
	case "$(ns_holder "$1")" in
	pfn*) echo fsdax ;; dax*) echo devdax ;; *) echo raw ;;
	esac
}
ns_dev() {
	h=/sys/bus/nd/devices/$(ns_holder "$1")
	for d in "$h"/block/pmem* "$h"/dax*.*; do
		[ -e "$d" ] && echo "${d##*/}" && return
	done
}
ns_setup() {
	[ "$(ns_mode "$1")" = "$2" ] ||
		ndctl create-namespace -f -e "namespace$1.0" -m "$2" >/dev/null
	[ "$(ns_mode "$1")" = "$2" ]
}
mount_fs() {	# NAME DEV OPTIONS
	mkdir -p "$mnt/$1"
	if [ "$fresh" = 1 ] && ! mkfs.ext4 -q -F -b 4096 -E nodiscard,lazy_itable_init=1,lazy_journal_init=1 "/dev/$2" >/dev/null; then
		result "arm64-setup-$1" FAIL "mkfs.ext4 /dev/$2 failed"
		return 1
	fi
	mount -t ext4 -o "$3" "/dev/$2" "$mnt/$1" ||
		{ result "arm64-setup-$1" FAIL "mount -o $3 /dev/$2 failed"; return 1; }
	note "$1: ext4 on /dev/$2 ($(awk -v m="$mnt/$1" '$2 == m { print $4 }' /proc/mounts))"
}

setup() {
	set -- $(regions)
	[ $# -eq 3 ] || { result arm64-setup-nvdimm FAIL "expected 3 regions, found $#: $*"; return 1; }
	r_ext4=${1#region} r_devdax=${2#region} r_inode=${3#region}
	for r in $r_ext4 $r_inode; do
		ns_setup "$r" fsdax || { result "arm64-setup-region$r" FAIL "no fsdax namespace"; return 1; }
	done
	ns_setup "$r_devdax" devdax || { result arm64-setup-devdax FAIL "no devdax namespace"; return 1; }
	note "namespaces ready"
	mount_fs ext4-dax "$(ns_dev "$r_ext4")" dax || return 1
	mount_fs ext4-inode "$(ns_dev "$r_inode")" dax=inode,commit=300 || return 1
	mkdir -p "$mnt/tmpfs" && mount -t tmpfs -o size=16m tmpfs "$mnt/tmpfs"
	mkdir -p "$mnt/ext4-inode/dax" "$mnt/ext4-inode/plain" &&
		"$tools/dax-check" setdax "$mnt/ext4-inode/dax" ||
		{ result arm64-setup-inode-flag FAIL "cannot set FS_XFLAG_DAX"; return 1; }
	EXT4=$mnt/ext4-dax DEVDAX=/dev/$(ns_dev "$r_devdax")
	INODE_ON=$mnt/ext4-inode/dax INODE_OFF=$mnt/ext4-inode/plain
	export SYNCMAP_DAX_DOMAIN
	SYNCMAP_DAX_DOMAIN=$(cat "/sys/bus/nd/devices/region$r_ext4/persistence_domain")
	note "setup done: domain=$SYNCMAP_DAX_DOMAIN devdax=$DEVDAX"
}

# The probe's JSON for a path, one line.
probe_json() { "$probe" --json "$@" 2>&1 | head -1; }

checks() {
	if [ "$SYNCMAP_DAX_DOMAIN" = memory_controller ]; then
		result arm64-persistence-domain PASS "memory_controller"
	else
		result arm64-persistence-domain FAIL "want memory_controller, got $SYNCMAP_DAX_DOMAIN"
	fi
	f=$(sed -n 's/^Features[[:space:]]*: //p' /proc/cpuinfo | head -1)
	case " $f " in
	*" dcpop "*) result arm64-cpu-dcpop PASS "Features: $f" ;;
	*) result arm64-cpu-dcpop FAIL "no dcpop in Features: $f" ;;
	esac
	# MAP_SYNC, and cache lines written back with DC CVAP.
	SYNCMAP_DAX_WANT_INSN=dc_cvap "$tools/dax-check" map arm64-map-ext4-dax "$EXT4/map" sync
	SYNCMAP_DAX_WANT_INSN=dc_cvap "$tools/dax-check" map arm64-map-devdax "$DEVDAX" sync
	j=$(probe_json "$EXT4/map")
	line=$(echo "$j" | sed -n 's/.*"cpu_line":\([0-9]*\).*/\1/p')
	case "$j" in
	*'"granularity":"cache_line"'*'"insn":"dc_cvap"'*) result arm64-probe-ext4-dax PASS "cache_line, dc_cvap, cpu_line=$line" ;;
	*) result arm64-probe-ext4-dax FAIL "$j" ;;
	esac
	# The fallbacks, each with its cause.
	"$tools/dax-check" map arm64-map-inode-unflagged "$INODE_OFF/map" page inode_dax_flag_unset
	"$tools/dax-check" map arm64-map-tmpfs "$mnt/tmpfs/map" page fs_not_dax_capable
	SYNCMAP_NO_DC_CVAP=1 SYNCMAP_NO_DC_CVAC=1 \
		"$tools/dax-check" map arm64-map-no-insn "$EXT4/noinsn" page cpu_cannot_flush
	j=$(SYNCMAP_NO_DC_CVAP=1 SYNCMAP_NO_DC_CVAC=1 probe_json "$EXT4/noinsn")
	case "$j" in
	*'"cause":"cpu_cannot_flush"'*'"advice":"'*SYNCMAP_NO_*)
		result arm64-probe-no-insn PASS "advice: $(echo "$j" | sed -n 's/.*"advice":"\([^"]*\)".*/\1/p')" ;;
	*) result arm64-probe-no-insn FAIL "$j" ;;
	esac
}

# Tag, target and how of each power-cut workload of run $1.
workloads() {
	echo "arm64-ext4-dax $EXT4/wl-run-$1 append"
	echo "arm64-devdax $DEVDAX append"
	echo "arm64-control $INODE_ON/ctl-run-$1 control"
}

start_workloads() {
	mkdir -p /run/ready
	workloads 1 | while read -r tag target how; do
		[ -c "$target" ] || mkdir -p "$target"
		"$tools/dax-workload" "$how" "$target" "$tag" 1 "/run/ready/$tag" &
	done
	n=0
	while [ "$(ls /run/ready | wc -l)" -lt 3 ]; do
		n=$((n + 1))
		[ $n -gt 600 ] && { result arm64-powercut-start FAIL "workloads not running: $(ls /run/ready)"; return 1; }
		sleep 0.1
	done
	note "workloads running"
	echo "CUT-READY run=1"
	sleep 3600
}

verify() {
	workloads 1 | while read -r tag target how; do
		acked=$(eval "echo \${SYNCMAP_DAX_ACKED_$(echo "$tag" | tr - _):-0}")
		"$tools/dax-workload" verify "$target" "$tag" 1 "$acked" "$how"
	done
}

note "mode=$SYNCMAP_DAX_MODE boot=$SYNCMAP_DAX_BOOT fresh=$fresh"
if setup; then
	case "$SYNCMAP_DAX_MODE" in
	cut) checks; start_workloads ;;
	verify) verify ;;
	esac
fi
sync
umount "$mnt/ext4-dax" "$mnt/ext4-inode" "$mnt/tmpfs" 2>/dev/null
echo "GUEST DONE"
