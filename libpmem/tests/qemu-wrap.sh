#!/bin/sh
# qemu-wrap.sh: stands in for qemu-system-x86_64 in tests/dax/run-guest
# (its --qemu option).  It gives the guest's last NVDIMM a label area and
# puts its memory-backend-file (a file of the host's non-DAX file
# system) in pmem=on mode, so that QEMU writes the labels the guest's
# ndctl writes with pmem_memcpy_persist(); and it runs QEMU through
# syncmap-run -- or, with PM_QEMU_SYSTEM=1, on the system's libpmem --
# under strace, which records QEMU's msync calls in $PM_QEMU_TRACE (if
# that is set: timing runs leave strace out).
set -eu
last=
for a in "$@"; do
	case $a in nvdimm,id=nv*) last=${a#nvdimm,id=nv}; last=${last%%,*} ;; esac
done
[ -n "$last" ] || { echo "qemu-wrap.sh: no NVDIMM in the command" >&2; exit 1; }
n=$#
while [ $n -gt 0 ]; do
	a=$1; shift; n=$((n - 1))
	case $a in
	"nvdimm,id=nv$last,"*) a="$a,label-size=128K" ;;
	"memory-backend-file,id=m$last,"*)
		# The label area comes off the top: grow the file by as much,
		# so the region keeps its aligned size.
		mib=${a##*,size=}; mib=${mib%%M*}
		path=${a##*mem-path=}; path=${path%%,*}
		truncate -s $((mib * 1024 + 128))K "$path"
		a="${a%,size=*},size=$((mib * 1024 + 128))K,pmem=on" ;;
	esac
	set -- "$@" "$a"
done
if [ "${PM_QEMU_SYSTEM:-0}" = 1 ]; then
	set -- qemu-system-x86_64 "$@"
else
	set -- "$PM_SYNCMAP_RUN" --libdir "$PM_LIBDIR" qemu-system-x86_64 "$@"
fi
[ -n "${PM_QEMU_TRACE:-}" ] || exec "$@"
exec strace -f --seccomp-bpf -e trace=msync -o "$PM_QEMU_TRACE" "$@"
