#!/bin/sh
# The libpmemobj power-cut workload of the DAX suite (tests/dax/powercut.list):
#   obj-powercut.sh HOW TARGET TAG RUN READY
#   obj-powercut.sh verify TARGET TAG RUN ACKED HOW
# runs pm-obj-powercut (obj_powercut.c) on the pool TARGET/pool.  Meson
# copies this script beside the program, so that the list names it as a
# build: program and leaves it out where the program is not built.  HOW:
#   pmemobj          through syncmap-run, on the replacement libpmem.so.1
#                    (the program refuses to start on any other)
#   pmemobj-control  on Debian's libpmem with PMEM_IS_PMEM_FORCE=1, on a
#                    file without DAX (copied, never synced): libpmemobj
#                    then takes the pool for persistent memory and only
#                    flushes CPU caches, which makes nothing in the page
#                    cache durable; it must lose
#                    acknowledged transactions (the program refuses a pool
#                    mapped with MAP_SYNC, where it would prove nothing)
set -u
here=$(cd "$(dirname "$0")" && pwd)
lib=${here%/tests}
prog=$here/pm-obj-powercut
unset PMEM_IS_PMEM_FORCE LD_LIBRARY_PATH PM_OBJ_EXPECT_LIB PM_OBJ_EXPECT_NO_MAP_SYNC PM_OBJ_SYNC_COPY
# A new pool is a copy of one formatted at build time (see obj_powercut.c).
export PM_OBJ_TEMPLATE=$here/obj-powercut.pool
if [ "${1:-}" = verify ]; then
	[ $# -eq 6 ] || { echo "usage: $0 verify TARGET TAG RUN ACKED HOW" >&2; exit 2; }
	how=$6
	set -- verify "$2/pool" "$3" "$4" "$5"
else
	[ $# -eq 5 ] || { echo "usage: $0 HOW TARGET TAG RUN READY" >&2; exit 2; }
	how=$1
	set -- write "$2/pool" "$3" "$5"
fi
case $how in
pmemobj)
	[ "$1" = verify ] && set -- "$@" durable
	PM_OBJ_EXPECT_LIB=$lib/libpmem.so.1 PM_OBJ_SYNC_COPY=1 exec "$lib/syncmap-run" --libdir "$lib" "$prog" "$@" ;;
pmemobj-control)
	[ "$1" = verify ] && set -- "$@" control
	# Paced: it needs no speed to lose, and takes less CPU from the others.
	PMEM_IS_PMEM_FORCE=1 PM_OBJ_EXPECT_NO_MAP_SYNC=1 PM_OBJ_PACE_US=2000 exec "$prog" "$@" ;;
*)
	echo "$0: unknown workload $how" >&2; exit 2 ;;
esac
