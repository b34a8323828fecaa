#!/bin/sh
# SPDX-License-Identifier: MIT
# qemu-icount.sh: stands in for qemu-system-x86_64 in tests/dax/run-guest
# (its --qemu option) and adds -icount: the guest's clock then advances by
# the instructions the guest executes (2^SHIFT ns each, PM_ICOUNT_SHIFT,
# default 0), not by the host's time, so a timing taken in the guest
# (fio's IOPS) counts emulated instructions and no longer depends on how
# busy the host is.  sleep=off: an idle guest's clock jumps to its next
# timer instead of waiting.
#   tests/dax/run-guest --build-dir build --qemu libpmem/tests/qemu-icount.sh --run CMD
set -eu
exec "${PM_QEMU:-qemu-system-x86_64}" "$@" -icount "shift=${PM_ICOUNT_SHIFT:-0},sleep=off"
