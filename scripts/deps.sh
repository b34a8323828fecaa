#!/bin/sh
# Install what building and testing libsyncmap needs on Debian 12 (run as
# root).  Safe to run again: apt-get skips what is already there.
set -eu
pkgs="build-essential meson ninja-build pkg-config clang
      libcmocka-dev libpmem-dev libpmem2-dev libndctl-dev libdaxctl-dev libcxl-dev
      qemu-system-x86 busybox-static kmod cpio ndctl daxctl
      e2fsprogs xfsprogs valgrind python3 libclang-rt-14-dev
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-powerpc64le-linux-gnu
      libc6-dev-ppc64el-cross gcc-s390x-linux-gnu libc6-dev-s390x-cross
      gcc-riscv64-linux-gnu libc6-dev-riscv64-cross qemu-user qemu-system-arm
      qemu-efi-aarch64 dpkg-dev debhelper lintian fakeroot patch
      fio libpmemobj-dev pmdk-tools strace libsqlite3-dev sqlite3"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi
