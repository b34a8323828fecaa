# The CXL guest's setup, sourced by main.sh when run-guest --cxl booted it
# (SYNCMAP_DAX_MACHINE=cxl).  One CXL type-3 persistent-memory device,
# mem0; its region is made again on every boot (QEMU starts with the
# decoders uncommitted), its three fsdax namespaces on the first boot only
# (later boots find them in the device's labels):
#   ext4 -o dax                  SYNCMAP_DAX_EXT4
#   xfs -o dax                   SYNCMAP_DAX_XFS
#   ext4 -o dax,commit=300       SYNCMAP_DAX_CONTROL: the power-cut control's
#                                alone, so no one else's fsync commits it
# Uses main.sh's result, note, mount_fs, $mnt and $fresh.

# wait_for TENTHS CMD...: run CMD every 0.1 s until it succeeds.
wait_for() {
	n=$1
	shift
	until "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.1
	done
}

has_endpoint() { ls -d /sys/bus/cxl/devices/endpoint* >/dev/null 2>&1; }

# The nd region that the CXL region became (its path runs through the
# ACPI0017 device, the CXL root).
cxl_nd_region() {
	for r in /sys/bus/nd/devices/region*; do
		case "$(readlink -f "$r")" in
		*/ACPI0017:*) echo "${r##*/}"; return 0 ;;
		esac
	done
	return 1
}

# The block devices of region $1's fsdax namespaces, by address.
cxl_pmems() {
	for ns in /sys/bus/nd/devices/namespace${1#region}.*; do
		[ -e "$ns" ] || continue
		h=$(cat "$ns/holder" 2>/dev/null)
		case "$h" in pfn*) ;; *) continue ;; esac
		for b in /sys/bus/nd/devices/$h/block/pmem*; do
			[ -e "$b" ] && printf '%d %s\n' "$(cat "$ns/resource")" "${b##*/}"
		done
	done | sort -n | cut -d' ' -f2
}

three_pmems() { [ "$(cxl_pmems "$1" | wc -l)" -eq 3 ]; }

setup_cxl() {
	if ! wait_for 100 has_endpoint; then
		result setup-cxl FAIL "no CXL endpoint after 10 s: $(ls /sys/bus/cxl/devices 2>&1 | tr '\n' ' ')"
		return 1
	fi
	if ! out=$(cxl create-region -t pmem -d decoder0.0 -w 1 -g 256 -m mem0 2>&1); then
		result setup-cxl-region FAIL "cxl create-region: $out"
		return 1
	fi
	if ! wait_for 100 cxl_nd_region >/dev/null; then
		result setup-cxl-region FAIL "the CXL region has no nd region after 10 s"
		return 1
	fi
	region=$(cxl_nd_region)
	if [ "$fresh" = 1 ]; then
		# -M mem: the page map in RAM; in the emulated window its
		# set-up takes a minute under TCG.  xfs needs 300 MiB or more.
		for size in 256M 512M ""; do
			if ! out=$(ndctl create-namespace -r "$region" -m fsdax -M mem \
					${size:+-s "$size"} 2>&1); then
				result setup-cxl-namespace FAIL "ndctl create-namespace -r $region ${size:+-s $size}: $out"
				return 1
			fi
		done
	fi
	if ! wait_for 100 three_pmems "$region"; then
		result setup-cxl-namespace FAIL "$region has not three fsdax namespaces: $(cxl_pmems "$region" | tr '\n' ' ')"
		return 1
	fi
	set -- $(cxl_pmems "$region")
	note "CXL $region: $*"
	ok=1
	ext4mk="mkfs.ext4 -q -F -b 4096 -E nodiscard,lazy_itable_init=1,lazy_journal_init=1"
	mount_fs ext4-dax "$1" ext4 dax $ext4mk || ok=0
	mount_fs xfs-dax "$2" xfs dax mkfs.xfs -q -f -K -m reflink=0 || ok=0
	mount_fs ext4-control "$3" ext4 dax,commit=300 $ext4mk || ok=0
	mkdir -p "$mnt/tmpfs" && mount -t tmpfs -o size=64m tmpfs "$mnt/tmpfs" ||
		{ result setup-tmpfs FAIL "cannot mount tmpfs"; ok=0; }
	[ $ok = 1 ] || return 1
	mkdir -p "$mnt/ext4-control/control"
	export SYNCMAP_DAX_EXT4="$mnt/ext4-dax"
	export SYNCMAP_DAX_XFS="$mnt/xfs-dax"
	export SYNCMAP_DAX_CONTROL="$mnt/ext4-control/control"
	export SYNCMAP_DAX_TMPFS="$mnt/tmpfs"
	export SYNCMAP_DAX_CXL_REGION="$region"
	export SYNCMAP_DAX_DOMAIN="$(cat "/sys/bus/nd/devices/$region/persistence_domain")"
	export SYNCMAP_DAX_TOOLS="$tool_dir"
	note "setup done: CXL $region domain=$SYNCMAP_DAX_DOMAIN"
}

teardown_cxl() {
	sync
	for m in ext4-dax xfs-dax ext4-control tmpfs; do
		umount "$mnt/$m" 2>/dev/null
	done
}
