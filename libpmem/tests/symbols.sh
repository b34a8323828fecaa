#!/bin/sh
# symbols.sh LIB EXPECTED_LIST [--control]
# LIB must: have the soname libpmem.so.1; export exactly the functions of
# EXPECTED_LIST, each at version LIBPMEM_1.0, and nothing else; and need
# no libpmem.so.1 itself (neither a NEEDED entry nor anything ldd
# resolves to a libpmem.so.1 other than LIB).
# --control runs the same checks on a library that needs libpmem.so.1
# (the caller expects failure).
set -eu
lib=$1 list=$2
fail=0
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libpmem.so.1 ] || { echo "soname is '$soname'"; fail=1; }
if readelf -d "$lib" | grep -q 'NEEDED.*\[libpmem\.so'; then
	echo "$lib needs libpmem.so: the real libpmem would load beside it"; fail=1
fi
if ldd "$lib" | grep -q 'libpmem\.so\.1 =>'; then
	echo "ldd resolves a libpmem.so.1 for $lib:"; ldd "$lib" | grep libpmem; fail=1
fi
got=$(objdump -T "$lib" | awk '$2 == "g" && $4 != "*UND*" && $NF != $(NF-1) {print $(NF-1), $NF}' |
	grep -v '^LIBPMEM_1.0 LIBPMEM_1.0$' | sort)
want=$(sed 's/^/LIBPMEM_1.0 /' "$list" | sort)
if [ "$got" != "$want" ]; then
	echo "exports differ from $list (- expected, + found):"
	printf '%s\n' "$want" >/tmp/symbols.want.$$
	printf '%s\n' "$got" >/tmp/symbols.got.$$
	diff /tmp/symbols.want.$$ /tmp/symbols.got.$$ || true
	rm -f /tmp/symbols.want.$$ /tmp/symbols.got.$$
	fail=1
fi
n=$(printf '%s\n' "$got" | grep -c .)
echo "$n functions at LIBPMEM_1.0"
exit $fail
